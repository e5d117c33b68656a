import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshDatabase, type FreshDatabase } from './fresh-database.js';
import { PASSWORD, unique } from './harness.js';
import { startServer, type ServerProcess } from './process.js';
import { until } from './until.js';

const databaseUrl = process.env.DATABASE_URL;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly: every line is a HELP, a TYPE, or
 * a sample of a family whose TYPE came before; anything else fails the test.
 */
function parsePrometheus(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        expect(comment[3]).toMatch(/^(counter|gauge|histogram|summary|untyped)$/);
        types.set(comment[2], comment[3]);
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const [, name, labelText = '', valueText] = match;
    const family = [...types.keys()].find((type) => name === type || /^_(bucket|sum|count|total|created)$/.test(name.slice(type.length)));
    if (!family) throw new Error(`a sample before its TYPE line: ${line}`);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const label = LABEL.exec(labelText);
      if (!label) throw new Error(`bad labels in ${line}`);
      labels[label[1]] = label[2].replace(/\\(.)/g, (_all, escaped: string) => (escaped === 'n' ? '\n' : escaped));
    }
    // Prometheus reads values with Go's ParseFloat, which takes NaN in any case (prom-client writes "Nan").
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : /^nan$/i.test(valueText) ? NaN : Number(valueText);
    if (Number.isNaN(value) && !/^nan$/i.test(valueText)) throw new Error(`bad value in ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The value of the one sample with this name and (at least) these labels; undefined when absent. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

async function scrape(server: ServerProcess): Promise<Sample[]> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

async function graphql(server: ServerProcess, body: { query: string; variables?: unknown }, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { response, body: (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] } };
}

// The server has a database of its own, so its billing timer (every 100 ms here) only ever sees
// this file's tenants: a fresh PostgreSQL database, or a fresh PGlite directory.
let fresh: FreshDatabase | undefined;
let dataDir: string | undefined;
let server: ServerProcess;

beforeAll(async () => {
  if (databaseUrl) fresh = await createFreshDatabase(databaseUrl, 'mailadmin_observability');
  else dataDir = mkdtempSync(join(tmpdir(), 'mailadmin-observability-'));
  server = await startServer({
    ...(fresh ? { DATABASE_URL: fresh.url } : { DATA_DIR: dataDir ?? '' }),
    BILLING_INTERVAL_MS: '100',
    // Yoga logs expected errors at debug: the test checks that those lines carry the request id too.
    LOG_LEVEL: 'debug',
  });
});

afterAll(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await fresh?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('/metrics', () => {
  it('counts requests by operation name and status, GraphQL errors by code, and exposes the pool', async () => {
    const probe = { query: 'query ObservedProbe { viewer { scopes } }' };
    for (let i = 0; i < 3; i++) expect((await graphql(server, probe)).response.status).toBe(200);
    // The name comes from the document when the request does not name the operation.
    const refused = await graphql(server, { query: 'query ObservedRefused { viewer { scopes } }' }, { authorization: 'Bearer mas_nonsense' });
    expect(refused.response.status).toBe(401);
    const invalid = await graphql(server, { query: 'query ObservedInvalid { noSuchField }' });
    expect(invalid.body.errors).toHaveLength(1);

    // The request line is logged (and counted) when the response finishes, just after the client has it.
    const samples = await until('the requests to be counted', async () => {
      const scraped = await scrape(server);
      return valueOf(scraped, 'mailadmin_graphql_errors_total', { operation: 'ObservedInvalid' }) === 1 ? scraped : undefined;
    });
    const probeLabels = { route: '/graphql', operation: 'ObservedProbe', status: '200' };
    expect(valueOf(samples, 'mailadmin_http_requests_total', probeLabels)).toBe(3);
    expect(valueOf(samples, 'mailadmin_http_request_duration_seconds_count', probeLabels)).toBe(3);
    expect(valueOf(samples, 'mailadmin_http_request_duration_seconds_bucket', { ...probeLabels, le: '+Inf' })).toBe(3);
    expect(valueOf(samples, 'mailadmin_http_request_duration_seconds_sum', probeLabels)).toBeGreaterThan(0);
    expect(valueOf(samples, 'mailadmin_graphql_errors_total', { operation: 'ObservedProbe' })).toBeUndefined();
    expect(valueOf(samples, 'mailadmin_http_requests_total', { operation: 'ObservedRefused', status: '401' })).toBe(1);
    expect(valueOf(samples, 'mailadmin_graphql_errors_total', { operation: 'ObservedRefused', code: 'UNAUTHENTICATED' })).toBe(1);
    expect(valueOf(samples, 'mailadmin_graphql_errors_total', { operation: 'ObservedInvalid', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    // Node's default metrics come along.
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    if (databaseUrl) {
      expect(valueOf(samples, 'mailadmin_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
      expect(valueOf(samples, 'mailadmin_db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(0);
      expect(valueOf(samples, 'mailadmin_db_pool_waiting')).toBe(0);
    } else {
      // PGlite is one in-process connection: there is no pool to report.
      expect(samples.some((sample) => sample.name.startsWith('mailadmin_db_pool'))).toBe(false);
    }
  });

  it('counts billing runs, their duration and the renewals they charge', async () => {
    const runs = await until('a billing run', async () => {
      const value = valueOf(await scrape(server), 'mailadmin_billing_runs_total', { outcome: 'ok' });
      return value && value >= 1 ? value : undefined;
    });
    const samples = await scrape(server);
    expect(valueOf(samples, 'mailadmin_billing_run_duration_seconds_count')).toBeGreaterThanOrEqual(runs);
    expect(valueOf(samples, 'mailadmin_billing_runs_total', { outcome: 'error' })).toBe(0);
    expect(valueOf(samples, 'mailadmin_billing_charged_total')).toBe(0);

    if (databaseUrl && fresh) {
      // A paid account whose period ended: the next run charges its renewal, and the counter says so.
      const signUp = await graphql(server, {
        query: `mutation ($input: SignUpInput!) { signUp(input: $input) { ... on SignUpSuccess { token } } }`,
        variables: {
          input: {
            organizationName: unique('observed'),
            ownerAddress: `${unique('owner')}@mailadmin.test`,
            ownerDisplayName: 'Owner',
            password: PASSWORD,
            plan: 'ENTRY',
          },
        },
      });
      const token = String((signUp.body.data?.signUp as { token?: unknown }).token);
      const authorization = { authorization: `Bearer ${token}` };
      const deposit = await graphql(
        server,
        { query: `mutation { addDeposit(input: { amount: "100.00", idempotencyKey: "observed" }) { __typename } }` },
        authorization,
      );
      expect(deposit.body.data).toEqual({ addDeposit: { __typename: 'AddDepositSuccess' } });
      const created = await graphql(
        server,
        {
          query: `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename } }`,
          variables: { input: { address: `${unique('paid')}@mailadmin.test`, displayName: 'Paid', password: PASSWORD, plan: 'ENTRY' } },
        },
        authorization,
      );
      expect(created.body.data).toEqual({ createUser: { __typename: 'CreateUserSuccess' } });
      const admin = new pg.Client({ connectionString: fresh.url });
      await admin.connect();
      try {
        await admin.query(`update users set paid_through = now() - interval '1 day' where role <> 'OWNER' and plan = 'ENTRY'`);
      } finally {
        await admin.end();
      }
      await until('the renewal to be charged', async () =>
        valueOf(await scrape(server), 'mailadmin_billing_charged_total') === 1 ? true : undefined,
      );
    }
  });
});

describe('request ids', () => {
  it('echoes a sane x-request-id and writes it in every log line of that request, Yoga’s error logs included', async () => {
    const id = `probe-${unique('request')}`;
    const refused = await graphql(
      server,
      { query: 'query TracedRefused { viewer { scopes } }' },
      { 'x-request-id': id, authorization: 'Bearer mas_nonsense' },
    );
    expect(refused.response.status).toBe(401);
    expect(refused.response.headers.get('x-request-id')).toBe(id);

    const lines = await until('the request line', () => {
      const mine = server.lines.filter((line) => line.requestId === id);
      return mine.some((line) => line.msg === 'request') ? mine : undefined;
    });
    expect(lines.find((line) => line.msg === 'request')).toMatchObject({ path: '/graphql', operation: 'TracedRefused', status: 401 });
    // Yoga's own log of the refused token.
    expect(lines.find((line) => line.msg === 'expected error')).toMatchObject({ err: { type: 'UnauthenticatedError' } });
    // Every line that mentions the failure belongs to this request.
    const mentions = server.lines.filter((line) => JSON.stringify(line).includes('TracedRefused') || JSON.stringify(line).includes(id));
    expect(mentions.every((line) => line.requestId === id)).toBe(true);
  });

  it('makes a UUID when the request has no id or one that is not sane', async () => {
    const ids: string[] = [];
    for (const header of [undefined, 'has spaces in it', 'x'.repeat(129), 'semi;colon']) {
      const answer = await fetch(`${server.url}/health`, { headers: header === undefined ? {} : { 'x-request-id': header } });
      expect(answer.status).toBe(200);
      const id = answer.headers.get('x-request-id') ?? '';
      expect(id).toMatch(UUID);
      ids.push(id);
      const line = await until('the request line', () => server.lines.find((logged) => logged.requestId === id && logged.msg === 'request'));
      expect(line).toMatchObject({ path: '/health', status: 200 });
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
