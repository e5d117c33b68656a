/**
 * METRICS_TOKEN (issue 22): with it set, GET /metrics answers only `Authorization: Bearer <it>`,
 * 401 otherwise; unset, /metrics stays open (tests/observability.test.ts scrapes it so).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { metricsAuthorized } from '../server/metrics.js';
import { startServer, type ServerProcess } from './process.js';

const TOKEN = 'metrics-secret-7f3a9c';

// PostgreSQL when DATABASE_URL is set (the server migrates it as any replica would), else PGlite in a directory of its own.
const dataDir = process.env.DATABASE_URL ? undefined : mkdtempSync(join(tmpdir(), 'mailadmin-metrics-token-'));
let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ ...(dataDir ? { DATA_DIR: dataDir } : {}), METRICS_TOKEN: TOKEN });
}, 60_000);

afterAll(async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function scrape(authorization?: string): Promise<Response> {
  return fetch(`${server.url}/metrics`, authorization === undefined ? {} : { headers: { authorization } });
}

describe('/metrics with METRICS_TOKEN set', () => {
  it.each([
    ['no Authorization header', undefined],
    ['an empty bearer token', 'Bearer '],
    ['another token', 'Bearer metrics-secret-000000'],
    ['the token with a character more', `Bearer ${TOKEN}x`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token without its scheme', TOKEN],
    ['the token as Basic credentials', `Basic ${Buffer.from(`metrics:${TOKEN}`).toString('base64')}`],
  ])('answers 401 to %s, showing no metric', async (_case, authorization) => {
    const response = await scrape(authorization);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await response.text()).toBe('');
  });

  it.each([
    ['Bearer', `Bearer ${TOKEN}`],
    ['bearer in any case', `bEaReR ${TOKEN}`],
  ])('answers the metrics to %s <token>', async (_case, authorization) => {
    const response = await scrape(authorization);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await response.text()).toContain('mailadmin_http_requests_total');
  });

  it('guards /metrics only: GraphQL and /health answer as before', async () => {
    expect((await server.post('{ planPrices { plan } }')).status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('METRICS_TOKEN unset', () => {
  it('leaves /metrics open: the configuration has no token and every request is let through', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: '' }).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(metricsAuthorized(undefined, undefined)).toBe(true);
    expect(metricsAuthorized('Bearer anything', undefined)).toBe(true);
  });
});
