import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { globalId, items, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type Loose, type Tenant } from './harness.js';
import { tenantRows } from './tenant-rows.js';

const app = await startApp();
const db = app.database.db;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const ERROR = `__typename ... on Error { code message } ... on ValidationError { field } ... on NotFoundError { field }`;

const MUTATIONS = {
  updateUser: `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { ${ERROR} } }`,
  changePlan: `mutation ($input: ChangePlanInput!) { changePlan(input: $input) { ${ERROR} } }`,
  deleteUser: `mutation ($input: DeleteUserInput!) { deleteUser(input: $input) { ${ERROR} } }`,
  addAlias: `mutation ($input: AddAliasInput!) { addAlias(input: $input) { ${ERROR} } }`,
  revokeApiToken: `mutation ($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { ${ERROR} } }`,
} as const;
type MutationName = keyof typeof MUTATIONS;

const CREATE_API_TOKEN = `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  __typename
  ... on CreateApiTokenSuccess { token apiToken { id } }
  ... on Error { code message }
} }`;

const NODE = `query ($id: ID!) { node(id: $id) { __typename id } }`;
const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;
const WHO_AM_I = `{ viewer { user { id } masterAccount { id } } }`;

const ACCOUNT_VIEW = `query ($after: String) { viewer { masterAccount {
  id
  users(first: 100, after: $after) { totalCount edges { cursor node { id address displayName plan pendingPlan status role } } }
  apiTokens(first: 100) { totalCount edges { node { id name scopes revokedAt expiresAt } } }
  auditLog(first: 100) { totalCount edges { node { id action targetId } } }
  ledger(first: 100) { totalCount edges { node { id } } }
  balance { minorUnits }
} } }`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Input = Record<string, unknown>;
type GqlResult = Awaited<ReturnType<typeof app.gql>>;

interface Person {
  id: string;
  address: string;
  token: string;
}

/** Tenant A with a member, an API token and a few audit events; tenant B with a member and a READ token. */
interface World {
  a: Tenant;
  aMember: Person;
  aToken: { id: string; token: string };
  aAuditIds: string[];
  b: Tenant;
  bMember: Person;
  bRead: { id: string; token: string };
}

function errorCode(result: GqlResult): unknown {
  return result.errors?.[0]?.extensions?.code;
}

async function member(tenant: Tenant): Promise<Person> {
  const user = await app.createUser(tenant, { role: 'MEMBER' });
  return { ...user, token: await app.logIn(user.address) };
}

async function createApiToken(token: string, scopes: string[]): Promise<{ id: string; token: string }> {
  const result = await app.gql(CREATE_API_TOKEN, { input: { name: unique('integration'), scopes } }, token);
  expect(result.errors).toBeUndefined();
  const payload = result.data.createApiToken;
  expect(payload.__typename, JSON.stringify(payload)).toBe('CreateApiTokenSuccess');
  return { id: text(payload.apiToken.id), token: text(payload.token) };
}

async function accountView(token: string, after: string | null = null): Promise<Loose> {
  const result = await app.gql(ACCOUNT_VIEW, { after }, token);
  expect(result.errors).toBeUndefined();
  return result.data.viewer.masterAccount;
}

function ids(connection: Loose): string[] {
  return items(connection.edges).map((edge) => text(edge.node.id));
}

async function world(): Promise<World> {
  const a = await app.signUp();
  const aMember = await member(a);
  const aToken = await createApiToken(a.token, ['READ', 'WRITE']);
  const aAuditIds = ids((await accountView(a.token)).auditLog);
  // sign-up, deposit, user.create, the member's log-in, api_token.create at least.
  expect(aAuditIds.length).toBeGreaterThanOrEqual(5);

  const b = await app.signUp();
  const bMember = await member(b);
  const bRead = await createApiToken(b.token, ['READ']);
  return { a, aMember, aToken, aAuditIds, b, bMember, bRead };
}

/** The ids of every object of A that B must never reach. */
function idsOfA(w: World): string[] {
  return [w.a.ownerId, w.aMember.id, w.a.masterAccountId, w.aToken.id, ...w.aAuditIds];
}

const viewersOfB: [string, (w: World) => string][] = [
  ['owner', (w) => w.b.token],
  ['MEMBER', (w) => w.bMember.token],
  ['READ API', (w) => w.bRead.token],
];

async function mutate(token: string, name: MutationName, input: Input): Promise<Loose> {
  const result = await app.gql(MUTATIONS[name], { input }, token);
  expect(result.errors, name).toBeUndefined();
  return result.data[name];
}

// ---------------------------------------------------------------------------------------------
// Reading by ID
// ---------------------------------------------------------------------------------------------

describe('node and nodes across tenants', () => {
  it.each(viewersOfB)("give B's %s token null for each of A's objects", async (_label, tokenOf) => {
    const w = await world();
    const token = tokenOf(w);
    for (const id of idsOfA(w)) {
      const result = await app.gql(NODE, { id }, token);
      expect(result.errors, id).toBeUndefined();
      expect(result.data.node, id).toBeNull();
    }
  });

  it.each(viewersOfB)("give B's %s token nulls for A's IDs and B's own objects, in order, in one nodes list", async (_label, tokenOf) => {
    const w = await world();
    const ids = [
      w.a.ownerId,
      w.b.ownerId,
      w.a.masterAccountId,
      w.b.masterAccountId,
      w.aToken.id,
      w.aAuditIds[0],
      w.bMember.id,
      w.aMember.id,
      w.aAuditIds[w.aAuditIds.length - 1],
      w.b.ownerId,
    ];
    const result = await app.gql(NODES, { ids }, tokenOf(w));
    expect(result.errors).toBeUndefined();
    expect(result.data.nodes).toEqual([
      null,
      { __typename: 'User', id: w.b.ownerId },
      null,
      { __typename: 'MasterAccount', id: w.b.masterAccountId },
      null,
      null,
      { __typename: 'User', id: w.bMember.id },
      null,
      null,
      { __typename: 'User', id: w.b.ownerId },
    ]);
  });

  it("gives B's owner B's own token and audit events but none of A's in one nodes list", async () => {
    const w = await world();
    const bAudit = ids((await accountView(w.b.token)).auditLog);
    const result = await app.gql(NODES, { ids: [w.aToken.id, w.bRead.id, w.aAuditIds[0], bAudit[0]] }, w.b.token);
    expect(result.errors).toBeUndefined();
    expect(result.data.nodes).toEqual([
      null,
      { __typename: 'ApiToken', id: w.bRead.id },
      null,
      { __typename: 'AuditEvent', id: bAudit[0] },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Changing by ID
// ---------------------------------------------------------------------------------------------

describe('mutations across tenants', () => {
  it("answer NotFoundError to B for A's user and token IDs, as for IDs that never existed, and change nothing of A", async () => {
    const w = await world();
    const rowsBefore = await tenantRows(db, w.a.masterAccountId);
    const viewBefore = await accountView(w.a.token);
    const bRowsBefore = await tenantRows(db, w.b.masterAccountId);

    const userAttempts: [MutationName, (userId: string) => Input][] = [
      ['updateUser', (userId) => ({ userId, displayName: 'Hijacked' })],
      ['updateUser', (userId) => ({ userId, status: 'SUSPENDED' })],
      ['updateUser', (userId) => ({ userId, password: 'hijacked password' })],
      ['updateUser', (userId) => ({ userId, role: 'ADMIN' })],
      ['changePlan', (userId) => ({ userId, plan: 'PRO' })],
      ['changePlan', (userId) => ({ userId, plan: 'FREE' })],
      ['deleteUser', (userId) => ({ userId })],
      ['addAlias', (userId) => ({ userId, address: `${unique('hijack')}@${MAIL_DOMAIN}` })],
    ];
    const nowhere = globalId('User', randomUUID());
    for (const [name, input] of userAttempts) {
      const absent = await mutate(w.b.token, name, input(nowhere));
      expect(absent, name).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'userId' });
      for (const userId of [w.aMember.id, w.a.ownerId]) {
        // Same answer as for an ID that never existed: existence does not leak.
        expect(await mutate(w.b.token, name, input(userId)), `${name} ${JSON.stringify(input(userId))}`).toEqual(absent);
      }
    }

    const absentToken = await mutate(w.b.token, 'revokeApiToken', { apiTokenId: globalId('ApiToken', randomUUID()) });
    expect(absentToken).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'apiTokenId' });
    expect(await mutate(w.b.token, 'revokeApiToken', { apiTokenId: w.aToken.id })).toEqual(absentToken);

    // A is exactly as it was, in the database and as A sees it.
    expect(await tenantRows(db, w.a.masterAccountId)).toEqual(rowsBefore);
    expect(await accountView(w.a.token)).toEqual(viewBefore);
    // A's token still works, and A's member can still sign in with the old password.
    const viaToken = await app.gql(WHO_AM_I, {}, w.aToken.token);
    expect(viaToken.errors).toBeUndefined();
    expect(viaToken.data.viewer.user.id).toBe(w.a.ownerId);
    expect((await app.logIn(w.aMember.address, PASSWORD)).startsWith('mas_')).toBe(true);
    // And B's failed attempts wrote nothing to B either.
    expect(await tenantRows(db, w.b.masterAccountId)).toEqual(bRowsBefore);
  });

  it('answers a ValidationError naming the field for an ID of the wrong type', async () => {
    const w = await world();
    const rowsBefore = await tenantRows(db, w.a.masterAccountId);

    const attempts: [MutationName, Input, string][] = [
      ['updateUser', { userId: w.a.masterAccountId, displayName: 'Wrong type' }, 'userId'],
      ['changePlan', { userId: w.a.masterAccountId, plan: 'PRO' }, 'userId'],
      ['deleteUser', { userId: w.a.masterAccountId }, 'userId'],
      ['deleteUser', { userId: w.aToken.id }, 'userId'],
      ['revokeApiToken', { apiTokenId: w.aMember.id }, 'apiTokenId'],
    ];
    for (const [name, input, field] of attempts) {
      for (const token of [w.a.token, w.b.token]) {
        expect(await mutate(token, name, input), `${name} ${JSON.stringify(input)}`).toMatchObject({
          __typename: 'ValidationError',
          code: 'VALIDATION',
          field,
        });
      }
    }
    expect(await tenantRows(db, w.a.masterAccountId)).toEqual(rowsBefore);
  });
});

// ---------------------------------------------------------------------------------------------
// Nested paths
// ---------------------------------------------------------------------------------------------

describe('nested paths across tenants', () => {
  it("never show B A's users, tokens, audit events or ledger entries, even after A's cursor", async () => {
    const w = await world();
    const aView = await accountView(w.a.token);
    const aUserIds = ids(aView.users);
    const aLedgerIds = ids(aView.ledger);
    expect(aUserIds).toEqual([w.a.ownerId, w.aMember.id]);
    expect(aLedgerIds.length).toBeGreaterThan(0);

    for (const token of [w.b.token, w.bRead.token]) {
      const bView = await accountView(token);
      expect(bView.id).toBe(w.b.masterAccountId);
      expect(ids(bView.users)).toEqual([w.b.ownerId, w.bMember.id]);
      expect(bView.users.totalCount).toBe(2);
      expect(ids(bView.apiTokens)).toEqual([w.bRead.id]);
      const bAudit = ids(bView.auditLog);
      expect(bAudit.length).toBeGreaterThan(0);
      expect(bAudit.filter((id) => w.aAuditIds.includes(id))).toEqual([]);
      expect(ids(bView.ledger).filter((id) => aLedgerIds.includes(id))).toEqual([]);

      // A cursor taken from A's list pages through B's users only.
      const aCursor = text(items(aView.users.edges)[0].cursor);
      const paged = await accountView(token, aCursor);
      expect(ids(paged.users).filter((id) => aUserIds.includes(id))).toEqual([]);
      expect(paged.users.totalCount).toBe(2);
    }

    // B's member sees B's users and their own (no) tokens, never A's.
    const memberView = await app.gql(
      `{ viewer { masterAccount { users(first: 100) { edges { node { id } } } apiTokens(first: 100) { edges { node { id } } } } } }`,
      {},
      w.bMember.token,
    );
    expect(memberView.errors).toBeUndefined();
    expect(ids(memberView.data.viewer.masterAccount.users)).toEqual([w.b.ownerId, w.bMember.id]);
    expect(ids(memberView.data.viewer.masterAccount.apiTokens)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The audit log inside one tenant
// ---------------------------------------------------------------------------------------------

describe('the audit log for a MEMBER', () => {
  it('hides its events from node()/nodes() and refuses masterAccount.auditLog with FORBIDDEN', async () => {
    const w = await world();
    for (const id of w.aAuditIds) {
      const result = await app.gql(NODE, { id }, w.aMember.token);
      expect(result.errors, id).toBeUndefined();
      expect(result.data.node, id).toBeNull();
    }
    const listed = await app.gql(NODES, { ids: [w.aAuditIds[0], w.aMember.id] }, w.aMember.token);
    expect(listed.errors).toBeUndefined();
    expect(listed.data.nodes).toEqual([null, { __typename: 'User', id: w.aMember.id }]);

    const log = await app.gql(`{ viewer { masterAccount { auditLog(first: 10) { totalCount edges { node { id } } } } } }`, {}, w.aMember.token);
    expect(log.data.viewer?.masterAccount?.auditLog ?? null).toBeNull();
    expect(errorCode(log)).toBe('FORBIDDEN');

    // The owner does see them.
    const owner = await app.gql(NODE, { id: w.aAuditIds[0] }, w.a.token);
    expect(owner.data.node).toEqual({ __typename: 'AuditEvent', id: w.aAuditIds[0] });
  });
});
