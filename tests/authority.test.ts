import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { apiTokens, loginThrottles, sharedResources, users } from '../server/db/tables.js';
import { runBilling } from '../server/domain/billing.js';
import { buildYoga } from '../server/yoga.js';
import { decodeId, globalId, items, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type GraphQLResponse, type Loose, type Tenant } from './harness.js';
import { tenantRows } from './tenant-rows.js';

/**
 * Authority inside a master account (domain.md): suspension kept apart from billing standing, the
 * owner's powers, sessions (listed, revoked, ended by a new password or a suspension) and the
 * hand-over of the account. Every refusal is checked to change no row of the tenant.
 */

const app = await startApp();
const db = app.database.db;

// The same application behind one trusted proxy, so a request can say which client it comes from
// (yoga.fetch has no peer address: without it, log-in throttling counts the address key only).
const proxied = buildYoga({ database: app.database, config: { ...loadConfig({}), mailDomain: MAIL_DOMAIN, dnsServers: [], trustProxy: 1 } });
afterAll(() => proxied.dispose());

const DAY = 24 * 60 * 60 * 1000;
const NEW_PASSWORD = 'a brand new passphrase';

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const USER_FIELDS = 'id address displayName kind plan pendingPlan role status suspendedAt suspensionReason paidThrough';
const ERRORS = `... on Error { code message } ... on ValidationError { field } ... on NotFoundError { field }`;

const UPDATE_USER = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on UpdateUserSuccess { user { ${USER_FIELDS} } } ${ERRORS}
} }`;
const CHANGE_PLAN = `mutation ($input: ChangePlanInput!) { changePlan(input: $input) {
  __typename ... on ChangePlanSuccess { user { ${USER_FIELDS} } ledgerEntry { kind amount { minorUnits } } } ${ERRORS}
} }`;
const DELETE_USER = `mutation ($input: DeleteUserInput!) { deleteUser(input: $input) {
  __typename ... on DeleteUserSuccess { deletedUserId } ${ERRORS}
} }`;
const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) {
  __typename ... on CreateUserSuccess { user { id address } } ${ERRORS}
} }`;
const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) {
  __typename ... on LogInSuccess { token } ... on RateLimitedError { retryAfter } ... on Error { code message }
} }`;
const CREATE_API_TOKEN = `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  __typename ... on CreateApiTokenSuccess { token apiToken { id } } ${ERRORS}
} }`;
const CREATE_RESOURCE = `mutation ($input: CreateResourceInput!) { createResource(input: $input) {
  __typename ... on CreateResourceSuccess { resource { id owner { id } } } ${ERRORS}
} }`;
const REVOKE_SESSIONS = `mutation ($input: RevokeSessionsInput!) { revokeSessions(input: $input) {
  __typename ... on RevokeSessionsSuccess { revokedCount } ${ERRORS}
} }`;
const TRANSFER = `mutation ($input: TransferOwnershipInput!) { transferOwnership(input: $input) {
  __typename
  ... on TransferOwnershipSuccess {
    masterAccount { id owner { id } balance { minorUnits } }
    previousOwner { id role plan paidThrough }
    newOwner { id role plan paidThrough }
    ledgerEntry { kind amount { minorUnits } plan periodStart periodEnd user { id } }
  }
  ... on RateLimitedError { retryAfter }
  ${ERRORS}
} }`;
const SESSIONS = `query ($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on User {
  sessions(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id createdAt lastUsedAt expiresAt client ipAddress current } }
  }
} } }`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename id ... on Session { client current } } }`;
const USER = `query ($id: ID!) { node(id: $id) { ... on User { ${USER_FIELDS} } } }`;
const RESOURCE = `query ($id: ID!) { node(id: $id) { ... on SharedResource { id owner { id } } } }`;
const WHO_AM_I = `{ viewer { user { id role status } } }`;
const BALANCE = `{ viewer { masterAccount { balance { minorUnits } owner { id } } } }`;
const AUDIT = `{ viewer { masterAccount { auditLog(first: 5) { edges { node { action actor { id } targetId details } } } } } }`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Input = Record<string, unknown>;

async function call(query: string, field: string, input: Input, token: string | null): Promise<Loose> {
  const result = await app.gql(query, { input }, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data[field];
}
const updateUser = (token: string, input: Input) => call(UPDATE_USER, 'updateUser', input, token);
const changePlan = (token: string, userId: string, plan: string) => call(CHANGE_PLAN, 'changePlan', { userId, plan }, token);
const deleteUser = (token: string, userId: string) => call(DELETE_USER, 'deleteUser', { userId }, token);
const revokeSessions = (token: string, input: Input) => call(REVOKE_SESSIONS, 'revokeSessions', input, token);
const transfer = (token: string, newOwnerId: string, password = PASSWORD) => call(TRANSFER, 'transferOwnership', { newOwnerId, password }, token);

async function query(document: string, variables: Input, token: string): Promise<Loose> {
  const result = await app.gql(document, variables, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data;
}
const userNode = async (token: string, id: string) => (await query(USER, { id }, token)).node;

/** logIn over GraphQL, with a User-Agent when given; the whole payload. */
async function logInPayload(address: string, password = PASSWORD, userAgent?: string): Promise<Loose> {
  const response = await app.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(userAgent ? { 'user-agent': userAgent } : {}) },
    body: JSON.stringify({ query: LOG_IN, variables: { input: { address, password } } }),
  });
  const body = (await response.json()) as GraphQLResponse;
  expect(body.errors).toBeUndefined();
  return body.data.logIn;
}

async function logIn(address: string, password = PASSWORD, userAgent?: string): Promise<string> {
  const payload = await logInPayload(address, password, userAgent);
  expect(payload.__typename, JSON.stringify(payload)).toBe('LogInSuccess');
  return text(payload.token);
}

interface Person {
  id: string;
  address: string;
  token: string;
}

async function person(tenant: Tenant, role: 'ADMIN' | 'MEMBER' = 'MEMBER', plan = 'FREE'): Promise<Person> {
  const user = await app.createUser(tenant, { role, plan });
  return { ...user, token: await logIn(user.address) };
}

function ownerOf(tenant: Tenant): Person {
  return { id: tenant.ownerId, address: tenant.ownerAddress, token: tenant.token };
}

/** `field` is the field the error names, or a pattern of the names allowed. */
function expectError(payload: Loose, typename: string, code: string, field?: string | RegExp): void {
  expect(payload.__typename, JSON.stringify(payload)).toBe(typename);
  expect(payload.code).toBe(code);
  expect(text(payload.message).length).toBeGreaterThan(0);
  if (typeof field === 'string') expect(payload.field).toBe(field);
  else if (field) expect(text(payload.field)).toMatch(field);
}

/** Runs a mutation that must be refused as `typename`/`code`, and checks no row of the tenant changed. */
async function refused(
  tenant: Tenant,
  act: () => Promise<Loose>,
  typename: string,
  code: string,
  field?: string | RegExp,
): Promise<Loose> {
  const before = await tenantRows(db, tenant.masterAccountId);
  const payload = await act();
  expectError(payload, typename, code, field);
  expect(await tenantRows(db, tenant.masterAccountId)).toEqual(before);
  return payload;
}

function errorCode(result: GraphQLResponse): unknown {
  return result.errors?.[0]?.extensions?.code;
}

/** Whether a token still signs in: its user id, or the error code it gets. */
async function whoIs(token: string): Promise<string> {
  const result = await app.gql(WHO_AM_I, {}, token);
  if (result.errors) return String(errorCode(result));
  return text(result.data.viewer.user.id);
}

async function apiToken(owner: Person): Promise<string> {
  const payload = await call(CREATE_API_TOKEN, 'createApiToken', { name: unique('integration'), scopes: ['READ', 'WRITE'] }, owner.token);
  expect(payload.__typename, JSON.stringify(payload)).toBe('CreateApiTokenSuccess');
  return text(payload.token);
}

/** The api_tokens row of a token, found by its hash. */
async function tokenRow(token: string) {
  const hash = createHash('sha256').update(token).digest('hex');
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, hash));
  if (!row) throw new Error('no row for this token');
  return row;
}

/** The global ID of the session a token is. */
async function sessionId(token: string): Promise<string> {
  const row = await tokenRow(token);
  expect(row.kind).toBe('SESSION');
  return globalId('Session', row.id);
}

async function userRow(id: string) {
  const [row] = await db.select().from(users).where(eq(users.id, decodeId(id)));
  if (!row) throw new Error(`no user ${id}`);
  return row;
}

/** The user's SESSION rows: which are revoked. */
async function sessionRows(userId: string) {
  return db
    .select({ id: apiTokens.id, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, decodeId(userId)), eq(apiTokens.kind, 'SESSION')))
    .orderBy(asc(apiTokens.createdAt));
}

async function newestEvent(token: string): Promise<Loose> {
  const data = await query(AUDIT, {}, token);
  return items(data.viewer.masterAccount.auditLog.edges)[0].node;
}

async function balance(token: string): Promise<number> {
  return Number((await query(BALANCE, {}, token)).viewer.masterAccount.balance.minorUnits);
}

/**
 * A tenant whose deposit pays the first period of one ENTRY account and nothing more, and that
 * account made PAST_DUE by the billing job run just after its paid period ended.
 */
async function pastDueTenant(role: 'ADMIN' | 'MEMBER' = 'MEMBER'): Promise<{ tenant: Tenant; user: Person }> {
  const tenant = await app.signUp({ deposit: '2.50' });
  const user = await person(tenant, role, 'ENTRY');
  expect(await balance(tenant.token)).toBe(0);
  const paidThrough = (await userRow(user.id)).paidThrough;
  if (!paidThrough) throw new Error('a paid account without paidThrough');
  const run = await runBilling(db, new Date(paidThrough.getTime() + 60_000), { masterAccountIds: [decodeId(tenant.masterAccountId)] });
  expect(run).toMatchObject({ charged: 0, pastDue: 1 });
  expect((await userNode(tenant.token, user.id)).status).toBe('PAST_DUE');
  return { tenant, user };
}

// ---------------------------------------------------------------------------------------------
// Suspension
// ---------------------------------------------------------------------------------------------

describe('suspension', () => {
  it('an administrator suspends with a reason: status SUSPENDED, every session ended, API tokens stopped, log-in FORBIDDEN, audited', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const member = await person(tenant);
    const second = await logIn(member.address);
    const integration = await apiToken(member);
    expect(await whoIs(integration)).toBe(member.id);

    const payload = await updateUser(admin.token, { userId: member.id, status: 'SUSPENDED', suspensionReason: 'Left the company' });
    expect(payload.__typename).toBe('UpdateUserSuccess');
    expect(payload.user).toMatchObject({ id: member.id, status: 'SUSPENDED', suspensionReason: 'Left the company' });
    expect(Math.abs(new Date(text(payload.user.suspendedAt)).getTime() - Date.now())).toBeLessThan(60_000);

    // Stored apart from billing standing, which stays ACTIVE.
    const row = await userRow(member.id);
    expect(row).toMatchObject({ status: 'ACTIVE', suspendedBy: decodeId(admin.id), suspensionReason: 'Left the company' });
    expect(row.suspendedAt).not.toBeNull();
    // Every session ended (revoked, not merely refused); the API token stopped but not revoked.
    const sessions = await sessionRows(member.id);
    expect(sessions).toHaveLength(2);
    expect(sessions.every((session) => session.revokedAt !== null)).toBe(true);
    expect((await tokenRow(integration)).revokedAt).toBeNull();
    for (const token of [member.token, second, integration]) expect(await whoIs(token)).toBe('UNAUTHENTICATED');
    expectError(await logInPayload(member.address), 'ForbiddenError', 'FORBIDDEN');

    const event = await newestEvent(tenant.token);
    expect(event).toMatchObject({ action: 'user.suspend', actor: { id: admin.id }, targetId: member.id });
    expect(event.details).toMatchObject({ status: 'SUSPENDED', reason: 'Left the company', endedSessions: 2 });
  });

  it('ACTIVE lifts it: the API token works again, the ended sessions stay ended, log-in works, audited user.reactivate', async () => {
    const tenant = await app.signUp();
    const member = await person(tenant);
    const integration = await apiToken(member);
    expect((await updateUser(tenant.token, { userId: member.id, status: 'SUSPENDED' })).user.status).toBe('SUSPENDED');
    expect(await whoIs(integration)).toBe('UNAUTHENTICATED');

    const payload = await updateUser(tenant.token, { userId: member.id, status: 'ACTIVE' });
    expect(payload.__typename).toBe('UpdateUserSuccess');
    expect(payload.user).toMatchObject({ status: 'ACTIVE', suspendedAt: null, suspensionReason: null });
    expect(await userRow(member.id)).toMatchObject({ status: 'ACTIVE', suspendedAt: null, suspendedBy: null, suspensionReason: null });
    expect(await whoIs(integration)).toBe(member.id);
    expect(await whoIs(member.token)).toBe('UNAUTHENTICATED');
    expect(await newestEvent(tenant.token)).toMatchObject({ action: 'user.reactivate', actor: { id: tenant.ownerId }, targetId: member.id });
    expect(await whoIs(await logIn(member.address))).toBe(member.id);
  });

  it('a suspensionReason without status SUSPENDED is a ValidationError on suspensionReason, and changes nothing', async () => {
    const tenant = await app.signUp();
    const member = await person(tenant);
    const input = { userId: member.id, suspensionReason: 'Why not' };
    await refused(tenant, () => updateUser(tenant.token, input), 'ValidationError', 'VALIDATION', 'suspensionReason');
    await refused(tenant, () => updateUser(tenant.token, { ...input, status: 'ACTIVE' }), 'ValidationError', 'VALIDATION', 'suspensionReason');
    await refused(tenant, () => updateUser(tenant.token, { ...input, displayName: 'Renamed' }), 'ValidationError', 'VALIDATION', 'suspensionReason');
    // Also on a suspended user: lifting the suspension takes no reason.
    expect((await updateUser(tenant.token, { userId: member.id, status: 'SUSPENDED', suspensionReason: 'First' })).user.status).toBe('SUSPENDED');
    await refused(tenant, () => updateUser(tenant.token, { ...input, status: 'ACTIVE' }), 'ValidationError', 'VALIDATION', 'suspensionReason');
    expect(await userNode(tenant.token, member.id)).toMatchObject({ status: 'SUSPENDED', suspensionReason: 'First' });
  });

  it('who may not suspend: a MEMBER anyone, anyone the owner, nobody themself (FORBIDDEN, nothing changed)', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const member = await person(tenant);
    const other = await person(tenant);
    const suspend = (token: string, userId: string) => () => updateUser(token, { userId, status: 'SUSPENDED' });
    await refused(tenant, suspend(member.token, other.id), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, suspend(admin.token, tenant.ownerId), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, suspend(tenant.token, tenant.ownerId), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, suspend(admin.token, admin.id), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, suspend(member.token, member.id), 'ForbiddenError', 'FORBIDDEN');
    // A MEMBER cannot lift a suspension either.
    expect((await updateUser(admin.token, { userId: other.id, status: 'SUSPENDED' })).user.status).toBe('SUSPENDED');
    await refused(tenant, () => updateUser(member.token, { userId: other.id, status: 'ACTIVE' }), 'ForbiddenError', 'FORBIDDEN');
  });

  it('suspending again keeps the first instant and who suspended; a new reason replaces the old one', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const member = await person(tenant);
    const first = await updateUser(admin.token, { userId: member.id, status: 'SUSPENDED', suspensionReason: 'First' });
    const again = await updateUser(tenant.token, { userId: member.id, status: 'SUSPENDED', suspensionReason: 'Second' });
    expect(again.user).toMatchObject({ status: 'SUSPENDED', suspendedAt: first.user.suspendedAt, suspensionReason: 'Second' });
    expect((await userRow(member.id)).suspendedBy).toBe(decodeId(admin.id));
  });

  it('(c) setting a PAST_DUE user ACTIVE by hand is a ValidationError on status: the user stays PAST_DUE', async () => {
    const { tenant, user } = await pastDueTenant();
    const admin = await person(tenant, 'ADMIN');
    for (const token of [admin.token, tenant.token]) {
      await refused(tenant, () => updateUser(token, { userId: user.id, status: 'ACTIVE' }), 'ValidationError', 'VALIDATION', 'status');
    }
    expect(await userNode(tenant.token, user.id)).toMatchObject({ status: 'PAST_DUE', suspendedAt: null });
    expect((await userRow(user.id)).status).toBe('PAST_DUE');
    // PAST_DUE is never set by hand either.
    const active = await person(tenant);
    await refused(tenant, () => updateUser(admin.token, { userId: active.id, status: 'PAST_DUE' }), 'ValidationError', 'VALIDATION', 'status');
  });

  it('a PAST_DUE user can be suspended (SUSPENDED shown over PAST_DUE); lifting it shows PAST_DUE again', async () => {
    const { tenant, user } = await pastDueTenant();
    const suspended = await updateUser(tenant.token, { userId: user.id, status: 'SUSPENDED', suspensionReason: 'Unpaid and abusive' });
    expect(suspended.user).toMatchObject({ status: 'SUSPENDED', suspensionReason: 'Unpaid and abusive' });
    expect((await userRow(user.id)).status).toBe('PAST_DUE');
    expect(await whoIs(user.token)).toBe('UNAUTHENTICATED');

    const lifted = await updateUser(tenant.token, { userId: user.id, status: 'ACTIVE' });
    expect(lifted.__typename).toBe('UpdateUserSuccess');
    expect(lifted.user).toMatchObject({ status: 'PAST_DUE', suspendedAt: null, suspensionReason: null });
    expect(await newestEvent(tenant.token)).toMatchObject({ action: 'user.reactivate', targetId: user.id });
  });

  it('the status filter of users sees SUSPENDED over PAST_DUE', async () => {
    const { tenant, user } = await pastDueTenant();
    const LIST = `query ($status: UserStatus) { viewer { masterAccount { users(first: 10, filter: { status: $status }) { edges { node { id } } } } } }`;
    const listed = async (status: string) =>
      items((await query(LIST, { status }, tenant.token)).viewer.masterAccount.users.edges).map((edge) => text(edge.node.id));
    expect(await listed('PAST_DUE')).toEqual([user.id]);
    await updateUser(tenant.token, { userId: user.id, status: 'SUSPENDED' });
    expect(await listed('PAST_DUE')).toEqual([]);
    expect(await listed('SUSPENDED')).toEqual([user.id]);
    expect(await listed('ACTIVE')).toEqual([tenant.ownerId]);
  });

  it('billing never lifts a suspension: an unpaid renewal, the downgrade after 14 days, a plan change starting a period, a paid renewal (in-process runs)', async () => {
    const tenant = await app.signUp({ deposit: '2.50' });
    const user = await person(tenant, 'MEMBER', 'ENTRY');
    await updateUser(tenant.token, { userId: user.id, status: 'SUSPENDED', suspensionReason: 'Held' });
    const masterAccountIds = [decodeId(tenant.masterAccountId)];
    const paidThrough = (await userRow(user.id)).paidThrough?.getTime() ?? Number.NaN;
    const shown = async () => userNode(tenant.token, user.id);

    // Unpaid: PAST_DUE underneath, SUSPENDED shown.
    expect(await runBilling(db, new Date(paidThrough + 60_000), { masterAccountIds })).toMatchObject({ charged: 0, pastDue: 1 });
    expect(await shown()).toMatchObject({ status: 'SUSPENDED', suspensionReason: 'Held', plan: 'ENTRY' });
    expect((await userRow(user.id)).status).toBe('PAST_DUE');
    // Past the grace period: FREE, still SUSPENDED.
    expect(await runBilling(db, new Date(paidThrough + 15 * DAY), { masterAccountIds })).toMatchObject({ downgradedUnpaid: 1 });
    expect(await shown()).toMatchObject({ status: 'SUSPENDED', plan: 'FREE', paidThrough: null });
    // A plan change starting a paid period (from FREE, charged at once) keeps it too.
    await addDeposit(tenant, '100.00');
    const upgraded = await changePlan(tenant.token, user.id, 'ENTRY');
    expect(upgraded).toMatchObject({ __typename: 'ChangePlanSuccess', ledgerEntry: { kind: 'CHARGE', amount: { minorUnits: -250 } } });
    expect(upgraded.user).toMatchObject({ status: 'SUSPENDED', plan: 'ENTRY' });
    // A paid renewal while suspended: charged, still SUSPENDED.
    const renewedFrom = (await userRow(user.id)).paidThrough?.getTime() ?? Number.NaN;
    expect(await runBilling(db, new Date(renewedFrom + 60_000), { masterAccountIds })).toMatchObject({ charged: 1, pastDue: 0 });
    expect(await shown()).toMatchObject({ status: 'SUSPENDED', paidThrough: new Date(renewedFrom + 30 * DAY).toISOString() });
    expect(await whoIs(user.token)).toBe('UNAUTHENTICATED');
    expectError(await logInPayload(user.address), 'ForbiddenError', 'FORBIDDEN');
  });
});

// ---------------------------------------------------------------------------------------------
// The owner's powers, passwords and plans
// ---------------------------------------------------------------------------------------------

describe("the owner's powers", () => {
  it("only the owner changes the owner's password, name and plan: an ADMIN is FORBIDDEN and nothing changes", async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN', 'ENTRY');
    await refused(tenant, () => updateUser(admin.token, { userId: tenant.ownerId, password: NEW_PASSWORD }), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => updateUser(admin.token, { userId: tenant.ownerId, displayName: 'Usurped' }), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => changePlan(admin.token, tenant.ownerId, 'FREE'), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => changePlan(admin.token, tenant.ownerId, 'PRO'), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => updateUser(admin.token, { userId: tenant.ownerId, role: 'MEMBER' }), 'ForbiddenError', 'FORBIDDEN');
    expect(await whoIs(tenant.token)).toBe(tenant.ownerId);
    await logIn(tenant.ownerAddress, PASSWORD);
  });

  it('the owner changes their own name and plan', async () => {
    const tenant = await app.signUp();
    expect((await updateUser(tenant.token, { userId: tenant.ownerId, displayName: 'The Boss' })).user.displayName).toBe('The Boss');
    const changed = await changePlan(tenant.token, tenant.ownerId, 'PRO');
    expect(changed).toMatchObject({ __typename: 'ChangePlanSuccess', user: { plan: 'PRO', role: 'OWNER' } });
  });

  it("an ADMIN may not change another ADMIN's password (FORBIDDEN, nothing changed); the owner may", async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const other = await person(tenant, 'ADMIN');
    await refused(tenant, () => updateUser(admin.token, { userId: other.id, password: NEW_PASSWORD }), 'ForbiddenError', 'FORBIDDEN');
    expect(await whoIs(other.token)).toBe(other.id);

    const changed = await updateUser(tenant.token, { userId: other.id, password: NEW_PASSWORD });
    expect(changed.__typename).toBe('UpdateUserSuccess');
    // Every session of the admin ends: none of them was the one that set it.
    expect(await whoIs(other.token)).toBe('UNAUTHENTICATED');
    expect((await sessionRows(other.id)).every((session) => session.revokedAt !== null)).toBe(true);
    expectError(await logInPayload(other.address, PASSWORD), 'InvalidCredentialsError', 'INVALID_CREDENTIALS');
    await logIn(other.address, NEW_PASSWORD);
    expect(await whoIs(tenant.token)).toBe(tenant.ownerId);
  });

  it("an ADMIN resets a MEMBER's password: every session of the member ends, the admin's own lives on", async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const member = await person(tenant);
    const second = await logIn(member.address);
    const changed = await updateUser(admin.token, { userId: member.id, password: NEW_PASSWORD });
    expect(changed.__typename).toBe('UpdateUserSuccess');
    expect(await whoIs(member.token)).toBe('UNAUTHENTICATED');
    expect(await whoIs(second)).toBe('UNAUTHENTICATED');
    expect(await whoIs(admin.token)).toBe(admin.id);
    expect(await newestEvent(tenant.token)).toMatchObject({ action: 'user.update', actor: { id: admin.id }, details: { endedSessions: 2 } });
    const renewed = await logIn(member.address, NEW_PASSWORD);
    // The owner resets it too, and that session ends as well.
    expect((await updateUser(tenant.token, { userId: member.id, password: PASSWORD })).__typename).toBe('UpdateUserSuccess');
    expect(await whoIs(renewed)).toBe('UNAUTHENTICATED');
    expect(await whoIs(tenant.token)).toBe(tenant.ownerId);
    await logIn(member.address, PASSWORD);
  });

  it('a mailing list has no password to reset', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const created = await call(
      CREATE_USER,
      'createUser',
      { address: `${unique('list')}@${MAIL_DOMAIN}`, displayName: 'List', plan: 'FREE', kind: 'MAILING_LIST', listMembers: ['a@example.org'] },
      tenant.token,
    );
    expect(created.__typename).toBe('CreateUserSuccess');
    await refused(tenant, () => updateUser(admin.token, { userId: text(created.user.id), password: NEW_PASSWORD }), 'ValidationError', 'VALIDATION', 'password');
  });

  it.each([
    ['a MEMBER', 'MEMBER'],
    ['an ADMIN', 'ADMIN'],
    ['the OWNER', 'OWNER'],
  ])('%s changing their own password ends their other sessions; the one that changed it lives on', async (_label, role) => {
    const tenant = await app.signUp();
    const self = role === 'OWNER' ? ownerOf(tenant) : await person(tenant, role as 'ADMIN' | 'MEMBER');
    const other = await logIn(self.address);
    const third = await logIn(self.address);
    const changed = await updateUser(self.token, { userId: self.id, password: NEW_PASSWORD });
    expect(changed.__typename).toBe('UpdateUserSuccess');
    expect(await whoIs(self.token)).toBe(self.id);
    expect(await whoIs(other)).toBe('UNAUTHENTICATED');
    expect(await whoIs(third)).toBe('UNAUTHENTICATED');
    const live = (await sessionRows(self.id)).filter((session) => session.revokedAt === null).map((session) => session.id);
    expect(live).toEqual([(await tokenRow(self.token)).id]);
  });

  it("a MEMBER may not change another's password (FORBIDDEN, nothing changed)", async () => {
    const tenant = await app.signUp();
    const member = await person(tenant);
    const other = await person(tenant);
    await refused(tenant, () => updateUser(member.token, { userId: other.id, password: NEW_PASSWORD }), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => updateUser(member.token, { userId: tenant.ownerId, password: NEW_PASSWORD }), 'ForbiddenError', 'FORBIDDEN');
  });

  it('(b) a MEMBER changing their own plan is FORBIDDEN and nothing changes', async () => {
    const tenant = await app.signUp();
    const member = await person(tenant, 'MEMBER', 'ENTRY');
    for (const plan of ['PRO', 'FREE', 'ENTRY']) {
      await refused(tenant, () => changePlan(member.token, member.id, plan), 'ForbiddenError', 'FORBIDDEN');
    }
    expect(await userNode(tenant.token, member.id)).toMatchObject({ plan: 'ENTRY', pendingPlan: null });
    // An ADMIN changes their own (they manage plans) and a member's.
    const admin = await person(tenant, 'ADMIN', 'ENTRY');
    expect((await changePlan(admin.token, member.id, 'PRO')).__typename).toBe('ChangePlanSuccess');
    expect((await changePlan(admin.token, admin.id, 'PRO')).__typename).toBe('ChangePlanSuccess');
  });

  it("(a) an ADMIN deleting a user hands the user's shared resources to the OWNER, not to the ADMIN", async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const member = await person(tenant);
    const created = await call(CREATE_RESOURCE, 'createResource', { kind: 'CALENDAR', name: unique('calendar'), ownerId: member.id }, admin.token);
    expect(created.__typename).toBe('CreateResourceSuccess');
    const resourceId = text(created.resource.id);
    expect(created.resource.owner.id).toBe(member.id);

    expect(await deleteUser(admin.token, member.id)).toMatchObject({ __typename: 'DeleteUserSuccess', deletedUserId: member.id });
    expect((await query(RESOURCE, { id: resourceId }, tenant.token)).node.owner.id).toBe(tenant.ownerId);
    const [row] = await db.select().from(sharedResources).where(eq(sharedResources.id, decodeId(resourceId)));
    expect(row?.ownerId).toBe(decodeId(tenant.ownerId));
    const events = items((await query(AUDIT, {}, tenant.token)).viewer.masterAccount.auditLog.edges).map((edge) => edge.node);
    const handOver = events.find((event) => String(event.action) === 'resource.transfer');
    expect(handOver).toMatchObject({ actor: { id: admin.id }, targetId: resourceId });
    expect(handOver?.details).toMatchObject({ fromUserId: decodeId(member.id), toUserId: decodeId(tenant.ownerId) });
  });
});

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

describe('sessions', () => {
  async function sessionsOf(token: string, userId: string, args: Input = {}): Promise<Loose> {
    return (await query(SESSIONS, { id: userId, ...args }, token)).node.sessions;
  }
  const nodesOf = (connection: Loose) => items(connection.edges).map((edge) => edge.node);

  it('lists live sessions newest first, with the client that opened each, its expiry and which one is asking', async () => {
    const tenant = await app.signUp();
    const member = await person(tenant);
    const first = await logIn(member.address, PASSWORD, 'Agent/1.0 (first)');
    const second = await logIn(member.address, PASSWORD, 'Agent/2.0 (second)');
    // Behind a trusted proxy the session also records the client's address.
    const response = await proxied.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7', 'user-agent': 'Agent/3.0 (proxied)' },
      body: JSON.stringify({ query: LOG_IN, variables: { input: { address: member.address, password: PASSWORD } } }),
    });
    const third = text(((await response.json()) as GraphQLResponse).data.logIn.token);
    const revoked = await logIn(member.address);
    expect((await revokeSessions(member.token, { userId: member.id, sessionIds: [await sessionId(revoked)] })).revokedCount).toBe(1);
    await apiToken(member); // API tokens are not sessions

    const connection = await sessionsOf(second, member.id);
    expect(connection.totalCount).toBe(4);
    const nodes = nodesOf(connection);
    expect(nodes.map((node) => node.id)).toEqual(await Promise.all([third, second, first, member.token].map(sessionId)));
    expect(nodes.map((node) => node.client)).toEqual(['Agent/3.0 (proxied)', 'Agent/2.0 (second)', 'Agent/1.0 (first)', null]);
    expect(nodes.map((node) => node.ipAddress)).toEqual(['203.0.113.7', null, null, null]);
    expect(nodes.map((node) => node.current)).toEqual([false, true, false, false]);
    for (const node of nodes) {
      // 30 days from the log-in (the row's creation is the database's clock, the expiry the server's).
      expect(Math.abs(new Date(text(node.expiresAt)).getTime() - new Date(text(node.createdAt)).getTime() - 30 * DAY)).toBeLessThan(60_000);
    }

    // Pages follow the same order.
    const page = await sessionsOf(second, member.id, { first: 3 });
    expect(page.pageInfo.hasNextPage).toBe(true);
    const rest = await sessionsOf(second, member.id, { first: 3, after: page.pageInfo.endCursor });
    expect([...nodesOf(page), ...nodesOf(rest)].map((node) => node.id)).toEqual(nodes.map((node) => node.id));
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it("are readable by the user, the owner and administrators; a MEMBER reading another's is FORBIDDEN", async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const member = await person(tenant);
    const other = await person(tenant);
    const expected = [await sessionId(member.token)];
    for (const token of [tenant.token, admin.token, member.token]) {
      expect(nodesOf(await sessionsOf(token, member.id)).map((node) => node.id)).toEqual(expected);
    }
    expect(nodesOf(await sessionsOf(tenant.token, member.id))[0].current).toBe(false);
    // The owner's and an admin's sessions are visible to administrators too.
    expect(nodesOf(await sessionsOf(admin.token, tenant.ownerId)).map((node) => node.id)).toEqual([await sessionId(tenant.token)]);

    for (const target of [member.id, tenant.ownerId, admin.id]) {
      const result = await app.gql(SESSIONS, { id: target }, other.token);
      expect(errorCode(result)).toBe('FORBIDDEN');
      expect(result.data.node ?? null).toBeNull();
    }
  });

  it('node() finds a live session for those who may see it, and null for anyone else or once it ended', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const member = await person(tenant);
    const other = await person(tenant);
    const stranger = await app.signUp();
    const second = await logIn(member.address, PASSWORD, 'Agent/node');
    const id = await sessionId(second);

    for (const [token, current] of [
      [second, true],
      [member.token, false],
      [tenant.token, false],
      [admin.token, false],
    ] as const) {
      expect((await query(NODE, { id }, token)).node).toEqual({ __typename: 'Session', id, client: 'Agent/node', current });
    }
    expect((await query(NODE, { id }, other.token)).node).toBeNull();
    expect((await query(NODE, { id }, stranger.token)).node).toBeNull();

    await revokeSessions(member.token, { userId: member.id, sessionIds: [id] });
    expect((await query(NODE, { id }, tenant.token)).node).toBeNull();
  });
});

describe('revokeSessions', () => {
  it("ends one's own listed sessions, or all but the asking one without sessionIds; audited", async () => {
    const tenant = await app.signUp();
    const member = await person(tenant);
    const [a, b, c] = [await logIn(member.address), await logIn(member.address), await logIn(member.address)];

    const one = await revokeSessions(member.token, { userId: member.id, sessionIds: [await sessionId(a)] });
    expect(one).toEqual({ __typename: 'RevokeSessionsSuccess', revokedCount: 1 });
    expect(await whoIs(a)).toBe('UNAUTHENTICATED');
    expect(await whoIs(b)).toBe(member.id);
    expect(await newestEvent(tenant.token)).toMatchObject({ action: 'session.revoke', actor: { id: member.id }, targetId: member.id, details: { revoked: 1 } });

    const all = await revokeSessions(member.token, { userId: member.id });
    expect(all.revokedCount).toBe(2);
    expect([await whoIs(b), await whoIs(c), await whoIs(member.token)]).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', member.id]);
    expect(await newestEvent(tenant.token)).toMatchObject({ action: 'session.revoke', details: { revoked: 2, allOthers: true } });

    // Its own session, listed, ends too.
    expect((await revokeSessions(member.token, { userId: member.id, sessionIds: [await sessionId(member.token)] })).revokedCount).toBe(1);
    expect(await whoIs(member.token)).toBe('UNAUTHENTICATED');
  });

  it("the owner ends anyone's; an ADMIN those of MEMBERs only, never the owner's or another ADMIN's (FORBIDDEN, nothing ended)", async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const other = await person(tenant, 'ADMIN');
    const member = await person(tenant);
    const spare = await logIn(tenant.ownerAddress);
    const spareId = await sessionId(spare);

    await refused(tenant, () => revokeSessions(admin.token, { userId: tenant.ownerId }), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => revokeSessions(admin.token, { userId: tenant.ownerId, sessionIds: [spareId] }), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => revokeSessions(admin.token, { userId: other.id }), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => revokeSessions(member.token, { userId: admin.id }), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => revokeSessions(member.token, { userId: tenant.ownerId }), 'ForbiddenError', 'FORBIDDEN');
    expect([await whoIs(spare), await whoIs(other.token), await whoIs(admin.token)]).toEqual([tenant.ownerId, other.id, admin.id]);

    expect((await revokeSessions(admin.token, { userId: member.id })).revokedCount).toBe(1);
    expect(await whoIs(member.token)).toBe('UNAUTHENTICATED');
    expect((await revokeSessions(tenant.token, { userId: other.id })).revokedCount).toBe(1);
    expect(await whoIs(other.token)).toBe('UNAUTHENTICATED');
    expect((await revokeSessions(tenant.token, { userId: admin.id, sessionIds: [await sessionId(admin.token)] })).revokedCount).toBe(1);
    expect(await whoIs(admin.token)).toBe('UNAUTHENTICATED');
    expect(await whoIs(spare)).toBe(tenant.ownerId);
  });

  it('an id that is not a live session of that user is NOT_FOUND on sessionIds, and nothing is ended; an empty list is a ValidationError', async () => {
    const tenant = await app.signUp();
    const member = await person(tenant);
    const other = await person(tenant);
    const live = await sessionId(await logIn(member.address));
    const ended = await sessionId(await logIn(member.address));
    await revokeSessions(member.token, { userId: member.id, sessionIds: [ended] });
    const integration = await tokenRow(await apiToken(member));

    for (const stray of [
      await sessionId(other.token), // another user's session
      ended, // no longer live
      globalId('Session', integration.id), // an API token, not a session
      globalId('Session', randomUUID()), // nothing
    ]) {
      // The field is the list, or (more precisely) the id in it that was not found.
      await refused(tenant, () => revokeSessions(tenant.token, { userId: member.id, sessionIds: [live, stray] }), 'NotFoundError', 'NOT_FOUND', /^sessionIds(\[1\])?$/);
    }
    await refused(tenant, () => revokeSessions(tenant.token, { userId: member.id, sessionIds: [] }), 'ValidationError', 'VALIDATION', 'sessionIds');
    expect((await revokeSessions(tenant.token, { userId: member.id, sessionIds: [live] })).revokedCount).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// transferOwnership
// ---------------------------------------------------------------------------------------------

describe('transferOwnership', () => {
  it('hands the account to an ACTIVE paid ADMIN: roles swap, the old owner pays from the deposit, the new one no longer does; audited', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN', 'PRO');
    const before = await balance(tenant.token);
    const started = Date.now();

    const payload = await transfer(tenant.token, admin.id);
    expect(payload.__typename, JSON.stringify(payload)).toBe('TransferOwnershipSuccess');
    expect(payload.masterAccount).toMatchObject({ id: tenant.masterAccountId, owner: { id: admin.id }, balance: { minorUnits: before - 250 } });
    expect(payload.previousOwner).toMatchObject({ id: tenant.ownerId, role: 'ADMIN', plan: 'ENTRY' });
    expect(payload.newOwner).toMatchObject({ id: admin.id, role: 'OWNER', plan: 'PRO', paidThrough: null });
    expect(payload.ledgerEntry).toMatchObject({ kind: 'CHARGE', amount: { minorUnits: -250 }, plan: 'ENTRY', user: { id: tenant.ownerId } });
    const paidThrough = new Date(text(payload.previousOwner.paidThrough)).getTime();
    expect(Math.abs(paidThrough - (started + 30 * DAY))).toBeLessThan(60_000);
    expect(text(payload.ledgerEntry.periodEnd)).toBe(text(payload.previousOwner.paidThrough));
    expect(await userRow(admin.id)).toMatchObject({ role: 'OWNER', paidThrough: null });

    const event = await newestEvent(admin.token);
    expect(event).toMatchObject({ action: 'account.transfer_ownership', actor: { id: tenant.ownerId }, targetId: tenant.masterAccountId });
    expect(event.details).toMatchObject({ previousOwnerId: decodeId(tenant.ownerId), newOwnerId: decodeId(admin.id), charged: '2.50' });

    // The old owner, now an ADMIN, has lost the owner's powers; the new owner has them.
    await refused(tenant, () => updateUser(tenant.token, { userId: admin.id, password: NEW_PASSWORD }), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => changePlan(tenant.token, admin.id, 'FREE'), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => transfer(tenant.token, admin.id), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => revokeSessions(tenant.token, { userId: admin.id }), 'ForbiddenError', 'FORBIDDEN');
    expect(await whoIs(tenant.token)).toBe(tenant.ownerId);
    expect((await query(WHO_AM_I, {}, tenant.token)).viewer.user.role).toBe('ADMIN');
    const changed = await updateUser(admin.token, { userId: tenant.ownerId, password: NEW_PASSWORD });
    expect(changed.__typename).toBe('UpdateUserSuccess');
    expect(await whoIs(tenant.token)).toBe('UNAUTHENTICATED');
    const back = await transfer(admin.token, tenant.ownerId);
    expect(back).toMatchObject({ __typename: 'TransferOwnershipSuccess', newOwner: { role: 'OWNER' }, previousOwner: { role: 'ADMIN' } });
  });

  it('only the owner may: an ADMIN is FORBIDDEN and nothing changes', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN', 'ENTRY');
    const other = await person(tenant, 'ADMIN', 'ENTRY');
    await refused(tenant, () => transfer(admin.token, other.id), 'ForbiddenError', 'FORBIDDEN');
    await refused(tenant, () => transfer(admin.token, admin.id), 'ForbiddenError', 'FORBIDDEN');
  });

  it('the new owner must be an ACTIVE person who is an ADMIN on a paid plan (ValidationError on newOwnerId, nothing changed)', async () => {
    const { tenant, user: pastDue } = await pastDueTenant('ADMIN');
    await addDeposit(tenant, '100.00');
    const member = await person(tenant, 'MEMBER', 'ENTRY');
    const free = await person(tenant, 'ADMIN', 'FREE');
    const suspended = await person(tenant, 'ADMIN', 'ENTRY');
    await updateUser(tenant.token, { userId: suspended.id, status: 'SUSPENDED' });
    for (const candidate of [member.id, free.id, suspended.id, pastDue.id, tenant.ownerId]) {
      await refused(tenant, () => transfer(tenant.token, candidate), 'ValidationError', 'VALIDATION', 'newOwnerId');
    }
    const stranger = await app.signUp();
    for (const candidate of [stranger.ownerId, globalId('User', randomUUID())]) {
      await refused(tenant, () => transfer(tenant.token, candidate), 'NotFoundError', 'NOT_FOUND', 'newOwnerId');
    }
  });

  it('a mailing list cannot be the new owner', async () => {
    const tenant = await app.signUp();
    const created = await call(
      CREATE_USER,
      'createUser',
      { address: `${unique('list')}@${MAIL_DOMAIN}`, displayName: 'List', plan: 'ENTRY', kind: 'MAILING_LIST', listMembers: ['a@example.org'] },
      tenant.token,
    );
    expect(created.__typename).toBe('CreateUserSuccess');
    await refused(tenant, () => transfer(tenant.token, text(created.user.id)), 'ValidationError', 'VALIDATION', 'newOwnerId');
  });

  it("the old owner's first period must be payable from the deposit (INSUFFICIENT_FUNDS, nothing changed)", async () => {
    const tenant = await app.signUp({ deposit: '2.50' });
    const admin = await person(tenant, 'ADMIN', 'ENTRY');
    expect(await balance(tenant.token)).toBe(0);
    await refused(tenant, () => transfer(tenant.token, admin.id), 'InsufficientFundsError', 'INSUFFICIENT_FUNDS');
  });

  it('a wrong password is INVALID_CREDENTIALS, changes nothing and counts as a failed log-in of the owner', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN', 'ENTRY');
    const failures = async () => {
      const [row] = await db
        .select({ failures: loginThrottles.failures })
        .from(loginThrottles)
        .where(and(eq(loginThrottles.scope, 'ADDRESS'), eq(loginThrottles.subject, tenant.ownerAddress)));
      return row?.failures ?? 0;
    };
    expect(await failures()).toBe(0);
    await refused(tenant, () => transfer(tenant.token, admin.id, 'not the password'), 'InvalidCredentialsError', 'INVALID_CREDENTIALS');
    expect(await failures()).toBe(1);
    await refused(tenant, () => transfer(tenant.token, admin.id, 'not the password'), 'InvalidCredentialsError', 'INVALID_CREDENTIALS');
    expect(await failures()).toBe(2);
    // The right password forgets them, as a log-in does.
    expect((await transfer(tenant.token, admin.id)).__typename).toBe('TransferOwnershipSuccess');
    expect(await failures()).toBe(0);
  });

  it('after 5 wrong passwords from one client, that client is RATE_LIMITED, also with the right password and on logIn', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN', 'ENTRY');
    const client = `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::1`;
    async function from(document: string, input: Input, token?: string): Promise<Loose> {
      const response = await proxied.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query: document, variables: { input } }),
      });
      const body = (await response.json()) as GraphQLResponse;
      expect(body.errors).toBeUndefined();
      return Object.values(body.data)[0];
    }
    for (let i = 0; i < 5; i++) {
      await refused(tenant, () => from(TRANSFER, { newOwnerId: admin.id, password: 'not the password' }, tenant.token), 'InvalidCredentialsError', 'INVALID_CREDENTIALS');
    }
    const limited = await refused(tenant, () => from(TRANSFER, { newOwnerId: admin.id, password: PASSWORD }, tenant.token), 'RateLimitedError', 'RATE_LIMITED');
    expect(new Date(text(limited.retryAfter)).getTime()).toBeGreaterThan(Date.now());
    expectError(await from(LOG_IN, { address: tenant.ownerAddress, password: PASSWORD }), 'RateLimitedError', 'RATE_LIMITED');
    // The block is that client's: elsewhere the owner still hands the account over.
    expect((await transfer(tenant.token, admin.id)).__typename).toBe('TransferOwnershipSuccess');
  });
});

async function addDeposit(tenant: Tenant, amount: string): Promise<void> {
  const added = await call(
    `mutation ($input: AddDepositInput!) { addDeposit(input: $input) { __typename } }`,
    'addDeposit',
    { amount, idempotencyKey: unique('deposit') },
    tenant.token,
  );
  expect(added.__typename).toBe('AddDepositSuccess');
}
