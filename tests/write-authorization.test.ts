import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/db/client.js';
import type { OneWriteForm } from '../server/db/pipeline.js';
import { addAlias } from '../server/domain/aliases.js';
import { addDeposit } from '../server/domain/billing.js';
import { UnauthenticatedError } from '../server/domain/errors.js';
import { addresses, apiTokens, auditEvents, ledgerEntries, masterAccounts, users } from '../server/db/tables.js';
import { TokenCache } from '../server/domain/token-cache.js';
import { hashToken } from '../server/domain/tokens.js';
import type { Viewer } from '../server/domain/viewer.js';
import { AUTHORISED_IN_TRANSACTION, buildYoga } from '../server/yoga.js';
import { decodeId, MAIL_DOMAIN, startApp, unique, type Loose, type Tenant } from './harness.js';
import { until } from './until.js';

/*
 * Writes are authorised by the database, not by a cache. The mutations of AUTHORISED_IN_TRANSACTION
 * check a cached token in their own one-write transaction (mailadmin_authorize_write, first),
 * instead of in a lookup of its own before they run. Here they run on a "replica" whose token
 * cache can be made deaf to invalidations: the state of a replica whose notification has not
 * arrived yet, kept for as long as a test needs, where a delay would be a race. The changes are
 * made in SQL, as another replica or an operator would make them, never through this replica.
 */

const app = await startApp();
const { db } = app.database;
const databaseUrl = process.env.DATABASE_URL;

/** A token cache that, while `deaf`, hears no invalidation: a replica that has not heard of a change yet. */
class LateTokenCache extends TokenCache {
  deaf = false;

  override invalidate(masterAccountId: string): void {
    if (!this.deaf) super.invalidate(masterAccountId);
  }

  override clear(): void {
    if (!this.deaf) super.clear();
  }
}

const config = { ...loadConfig({ GRAPHQL_JIT: process.env.GRAPHQL_JIT }), mailDomain: MAIL_DOMAIN, dnsServers: [] };
const tokens = new LateTokenCache();
const replica = buildYoga({ database: app.database, config: { ...config, tokenCache: true }, tokens });
// Every token looked up on every request.
const uncached = buildYoga({ database: app.database, config: { ...config, tokenCache: false } });
afterAll(async () => {
  await replica.dispose();
  await uncached.dispose();
});
afterEach(() => {
  tokens.deaf = false;
  tokens.clear();
});

interface Answer {
  status: number;
  data: Loose;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function call(query: string, variables: Record<string, unknown>, token: string, yoga = replica): Promise<Answer> {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Loose | null; errors?: Answer['errors'] };
  return { status: response.status, data: body.data ?? {}, ...(body.errors ? { errors: body.errors } : {}) };
}

const codes = (answer: Answer) => answer.errors?.map((error) => error.extensions?.code);

/** An administrator's session, cached on the replica, and a member to give aliases to. */
interface Fixture {
  tenant: Tenant;
  adminId: string;
  adminAddress: string;
  token: string;
  memberId: string;
}

/** Whether a request with `token` was answered from the replica's cache (no statement at all). */
async function servedFromCache(token: string): Promise<boolean> {
  app.statements.length = 0;
  const answer = await call('query { viewer { scopes } }', {}, token);
  expect(answer.errors).toBeUndefined();
  return app.statements.length === 0;
}

async function fixture(role: 'ADMIN' | 'MEMBER' = 'ADMIN'): Promise<Fixture> {
  const tenant = await app.signUp();
  const admin = await app.createUser(tenant, { role, plan: 'PRO' });
  const member = await app.createUser(tenant, { plan: 'PRO' });
  const token = await app.logIn(admin.address);
  // The LISTEN starts in the background with the replica; until it stands, nothing is cached.
  await until('the session to be cached on the replica', async () => ((await servedFromCache(token)) ? true : undefined), 5_000);
  return { tenant, adminId: decodeId(admin.id), adminAddress: admin.address, token, memberId: member.id };
}

const ADD_DEPOSIT = 'mutation ($input: AddDepositInput!) { addDeposit(input: $input) { __typename ... on Error { code } ... on AddDepositSuccess { ledgerEntry { id } } } }';
const ADD_ALIAS = 'mutation ($input: AddAliasInput!) { addAlias(input: $input) { __typename ... on Error { code } } }';

/** A call of each member of AUTHORISED_IN_TRANSACTION: the name of its change, and the statement that makes it. */
const MUTATIONS: Record<string, { change: RegExp; call: (f: Fixture, token?: string, yoga?: typeof replica) => Promise<Answer> }> = {
  addDeposit: {
    change: /insert into "ledger_entries"/,
    call: (f, token = f.token, yoga = replica) => call(ADD_DEPOSIT, { input: { amount: '5.00', idempotencyKey: unique('key') } }, token, yoga),
  },
  addAlias: {
    change: /insert into "addresses"/,
    call: (f, token = f.token, yoga = replica) =>
      call(ADD_ALIAS, { input: { userId: f.memberId, address: `${unique('alias')}@${MAIL_DOMAIN}` } }, token, yoga),
  },
};
const MEMBERS = [...AUTHORISED_IN_TRANSACTION];
const SUCCESS: Record<string, string> = { addDeposit: 'AddDepositSuccess', addAlias: 'AddAliasSuccess' };

/** PGlite runs BEGIN, COMMIT and ROLLBACK itself, in the statement log; PostgreSQL's one-write form has none. */
const body = (statements: string[]) => statements.filter((statement) => !/^\s*(begin|commit|rollback)\s*$/i.test(statement));

/** What each statement of a write is: the token's check, a lock, the change, the token lookup, or its text. */
function kinds(statements: string[], change: RegExp): string[] {
  return body(statements).map((statement) => {
    if (/mailadmin_authorize_write/.test(statement)) return 'check';
    if (/for no key update/.test(statement)) return 'lock';
    if (change.test(statement)) return 'change';
    if (/from "api_tokens"/.test(statement) && /"token_hash" = \$1/.test(statement)) return 'lookup';
    return statement.slice(0, 60);
  });
}

/** Everything a refused write could have left in its master account: entries, addresses, audit events. */
async function footprint(tenant: Tenant): Promise<{ entries: number; addresses: number; audit: number }> {
  const accountId = decodeId(tenant.masterAccountId);
  const n = async (table: typeof ledgerEntries | typeof addresses | typeof auditEvents) =>
    (await db.select({ n: count() }).from(table).where(eq(table.masterAccountId, accountId)))[0]?.n ?? 0;
  return { entries: await n(ledgerEntries), addresses: await n(addresses), audit: await n(auditEvents) };
}

/** Changes made behind the replica's back, as another replica or an operator would. */
const CHANGES = {
  'its token revoked': (f: Fixture) => db.update(apiTokens).set({ revokedAt: sql`now()` }).where(eq(apiTokens.tokenHash, hashToken(f.token))),
  'its user suspended': (f: Fixture) => db.update(users).set({ suspendedAt: sql`now()` }).where(eq(users.id, f.adminId)),
  'its token expired': (f: Fixture) =>
    db.update(apiTokens).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(apiTokens.tokenHash, hashToken(f.token))),
  'its user demoted to MEMBER': (f: Fixture) => db.update(users).set({ role: 'MEMBER' }).where(eq(users.id, f.adminId)),
  "the owner's plan FREE": (f: Fixture) =>
    db
      .update(users)
      .set({ plan: 'FREE', paidThrough: null })
      .where(and(eq(users.masterAccountId, decodeId(f.tenant.masterAccountId)), eq(users.role, 'OWNER'))),
  'a second factor required of administrators': (f: Fixture) =>
    db.update(masterAccounts).set({ secondFactorPolicy: 'ADMINS' }).where(eq(masterAccounts.id, decodeId(f.tenant.masterAccountId))),
} as const;

/** How the replica must answer after each change: a refusal of the whole request, or the mutation's typed error. */
const REFUSALS: Record<keyof typeof CHANGES, { status: number; code: string; typed?: string }> = {
  'its token revoked': { status: 401, code: 'UNAUTHENTICATED' },
  'its user suspended': { status: 401, code: 'UNAUTHENTICATED' },
  'its token expired': { status: 401, code: 'UNAUTHENTICATED' },
  'its user demoted to MEMBER': { status: 200, code: 'FORBIDDEN', typed: 'ForbiddenError' },
  "the owner's plan FREE": { status: 200, code: 'UPGRADE_REQUIRED', typed: 'UpgradeRequiredError' },
  'a second factor required of administrators': { status: 200, code: 'SECOND_FACTOR_REQUIRED' },
};

/** Makes `change` behind the deaf replica, and checks the replica still serves the token from its cache. */
async function behindTheReplica(f: Fixture, change: (f: Fixture) => PromiseLike<unknown>): Promise<void> {
  tokens.deaf = true;
  await change(f);
  // A read still gets the cached viewer: the replica has not heard.
  expect(await servedFromCache(f.token)).toBe(true);
}

describe('AUTHORISED_IN_TRANSACTION', () => {
  it('has a call here for each member, so that each is shown to check its token', () => {
    expect(Object.keys(MUTATIONS).sort()).toEqual([...MEMBERS].sort());
  });
});

describe.each(MEMBERS)('%s with a viewer from the token cache', (name) => {
  const mutation = MUTATIONS[name] as (typeof MUTATIONS)[string];

  it('checks the token first, in the same write as its lock and change: 3 statements, and on PostgreSQL 1 write with 1 Sync', async () => {
    const f = await fixture();
    // The first call prepares the statements on the connection; the second is measured.
    expect((await mutation.call(f)).data[name].__typename).toBe(SUCCESS[name]);
    app.statements.length = 0;
    app.writes.count = 0;
    app.oneWrites.length = 0;
    const answer = await mutation.call(f);
    expect(answer.data[name].__typename).toBe(SUCCESS[name]);
    expect(kinds(app.statements, mutation.change)).toEqual(['check', 'lock', 'change']);
    if (databaseUrl) {
      expect(app.writes.count).toBe(1);
      expect(app.oneWrites).toEqual(['one sync']);
    }
  });

  it('sends no check for a viewer looked up in this request: the first request of a token, or with the cache off', async () => {
    const f = await fixture();
    const fresh = await app.logIn(f.adminAddress);
    app.statements.length = 0;
    expect((await mutation.call(f, fresh)).data[name].__typename).toBe(SUCCESS[name]);
    const first = kinds(app.statements, mutation.change);
    expect(first).not.toContain('check');
    expect(first[0]).toBe('lookup');
    expect(first).toEqual(expect.arrayContaining(['lock', 'change']));
    for (let i = 0; i < 2; i++) {
      app.statements.length = 0;
      expect((await mutation.call(f, f.token, uncached)).data[name].__typename).toBe(SUCCESS[name]);
      const kindsUncached = kinds(app.statements, mutation.change);
      expect(kindsUncached).not.toContain('check');
      expect(kindsUncached[0]).toBe('lookup');
    }
  });

  it.each(Object.keys(CHANGES) as (keyof typeof CHANGES)[])('refuses after %s on another replica, and writes nothing', async (what) => {
    const f = await fixture();
    await behindTheReplica(f, CHANGES[what]);
    const before = await footprint(f.tenant);
    app.statements.length = 0;
    const answer = await mutation.call(f);
    const refusal = REFUSALS[what];
    expect(answer.status).toBe(refusal.status);
    if (refusal.typed) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data[name]).toEqual({ __typename: refusal.typed, code: refusal.code });
    } else {
      expect(codes(answer)).toEqual([refusal.code]);
      expect(answer.data[name] ?? null).toBeNull();
    }
    // The check went first, in the mutation's own write: no lookup of its own.
    expect(kinds(app.statements, mutation.change)).toEqual(['check', 'lock', 'change']);
    expect(await footprint(f.tenant)).toEqual(before);
  });
});

describe('a deposit retried with its idempotency key', () => {
  it('answers from the earlier entry while the token works, and UNAUTHENTICATED once it is revoked, before reading that entry', async () => {
    const f = await fixture();
    const input = { amount: '7.00', idempotencyKey: unique('retried') };
    const first = await call(ADD_DEPOSIT, { input }, f.token);
    expect(first.data.addDeposit.__typename).toBe('AddDepositSuccess');
    // While the token works, a retry is answered with the same entry, and writes nothing.
    const before = await footprint(f.tenant);
    const retried = await call(ADD_DEPOSIT, { input }, f.token);
    expect(retried.data.addDeposit).toEqual(first.data.addDeposit);
    expect(await footprint(f.tenant)).toEqual(before);

    await behindTheReplica(f, CHANGES['its token revoked']);
    app.statements.length = 0;
    const refused = await call(ADD_DEPOSIT, { input }, f.token);
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(refused.data.addDeposit ?? null).toBeNull();
    // The check, the lock and the deposit, rolled back together; the earlier entry was never read.
    expect(kinds(app.statements, /insert into "ledger_entries"/)).toEqual(['check', 'lock', 'change']);
    expect(await footprint(f.tenant)).toEqual(before);
  });
});

describe('a mutation the set does not cover whole, or a cached viewer the mutation would refuse', () => {
  it('a document with another mutation beside a member is looked up separately, as before', async () => {
    const f = await fixture();
    const both = `mutation ($input: AddDepositInput!) {
      addDeposit(input: $input) { __typename }
      setLowBalanceThreshold(input: { amount: "15.00" }) { __typename }
    }`;
    app.statements.length = 0;
    const answer = await call(both, { input: { amount: '3.00', idempotencyKey: unique('both') } }, f.token);
    expect(answer.data).toEqual({ addDeposit: { __typename: 'AddDepositSuccess' }, setLowBalanceThreshold: { __typename: 'SetLowBalanceThresholdSuccess' } });
    const sent = kinds(app.statements, /insert into "ledger_entries"/);
    expect(sent[0]).toBe('lookup');
    expect(sent).not.toContain('check');

    tokens.clear();
    await until('the session to be cached again', async () => ((await servedFromCache(f.token)) ? true : undefined), 5_000);
    await behindTheReplica(f, CHANGES['its token revoked']);
    const before = await footprint(f.tenant);
    const refused = await call(both, { input: { amount: '3.00', idempotencyKey: unique('both') } }, f.token);
    expect(refused.status).toBe(401);
    expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
    expect(await footprint(f.tenant)).toEqual(before);
  });

  it('a cached MEMBER promoted to ADMIN on another replica is looked up afresh and let through: a refusal is never the cache’s', async () => {
    const f = await fixture('MEMBER');
    await behindTheReplica(f, (fx) => db.update(users).set({ role: 'ADMIN' }).where(eq(users.id, fx.adminId)));
    for (const name of MEMBERS) {
      const mutation = MUTATIONS[name];
      if (!mutation) throw new Error(`no call for ${name}`);
      app.statements.length = 0;
      expect((await mutation.call(f)).data[name].__typename).toBe(SUCCESS[name]);
      const sent = kinds(app.statements, mutation.change);
      expect(sent[0]).toBe('lookup');
      expect(sent).not.toContain('check');
    }
  });

  it('two members in one document each check the token in their own write', async () => {
    const f = await fixture();
    const twice = `mutation ($a: AddDepositInput!, $b: AddDepositInput!) {
      a: addDeposit(input: $a) { __typename }
      b: addDeposit(input: $b) { __typename }
    }`;
    const variables = () => ({ a: { amount: '1.00', idempotencyKey: unique('a') }, b: { amount: '2.00', idempotencyKey: unique('b') } });
    expect((await call(twice, variables(), f.token)).data).toEqual({ a: { __typename: 'AddDepositSuccess' }, b: { __typename: 'AddDepositSuccess' } });
    app.statements.length = 0;
    expect((await call(twice, variables(), f.token)).data).toEqual({ a: { __typename: 'AddDepositSuccess' }, b: { __typename: 'AddDepositSuccess' } });
    expect(kinds(app.statements, /insert into "ledger_entries"/)).toEqual(['check', 'lock', 'change', 'check', 'lock', 'change']);
  });
});

// PostgreSQL sends a one-write transaction whose statements are not all prepared on its connection
// yet as BEGIN, them and COMMIT (server/db/pipeline.ts): the refusal must come out of that form too.
if (databaseUrl) describe('on a connection where nothing is prepared yet, on PostgreSQL', () => {
  it('the check’s refusal is the error reported, out of BEGIN, the statements and COMMIT, and nothing is written', async () => {
    const forms: OneWriteForm[] = [];
    const statements: string[] = [];
    const fresh = await openDatabase({ databaseUrl, migrate: false, poolSize: 1, onOneWrite: (form) => forms.push(form), onQuery: (query) => statements.push(query) });
    try {
      const f = await fixture();
      const [token] = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.tokenHash, hashToken(f.token)));
      const viewer: Viewer = {
        userId: f.adminId,
        masterAccountId: decodeId(f.tenant.masterAccountId),
        role: 'ADMIN',
        ownerPlan: 'ENTRY',
        scopes: ['READ', 'WRITE', 'BILLING'],
        tokenId: token?.id ?? '',
        tokenKind: 'SESSION',
        secondFactor: false,
        authorizeInWrite: true,
      };
      await CHANGES['its token revoked'](f);
      const before = await footprint(f.tenant);
      const now = new Date();
      const deposit = await addDeposit(fresh.db, viewer, { amount: '5.00', idempotencyKey: unique('fresh') }, now).then(
        () => null,
        (error: unknown) => error,
      );
      const alias = await addAlias(fresh.db, viewer, MAIL_DOMAIN, { userId: decodeId(f.memberId), address: `${unique('fresh')}@${MAIL_DOMAIN}` }, now).then(
        () => null,
        (error: unknown) => error,
      );
      expect(deposit).toBeInstanceOf(UnauthenticatedError);
      expect(alias).toBeInstanceOf(UnauthenticatedError);
      expect(forms).toEqual(['begin and commit', 'begin and commit']);
      expect(kinds(statements, /insert into "(ledger_entries|addresses)"/)).toEqual(['check', 'lock', 'change', 'check', 'lock', 'change']);
      expect(await footprint(f.tenant)).toEqual(before);
    } finally {
      await fresh.close();
    }
  });
});
