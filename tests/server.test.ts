import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PASSWORD, unique } from './harness.js';
import { startServer } from './process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'mailadmin-server-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// Production cost for scrypt, so a log-in is still hashing when SIGTERM arrives.
const start = () => startServer({ DATA_DIR: dataDir, SCRYPT_LOG_N: '17' });

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { ... on SignUpSuccess { token } } }`;
const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename } }`;
const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { ... on LogInSuccess { token } } }`;
const COUNT = `{ viewer { masterAccount { users { totalCount } } } }`;

describe('the server process', () => {
  const ownerAddress = `${unique('owner')}@mailadmin.test`;

  it('serves GraphQL over HTTP, logs each request, and drains on SIGTERM', async () => {
    const server = await start();
    try {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);

      const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).toContain('mailadmin API');

      const signUp = await server.post(SIGN_UP, {
        input: { organizationName: 'Process Test', ownerAddress, ownerDisplayName: 'Owner', password: PASSWORD, plan: 'ENTRY' },
      });
      const token = signUp.body.data.signUp?.token as string;
      expect(token).toMatch(/^mas_/);
      for (let i = 0; i < 3; i++) {
        const created = await server.post(
          CREATE_USER,
          { input: { address: `${unique('staff')}@mailadmin.test`, displayName: 'Staff', password: PASSWORD, plan: 'FREE' } },
          token,
        );
        expect(created.body.data.createUser?.__typename).toBe('CreateUserSuccess');
      }
      const counted = await server.post(COUNT, {}, token);
      expect(counted.body.data.viewer).toEqual({ masterAccount: { users: { totalCount: 4 } } });

      const requestLines = server.lines.filter((line) => line.msg === 'request');
      expect(requestLines.length).toBeGreaterThanOrEqual(6);
      for (const line of requestLines) {
        expect(line).toMatchObject({ method: expect.any(String), path: expect.any(String), status: expect.any(Number) });
        expect(line.durationMs).toBeGreaterThan(0);
      }

      // A log-in hashes a password (slow on purpose); SIGTERM arrives while it runs.
      const inFlight = server.post(LOG_IN, { input: { address: ownerAddress, password: PASSWORD } });
      await new Promise((resolve) => setTimeout(resolve, 30));
      server.child.kill('SIGTERM');
      const answered = await inFlight;
      expect(answered.status).toBe(200);
      expect(answered.body.data.logIn?.token).toMatch(/^mas_/);
      expect(await server.exited).toBe(0);
      expect(server.lines.some((line) => line.msg === 'stopped')).toBe(true);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('keeps the data across a restart', async () => {
    const server = await start();
    try {
      const logIn = await server.post(LOG_IN, { input: { address: ownerAddress, password: PASSWORD } });
      const token = logIn.body.data.logIn?.token as string;
      expect(token).toMatch(/^mas_/);
      const counted = await server.post(COUNT, {}, token);
      expect(counted.body.data.viewer).toEqual({ masterAccount: { users: { totalCount: 4 } } });
      server.child.kill('SIGINT');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
