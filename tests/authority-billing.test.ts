import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { openDatabase, type Db } from '../server/db/client.js';
import { ledgerEntries, users } from '../server/db/tables.js';
import { logIn as logInAt, signUp } from '../server/domain/accounts.js';
import { addDeposit } from '../server/domain/billing.js';
import { authenticate, createApiToken } from '../server/domain/tokens.js';
import { changePlan, createUser, updateUser } from '../server/domain/users.js';
import type { Viewer } from '../server/domain/viewer.js';
import { buildYoga } from '../server/yoga.js';
import { globalId, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type GraphQLResponse, type Loose } from './harness.js';
import { runBillingCommand } from './process.js';

/**
 * Billing never lifts a suspension (domain.md, "Authority inside a master account"), shown with the
 * real billing command (`tsx scripts/billing.ts --as-of ... --master-account ...`). Each account is
 * seeded in the past through the domain functions, which take the instant as an argument: created,
 * its user given an API token, then suspended by the owner. The billing runs are as of instants
 * between then and now, and the API is asked at the real now, so the three agree on the order of
 * events. On PGlite the command gets the data directory of this file, which the test closes while
 * the command runs and opens again (with an application on it) to look.
 */

const databaseUrl = process.env.DATABASE_URL;
const shared = databaseUrl ? await startApp() : null;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const REASON = 'Under investigation';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
const dataDir = databaseUrl ? null : mkdtempSync(join(tmpdir(), 'mailadmin-authority-billing-'));
if (dataDir) tempDirs.push(dataDir);
const billingEnv: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '', DATA_DIR: dataDir ?? '' };

// ---------------------------------------------------------------------------------------------
// The database and the application on it, open only between billing runs on PGlite
// ---------------------------------------------------------------------------------------------

interface Site {
  db: Db;
  gql(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse>;
}

/** Opens the database with the application on it, runs `look`, and closes both (PGlite). */
async function withSite<T>(look: (site: Site) => Promise<T>): Promise<T> {
  if (shared) return look({ db: shared.database.db, gql: shared.gql });
  const database = await openDatabase({ dataDir: dataDir ?? '' });
  const config = { ...loadConfig({ GRAPHQL_JIT: process.env.GRAPHQL_JIT }), mailDomain: MAIL_DOMAIN, dnsServers: [], tokenCache: true };
  const yoga = buildYoga({ database, config });
  async function gql(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse> {
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Loose | null; errors?: GraphQLResponse['errors'] };
    return { data: body.data ?? {}, ...(body.errors ? { errors: body.errors } : {}) };
  }
  try {
    return await look({ db: database.db, gql });
  } finally {
    await yoga.dispose();
    await database.close();
  }
}

/** `npm run billing`'s command for some master accounts, as of `asOf`; the JSON line it prints. */
const bill = (asOf: number, masterAccountIds: string[]) => runBillingCommand(billingEnv, asOf, masterAccountIds);

// ---------------------------------------------------------------------------------------------
// Seeding in the past
// ---------------------------------------------------------------------------------------------

interface Seeded {
  /** Database ids. */
  masterAccountId: string;
  userId: string;
  /** The user's global ID, for the API. */
  userGlobalId: string;
  address: string;
  ownerAddress: string;
  /** The user's API token, made before the suspension. */
  apiToken: string;
  /** The user's session, open when the suspension ended it. */
  session: string;
  suspendedAt: Date;
  /** When the first period, charged at creation, ends. */
  paidThrough: number;
}

/**
 * A master account created at `createdAt` with `deposit` EUR and one person on `plan`, charged its
 * first period then; an hour later the person opens a session and makes an API token; two hours
 * after creation the owner suspends them; with `pendingFree`, an hour later the owner schedules a
 * downgrade to FREE for the next renewal.
 */
async function seed(db: Db, createdAt: number, options: { deposit: string; plan?: 'ENTRY' | 'PRO'; pendingFree?: boolean }): Promise<Seeded> {
  const at = (offset: number) => new Date(createdAt + offset);
  const ownerAddress = `${unique('owner')}@${MAIL_DOMAIN}`;
  const signedUp = await signUp(
    db,
    MAIL_DOMAIN,
    { organizationName: unique('suspended-billing'), ownerAddress, ownerDisplayName: 'Owner', password: PASSWORD, plan: 'ENTRY' },
    at(0),
  );
  const owner: Viewer | null = await authenticate(db, signedUp.token, at(0));
  if (!owner) throw new Error('the sign-up session did not authenticate');
  await addDeposit(db, owner, { amount: options.deposit, idempotencyKey: unique('seed') }, at(0));
  const address = `${unique('suspended')}@${MAIL_DOMAIN}`;
  const { user } = await createUser(db, owner, MAIL_DOMAIN, { address, displayName: 'Suspended', password: PASSWORD, plan: options.plan ?? 'ENTRY', kind: 'PERSON' }, at(0));
  if (!user.paidThrough) throw new Error('a paid account without paidThrough');

  const session = await logInAt(db, { address, password: PASSWORD }, at(HOUR));
  // No second factor here: the log-in opens a session at once.
  if (!('token' in session)) throw new Error('the log-in asked for a second factor');
  const self = await authenticate(db, session.token, at(HOUR));
  if (!self) throw new Error("the user's session did not authenticate");
  const apiToken = await createApiToken(db, self, { name: 'integration', scopes: ['READ', 'WRITE'] }, at(HOUR));

  const suspended = await updateUser(db, owner, { userId: user.id, status: 'SUSPENDED', suspensionReason: REASON }, at(2 * HOUR));
  expect(suspended.status).toBe('SUSPENDED');
  if (options.pendingFree) {
    const { user: pending } = await changePlan(db, owner, { userId: user.id, plan: 'FREE' }, at(3 * HOUR));
    expect(pending).toMatchObject({ pendingPlan: 'FREE', status: 'SUSPENDED' });
  }
  return {
    masterAccountId: owner.masterAccountId,
    userId: user.id,
    userGlobalId: globalId('User', user.id),
    address,
    ownerAddress,
    apiToken: apiToken.token,
    session: session.token,
    suspendedAt: at(2 * HOUR),
    paidThrough: user.paidThrough.getTime(),
  };
}

// ---------------------------------------------------------------------------------------------
// Looking, at the real now
// ---------------------------------------------------------------------------------------------

const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { __typename ... on LogInSuccess { token } ... on Error { code } } }`;
const USER = `query ($id: ID!) { node(id: $id) { ... on User { id status plan pendingPlan paidThrough suspendedAt suspensionReason } } }`;
const WHO_AM_I = `{ viewer { user { id status } } }`;
const UPDATE_USER = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on UpdateUserSuccess { user { id status plan suspendedAt suspensionReason } } ... on Error { code message }
} }`;
const ADD_DEPOSIT = `mutation ($input: AddDepositInput!) { addDeposit(input: $input) { __typename ... on Error { code message } } }`;

async function logIn(site: Site, address: string): Promise<Loose> {
  const result = await site.gql(LOG_IN, { input: { address, password: PASSWORD } });
  expect(result.errors).toBeUndefined();
  return result.data.logIn;
}

/** A session of the account's owner, opened now (the sign-up session may have ended long ago). */
async function ownerSession(site: Site, seeded: Seeded): Promise<string> {
  const payload = await logIn(site, seeded.ownerAddress);
  expect(payload.__typename).toBe('LogInSuccess');
  return text(payload.token);
}

/** The user as the API shows them to the owner, and the users row underneath. */
async function look(site: Site, owner: string, seeded: Seeded): Promise<{ shown: Loose; row: typeof users.$inferSelect }> {
  const result = await site.gql(USER, { id: seeded.userGlobalId }, owner);
  expect(result.errors).toBeUndefined();
  const [row] = await site.db.select().from(users).where(eq(users.id, seeded.userId));
  if (!row) throw new Error('the seeded user is gone');
  return { shown: result.data.node, row };
}

async function whoIs(site: Site, token: string): Promise<string> {
  const result = await site.gql(WHO_AM_I, {}, token);
  if (result.errors) return String(result.errors[0]?.extensions?.code);
  return text(result.data.viewer.user.id);
}

/**
 * Still suspended as the owner left it, whatever billing did: SUSPENDED shown with the reason and
 * the first instant; the API token stopped (not revoked), the session ended, log-in FORBIDDEN.
 * `standing` is the billing standing underneath, and `billing` what billing should have left.
 */
async function expectStillSuspended(
  site: Site,
  owner: string,
  seeded: Seeded,
  standing: 'ACTIVE' | 'PAST_DUE',
  billing: { plan: string; pendingPlan?: string | null; paidThrough: number | null },
): Promise<void> {
  const { shown, row } = await look(site, owner, seeded);
  expect(shown).toMatchObject({
    status: 'SUSPENDED',
    suspensionReason: REASON,
    suspendedAt: seeded.suspendedAt.toISOString(),
    plan: billing.plan,
    pendingPlan: billing.pendingPlan ?? null,
    paidThrough: billing.paidThrough === null ? null : new Date(billing.paidThrough).toISOString(),
  });
  expect(row.status).toBe(standing);
  expect(row.suspendedAt?.toISOString()).toBe(seeded.suspendedAt.toISOString());
  expect(await whoIs(site, seeded.apiToken)).toBe('UNAUTHENTICATED');
  expect(await whoIs(site, seeded.session)).toBe('UNAUTHENTICATED');
  expect(await logIn(site, seeded.address)).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
}

/** The owner lifts the suspension: the API token works again, and so does log-in; the status shown then. */
async function reactivate(site: Site, owner: string, seeded: Seeded): Promise<Loose> {
  const result = await site.gql(UPDATE_USER, { input: { userId: seeded.userGlobalId, status: 'ACTIVE' } }, owner);
  expect(result.errors).toBeUndefined();
  const payload = result.data.updateUser;
  expect(payload.__typename, JSON.stringify(payload)).toBe('UpdateUserSuccess');
  expect(payload.user).toMatchObject({ suspendedAt: null, suspensionReason: null });
  expect(await whoIs(site, seeded.apiToken)).toBe(globalId('User', seeded.userId));
  // The session the suspension ended stays ended.
  expect(await whoIs(site, seeded.session)).toBe('UNAUTHENTICATED');
  expect(await logIn(site, seeded.address)).toMatchObject({ __typename: 'LogInSuccess' });
  return payload.user;
}

/** The CHARGE entries of the seeded user, by the start of the period each paid. */
async function charges(site: Site, seeded: Seeded): Promise<{ periodStart: number | undefined; amountCents: number; balanceAfterCents: number }[]> {
  const rows = await site.db
    .select()
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.masterAccountId, seeded.masterAccountId), eq(ledgerEntries.userId, seeded.userId), eq(ledgerEntries.kind, 'CHARGE')))
    .orderBy(asc(ledgerEntries.seq));
  return rows.map((row) => ({ periodStart: row.periodStart?.getTime(), amountCents: row.amountCents, balanceAfterCents: row.balanceAfterCents }));
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

describe('billing never lifts a suspension (the billing command)', () => {
  it('a paid renewal charges the suspended account and leaves it SUSPENDED', async () => {
    const now = Date.now();
    const seeded = await withSite((site) => seed(site.db, now - 40 * DAY, { deposit: '100.00' }));
    const owner = await withSite(async (site) => {
      const owner = await ownerSession(site, seeded);
      await expectStillSuspended(site, owner, seeded, 'ACTIVE', { plan: 'ENTRY', paidThrough: seeded.paidThrough });
      return owner;
    });

    expect(await bill(now - MINUTE, [seeded.masterAccountId])).toMatchObject({ charged: 1, pastDue: 0, downgradedUnpaid: 0 });

    await withSite(async (site) => {
      await expectStillSuspended(site, owner, seeded, 'ACTIVE', { plan: 'ENTRY', paidThrough: seeded.paidThrough + 30 * DAY });
      expect(await charges(site, seeded)).toEqual([
        { periodStart: seeded.paidThrough - 30 * DAY, amountCents: -250, balanceAfterCents: 9750 },
        { periodStart: seeded.paidThrough, amountCents: -250, balanceAfterCents: 9500 },
      ]);
      expect(await reactivate(site, owner, seeded)).toMatchObject({ status: 'ACTIVE', plan: 'ENTRY' });
    });
  }, 120_000);

  it('an unpaid renewal leaves it SUSPENDED, PAST_DUE underneath: lifting the suspension shows PAST_DUE', async () => {
    const now = Date.now();
    const seeded = await withSite((site) => seed(site.db, now - 40 * DAY, { deposit: '2.50' }));
    const owner = await withSite(async (site) => {
      const owner = await ownerSession(site, seeded);
      await expectStillSuspended(site, owner, seeded, 'ACTIVE', { plan: 'ENTRY', paidThrough: seeded.paidThrough });
      return owner;
    });

    expect(await bill(now - MINUTE, [seeded.masterAccountId])).toMatchObject({ charged: 0, pastDue: 1, downgradedUnpaid: 0 });

    await withSite(async (site) => {
      await expectStillSuspended(site, owner, seeded, 'PAST_DUE', { plan: 'ENTRY', paidThrough: seeded.paidThrough });
      expect(await charges(site, seeded)).toHaveLength(1);
      expect(await reactivate(site, owner, seeded)).toMatchObject({ status: 'PAST_DUE', plan: 'ENTRY' });
      expect((await look(site, owner, seeded)).row).toMatchObject({ status: 'PAST_DUE', suspendedAt: null });
    });
  }, 120_000);

  it('past the 14 days of grace, the downgrade to FREE leaves it SUSPENDED', async () => {
    const now = Date.now();
    // The first period ends 16 days ago: one run then finds it unpaid, one now finds the grace over.
    const seeded = await withSite((site) => seed(site.db, now - 46 * DAY, { deposit: '2.50' }));
    const owner = await withSite((site) => ownerSession(site, seeded));

    expect(await bill(seeded.paidThrough + MINUTE, [seeded.masterAccountId])).toMatchObject({ charged: 0, pastDue: 1, downgradedUnpaid: 0 });
    await withSite((site) => expectStillSuspended(site, owner, seeded, 'PAST_DUE', { plan: 'ENTRY', paidThrough: seeded.paidThrough }));

    expect(await bill(now - MINUTE, [seeded.masterAccountId])).toMatchObject({ charged: 0, downgradedUnpaid: 1 });
    await withSite(async (site) => {
      await expectStillSuspended(site, owner, seeded, 'ACTIVE', { plan: 'FREE', paidThrough: null });
      expect(await reactivate(site, owner, seeded)).toMatchObject({ status: 'ACTIVE', plan: 'FREE' });
    });
  }, 120_000);

  it('a deposit that pays the overdue renewal leaves it SUSPENDED', async () => {
    const now = Date.now();
    const seeded = await withSite((site) => seed(site.db, now - 40 * DAY, { deposit: '2.50' }));
    const owner = await withSite((site) => ownerSession(site, seeded));

    expect(await bill(now - MINUTE, [seeded.masterAccountId])).toMatchObject({ charged: 0, pastDue: 1 });

    await withSite(async (site) => {
      await expectStillSuspended(site, owner, seeded, 'PAST_DUE', { plan: 'ENTRY', paidThrough: seeded.paidThrough });
      // The deposit (now, through the API) pays the renewal due since the first period ended.
      const deposit = await site.gql(ADD_DEPOSIT, { input: { amount: '10.00', idempotencyKey: unique('settle') } }, owner);
      expect(deposit.errors).toBeUndefined();
      expect(deposit.data.addDeposit.__typename).toBe('AddDepositSuccess');
      expect(await charges(site, seeded)).toEqual([
        { periodStart: seeded.paidThrough - 30 * DAY, amountCents: -250, balanceAfterCents: 0 },
        { periodStart: seeded.paidThrough, amountCents: -250, balanceAfterCents: 750 },
      ]);
      await expectStillSuspended(site, owner, seeded, 'ACTIVE', { plan: 'ENTRY', paidThrough: seeded.paidThrough + 30 * DAY });
      expect(await reactivate(site, owner, seeded)).toMatchObject({ status: 'ACTIVE', plan: 'ENTRY' });
    });
  }, 120_000);

  it('a pending downgrade applied at the renewal leaves it SUSPENDED', async () => {
    const now = Date.now();
    const seeded = await withSite((site) => seed(site.db, now - 40 * DAY, { deposit: '100.00', plan: 'PRO', pendingFree: true }));
    const owner = await withSite(async (site) => {
      const owner = await ownerSession(site, seeded);
      await expectStillSuspended(site, owner, seeded, 'ACTIVE', { plan: 'PRO', pendingPlan: 'FREE', paidThrough: seeded.paidThrough });
      return owner;
    });

    expect(await bill(now - MINUTE, [seeded.masterAccountId])).toMatchObject({ charged: 0, pastDue: 0, downgradedAtRenewal: 1 });

    await withSite(async (site) => {
      await expectStillSuspended(site, owner, seeded, 'ACTIVE', { plan: 'FREE', paidThrough: null });
      expect(await charges(site, seeded)).toHaveLength(1);
      expect(await reactivate(site, owner, seeded)).toMatchObject({ status: 'ACTIVE', plan: 'FREE' });
    });
  }, 120_000);
});
