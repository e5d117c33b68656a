import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_SUBSCRIPTIONS_PER_TOKEN } from '../server/subscription-guard.js';
import { createFreshDatabase } from './fresh-database.js';
import { MAIL_DOMAIN, PASSWORD, startApp, text, unique, type Tenant } from './harness.js';
import { startPrivatePostgres } from './private-postgres.js';
import { startServer, type ServerProcess } from './process.js';
import { subscribe, type OpenSubscription } from './sse.js';

const databaseUrl = process.env.DATABASE_URL;
const app = await startApp();

/** The application behind a real HTTP server on a loopback port, for Server-Sent Events. */
const server: Server = createServer(app.yoga);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const launched: ServerProcess[] = [];
afterAll(async () => {
  for (const launchedServer of launched) if (launchedServer.child.exitCode === null) launchedServer.child.kill('SIGKILL');
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const LEDGER = 'subscription { ledgerEntryAdded { id amount { amount } } }';
const LOW_BALANCE = 'subscription { lowBalance { balance { amount } } }';

async function deposit(token: string, amount = '1.00') {
  const result = await app.gql(
    `mutation ($input: AddDepositInput!) { addDeposit(input: $input) { __typename ... on AddDepositSuccess { ledgerEntry { id } } } }`,
    { input: { amount, idempotencyKey: unique('live') } },
    token,
  );
  expect(result.data.addDeposit.__typename).toBe('AddDepositSuccess');
  return text(result.data.addDeposit.ledgerEntry.id);
}

async function apiToken(token: string, scopes: string[] = ['READ', 'WRITE']): Promise<{ id: string; token: string }> {
  const result = await app.gql(
    `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { ... on CreateApiTokenSuccess { token apiToken { id } } } }`,
    { input: { name: unique('live'), scopes } },
    token,
  );
  return { id: text(result.data.createApiToken.apiToken.id), token: text(result.data.createApiToken.token) };
}

async function mutate(document: string, input: Record<string, unknown>, token: string, field: string) {
  const result = await app.gql(document, { input }, token);
  expect(result.errors).toBeUndefined();
  expect(result.data[field].__typename, JSON.stringify(result.data[field])).toMatch(/Success$/);
}

const UPDATE_USER = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { __typename ... on Error { message } } }`;

/**
 * Resolves with how long the stream took to end after `since`, and fails if an event arrives
 * first (the deposit made after the revocation must never be delivered).
 */
async function expectEnds(subscription: OpenSubscription, since: number): Promise<number> {
  const outcome = await subscription.next().then(
    (event) => ({ event }),
    (error: unknown) => ({ error }),
  );
  expect('event' in outcome ? outcome.event : undefined, 'an event after the token stopped working').toBeUndefined();
  return Date.now() - since;
}

describe('a live subscription ends when its token stops working', () => {
  /** An admin of a fresh tenant, with a live ledger subscription on `token`, which sees one deposit. */
  async function watching(tenant: Tenant, token: string): Promise<OpenSubscription> {
    const subscription = await subscribe(url, LEDGER, token);
    const id = await deposit(tenant.token);
    expect((await subscription.next()).data?.ledgerEntryAdded).toMatchObject({ id });
    return subscription;
  }

  const cases: [string, (tenant: Tenant) => Promise<{ token: string; stop: () => Promise<void> }>][] = [
    [
      'its API token revoked',
      async (tenant) => {
        const made = await apiToken(tenant.token);
        return {
          token: made.token,
          stop: () =>
            mutate(
              `mutation ($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { __typename } }`,
              { apiTokenId: made.id },
              tenant.token,
              'revokeApiToken',
            ),
        };
      },
    ],
    [
      'its session logged out',
      async (tenant) => {
        const session = await app.logIn(tenant.ownerAddress);
        return {
          token: session,
          stop: async () => {
            expect((await app.gql('mutation { logOut }', {}, session)).data.logOut).toBe(true);
          },
        };
      },
    ],
    [
      'its session revoked',
      async (tenant) => {
        const session = await app.logIn(tenant.ownerAddress);
        return {
          token: session,
          stop: () =>
            mutate(
              `mutation ($input: RevokeSessionsInput!) { revokeSessions(input: $input) { __typename } }`,
              { userId: tenant.ownerId },
              tenant.token,
              'revokeSessions',
            ),
        };
      },
    ],
    [
      'its user suspended',
      async (tenant) => {
        const admin = await app.createUser(tenant, { role: 'ADMIN' });
        return {
          token: await app.logIn(admin.address),
          stop: () => mutate(UPDATE_USER, { userId: admin.id, status: 'SUSPENDED' }, tenant.token, 'updateUser'),
        };
      },
    ],
    [
      'its user deleted',
      async (tenant) => {
        const admin = await app.createUser(tenant, { role: 'ADMIN' });
        return {
          token: (await apiToken(await app.logIn(admin.address))).token,
          stop: () =>
            mutate(
              `mutation ($input: DeleteUserInput!) { deleteUser(input: $input) { __typename } }`,
              { userId: admin.id },
              tenant.token,
              'deleteUser',
            ),
        };
      },
    ],
    [
      'its user demoted below what the ledger needs (MEMBER)',
      async (tenant) => {
        const admin = await app.createUser(tenant, { role: 'ADMIN' });
        return {
          token: await app.logIn(admin.address),
          stop: () => mutate(UPDATE_USER, { userId: admin.id, role: 'MEMBER' }, tenant.token, 'updateUser'),
        };
      },
    ],
  ];

  for (const [name, prepare] of cases) {
    it(`${name}: within 2 s, and never delivers another event`, async () => {
      const tenant = await app.signUp();
      const { token, stop } = await prepare(tenant);
      const subscription = await watching(tenant, token);
      const bystander = await subscribe(url, LEDGER, tenant.token);
      const since = Date.now();
      await stop();
      // An event committed after the change goes to the bystander, never to the subscription.
      const afterwards = await deposit(tenant.token);
      expect((await bystander.next()).data?.ledgerEntryAdded).toMatchObject({ id: afterwards });
      expect(await expectEnds(subscription, since)).toBeLessThan(2000);
      bystander.close();
      subscription.close();
    });
  }

  it('keeps a subscription whose token still works after a change that does not concern it', async () => {
    const tenant = await app.signUp();
    const subscription = await watching(tenant, tenant.token);
    const other = await app.createUser(tenant, { role: 'ADMIN', plan: 'FREE' });
    await mutate(UPDATE_USER, { userId: other.id, status: 'SUSPENDED' }, tenant.token, 'updateUser');
    // The guard looked at the token again after that change (an invalidation of the account).
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const id = await deposit(tenant.token);
    expect((await subscription.next()).data?.ledgerEntryAdded).toMatchObject({ id });
    subscription.close();
  });

  it(`caps live subscriptions at ${MAX_SUBSCRIPTIONS_PER_TOKEN} per token: the next is a typed error, and one ended makes room`, async () => {
    const tenant = await app.signUp();
    const open = await Promise.all(Array.from({ length: MAX_SUBSCRIPTIONS_PER_TOKEN }, () => subscribe(url, LOW_BALANCE, tenant.token)));
    const refused = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tenant.token}` },
      body: JSON.stringify({ query: LOW_BALANCE }),
    });
    const body = await refused.text();
    expect(body).toContain('TOO_MANY_SUBSCRIPTIONS');
    expect(body).not.toContain('"lowBalance":{');
    // Another token of the same user has its own allowance.
    const other = await subscribe(url, LOW_BALANCE, await app.logIn(tenant.ownerAddress));
    other.close();
    open[0]?.close();
    // The server learns of the closed stream when its connection ends.
    let again: OpenSubscription | null = null;
    for (let tries = 0; tries < 50 && !again; tries++) {
      again = await subscribe(url, LOW_BALANCE, tenant.token).catch(() => null);
      if (!again) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(again).not.toBeNull();
    again?.close();
    for (const subscription of open) subscription.close();
  });
});

describe('writes are authorised by the database, not by a cache', () => {
  it(
    'on replica B, a subscription ends and a mutation is refused right after a change on replica A (100 of 100 mutations)',
    { timeout: 240_000 },
    async () => {
      // Two server processes need a PostgreSQL: on the PGlite run, a private one (Debian's initdb).
      const privateServer = databaseUrl ? undefined : await startPrivatePostgres();
      const fresh = await createFreshDatabase(databaseUrl ?? privateServer?.url ?? '', 'mailadmin_live_authority');
      try {
        const env = { DATABASE_URL: fresh.url };
        // B hears of changes 300 ms late, as a replica under load or across a slow link may: the
        // window in which only the database knows of the suspension (without the database's check
        // of writes, every try in that window succeeds).
        const [a, b] = await Promise.all([startServer(env), startServer({ ...env, TOKEN_CACHE_NOTIFY_DELAY_MS: '300' })]);
        launched.push(a, b);
        const ownerAddress = `${unique('owner')}@${MAIL_DOMAIN}`;
        const signUp = await a.post(
          `mutation ($input: SignUpInput!) { signUp(input: $input) { ... on SignUpSuccess { token viewer { user { id } } } } }`,
          { input: { organizationName: unique('race'), ownerAddress, ownerDisplayName: 'Owner', password: PASSWORD, plan: 'PRO' } },
        );
        const signedUp = signUp.body.data.signUp as { token: string; viewer: { user: { id: string } } };
        const owner = signedUp.token;
        const ownerId = signedUp.viewer.user.id;
        const CREATE = `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename ... on CreateUserSuccess { user { id address } } } }`;
        const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { ... on LogInSuccess { token } } }`;
        const RENAME = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }`;
        const WHO = `{ viewer { user { id } } }`;

        // A live subscription on B ends when the session is revoked on A (B hears of it late).
        const second = (await a.post(LOG_IN, { input: { address: ownerAddress, password: PASSWORD } })).body.data.logIn as { token: string };
        const watching = await subscribe(b.url, LEDGER, second.token);
        const ended = Date.now();
        const revoked = await a.post(`mutation ($input: RevokeSessionsInput!) { revokeSessions(input: $input) { __typename } }`, { input: { userId: ownerId } }, owner);
        expect(revoked.body.data.revokeSessions?.__typename).toBe('RevokeSessionsSuccess');
        expect(await expectEnds(watching, ended)).toBeLessThan(2000);
        watching.close();

        let successes = 0;
        let refusals = 0;
        for (let i = 0; i < 100; i++) {
          const created = await a.post(
            CREATE,
            { input: { address: `${unique('victim')}@${MAIL_DOMAIN}`, displayName: 'Victim', password: PASSWORD, plan: 'FREE', role: 'ADMIN' } },
            owner,
          );
          const user = (created.body.data.createUser as { user: { id: string; address: string } }).user;
          const session = (await b.post(LOG_IN, { input: { address: user.address, password: PASSWORD } })).body.data.logIn as { token: string };
          // B has the token in its cache: a read answers from it.
          expect((await b.post(WHO, {}, session.token)).body.data.viewer).toMatchObject({ user: { id: user.id } });
          expect((await b.post(WHO, {}, session.token)).status).toBe(200);
          const suspended = await a.post(RENAME, { input: { userId: user.id, status: 'SUSPENDED' } }, owner);
          expect(suspended.body.data.updateUser?.__typename).toBe('UpdateUserSuccess');
          // At once, on B, whose cache may not have heard yet.
          const attempt = await b.post(RENAME, { input: { userId: user.id, displayName: 'Still here' } }, session.token);
          if (attempt.body.data?.updateUser?.__typename === 'UpdateUserSuccess') successes++;
          else if (attempt.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED') refusals++;
        }
        expect({ successes, refusals }).toEqual({ successes: 0, refusals: 100 });
        for (const server of [a, b]) {
          server.child.kill('SIGTERM');
          expect(await server.exited).toBe(0);
        }
      } finally {
        await fresh.drop();
        await privateServer?.dispose();
      }
    },
  );
});
