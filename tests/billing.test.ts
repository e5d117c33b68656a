import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asc, count, eq, sql, type SQL } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { sqlState } from '../server/db/client.js';
import { addresses, auditEvents, ledgerEntries, lowBalanceNotices, masterAccounts, users } from '../server/db/tables.js';
import { runBilling } from '../server/domain/billing.js';
import { buildYoga } from '../server/yoga.js';
import { decodeId, items, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type GraphQLResponse, type Loose, type Tenant } from './harness.js';

/*
 * The rules of domain.md, "Billing from the deposit", one describe block each. Expectations are
 * computed here from the documented prices and the dates the API reports, never read back from
 * the server's own billing code. Clients go through GraphQL; the billing job is called as the
 * server's timer calls it, always limited to this file's own tenants (the PostgreSQL database is
 * shared with other test files running at the same time).
 */

const app = await startApp();
const db = app.database.db;

// domain.md, "Plans": the price of 30 days, in cents.
const PRICE = { FREE: 0, ENTRY: 250, PRO: 750 } as const;
type Plan = keyof typeof PRICE;
const DAY_MS = 24 * 60 * 60 * 1000;
const PERIOD_MS = 30 * DAY_MS;
const DEFAULT_THRESHOLD = 2000;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const ENTRY_FIELDS = 'id kind amount { amount minorUnits currency } balanceAfter { minorUnits } description user { id } plan periodStart periodEnd createdAt';
const USER_FIELDS = 'id plan pendingPlan status paidThrough';

const ADD_DEPOSIT = `mutation ($input: AddDepositInput!) { addDeposit(input: $input) {
  __typename
  ... on AddDepositSuccess { ledgerEntry { ${ENTRY_FIELDS} } masterAccount { balance { amount minorUnits } } }
  ... on Error { code message }
  ... on ValidationError { field }
  ... on IdempotencyConflictError { idempotencyKey }
} }`;

/** The same mutation without fields that need the READ scope, for tokens scoped WRITE+BILLING only. */
const ADD_DEPOSIT_UNREAD = `mutation ($input: AddDepositInput!) { addDeposit(input: $input) {
  __typename
  ... on AddDepositSuccess { ledgerEntry { id kind amount { minorUnits } } }
  ... on Error { code message }
} }`;

const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) {
  __typename
  ... on CreateUserSuccess { user { ${USER_FIELDS} address } ledgerEntry { ${ENTRY_FIELDS} } }
  ... on InsufficientFundsError { required { amount minorUnits currency } available { amount minorUnits currency } }
  ... on Error { code message }
} }`;

const CHANGE_PLAN = `mutation ($input: ChangePlanInput!) { changePlan(input: $input) {
  __typename
  ... on ChangePlanSuccess { user { ${USER_FIELDS} } ledgerEntry { ${ENTRY_FIELDS} } }
  ... on InsufficientFundsError { required { amount minorUnits } available { amount minorUnits } }
  ... on Error { code message }
} }`;

const DELETE_USER = `mutation ($input: DeleteUserInput!) { deleteUser(input: $input) {
  __typename ... on Error { code message }
} }`;

const SET_THRESHOLD = `mutation ($input: SetLowBalanceThresholdInput!) { setLowBalanceThreshold(input: $input) {
  __typename
  ... on SetLowBalanceThresholdSuccess { masterAccount { lowBalanceThreshold { amount minorUnits } } }
  ... on Error { code message }
  ... on ValidationError { field }
} }`;

const CREATE_API_TOKEN = `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  __typename ... on CreateApiTokenSuccess { token } ... on Error { code message }
} }`;

const ACCOUNT = `{ viewer { masterAccount {
  balance { amount minorUnits currency } lowBalance lowBalanceThreshold { amount minorUnits }
  monthlyCost { amount minorUnits } runway { depletesOn days }
} } }`;

const USER = `query ($id: ID!) { node(id: $id) { ... on User { ${USER_FIELDS} } } }`;

const LEDGER = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: LedgerFilter) { viewer { masterAccount {
  ledger(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
    edges { node { ${ENTRY_FIELDS} } }
  }
} } }`;

const AUDIT_LOG = `query ($after: String) { viewer { masterAccount { auditLog(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { action actor { id } targetId details } }
} } } }`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** A ledger entry as the API shows it, with money in cents. */
interface Entry {
  id: string;
  kind: string;
  amount: number;
  balanceAfter: number;
  userId: string | null;
  plan: string | null;
  periodStart: string | null;
  periodEnd: string | null;
  createdAt: string;
}

/** A value the test needs, or a clear failure. */
function present<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('expected a value, got none');
  return value;
}

/** A loose value that must be a string or null. */
function textOrNull(value: Loose): string | null {
  return value === null || value === undefined ? null : text(value);
}

function toEntry(node: Loose): Entry {
  return {
    id: text(node.id),
    kind: text(node.kind),
    amount: Number(node.amount.minorUnits),
    balanceAfter: Number(node.balanceAfter.minorUnits),
    userId: node.user ? text(node.user.id) : null,
    plan: textOrNull(node.plan),
    periodStart: textOrNull(node.periodStart),
    periodEnd: textOrNull(node.periodEnd),
    createdAt: text(node.createdAt),
  };
}

/** What the API shows for an amount of cents, written out independently of the server's formatting. */
function eur(cents: number) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return { amount: `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`, minorUnits: cents, currency: 'EUR' };
}

/** `numerator / denominator` rounded to the nearest integer, halves up (for non-negative numbers). */
function divideHalfUp(numerator: number, denominator: number): number {
  const quotient = Math.floor(numerator / denominator);
  const remainder = numerator - quotient * denominator;
  return remainder * 2 >= denominator ? quotient + 1 : quotient;
}

/** The instant of an ISO string the API returned, in milliseconds; fails the test when it is missing. */
function at(value: unknown): number {
  if (typeof value !== 'string') throw new Error(`expected an instant, got ${JSON.stringify(value)}`);
  return new Date(value).getTime();
}
const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every mutation result must come back as data: a GraphQL error here is a failure of its own. */
function payload(result: GraphQLResponse, field: string): Loose {
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data[field];
}

function errorCode(result: GraphQLResponse): unknown {
  return result.errors?.[0]?.extensions?.code;
}

async function addDeposit(tenant: Tenant | string, amount: string, idempotencyKey = unique('deposit')): Promise<Loose> {
  const token = typeof tenant === 'string' ? tenant : tenant.token;
  return payload(await app.gql(ADD_DEPOSIT, { input: { amount, idempotencyKey } }, token), 'addDeposit');
}

async function createUser(tenant: Tenant, plan: Plan, token = tenant.token): Promise<Loose> {
  const input = { address: `${unique('user')}@${MAIL_DOMAIN}`, displayName: 'Paid User', password: PASSWORD, plan };
  return payload(await app.gql(CREATE_USER, { input }, token), 'createUser');
}

/** Creates a paid (or FREE) user and fails the test unless it worked. */
async function createdUser(tenant: Tenant, plan: Plan): Promise<{ id: string; paidThrough: string | null; entry: Entry | null }> {
  const created = await createUser(tenant, plan);
  expect(created.__typename, JSON.stringify(created)).toBe('CreateUserSuccess');
  return {
    id: text(created.user.id),
    paidThrough: textOrNull(created.user.paidThrough),
    entry: created.ledgerEntry ? toEntry(created.ledgerEntry) : null,
  };
}

async function changePlan(tenant: Tenant, userId: string, plan: Plan): Promise<Loose> {
  return payload(await app.gql(CHANGE_PLAN, { input: { userId, plan } }, tenant.token), 'changePlan');
}

async function account(tenant: Tenant): Promise<Loose> {
  const result = await app.gql(ACCOUNT, {}, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.viewer.masterAccount;
}

async function balance(tenant: Tenant): Promise<number> {
  return Number((await account(tenant)).balance.minorUnits);
}

async function user(tenant: Tenant, id: string): Promise<{ plan: string; pendingPlan: string | null; status: string; paidThrough: string | null }> {
  const result = await app.gql(USER, { id }, tenant.token);
  expect(result.errors).toBeUndefined();
  const node = result.data.node;
  return {
    plan: text(node.plan),
    pendingPlan: textOrNull(node.pendingPlan),
    status: text(node.status),
    paidThrough: textOrNull(node.paidThrough),
  };
}

/** The whole ledger, oldest first. */
async function ledger(tenant: Tenant): Promise<Entry[]> {
  const entries: Entry[] = [];
  let after: string | null = null;
  for (;;) {
    const result = await app.gql(LEDGER, { first: 100, after }, tenant.token);
    expect(result.errors).toBeUndefined();
    const page = result.data.viewer.masterAccount.ledger;
    entries.push(...items(page.edges).map((edge) => toEntry(edge.node)));
    if (!page.pageInfo.hasNextPage) return entries.reverse();
    after = text(page.pageInfo.endCursor);
  }
}

/** The audit log, oldest first. */
async function auditLog(tenant: Tenant): Promise<{ action: string; actorId: string | null; targetId: string | null; details: Loose }[]> {
  const events: { action: string; actorId: string | null; targetId: string | null; details: Loose }[] = [];
  let after: string | null = null;
  for (;;) {
    const result = await app.gql(AUDIT_LOG, { after }, tenant.token);
    expect(result.errors).toBeUndefined();
    const page = result.data.viewer.masterAccount.auditLog;
    for (const edge of items(page.edges)) {
      const node = edge.node;
      events.push({
        action: text(node.action),
        actorId: node.actor ? text(node.actor.id) : null,
        targetId: textOrNull(node.targetId),
        details: node.details,
      });
    }
    if (!page.pageInfo.hasNextPage) return events.reverse();
    after = text(page.pageInfo.endCursor);
  }
}

/**
 * The ledger's sum equals the balance, and every entry's balance-after is the sum of the entries
 * up to it, never below zero.
 */
async function expectConsistentLedger(tenant: Tenant): Promise<Entry[]> {
  const entries = await ledger(tenant);
  let running = 0;
  for (const entry of entries) {
    running += entry.amount;
    expect(entry.balanceAfter, `balance after entry ${entry.id}`).toBe(running);
    expect(entry.balanceAfter).toBeGreaterThanOrEqual(0);
  }
  expect(await balance(tenant)).toBe(running);
  return entries;
}

/** Runs the billing job for some tenants only, as `npm run billing -- --master-account` does. */
function bill(asOf: number | string, ...tenants: Tenant[]) {
  const instant = typeof asOf === 'string' ? new Date(asOf) : new Date(asOf);
  return runBilling(db, instant, { masterAccountIds: tenants.map((tenant) => decodeId(tenant.masterAccountId)) });
}

/**
 * Moves the end of a user's paid period, as if the period had been bought earlier. Requests run
 * at the wall clock, so this is how a test reaches "the middle of a period" or "overdue".
 */
async function setPaidThrough(userId: string, instant: number): Promise<void> {
  await db.update(users).set({ paidThrough: new Date(instant) }).where(eq(users.id, decodeId(userId)));
}

async function noticeCount(tenant: Tenant): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(lowBalanceNotices)
    .where(eq(lowBalanceNotices.masterAccountId, decodeId(tenant.masterAccountId)));
  return row?.n ?? 0;
}

/** Every row of a tenant that money operations could touch, to prove a refusal changed nothing. */
async function moneyRows(tenant: Tenant): Promise<Record<string, unknown[]>> {
  const id = decodeId(tenant.masterAccountId);
  return {
    masterAccounts: await db.select().from(masterAccounts).where(eq(masterAccounts.id, id)),
    users: await db.select().from(users).where(eq(users.masterAccountId, id)).orderBy(asc(users.id)),
    addresses: await db.select().from(addresses).where(eq(addresses.masterAccountId, id)).orderBy(asc(addresses.id)),
    ledgerEntries: await db.select().from(ledgerEntries).where(eq(ledgerEntries.masterAccountId, id)).orderBy(asc(ledgerEntries.seq)),
    lowBalanceNotices: await db.select().from(lowBalanceNotices).where(eq(lowBalanceNotices.masterAccountId, id)).orderBy(asc(lowBalanceNotices.id)),
    auditEvents: await db.select().from(auditEvents).where(eq(auditEvents.masterAccountId, id)).orderBy(asc(auditEvents.seq)),
  };
}

async function createApiToken(tenant: Tenant, scopes: string[]): Promise<string> {
  const created = payload(await app.gql(CREATE_API_TOKEN, { input: { name: unique('token'), scopes } }, tenant.token), 'createApiToken');
  expect(created.__typename, JSON.stringify(created)).toBe('CreateApiTokenSuccess');
  return text(created.token);
}

/** A session of a new user of the tenant with that role (FREE: money is not the point). */
async function sessionOf(tenant: Tenant, role: 'ADMIN' | 'MEMBER'): Promise<string> {
  const created = await app.createUser(tenant, { role, plan: 'FREE' });
  return app.logIn(created.address);
}

// ---------------------------------------------------------------------------------------------
// 1. Deposits
// ---------------------------------------------------------------------------------------------

describe('a deposit adds money, from 1.00 to 10,000.00 EUR, once per idempotency key', () => {
  it('accepts 1.00 and 10,000.00 and refuses 0.99 and 10,000.01 without changing anything', async () => {
    const tenant = await app.signUp({ deposit: null });
    for (const amount of ['0.99', '10000.01']) {
      const before = await moneyRows(tenant);
      const refused = await addDeposit(tenant, amount);
      expect(refused).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', field: 'amount' });
      expect(await moneyRows(tenant)).toEqual(before);
    }

    const minimum = await addDeposit(tenant, '1.00');
    expect(minimum.__typename).toBe('AddDepositSuccess');
    expect(minimum.ledgerEntry).toMatchObject({ kind: 'DEPOSIT', amount: eur(100), balanceAfter: { minorUnits: 100 }, user: null, plan: null });
    const maximum = await addDeposit(tenant, '10000.00');
    expect(maximum.ledgerEntry).toMatchObject({ kind: 'DEPOSIT', amount: eur(1_000_000), balanceAfter: { minorUnits: 1_000_100 } });
    expect(maximum.masterAccount.balance).toEqual({ amount: '10001.00', minorUnits: 1_000_100 });
    await expectConsistentLedger(tenant);
  });

  it.each([
    ['more than two decimals', '10.005'],
    ['a negative amount', '-5.00'],
    ['zero', '0.00'],
    ['an amount that is not a number', 'ten euros'],
  ])('refuses %s (%j) with a ValidationError naming `amount`, changing nothing', async (_case, amount) => {
    const tenant = await app.signUp({ deposit: null });
    const before = await moneyRows(tenant);
    const result = await app.gql(ADD_DEPOSIT, { input: { amount, idempotencyKey: unique('bad') } }, tenant.token);
    // A field-level input problem is a typed ValidationError (api-contract.md), not a request error.
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.data.addDeposit).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', field: 'amount' });
    expect(await moneyRows(tenant)).toEqual(before);
  });

  it('a retry with the same key and amount returns the first entry instead of adding money again', async () => {
    const tenant = await app.signUp({ deposit: null });
    const key = unique('retry');
    const first = await addDeposit(tenant, '25.00', key);
    const retry = await addDeposit(tenant, '25.00', key);
    expect(retry.__typename).toBe('AddDepositSuccess');
    expect(retry.ledgerEntry.id).toBe(first.ledgerEntry.id);
    expect(retry.masterAccount.balance.minorUnits).toBe(2500);
    // "25" is the same amount as "25.00".
    expect((await addDeposit(tenant, '25', key)).ledgerEntry.id).toBe(first.ledgerEntry.id);
    expect((await ledger(tenant)).map((entry) => entry.id)).toEqual([first.ledgerEntry.id]);
  });

  it('the same key with another amount is an IDEMPOTENCY_CONFLICT and changes nothing', async () => {
    const tenant = await app.signUp({ deposit: null });
    const key = unique('conflict');
    await addDeposit(tenant, '25.00', key);
    const before = await moneyRows(tenant);
    const conflict = await addDeposit(tenant, '30.00', key);
    expect(conflict).toMatchObject({ __typename: 'IdempotencyConflictError', code: 'IDEMPOTENCY_CONFLICT', idempotencyKey: key });
    expect(await moneyRows(tenant)).toEqual(before);
  });

  it('keys belong to one master account: another may use the same key for its own deposit', async () => {
    const [one, other] = [await app.signUp({ deposit: null }), await app.signUp({ deposit: null })];
    const key = unique('shared');
    const first = await addDeposit(one, '10.00', key);
    const second = await addDeposit(other, '20.00', key);
    expect(second.__typename).toBe('AddDepositSuccess');
    expect(second.ledgerEntry.id).not.toBe(first.ledgerEntry.id);
    expect([await balance(one), await balance(other)]).toEqual([1000, 2000]);
  });

  it('20 identical requests at once record exactly one deposit', async () => {
    const tenant = await app.signUp({ deposit: null });
    const key = unique('burst');
    const results = await Promise.all(Array.from({ length: 20 }, () => addDeposit(tenant, '50.00', key)));
    expect(results.map((result) => result.__typename)).toEqual(Array(20).fill('AddDepositSuccess'));
    expect(new Set(results.map((result) => text(result.ledgerEntry.id))).size).toBe(1);
    const entries = await expectConsistentLedger(tenant);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'DEPOSIT', amount: 5000, balanceAfter: 5000 });
    expect((await auditLog(tenant)).filter((event) => event.action === 'billing.deposit')).toHaveLength(1);
  });

  it('needs a token with both the WRITE and the BILLING scope', async () => {
    const tenant = await app.signUp({ deposit: null });
    for (const scopes of [['READ', 'WRITE'], ['READ', 'BILLING'], ['BILLING']]) {
      const token = await createApiToken(tenant, scopes);
      const before = await moneyRows(tenant);
      const refused = await app.gql(ADD_DEPOSIT_UNREAD, { input: { amount: '10.00', idempotencyKey: unique('scoped') } }, token);
      expect({ scopes, code: errorCode(refused) }).toEqual({ scopes, code: 'FORBIDDEN' });
      expect(await moneyRows(tenant)).toEqual(before);
    }
    const billing = await createApiToken(tenant, ['WRITE', 'BILLING']);
    const accepted = await app.gql(ADD_DEPOSIT_UNREAD, { input: { amount: '10.00', idempotencyKey: unique('scoped') } }, billing);
    expect(payload(accepted, 'addDeposit')).toMatchObject({ __typename: 'AddDepositSuccess', ledgerEntry: { kind: 'DEPOSIT', amount: { minorUnits: 1000 } } });
    expect(await balance(tenant)).toBe(1000);
  });

  it('owners and administrators add deposits; a member gets FORBIDDEN and changes nothing', async () => {
    const tenant = await app.signUp({ deposit: null });
    const admin = await sessionOf(tenant, 'ADMIN');
    const member = await sessionOf(tenant, 'MEMBER');

    expect((await addDeposit(tenant, '10.00')).__typename).toBe('AddDepositSuccess');
    expect((await addDeposit(admin, '5.00')).__typename).toBe('AddDepositSuccess');
    const before = await moneyRows(tenant);
    expect(await addDeposit(member, '5.00')).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(await moneyRows(tenant)).toEqual(before);
    expect(await balance(tenant)).toBe(1500);
  });

  it('a FREE owner has no console: the deposit is UPGRADE_REQUIRED', async () => {
    const tenant = await app.signUp({ plan: 'FREE', deposit: null });
    const before = await moneyRows(tenant);
    expect(await addDeposit(tenant, '10.00')).toMatchObject({ __typename: 'UpgradeRequiredError', code: 'UPGRADE_REQUIRED' });
    expect(await moneyRows(tenant)).toEqual(before);
  });

  it('writes the ledger entry and its audit event together, once per deposit', async () => {
    const tenant = await app.signUp({ deposit: null });
    const key = unique('audited');
    const deposit = await addDeposit(tenant, '12.34', key);
    await addDeposit(tenant, '12.34', key);
    const events = (await auditLog(tenant)).filter((event) => event.action === 'billing.deposit');
    expect(events).toEqual([
      { action: 'billing.deposit', actorId: tenant.ownerId, targetId: deposit.ledgerEntry.id, details: { amount: '12.34', idempotencyKey: key } },
    ]);
    expect((await ledger(tenant)).filter((entry) => entry.kind === 'DEPOSIT')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Charges when a paid account is created
// ---------------------------------------------------------------------------------------------

describe('a paid account is charged its plan price for 30 days when it is created', () => {
  it.each([['ENTRY', 250], ['PRO', 750]] as const)('%s costs %i cents at once, for a 30-day period ending at paidThrough', async (plan, cents) => {
    const tenant = await app.signUp({ deposit: '100.00' });
    const before = Date.now();
    const created = await createUser(tenant, plan);
    const after = Date.now();
    expect(created.__typename).toBe('CreateUserSuccess');
    const entry = toEntry(created.ledgerEntry);
    expect(entry).toMatchObject({ kind: 'CHARGE', amount: -cents, balanceAfter: 10_000 - cents, userId: text(created.user.id), plan });
    expect(created.ledgerEntry.amount).toEqual(eur(-cents));
    const start = at(entry.periodStart);
    expect(start).toBeGreaterThanOrEqual(before - 1000);
    expect(start).toBeLessThanOrEqual(after + 1000);
    expect(at(entry.periodEnd) - start).toBe(PERIOD_MS);
    expect(created.user).toMatchObject({ plan, pendingPlan: null, status: 'ACTIVE', paidThrough: entry.periodEnd });
    expect(await balance(tenant)).toBe(10_000 - cents);
    await expectConsistentLedger(tenant);
  });

  it('a short deposit refuses the account with INSUFFICIENT_FUNDS, the amounts, and no trace', async () => {
    const tenant = await app.signUp({ deposit: '7.49' });
    const before = await moneyRows(tenant);
    const address = `${unique('user')}@${MAIL_DOMAIN}`;
    const input = { address, displayName: 'Too Dear', password: PASSWORD, plan: 'PRO' };
    const refused = payload(await app.gql(CREATE_USER, { input }, tenant.token), 'createUser');
    expect(refused).toMatchObject({ __typename: 'InsufficientFundsError', code: 'INSUFFICIENT_FUNDS', required: eur(750), available: eur(749) });
    // No user, no address, no ledger entry, no audit event, no notice.
    expect(await moneyRows(tenant)).toEqual(before);

    // The address was not taken either: after a deposit the same request succeeds.
    await addDeposit(tenant, '1.00');
    const retried = payload(await app.gql(CREATE_USER, { input }, tenant.token), 'createUser');
    expect(retried).toMatchObject({ __typename: 'CreateUserSuccess', user: { address, plan: 'PRO' } });
    expect(await balance(tenant)).toBe(99);
  });

  it("the owner's own subscription and FREE accounts are not paid from the deposit", async () => {
    const tenant = await app.signUp({ plan: 'PRO', deposit: '1.00' });
    const free = await createdUser(tenant, 'FREE');
    expect(free).toMatchObject({ entry: null, paidThrough: null });

    const ownerUpgrade = await changePlan(tenant, tenant.ownerId, 'ENTRY');
    expect(ownerUpgrade).toMatchObject({ __typename: 'ChangePlanSuccess', ledgerEntry: null, user: { plan: 'ENTRY' } });
    const ownerBack = await changePlan(tenant, tenant.ownerId, 'PRO');
    expect(ownerBack).toMatchObject({ __typename: 'ChangePlanSuccess', ledgerEntry: null, user: { plan: 'PRO' } });

    expect((await ledger(tenant)).map((entry) => entry.kind)).toEqual(['DEPOSIT']);
    expect(await account(tenant)).toMatchObject({ balance: eur(100), monthlyCost: { minorUnits: 0 } });
    // The owner is not renewed from the deposit either.
    expect((await bill(Date.now() + 3 * PERIOD_MS, tenant)).charged).toBe(0);
    expect(await balance(tenant)).toBe(100);
  });

  it('concurrent paid creations never take the balance below zero: 10.00 pays exactly four ENTRY accounts', async () => {
    const tenant = await app.signUp({ deposit: '10.00' });
    const results = await Promise.all(Array.from({ length: 8 }, () => createUser(tenant, 'ENTRY')));
    const outcomes = results.map((result) => text(result.__typename)).sort();
    expect(outcomes).toEqual([...Array(4).fill('CreateUserSuccess'), ...Array(4).fill('InsufficientFundsError')]);
    for (const refused of results.filter((result) => String(result.__typename) === 'InsufficientFundsError')) {
      expect(refused).toMatchObject({ required: eur(250), available: eur(0) });
    }
    expect(await balance(tenant)).toBe(0);
    const entries = await expectConsistentLedger(tenant);
    expect(entries.filter((entry) => entry.kind === 'CHARGE')).toHaveLength(4);
    const [row] = await db.select({ n: count() }).from(users).where(eq(users.masterAccountId, decodeId(tenant.masterAccountId)));
    expect(row?.n).toBe(5);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Plan changes: upgrades, downgrades, deletion
// ---------------------------------------------------------------------------------------------

describe('changing plans within a paid period', () => {
  it.each([
    // [time left in the period, whole days charged (a started day counts), expected cents]
    ['the whole period', null, 30, 500],
    ['12.5 days', 12.5, 13, 217], // 500 × 13 / 30 = 216.67, rounded up
    ['1.5 days', 1.5, 2, 33], // 500 × 2 / 30 = 33.33, rounded down
  ] as const)('ENTRY → PRO with %s left charges the price difference for the days left', async (_case, daysLeft, expectedDays, expectedCents) => {
    const tenant = await app.signUp({ deposit: '100.00' });
    const created = await createdUser(tenant, 'ENTRY');
    if (daysLeft !== null) await setPaidThrough(created.id, Date.now() + daysLeft * DAY_MS);
    const { paidThrough } = await user(tenant, created.id);
    const balanceBefore = await balance(tenant);

    const upgraded = await changePlan(tenant, created.id, 'PRO');
    expect(upgraded.__typename).toBe('ChangePlanSuccess');
    const entry = toEntry(upgraded.ledgerEntry);
    expect(entry).toMatchObject({ kind: 'PRORATION', userId: created.id, plan: 'PRO', periodEnd: paidThrough });

    // The expectation from the entry's own period: (PRO - ENTRY) per day left, over 30, half up.
    const days = Math.ceil((at(entry.periodEnd) - at(entry.periodStart)) / DAY_MS);
    expect(days).toBe(expectedDays);
    const expected = divideHalfUp((PRICE.PRO - PRICE.ENTRY) * days, 30);
    expect(expected).toBe(expectedCents);
    expect(entry.amount).toBe(-expected);
    expect(entry.balanceAfter).toBe(balanceBefore - expected);

    // The period is not extended: the next renewal stays where it was, now at the PRO price.
    expect(upgraded.user).toMatchObject({ plan: 'PRO', pendingPlan: null, paidThrough });
    await expectConsistentLedger(tenant);
  });

  it('FREE → ENTRY starts a full 30-day period at the full price', async () => {
    const tenant = await app.signUp({ deposit: '10.00' });
    const free = await createdUser(tenant, 'FREE');
    const upgraded = await changePlan(tenant, free.id, 'ENTRY');
    const entry = toEntry(upgraded.ledgerEntry);
    expect(entry).toMatchObject({ kind: 'CHARGE', amount: -PRICE.ENTRY, userId: free.id, plan: 'ENTRY' });
    expect(at(entry.periodEnd) - at(entry.periodStart)).toBe(PERIOD_MS);
    expect(upgraded.user).toMatchObject({ plan: 'ENTRY', paidThrough: entry.periodEnd });
  });

  it('an upgrade the deposit cannot pay is refused with the amounts and changes nothing', async () => {
    const tenant = await app.signUp({ deposit: '2.50' });
    const created = await createdUser(tenant, 'ENTRY');
    const before = await moneyRows(tenant);
    const refused = await changePlan(tenant, created.id, 'PRO');
    expect(refused).toMatchObject({
      __typename: 'InsufficientFundsError',
      code: 'INSUFFICIENT_FUNDS',
      required: { minorUnits: PRICE.PRO - PRICE.ENTRY },
      available: { minorUnits: 0 },
    });
    expect(await moneyRows(tenant)).toEqual(before);
    expect(await user(tenant, created.id)).toMatchObject({ plan: 'ENTRY', pendingPlan: null });
  });

  it('PRO → ENTRY is pending until the next renewal, refunds nothing, and is then charged at the ENTRY price', async () => {
    const tenant = await app.signUp({ deposit: '100.00' });
    const created = await createdUser(tenant, 'PRO');
    const paidThrough = present(created.paidThrough);
    const balanceBefore = await balance(tenant);

    const downgraded = await changePlan(tenant, created.id, 'ENTRY');
    expect(downgraded).toMatchObject({ __typename: 'ChangePlanSuccess', ledgerEntry: null, user: { plan: 'PRO', pendingPlan: 'ENTRY', paidThrough } });
    expect(await balance(tenant)).toBe(balanceBefore);
    expect((await ledger(tenant)).map((entry) => entry.kind)).toEqual(['DEPOSIT', 'CHARGE']);

    // A run before the period ends changes nothing.
    expect((await bill(at(paidThrough) - 1, tenant)).charged).toBe(0);
    expect(await user(tenant, created.id)).toMatchObject({ plan: 'PRO', pendingPlan: 'ENTRY' });

    expect((await bill(paidThrough, tenant)).charged).toBe(1);
    const renewal = (await ledger(tenant)).at(-1);
    expect(renewal).toMatchObject({ kind: 'CHARGE', amount: -PRICE.ENTRY, plan: 'ENTRY', userId: created.id, periodStart: paidThrough, periodEnd: iso(at(paidThrough) + PERIOD_MS) });
    expect(await user(tenant, created.id)).toEqual({ plan: 'ENTRY', pendingPlan: null, status: 'ACTIVE', paidThrough: iso(at(paidThrough) + PERIOD_MS) });
    await expectConsistentLedger(tenant);
  });

  it('PRO → FREE is pending until the period ends, then the account is FREE and charged nothing', async () => {
    const tenant = await app.signUp({ deposit: '100.00' });
    const created = await createdUser(tenant, 'PRO');
    const paidThrough = present(created.paidThrough);
    const downgraded = await changePlan(tenant, created.id, 'FREE');
    expect(downgraded).toMatchObject({ ledgerEntry: null, user: { plan: 'PRO', pendingPlan: 'FREE', paidThrough } });

    const run = await bill(paidThrough, tenant);
    expect(run.charged).toBe(0);
    expect(await user(tenant, created.id)).toEqual({ plan: 'FREE', pendingPlan: null, status: 'ACTIVE', paidThrough: null });
    expect((await ledger(tenant)).map((entry) => entry.kind)).toEqual(['DEPOSIT', 'CHARGE']);
    expect((await bill(at(paidThrough) + 2 * PERIOD_MS, tenant)).charged).toBe(0);
  });

  it('a deleted account is charged nothing more and refunded nothing', async () => {
    const tenant = await app.signUp({ deposit: '100.00' });
    const leaving = await createdUser(tenant, 'PRO');
    const staying = await createdUser(tenant, 'ENTRY');
    const balanceBefore = await balance(tenant);

    const deleted = payload(await app.gql(DELETE_USER, { input: { userId: leaving.id } }, tenant.token), 'deleteUser');
    expect(deleted.__typename).toBe('DeleteUserSuccess');
    expect(await balance(tenant)).toBe(balanceBefore);

    const run = await bill(Math.max(at(leaving.paidThrough), at(staying.paidThrough)), tenant);
    expect(run.charged).toBe(1);
    const entries = await expectConsistentLedger(tenant);
    expect(entries.filter((entry) => entry.kind === 'REFUND')).toEqual([]);
    expect(entries.at(-1)).toMatchObject({ kind: 'CHARGE', userId: staying.id, amount: -PRICE.ENTRY });
    // Its creation charge stays in the history, no longer linked to a user.
    expect(entries.filter((entry) => entry.amount === -PRICE.PRO)).toMatchObject([{ kind: 'CHARGE', userId: null, plan: 'PRO' }]);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Renewals
// ---------------------------------------------------------------------------------------------

describe('renewals charge each paid account once per period', () => {
  it('a run at paidThrough charges every paid account once; running it again, or twice at once, charges nothing more', async () => {
    const tenant = await app.signUp({ deposit: '100.00' });
    const entry = await createdUser(tenant, 'ENTRY');
    const pro = await createdUser(tenant, 'PRO');
    await createdUser(tenant, 'FREE');
    const neighbour = await app.signUp({ deposit: '100.00' });
    const untouched = await createdUser(neighbour, 'ENTRY');

    const due = Math.max(at(entry.paidThrough), at(pro.paidThrough));
    expect((await bill(Math.min(at(entry.paidThrough), at(pro.paidThrough)) - 1, tenant)).charged).toBe(0);

    const first = await bill(due, tenant);
    expect(first).toMatchObject({ charged: 2, pastDue: 0 });
    const renewals = (await ledger(tenant)).slice(-2).sort((a, b) => a.amount - b.amount);
    expect(renewals).toMatchObject([
      { kind: 'CHARGE', userId: pro.id, plan: 'PRO', amount: -PRICE.PRO, periodStart: pro.paidThrough, periodEnd: iso(at(pro.paidThrough) + PERIOD_MS) },
      { kind: 'CHARGE', userId: entry.id, plan: 'ENTRY', amount: -PRICE.ENTRY, periodStart: entry.paidThrough, periodEnd: iso(at(entry.paidThrough) + PERIOD_MS) },
    ]);
    expect(await user(tenant, entry.id)).toMatchObject({ status: 'ACTIVE', paidThrough: iso(at(entry.paidThrough) + PERIOD_MS) });
    const afterFirst = 10_000 - PRICE.ENTRY - PRICE.PRO - PRICE.ENTRY - PRICE.PRO;
    expect(await balance(tenant)).toBe(afterFirst);

    expect((await bill(due, tenant)).charged).toBe(0);
    expect(await balance(tenant)).toBe(afterFirst);

    // Two jobs racing for the next period: together they charge it once.
    const racing = await Promise.all([bill(due + PERIOD_MS, tenant), bill(due + PERIOD_MS, tenant)]);
    expect(racing[0].charged + racing[1].charged).toBe(2);
    expect(await balance(tenant)).toBe(afterFirst - PRICE.ENTRY - PRICE.PRO);
    const entries = await expectConsistentLedger(tenant);
    expect(entries.filter((e) => e.kind === 'CHARGE')).toHaveLength(6);

    // A run limited to one master account leaves the others alone.
    expect(await user(neighbour, untouched.id)).toMatchObject({ paidThrough: untouched.paidThrough });
    expect(await balance(neighbour)).toBe(10_000 - PRICE.ENTRY);
  });

  it('a renewal the deposit cannot pay makes the account PAST_DUE, pays the older one, never goes below zero, and notifies the owner', async () => {
    const tenant = await app.signUp({ deposit: '7.50' });
    const older = await createdUser(tenant, 'ENTRY');
    await sleep(5);
    const newer = await createdUser(tenant, 'ENTRY');
    expect(await balance(tenant)).toBe(PRICE.ENTRY);

    const run = await bill(present(newer.paidThrough), tenant);
    expect(run).toMatchObject({ charged: 1, pastDue: 1 });
    expect(await user(tenant, older.id)).toMatchObject({ status: 'ACTIVE', plan: 'ENTRY', paidThrough: iso(at(older.paidThrough) + PERIOD_MS) });
    expect(await user(tenant, newer.id)).toMatchObject({ status: 'PAST_DUE', plan: 'ENTRY', paidThrough: newer.paidThrough });
    expect(await balance(tenant)).toBe(0);
    await expectConsistentLedger(tenant);

    // The owner learns of it in the master account's own records: the billing job writes an
    // event about the PAST_DUE account (domain.md: "the owner is notified").
    const notices = (await auditLog(tenant)).filter((event) => event.targetId === newer.id && event.action.startsWith('billing.'));
    expect(notices).toHaveLength(1);
    expect(JSON.stringify(notices[0]?.details)).toContain('PAST_DUE');
  });

  it('a later deposit pays the overdue renewals at once, oldest first', async () => {
    const tenant = await app.signUp({ deposit: '5.00' });
    // Created first, due last: the order of payment follows the due dates, not creation.
    const dueSecond = await createdUser(tenant, 'ENTRY');
    const dueFirst = await createdUser(tenant, 'ENTRY');
    const now = Date.now();
    await setPaidThrough(dueFirst.id, now - 3 * DAY_MS);
    await setPaidThrough(dueSecond.id, now - 2 * DAY_MS);
    expect(await bill(now, tenant)).toMatchObject({ charged: 0, pastDue: 2 });

    const paysOne = await addDeposit(tenant, '2.50');
    expect(paysOne.masterAccount.balance.minorUnits).toBe(0);
    expect(await user(tenant, dueFirst.id)).toMatchObject({ status: 'ACTIVE', paidThrough: iso(now - 3 * DAY_MS + PERIOD_MS) });
    expect(await user(tenant, dueSecond.id)).toMatchObject({ status: 'PAST_DUE', paidThrough: iso(now - 2 * DAY_MS) });
    expect((await ledger(tenant)).slice(-2)).toMatchObject([
      { kind: 'DEPOSIT', amount: 250 },
      { kind: 'CHARGE', userId: dueFirst.id, amount: -PRICE.ENTRY, periodStart: iso(now - 3 * DAY_MS), balanceAfter: 0 },
    ]);

    await addDeposit(tenant, '3.00');
    expect(await user(tenant, dueSecond.id)).toMatchObject({ status: 'ACTIVE', paidThrough: iso(now - 2 * DAY_MS + PERIOD_MS) });
    expect(await balance(tenant)).toBe(50);
    await expectConsistentLedger(tenant);
  });

  it('an account still unpaid 14 days after its paid-through date falls back to FREE', async () => {
    const tenant = await app.signUp({ deposit: '2.50' });
    const unpaid = await createdUser(tenant, 'ENTRY');
    const due = at(unpaid.paidThrough);

    expect(await bill(due + 13 * DAY_MS, tenant)).toMatchObject({ charged: 0, pastDue: 1, downgradedUnpaid: 0 });
    expect(await user(tenant, unpaid.id)).toMatchObject({ plan: 'ENTRY', status: 'PAST_DUE' });

    expect(await bill(due + 15 * DAY_MS, tenant)).toMatchObject({ charged: 0, downgradedUnpaid: 1 });
    expect(await user(tenant, unpaid.id)).toEqual({ plan: 'FREE', pendingPlan: null, status: 'ACTIVE', paidThrough: null });
    // A FREE account is not billed any more, even with money on the deposit.
    await addDeposit(tenant, '10.00');
    expect((await bill(due + 3 * PERIOD_MS, tenant)).charged).toBe(0);
    expect(await balance(tenant)).toBe(1000);
    expect((await auditLog(tenant)).filter((event) => event.action === 'billing.downgrade' && event.targetId === unpaid.id)).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Low balance
// ---------------------------------------------------------------------------------------------

describe('low balance: one invitation to recharge per crossing of the threshold', () => {
  it('the default threshold is 20.00; several charges below it make one notice, a deposit and a new crossing a second', async () => {
    const tenant = await app.signUp({ deposit: '25.00' });
    expect(await account(tenant)).toMatchObject({ lowBalanceThreshold: { minorUnits: DEFAULT_THRESHOLD, amount: '20.00' }, lowBalance: false });

    await createdUser(tenant, 'ENTRY'); // 22.50
    await createdUser(tenant, 'ENTRY'); // 20.00: at the threshold is not below it
    expect(await account(tenant)).toMatchObject({ balance: { minorUnits: 2000 }, lowBalance: false });
    expect(await noticeCount(tenant)).toBe(0);

    const crossing = await createdUser(tenant, 'ENTRY'); // 17.50
    expect(await account(tenant)).toMatchObject({ lowBalance: true });
    const [notice] = await db.select().from(lowBalanceNotices).where(eq(lowBalanceNotices.masterAccountId, decodeId(tenant.masterAccountId)));
    expect(notice).toMatchObject({ balanceCents: 1750, thresholdCents: DEFAULT_THRESHOLD, ledgerEntryId: decodeId(present(crossing.entry).id) });

    await createdUser(tenant, 'ENTRY'); // 15.00
    await createdUser(tenant, 'ENTRY'); // 12.50
    expect(await noticeCount(tenant)).toBe(1);

    await addDeposit(tenant, '10.00'); // 22.50
    expect(await account(tenant)).toMatchObject({ lowBalance: false });
    await createdUser(tenant, 'ENTRY'); // 20.00
    expect(await noticeCount(tenant)).toBe(1);
    await createdUser(tenant, 'ENTRY'); // 17.50
    expect(await noticeCount(tenant)).toBe(2);
    expect(await account(tenant)).toMatchObject({ lowBalance: true });
  });

  it('a renewal run whose charges cross the threshold records one notice', async () => {
    const tenant = await app.signUp({ deposit: '28.50' });
    const created = [await createdUser(tenant, 'ENTRY'), await createdUser(tenant, 'ENTRY'), await createdUser(tenant, 'ENTRY')];
    expect(await balance(tenant)).toBe(2100);
    const run = await bill(Math.max(...created.map((c) => at(c.paidThrough))), tenant);
    expect(run.charged).toBe(3);
    expect(run.events.notices).toHaveLength(1);
    expect(run.events.notices[0]).toMatchObject({ balanceCents: 1850, thresholdCents: DEFAULT_THRESHOLD });
    expect(await noticeCount(tenant)).toBe(1);
    expect(await account(tenant)).toMatchObject({ balance: { minorUnits: 1350 }, lowBalance: true });

    // The next renewals start below the threshold: no new crossing, no new notice.
    const next = await bill(Math.max(...created.map((c) => at(c.paidThrough))) + PERIOD_MS, tenant);
    expect(next.charged).toBe(3);
    expect(next.events.notices).toEqual([]);
    expect(await noticeCount(tenant)).toBe(1);
  });

  it.each([
    ['a negative amount', '-1.00'],
    ['more than two decimals', '5.001'],
    ['more than 10,000.00', '10000.01'],
    ['an amount that is not a number', 'twenty'],
  ])('setLowBalanceThreshold refuses %s with a ValidationError naming `amount`, changing nothing', async (_case, amount) => {
    const tenant = await app.signUp({ deposit: null });
    const before = await moneyRows(tenant);
    const result = await app.gql(SET_THRESHOLD, { input: { amount } }, tenant.token);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.data.setLowBalanceThreshold).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION', field: 'amount' });
    expect(await moneyRows(tenant)).toEqual(before);
  });

  it('setLowBalanceThreshold: owners and admins with WRITE+BILLING; the new threshold decides the next crossing', async () => {
    const tenant = await app.signUp({ deposit: '10.00' });
    const setThreshold = (amount: string, token: string) => app.gql(SET_THRESHOLD, { input: { amount } }, token);

    const member = await sessionOf(tenant, 'MEMBER');
    const readWrite = await createApiToken(tenant, ['READ', 'WRITE']);
    const before = await moneyRows(tenant);
    expect(payload(await setThreshold('5.00', member), 'setLowBalanceThreshold')).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });
    expect(errorCode(await setThreshold('5.00', readWrite))).toBe('FORBIDDEN');
    expect(await moneyRows(tenant)).toEqual(before);

    for (const amount of ['0.00', '10000.00']) {
      expect(payload(await setThreshold(amount, tenant.token), 'setLowBalanceThreshold')).toMatchObject({
        __typename: 'SetLowBalanceThresholdSuccess',
        masterAccount: { lowBalanceThreshold: { amount } },
      });
    }
    const admin = await sessionOf(tenant, 'ADMIN');
    expect(payload(await setThreshold('6.00', admin), 'setLowBalanceThreshold').__typename).toBe('SetLowBalanceThresholdSuccess');
    const billing = await createApiToken(tenant, ['WRITE', 'BILLING']);
    const viaToken = await app.gql(`mutation ($input: SetLowBalanceThresholdInput!) { setLowBalanceThreshold(input: $input) { __typename } }`, { input: { amount: '5.00' } }, billing);
    expect(payload(viaToken, 'setLowBalanceThreshold').__typename).toBe('SetLowBalanceThresholdSuccess');
    expect(await account(tenant)).toMatchObject({ lowBalanceThreshold: { minorUnits: 500 }, lowBalance: false });
    const audited = (await auditLog(tenant)).filter((event) => event.action === 'billing.set_low_balance_threshold');
    expect(audited.map((event) => event.details)).toEqual([{ threshold: '0.00' }, { threshold: '10000.00' }, { threshold: '6.00' }, { threshold: '5.00' }]);

    await createdUser(tenant, 'ENTRY'); // 7.50
    expect(await noticeCount(tenant)).toBe(0);
    await createdUser(tenant, 'ENTRY'); // 5.00
    expect(await noticeCount(tenant)).toBe(0);
    await createdUser(tenant, 'ENTRY'); // 2.50
    const notices = await db.select().from(lowBalanceNotices).where(eq(lowBalanceNotices.masterAccountId, decodeId(tenant.masterAccountId)));
    expect(notices).toMatchObject([{ balanceCents: 250, thresholdCents: 500 }]);
  });

  it('the lowBalance subscription over HTTP (Server-Sent Events) receives the notice a mutation causes, in its own tenant only', async () => {
    // The application over a real HTTP server, with its own event bus; the database is the file's.
    const yoga = buildYoga({ database: app.database, config: { ...loadConfig({ GRAPHQL_JIT: process.env.GRAPHQL_JIT }), mailDomain: MAIL_DOMAIN, dnsServers: [] } });
    const server = createServer((request, response) => void yoga.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const streams: EventStream[] = [];
    try {
      const watched = await app.signUp({ deposit: '21.00' });
      const neighbour = await app.signUp({ deposit: '22.00' });
      const subscription = 'subscription { lowBalance { balance { amount minorUnits currency } threshold { amount } createdAt } }';
      const watching = await openEventStream(url, watched.token, subscription);
      const neighbourWatching = await openEventStream(url, neighbour.token, subscription);
      streams.push(watching, neighbourWatching);

      const post = async (token: string, query: string, variables: Record<string, unknown>) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
        return (await response.json()) as GraphQLResponse;
      };
      const createInput = () => ({ input: { address: `${unique('user')}@${MAIL_DOMAIN}`, displayName: 'Crossing', password: PASSWORD, plan: 'ENTRY' } });

      const started = Date.now();
      const crossed = await post(watched.token, CREATE_USER, createInput()); // 21.00 → 18.50
      expect(crossed.data.createUser.__typename).toBe('CreateUserSuccess');
      const event = await watching.next();
      expect(event).toEqual({
        data: { lowBalance: { balance: eur(1850), threshold: { amount: '20.00' }, createdAt: expect.any(String) } },
      });
      expect(at(event.data.lowBalance.createdAt)).toBeGreaterThanOrEqual(started - 1000);

      // The neighbour's stream did not get the watched tenant's notice: its first event is its own.
      expect((await post(neighbour.token, CREATE_USER, createInput())).data.createUser.__typename).toBe('CreateUserSuccess');
      expect((await neighbourWatching.next()).data.lowBalance.balance).toEqual(eur(1950));
    } finally {
      for (const stream of streams) stream.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await yoga.dispose();
    }
  });
});

interface EventStream {
  /** The next `next` event's payload; keep-alive comments are skipped. */
  next(): Promise<Loose>;
  close(): void;
}

/** Opens a GraphQL subscription over Server-Sent Events with plain fetch, as a browser would. */
async function openEventStream(url: string, token: string, query: string): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  if (!response.body) throw new Error('the event stream has no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  async function nextBlock(): Promise<string> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return block;
      }
      const { done, value } = await reader.read();
      if (done) throw new Error(`the event stream ended; unread: ${JSON.stringify(buffer)}`);
      buffer += value;
    }
  }
  // Yoga opens a stream with a comment and subscribes while sending it: once it has arrived,
  // events published from then on reach this stream.
  expect(await nextBlock()).toBe(':');
  return {
    async next() {
      for (;;) {
        const block = await nextBlock();
        if (block.startsWith(':')) continue;
        const data = block.split('\n').find((line) => line.startsWith('data: '));
        if (!block.startsWith('event: next') || !data) throw new Error(`unexpected event: ${block}`);
        return JSON.parse(data.slice('data: '.length)) as Loose;
      }
    },
    close: () => abort.abort(),
  };
}

// ---------------------------------------------------------------------------------------------
// 6. Append-only
// ---------------------------------------------------------------------------------------------

class RolledBack extends Error {}

/** The messages of an error and of its causes (drivers and Drizzle wrap the database's error). */
function messagesOf(error: unknown): string {
  const messages: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) messages.push(current.message);
  return messages.join(' <- ');
}

/**
 * Runs a statement inside a transaction that is always rolled back, and returns what it threw.
 * Should the database ever accept it, nothing is kept: the shared database must never lose rows.
 */
async function attempt(statement: SQL): Promise<unknown> {
  return db
    .transaction(async (tx) => {
      // TRUNCATE waits for every transaction of other test files that touches the table.
      await tx.execute(sql`set local lock_timeout = '20s'`);
      await tx.execute(statement);
      throw new RolledBack('the statement was accepted');
    })
    .catch((error: unknown) => error);
}

describe('the ledger is append-only in the database itself', () => {
  it.each([
    ['UPDATE', (id: string) => sql`update ledger_entries set amount_cents = amount_cents + 100000, balance_after_cents = balance_after_cents + 100000 where id = ${id}::uuid`],
    ['DELETE', (id: string) => sql`delete from ledger_entries where id = ${id}::uuid`],
    // CASCADE takes the notices along, so the foreign key from them cannot be what refuses it.
    ['TRUNCATE', () => sql`truncate ledger_entries cascade`],
  ])('%s is refused by the trigger, whatever the application does', async (operation, statement) => {
    const tenant = await app.signUp({ deposit: '50.00' });
    await createdUser(tenant, 'ENTRY');
    const before = await moneyRows(tenant);
    const [entry] = await db
      .select({ id: ledgerEntries.id })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.masterAccountId, decodeId(tenant.masterAccountId)));
    if (!entry) throw new Error('the tenant has no ledger entry');

    const error = await attempt(statement(entry.id));
    expect(error).not.toBeInstanceOf(RolledBack);
    expect(sqlState(error)).toBe('23001'); // restrict_violation, raised by ledger_entries_append_only()
    expect(messagesOf(error)).toContain(`ledger_entries is append-only: ${operation} is not allowed`);
    expect(await moneyRows(tenant)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// 7. Reading the money: ledger filters and pages, monthlyCost, runway
// ---------------------------------------------------------------------------------------------

describe('the ledger, monthlyCost and runway', () => {
  it('MasterAccount.ledger filters by kind, user and date range and pages newest first', async () => {
    const tenant = await app.signUp({ deposit: '100.00' });
    await sleep(3);
    const first = await createdUser(tenant, 'ENTRY');
    await sleep(3);
    const second = await createdUser(tenant, 'PRO');
    await sleep(3);
    await changePlan(tenant, first.id, 'PRO');
    await sleep(3);
    await addDeposit(tenant, '5.00');
    const all = await ledger(tenant);
    const [deposit1, charge1, charge2, proration1, deposit2] = all;
    expect(all.map((entry) => entry.kind)).toEqual(['DEPOSIT', 'CHARGE', 'CHARGE', 'PRORATION', 'DEPOSIT']);

    const page = async (variables: Record<string, unknown>) => {
      const result = await app.gql(LEDGER, variables, tenant.token);
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      const connection = result.data.viewer.masterAccount.ledger;
      return { totalCount: Number(connection.totalCount), ids: items(connection.edges).map((edge) => text(edge.node.id)), pageInfo: connection.pageInfo };
    };
    const ids = (...entries: (Entry | undefined)[]) => entries.map((entry) => entry?.id);

    expect(await page({ filter: { kind: 'DEPOSIT' } })).toMatchObject({ totalCount: 2, ids: ids(deposit2, deposit1) });
    expect(await page({ filter: { userId: first.id } })).toMatchObject({ totalCount: 2, ids: ids(proration1, charge1) });
    expect(await page({ filter: { kind: 'CHARGE', userId: second.id } })).toMatchObject({ totalCount: 1, ids: ids(charge2) });
    // Both ends of the range are included.
    expect(await page({ filter: { from: charge2?.createdAt, to: proration1?.createdAt } })).toMatchObject({ totalCount: 2, ids: ids(proration1, charge2) });
    expect(await page({ filter: { from: deposit2?.createdAt } })).toMatchObject({ totalCount: 1, ids: ids(deposit2) });
    expect(await page({ filter: { to: deposit1?.createdAt, kind: 'DEPOSIT' } })).toMatchObject({ totalCount: 1, ids: ids(deposit1) });

    // Another tenant's user has no entries here; a malformed ID is a validation error on its field.
    const stranger = await app.signUp({ deposit: '10.00' });
    const strangersUser = await createdUser(stranger, 'ENTRY');
    expect(await page({ filter: { userId: strangersUser.id } })).toMatchObject({ totalCount: 0, ids: [] });
    const malformed = await app.gql(LEDGER, { filter: { userId: 'not-an-id' } }, tenant.token);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'filter.userId' });

    const one = await page({ first: 2 });
    expect(one).toMatchObject({ totalCount: 5, ids: ids(deposit2, proration1), pageInfo: { hasNextPage: true } });
    const two = await page({ first: 2, after: one.pageInfo.endCursor });
    expect(two).toMatchObject({ totalCount: 5, ids: ids(charge2, charge1), pageInfo: { hasNextPage: true } });
    const three = await page({ first: 2, after: two.pageInfo.endCursor });
    expect(three).toMatchObject({ ids: ids(deposit1), pageInfo: { hasNextPage: false } });
    expect(await page({ last: 2 })).toMatchObject({ ids: ids(charge1, deposit1), pageInfo: { hasPreviousPage: true } });
    expect(await page({ last: 1, before: two.pageInfo.startCursor })).toMatchObject({ ids: ids(proration1) });
    expect(await page({ first: 2, filter: { kind: 'CHARGE' } })).toMatchObject({ totalCount: 2, ids: ids(charge2, charge1), pageInfo: { hasNextPage: false } });

    // Money is for the owner and administrators.
    const member = await sessionOf(tenant, 'MEMBER');
    expect(errorCode(await app.gql(LEDGER, { first: 1 }, member))).toBe('FORBIDDEN');
  });

  it('monthlyCost is what the next renewals cost; runway is when the deposit can no longer pay one', async () => {
    const tenant = await app.signUp({ plan: 'PRO', deposit: '100.00' });
    await createdUser(tenant, 'FREE');
    const entry = await createdUser(tenant, 'ENTRY');
    const pro = await createdUser(tenant, 'PRO');
    const downgrading = await createdUser(tenant, 'PRO');
    expect((await changePlan(tenant, downgrading.id, 'ENTRY')).user.pendingPlan).toBe('ENTRY');
    // Renewals on different days, so their order matters.
    await setPaidThrough(entry.id, Date.now() + 10 * DAY_MS);

    const renewals = await Promise.all(
      [entry, pro, downgrading].map(async (created) => {
        const state = await user(tenant, created.id);
        return { paidThrough: at(state.paidThrough), price: PRICE[(state.pendingPlan ?? state.plan) as Plan] };
      }),
    );
    const before = Date.now();
    const shown = await account(tenant);
    const after = Date.now();
    const balanceNow = Number(shown.balance.minorUnits);
    expect(balanceNow).toBe(10_000 - PRICE.ENTRY - 2 * PRICE.PRO);

    // The owner (PRO) and the FREE account cost nothing; the pending downgrade renews at ENTRY.
    expect(shown.monthlyCost).toEqual({ amount: '12.50', minorUnits: PRICE.ENTRY + PRICE.PRO + PRICE.ENTRY });

    // Replays the renewals one by one, in date order, until the balance cannot pay one.
    let left = balanceNow;
    const queue = renewals.map((renewal) => ({ ...renewal }));
    let depletesOn = 0;
    for (;;) {
      queue.sort((a, b) => a.paidThrough - b.paidThrough);
      const next = queue[0];
      if (!next) throw new Error('no renewals');
      if (next.price > left) {
        depletesOn = next.paidThrough;
        break;
      }
      left -= next.price;
      next.paidThrough += PERIOD_MS;
    }
    expect(shown.runway.depletesOn).toBe(iso(depletesOn));
    expect(Number(shown.runway.days)).toBeGreaterThanOrEqual(Math.floor((depletesOn - after) / DAY_MS));
    expect(Number(shown.runway.days)).toBeLessThanOrEqual(Math.floor((depletesOn - before) / DAY_MS));
    // By hand: 82.50 pays six cycles of 12.50 and then the ENTRY renewal; the PRO one after it fails.
    expect(depletesOn).toBe(renewals[1].paidThrough + 6 * PERIOD_MS);
  });

  it('a master account with no paid accounts has no monthly cost and no runway', async () => {
    const tenant = await app.signUp({ deposit: '10.00' });
    await createdUser(tenant, 'FREE');
    expect(await account(tenant)).toMatchObject({ monthlyCost: { minorUnits: 0 }, runway: { depletesOn: null, days: null } });
  });
});
