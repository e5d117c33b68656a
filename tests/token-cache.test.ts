import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { openDatabase, type Database } from '../server/db/client.js';
import { TOKEN_CACHE_CHANNEL, TokenCache, type CachedToken } from '../server/domain/token-cache.js';
import { schema } from '../server/schema/index.js';
import { buildYoga, MUTATION_CHANGES_AUTHENTICATION } from '../server/yoga.js';
import { createFreshDatabase, type FreshDatabase } from './fresh-database.js';
import { MAIL_DOMAIN, PASSWORD, startApp, text, unique, type Loose } from './harness.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
import { until } from './until.js';

function entry(masterAccountId: string, cachedAt: number, expiresAt: number | null = null): CachedToken {
  const authenticated = {
    viewer: { tokenId: 't', tokenKind: 'API' as const, scopes: ['READ' as const], userId: 'u', masterAccountId, role: 'OWNER' as const, ownerPlan: 'PRO' as const, secondFactor: false },
    masterAccount: { id: masterAccountId, name: 'n', lowBalanceThresholdCents: 0, secondFactorPolicy: 'NONE' as const, createdAt: new Date(0) },
  };
  return {
    authenticated,
    cachedAuthenticated: { ...authenticated, cached: true },
    expiresAt,
    lastUsedAt: null,
    cachedAt,
  };
}

describe('TokenCache', () => {
  it('stores nothing while it does not hear invalidations', () => {
    const cache = new TokenCache();
    cache.set('h', entry('a', 0), cache.generation());
    expect(cache.get('h', 0)).toBeUndefined();
    cache.setListening(true);
    cache.set('h', entry('a', 0), cache.generation());
    expect(cache.get('h', 0)).toBeDefined();
    cache.setListening(false);
    expect(cache.get('h', 0)).toBeUndefined();
  });

  it('refuses a row read before an invalidation that came while it was read', () => {
    const cache = new TokenCache();
    cache.setListening(true);
    const before = cache.generation();
    cache.invalidate('b');
    cache.set('h', entry('a', 0), before);
    expect(cache.get('h', 0)).toBeUndefined();
    cache.set('h', entry('a', 0), cache.generation());
    expect(cache.get('h', 0)).toBeDefined();
  });

  it("forgets one master account's tokens, or all, and keeps the others'", () => {
    const cache = new TokenCache();
    cache.setListening(true);
    cache.set('a1', entry('a', 0), cache.generation());
    cache.set('a2', entry('a', 0), cache.generation());
    cache.set('b1', entry('b', 0), cache.generation());
    cache.invalidate('a');
    expect([cache.get('a1', 0), cache.get('a2', 0)]).toEqual([undefined, undefined]);
    expect(cache.get('b1', 0)).toBeDefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('trusts an entry for its time to live and never past the token’s expiry', () => {
    const cache = new TokenCache(10, 1_000);
    cache.setListening(true);
    cache.set('old', entry('a', 0), cache.generation());
    cache.set('expiring', entry('a', 0, 500), cache.generation());
    expect(cache.get('old', 999)).toBeDefined();
    expect(cache.get('expiring', 499)).toBeDefined();
    expect(cache.get('expiring', 500)).toBeUndefined();
    expect(cache.get('old', 1_000)).toBeUndefined();
  });

  it('holds at most its capacity, dropping the entry stored longest ago', () => {
    const cache = new TokenCache(2);
    cache.setListening(true);
    for (const key of ['x', 'y', 'z']) cache.set(key, entry('a', 0), cache.generation());
    expect(cache.size).toBe(2);
    expect([cache.get('x', 0), cache.get('y', 0) !== undefined, cache.get('z', 0) !== undefined]).toEqual([undefined, true, true]);
  });
});

describe('the mutations that change what a token resolves to', () => {
  it('are known for every mutation of the schema', () => {
    const mutations = Object.keys(schema.getMutationType()?.getFields() ?? {}).sort();
    expect(Object.keys(MUTATION_CHANGES_AUTHENTICATION).sort()).toEqual(mutations);
  });
});

const VIEWER = 'query { viewer { scopes masterAccount { name lowBalanceThreshold { minorUnits } } } }';

describe('the token cache in a request', () => {
  const ready = startApp();
  let app: Awaited<typeof ready>;
  beforeAll(async () => {
    app = await ready;
  });

  /** Whether a request with `token` ran no token lookup (the cache answered). */
  async function servedFromCache(token: string): Promise<boolean> {
    app.statements.length = 0;
    const result = await app.gql('query { viewer { scopes } }', {}, token);
    expect(result.errors).toBeUndefined();
    return app.statements.length === 0;
  }

  /** The LISTEN starts in the background with the server; until it stands, nothing is cached. */
  async function untilCached(token: string): Promise<void> {
    await until('the token to be cached', async () => ((await servedFromCache(token)) ? true : undefined), 5_000);
  }

  it('looks a token up once and answers its next requests without a statement', async () => {
    const tenant = await app.signUp();
    await untilCached(tenant.token);
    expect(await servedFromCache(tenant.token)).toBe(true);
  });

  it('keeps the tokens of an account through a mutation that cannot change them', async () => {
    const tenant = await app.signUp();
    await untilCached(tenant.token);
    const deposit = await app.gql(
      'mutation { addDeposit(input: { amount: "1.00", idempotencyKey: "keep-cache" }) { __typename } }',
      {},
      tenant.token,
    );
    expect(deposit.data.addDeposit).toEqual({ __typename: 'AddDepositSuccess' });
    expect(await servedFromCache(tenant.token)).toBe(true);
  });

  it('puts a mutation’s change in force for the very next request of its master account', async () => {
    const tenant = await app.signUp();
    await untilCached(tenant.token);
    const set = await app.gql(
      'mutation { setLowBalanceThreshold(input: { amount: "12.34" }) { __typename } }',
      {},
      tenant.token,
    );
    expect(set.data.setLowBalanceThreshold).toEqual({ __typename: 'SetLowBalanceThresholdSuccess' });
    const read = await app.gql(VIEWER, {}, tenant.token);
    expect(read.data.viewer.masterAccount.lowBalanceThreshold.minorUnits).toBe(1234);

    const member = await app.createUser(tenant, { role: 'MEMBER' });
    const memberToken = await app.logIn(member.address);
    await untilCached(memberToken);
    const suspended = await app.gql(
      'mutation ($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }',
      { input: { userId: member.id, status: 'SUSPENDED' } },
      tenant.token,
    );
    expect(suspended.data.updateUser).toEqual({ __typename: 'UpdateUserSuccess' });
    const refused = await app.gql('query { viewer { scopes } }', {}, memberToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

/**
 * Changes made outside this process reach the cache through NOTIFY, and a fallen LISTEN turns it
 * off: on PostgreSQL (DATABASE_URL's server, or a private one when the suite runs on PGlite).
 */
describe('the token cache and changes made elsewhere, on PostgreSQL', () => {
  let privateServer: PrivatePostgres | undefined;
  let fresh: FreshDatabase;
  let database: Database;
  let admin: pg.Client;
  let yoga: ReturnType<typeof buildYoga>;
  const statements: string[] = [];

  beforeAll(async () => {
    let serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      privateServer = await startPrivatePostgres();
      serverUrl = privateServer.url;
    }
    fresh = await createFreshDatabase(serverUrl, 'mailadmin_token_cache');
    database = await openDatabase({ databaseUrl: fresh.url, migrate: true, onQuery: (query) => statements.push(query) });
    yoga = buildYoga({ database, config: { ...loadConfig({ GRAPHQL_JIT: process.env.GRAPHQL_JIT }), mailDomain: MAIL_DOMAIN, dnsServers: [] } });
    // Another session, as an operator's psql or another replica would be.
    admin = new pg.Client({ connectionString: fresh.url });
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    await admin?.end();
    await yoga?.dispose();
    await database?.close();
    await fresh?.drop();
    await privateServer?.dispose();
  });

  async function gql(query: string, token: string, variables: Record<string, unknown> = {}): Promise<{ data?: Loose; errors?: { extensions?: { code?: string } }[] }> {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Loose; errors?: { extensions?: { code?: string } }[] };
  }

  async function signUp(): Promise<{ token: string; masterAccountId: string }> {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation ($input: SignUpInput!) { signUp(input: $input) { ... on SignUpSuccess { token viewer { masterAccount { id } } } } }`,
        variables: {
          input: { organizationName: unique('org'), ownerAddress: `${unique('owner')}@${MAIL_DOMAIN}`, ownerDisplayName: 'Owner', password: PASSWORD, plan: 'ENTRY' },
        },
      }),
    });
    const body = (await response.json()) as { data: { signUp: { token: string; viewer: { masterAccount: { id: string } } } } };
    const masterAccountId = Buffer.from(body.data.signUp.viewer.masterAccount.id, 'base64').toString().split(':')[1] ?? '';
    return { token: body.data.signUp.token, masterAccountId };
  }

  async function cached(token: string): Promise<true | undefined> {
    statements.length = 0;
    const result = await gql('query { viewer { scopes } }', token);
    expect(result.errors).toBeUndefined();
    return statements.length === 0 ? true : undefined;
  }

  const refused = async (token: string) => ((await gql('query { viewer { scopes } }', token)).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' ? true : undefined);

  it('drops a token revoked, a user suspended and an account renamed by another session', async () => {
    const revoked = await signUp();
    const suspended = await signUp();
    const renamed = await signUp();
    for (const tenant of [revoked, suspended, renamed]) await until('the token to be cached', () => cached(tenant.token), 5_000);

    await admin.query(`update api_tokens set revoked_at = now() where master_account_id = $1`, [revoked.masterAccountId]);
    await admin.query(`update users set suspended_at = now() where master_account_id = $1`, [suspended.masterAccountId]);
    await admin.query(`update master_accounts set name = 'Renamed elsewhere' where id = $1`, [renamed.masterAccountId]);

    await until('the revoked token to be refused', () => refused(revoked.token), 5_000);
    await until('the suspended user to be refused', () => refused(suspended.token), 5_000);
    await until('the new name to be seen', async () => {
      const result = await gql('query { viewer { masterAccount { name } } }', renamed.token);
      return result.data && text(result.data.viewer.masterAccount.name) === 'Renamed elsewhere' ? true : undefined;
    }, 5_000);
  });

  it('keeps the tokens of an account whose rows changed in nothing the lookup reads', async () => {
    const kept = await signUp();
    const marker = await signUp();
    for (const tenant of [kept, marker]) await until('the token to be cached', () => cached(tenant.token), 5_000);
    await admin.query(`update users set display_name = 'Renamed person', updated_at = now() where master_account_id = $1`, [kept.masterAccountId]);
    await admin.query(`update api_tokens set last_used_at = now() where master_account_id = $1`, [kept.masterAccountId]);
    // Notifications arrive in commit order: once the marker's arrived, any of the updates above would have too.
    await admin.query(`update api_tokens set revoked_at = now() where master_account_id = $1`, [marker.masterAccountId]);
    await until('the marker token to be refused', () => refused(marker.token), 5_000);
    expect(await cached(kept.token)).toBe(true);
  });

  it('looks every token up while its LISTEN is down, and caches again once it is back', async () => {
    const tenant = await signUp();
    await until('the token to be cached', () => cached(tenant.token), 5_000);
    const killed = await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name like $1`,
      [`mailadmin-listen-%-${TOKEN_CACHE_CHANNEL}`],
    );
    expect(killed.rowCount).toBe(1);
    // What changes while nobody listens is never announced: the cache must not be trusted then.
    await admin.query(`update master_accounts set name = 'Renamed unheard' where id = $1`, [tenant.masterAccountId]);
    await until('the new name to be seen', async () => {
      const result = await gql('query { viewer { masterAccount { name } } }', tenant.token);
      return result.data && text(result.data.viewer.masterAccount.name) === 'Renamed unheard' ? true : undefined;
    }, 5_000);
    await until('the token to be cached again', () => cached(tenant.token), 10_000);
  });
});
