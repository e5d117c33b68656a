import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { clientAddress } from '../server/context.js';
import { loginThrottles } from '../server/db/tables.js';
import { logIn } from '../server/domain/accounts.js';
import { AppError, RateLimitedError } from '../server/domain/errors.js';
import { clientKey, LOGIN_THROTTLE } from '../server/domain/throttle.js';
import { buildYoga } from '../server/yoga.js';
import { MAIL_DOMAIN, PASSWORD, startApp, unique, type Loose } from './harness.js';
import { startServer } from './process.js';

const app = await startApp();
const db = app.database.db;

// The same application behind one trusted proxy, so each request can say which client it is from.
const proxied = buildYoga({ database: app.database, config: { ...loadConfig({}), mailDomain: MAIL_DOMAIN, trustProxy: 1 } });
afterAll(() => proxied.dispose());

const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) {
  __typename
  ... on LogInSuccess { token }
  ... on RateLimitedError { retryAfter retryAfterSeconds }
  ... on Error { code message }
} }`;

const { freeFailures, firstBlockMs, maxBlockMs, windowMs } = LOGIN_THROTTLE;
const WRONG = 'not the password';

/**
 * A client no other test or run uses: on a shared PostgreSQL the counters outlive the run, so
 * clients are random IPv6 networks of the documentation prefix (each its own /64).
 */
function freshClient(): string {
  const [a, b] = [randomBytes(2).toString('hex'), randomBytes(2).toString('hex')];
  return `2001:db8:${a}:${b}::1`;
}

/** logIn over GraphQL, through the proxy that reports `client` in X-Forwarded-For. */
async function logInFrom(client: string, address: string, password: string, forwardedFor = client): Promise<Loose> {
  const response = await proxied.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ query: LOG_IN, variables: { input: { address, password } } }),
  });
  const body = (await response.json()) as { data?: { logIn?: Loose }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data?.logIn as Loose;
}

type Outcome = { result: 'OK' } | { result: 'INVALID_CREDENTIALS' } | { result: 'RATE_LIMITED'; retryAfter: Date };

/** logIn as the domain runs it, at an instant of the test's choosing. */
async function attempt(address: string, password: string, client: string | null, now: Date): Promise<Outcome> {
  try {
    await logIn(db, { address, password }, now, client);
    return { result: 'OK' };
  } catch (error) {
    if (error instanceof RateLimitedError) return { result: 'RATE_LIMITED', retryAfter: error.retryAfter };
    if (error instanceof AppError && error.code === 'INVALID_CREDENTIALS') return { result: 'INVALID_CREDENTIALS' };
    throw error;
  }
}

const later = (from: Date, ms: number) => new Date(from.getTime() + ms);

describe('log-in throttling over GraphQL', () => {
  it(`allows ${freeFailures.ADDRESS_CLIENT} failures, then refuses even the right password with RATE_LIMITED and retryAfter`, async () => {
    const tenant = await app.signUp();
    const client = freshClient();
    for (let i = 0; i < freeFailures.ADDRESS_CLIENT; i++) {
      expect(await logInFrom(client, tenant.ownerAddress, WRONG)).toMatchObject({ __typename: 'InvalidCredentialsError' });
    }

    const before = Date.now();
    const refused = await logInFrom(client, tenant.ownerAddress, WRONG);
    expect(refused).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(String(refused.message)).toMatch(/try again in \d+ second/);
    const retryAfter = Date.parse(String(refused.retryAfter));
    expect(retryAfter).toBeGreaterThan(before + firstBlockMs - 2_000);
    expect(retryAfter).toBeLessThanOrEqual(Date.now() + firstBlockMs);
    expect(Number(refused.retryAfterSeconds)).toBeGreaterThanOrEqual(firstBlockMs / 1000 - 2);
    expect(Number(refused.retryAfterSeconds)).toBeLessThanOrEqual(firstBlockMs / 1000);

    // The right password does not get through, and hammering does not prolong the block.
    for (let i = 0; i < 10; i++) {
      const again = await logInFrom(client, tenant.ownerAddress, i % 2 === 0 ? PASSWORD : WRONG);
      expect(again).toMatchObject({ __typename: 'RateLimitedError', retryAfter: refused.retryAfter });
    }
  });

  it('answers an unknown address as a known one, so RATE_LIMITED does not tell which exist', async () => {
    const tenant = await app.signUp();
    const unknown = `${unique('nobody')}@${MAIL_DOMAIN}`;
    const client = freshClient();
    const outcomes = async (address: string) => {
      const seen: unknown[] = [];
      for (let i = 0; i <= freeFailures.ADDRESS_CLIENT; i++) {
        const answer = await logInFrom(client, address, WRONG);
        seen.push({ __typename: answer.__typename, code: answer.code });
      }
      return seen;
    };
    const known = await outcomes(tenant.ownerAddress);
    expect(await outcomes(unknown)).toEqual(known);
    expect(known.at(-1)).toEqual({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
  });

  it('throttles addresses no database key can hold (NUL, thousands of characters) like others', async () => {
    for (const address of [`a\u0000b-${unique('nul')}@${MAIL_DOMAIN}`, `${'x'.repeat(5_000)}-${unique('long')}@${MAIL_DOMAIN}`]) {
      const client = freshClient();
      for (let i = 0; i < freeFailures.ADDRESS_CLIENT; i++) {
        expect(await logInFrom(client, address, WRONG)).toMatchObject({ __typename: 'InvalidCredentialsError' });
      }
      expect(await logInFrom(client, address, WRONG)).toMatchObject({ __typename: 'RateLimitedError' });
    }
  });

  it("does not block the owner on another client, however long one client hammers", async () => {
    const tenant = await app.signUp();
    const attacker = freshClient();
    for (let i = 0; i < freeFailures.ADDRESS_CLIENT + 40; i++) await logInFrom(attacker, tenant.ownerAddress, WRONG);
    expect(await logInFrom(attacker, tenant.ownerAddress, PASSWORD)).toMatchObject({ __typename: 'RateLimitedError' });

    const owner = await logInFrom(freshClient(), tenant.ownerAddress, PASSWORD);
    expect(owner.__typename).toBe('LogInSuccess');
    expect(String(owner.token)).toMatch(/^mas_/);
  });

  it('counts every attempt of a concurrent burst, so no more guesses pass than one by one', async () => {
    const tenant = await app.signUp();
    const client = freshClient();
    const answers = await Promise.all(Array.from({ length: 30 }, () => logInFrom(client, tenant.ownerAddress, WRONG)));
    const checked = answers.filter((answer) => String(answer.__typename) === 'InvalidCredentialsError');
    expect(checked).toHaveLength(freeFailures.ADDRESS_CLIENT);
    expect(answers.filter((answer) => String(answer.__typename) === 'RateLimitedError')).toHaveLength(30 - freeFailures.ADDRESS_CLIENT);
  });

  it('keys the client by the address the trusted proxy wrote, not what the client wrote before it', async () => {
    const tenant = await app.signUp();
    const client = freshClient();
    for (let i = 0; i < freeFailures.ADDRESS_CLIENT; i++) {
      await logInFrom(client, tenant.ownerAddress, WRONG, `${freshClient()}, ${client}`);
    }
    // A forged entry to the left changes nothing; the proxy's entry is the client.
    expect(await logInFrom(client, tenant.ownerAddress, PASSWORD, `${freshClient()}, ${client}`)).toMatchObject({
      __typename: 'RateLimitedError',
    });
    expect(await logInFrom(client, tenant.ownerAddress, PASSWORD, `${client}, ${freshClient()}`)).toMatchObject({
      __typename: 'LogInSuccess',
    });
  });
});

describe('log-in throttling over time', () => {
  it('lets the owner in once the block has passed, and a success resets the count', async () => {
    const tenant = await app.signUp();
    const client = freshClient();
    const t0 = new Date();
    for (let i = 0; i < freeFailures.ADDRESS_CLIENT; i++) {
      expect(await attempt(tenant.ownerAddress, WRONG, client, t0)).toEqual({ result: 'INVALID_CREDENTIALS' });
    }
    const refused = await attempt(tenant.ownerAddress, PASSWORD, client, later(t0, 1_000));
    expect(refused).toEqual({ result: 'RATE_LIMITED', retryAfter: later(t0, firstBlockMs) });
    expect(await attempt(tenant.ownerAddress, PASSWORD, client, later(t0, firstBlockMs - 1))).toMatchObject({ result: 'RATE_LIMITED' });

    const t1 = later(t0, firstBlockMs);
    expect(await attempt(tenant.ownerAddress, PASSWORD, client, t1)).toEqual({ result: 'OK' });

    // Counting starts over: the same number of failures is free again.
    for (let i = 0; i < freeFailures.ADDRESS_CLIENT; i++) {
      expect(await attempt(tenant.ownerAddress, WRONG, client, t1)).toEqual({ result: 'INVALID_CREDENTIALS' });
    }
    expect(await attempt(tenant.ownerAddress, WRONG, client, t1)).toMatchObject({ result: 'RATE_LIMITED' });
  });

  it('doubles each block from 15 s up to 15 minutes, and forgets failures an hour after the first', async () => {
    const tenant = await app.signUp();
    const client = freshClient();
    const start = new Date();
    let now = start;
    let checked = 0;
    const blocks: number[] = [];
    while (blocks.length < 9) {
      const outcome = await attempt(tenant.ownerAddress, WRONG, client, now);
      if (outcome.result === 'RATE_LIMITED') {
        blocks.push((outcome.retryAfter.getTime() - now.getTime()) / 1000);
        now = outcome.retryAfter;
      } else {
        checked += 1;
      }
    }
    expect(blocks).toEqual([15, 30, 60, 120, 240, 480, 900, 900, 900]);
    expect(Math.max(...blocks) * 1000).toBe(maxBlockMs);
    expect(checked).toBe(freeFailures.ADDRESS_CLIENT + 8);

    // The last block ended past the window, so the count starts over, first block included.
    expect(now.getTime() - start.getTime()).toBeGreaterThan(windowMs);
    for (let i = 0; i < freeFailures.ADDRESS_CLIENT; i++) {
      expect(await attempt(tenant.ownerAddress, WRONG, client, now)).toEqual({ result: 'INVALID_CREDENTIALS' });
    }
    expect(await attempt(tenant.ownerAddress, PASSWORD, client, now)).toEqual({ result: 'RATE_LIMITED', retryAfter: later(now, firstBlockMs) });
    expect(await attempt(tenant.ownerAddress, PASSWORD, client, later(now, firstBlockMs))).toEqual({ result: 'OK' });
  });

  it('lets no single client, failing as fast as it is allowed for five hours, block the owner elsewhere', async () => {
    const tenant = await app.signUp();
    const attacker = freshClient();
    const start = new Date();
    let now = start;
    let checked = 0;
    while (now.getTime() < start.getTime() + 5 * 60 * 60_000) {
      const outcome = await attempt(tenant.ownerAddress, WRONG, attacker, now);
      if (outcome.result === 'RATE_LIMITED') {
        now = outcome.retryAfter;
        continue;
      }
      checked += 1;
      // The counter the owner shares with the attacker never blocks at any point.
      const [shared] = await db
        .select({ blockedUntil: loginThrottles.blockedUntil })
        .from(loginThrottles)
        .where(and(eq(loginThrottles.scope, 'ADDRESS'), eq(loginThrottles.subject, tenant.ownerAddress)));
      expect(shared?.blockedUntil ?? null).toBeNull();
    }
    // More than the address-wide limit in all, but never that many within one window.
    expect(checked).toBeGreaterThan(freeFailures.ADDRESS);
    expect(await attempt(tenant.ownerAddress, PASSWORD, freshClient(), now)).toEqual({ result: 'OK' });
  });

  it(`blocks an address for everyone after ${freeFailures.ADDRESS} failures spread over clients, for a while`, async () => {
    const tenant = await app.signUp();
    const t0 = new Date();
    for (let i = 0; i < freeFailures.ADDRESS; i++) {
      expect(await attempt(tenant.ownerAddress, WRONG, freshClient(), t0)).toEqual({ result: 'INVALID_CREDENTIALS' });
    }
    const refused = await attempt(tenant.ownerAddress, PASSWORD, freshClient(), t0);
    expect(refused).toEqual({ result: 'RATE_LIMITED', retryAfter: later(t0, firstBlockMs) });
    // In-process calls, which have no client, meet the address-wide limit too.
    expect(await attempt(tenant.ownerAddress, PASSWORD, null, t0)).toMatchObject({ result: 'RATE_LIMITED' });

    const t1 = later(t0, firstBlockMs);
    expect(await attempt(tenant.ownerAddress, PASSWORD, freshClient(), t1)).toEqual({ result: 'OK' });
    // The success reset the address-wide count: a failure now is checked, not refused.
    expect(await attempt(tenant.ownerAddress, WRONG, freshClient(), t1)).toEqual({ result: 'INVALID_CREDENTIALS' });
  });

  it(`refuses a client after ${freeFailures.CLIENT} failures on any addresses; its own successes neither reset nor add to that`, async () => {
    const tenant = await app.signUp();
    const client = freshClient();
    const now = new Date();
    const someone = () => `${unique('nobody')}@${MAIL_DOMAIN}`;
    for (let i = 0; i < freeFailures.CLIENT - 1; i++) {
      expect(await attempt(someone(), WRONG, client, now)).toEqual({ result: 'INVALID_CREDENTIALS' });
    }
    // A success of its own takes back only its own count.
    expect(await attempt(tenant.ownerAddress, PASSWORD, client, now)).toEqual({ result: 'OK' });
    expect(await attempt(someone(), WRONG, client, now)).toEqual({ result: 'INVALID_CREDENTIALS' });

    const fresh = someone();
    expect(await attempt(fresh, WRONG, client, now)).toEqual({ result: 'RATE_LIMITED', retryAfter: later(now, firstBlockMs) });
    expect(await attempt(tenant.ownerAddress, PASSWORD, client, now)).toMatchObject({ result: 'RATE_LIMITED' });
    // Another client may still try that address.
    expect(await attempt(fresh, WRONG, freshClient(), now)).toEqual({ result: 'INVALID_CREDENTIALS' });
  });
});

describe('the client of a request', () => {
  const request = (forwardedFor?: string) =>
    new Request('http://yoga/graphql', { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });

  it('is the TCP peer unless TRUST_PROXY says proxies stand in front', () => {
    expect(loadConfig({}).trustProxy).toBe(0);
    expect(clientAddress(request('203.0.113.9'), '198.51.100.1', 0)).toBe('198.51.100.1');
    expect(clientAddress(request(), '::ffff:198.51.100.1', 0)).toBe('::ffff:198.51.100.1');
    expect(clientAddress(request('203.0.113.9'), undefined, 0)).toBeNull();
  });

  it('is the entry the outermost trusted proxy wrote into X-Forwarded-For', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);

    expect(clientAddress(request('203.0.113.66, 203.0.113.9'), '10.0.0.2', 1)).toBe('203.0.113.9');
    expect(clientAddress(request('203.0.113.66, 203.0.113.9, 10.0.0.1'), '10.0.0.2', 2)).toBe('203.0.113.9');
    expect(clientAddress(request('[2001:db8::7]:4711'), '10.0.0.2', 1)).toBe('2001:db8::7');
    expect(clientAddress(request('203.0.113.9:4711'), '10.0.0.2', 1)).toBe('203.0.113.9');
    // Without a usable header the proxy itself is all there is to go by.
    expect(clientAddress(request(), '10.0.0.2', 1)).toBe('10.0.0.2');
    expect(clientAddress(request('unknown'), '10.0.0.2', 1)).toBe('10.0.0.2');
  });

  it('is counted by its IPv4 address, or by its IPv6 /64', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:cb00:7109')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey(null)).toBeNull();
  });
});

describe('log-in throttling in the server process', () => {
  it('keys clients by the TCP peer and ignores X-Forwarded-For without TRUST_PROXY', async () => {
    // A database of its own: every request here comes from 127.0.0.1.
    const dataDir = mkdtempSync(join(tmpdir(), 'mailadmin-throttle-test-'));
    const server = await startServer({ DATA_DIR: dataDir, DATABASE_URL: '' });
    try {
      const ownerAddress = `${unique('owner')}@${MAIL_DOMAIN}`;
      const signUp = await server.post(
        `mutation ($input: SignUpInput!) { signUp(input: $input) { __typename } }`,
        { input: { organizationName: 'Throttle', ownerAddress, ownerDisplayName: 'Owner', password: PASSWORD, plan: 'ENTRY' } },
      );
      expect(signUp.body.data.signUp?.__typename).toBe('SignUpSuccess');
      const post = async (password: string) => {
        const response = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': freshClient() },
          body: JSON.stringify({ query: LOG_IN, variables: { input: { address: ownerAddress, password } } }),
        });
        return ((await response.json()) as { data: { logIn: Loose } }).data.logIn;
      };
      for (let i = 0; i < freeFailures.ADDRESS_CLIENT; i++) expect((await post(WRONG)).__typename).toBe('InvalidCredentialsError');
      expect(await post(PASSWORD)).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Starting a process and migrating its PGlite on disk takes a while on a busy machine.
  }, 90_000);
});
