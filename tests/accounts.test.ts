import { createHash } from 'node:crypto';
import { count, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/db/client.js';
import { addresses, apiTokens, auditEvents, masterAccounts, users } from '../server/db/tables.js';
import { buildYoga } from '../server/yoga.js';
import { decodeId, items, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type Loose } from './harness.js';

const app = await startApp();
const db = app.database.db;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) {
  __typename
  ... on SignUpSuccess {
    token
    viewer {
      scopes
      user { id address displayName role plan kind status }
      masterAccount { id name consoleAccess owner { id address } }
    }
  }
  ... on Error { code message }
  ... on ValidationError { field }
  ... on AddressTakenError { address }
  ... on AddressReservedError { address }
  ... on DomainNotVerifiedError { domain }
} }`;

const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) {
  __typename
  ... on LogInSuccess { token viewer { scopes user { id address role } masterAccount { id } } }
  ... on Error { code message }
} }`;

const LOG_OUT = `mutation { logOut }`;

const WHO_AM_I = `{ viewer { user { id } } }`;

const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) {
  __typename
  ... on CreateUserSuccess { user { id address kind } }
  ... on Error { code message }
} }`;

const CREATE_API_TOKEN = `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  __typename
  ... on CreateApiTokenSuccess { token apiToken { id } }
  ... on Error { code message }
} }`;

const REVOKE_API_TOKEN = `mutation ($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) {
  __typename
  ... on Error { code message }
} }`;

const AUDIT = `query ($first: Int!) { viewer { masterAccount { auditLog(first: $first) {
  totalCount
  edges { node { id action actor { id } targetId details } }
} } } }`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Input = Record<string, unknown>;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function signUpInput(overrides: Input = {}): Input {
  return {
    organizationName: unique('Org'),
    ownerAddress: `${unique('owner')}@${MAIL_DOMAIN}`,
    ownerDisplayName: unique('Owner'),
    password: PASSWORD,
    plan: 'ENTRY',
    ...overrides,
  };
}

async function signUp(input: Input): Promise<Loose> {
  const result = await app.gql(SIGN_UP, { input });
  expect(result.errors).toBeUndefined();
  return result.data.signUp;
}

async function logIn(address: string, password: string): Promise<Loose> {
  const result = await app.gql(LOG_IN, { input: { address, password } });
  expect(result.errors).toBeUndefined();
  return result.data.logIn;
}

function errorCode(result: { errors?: { extensions?: Record<string, unknown> }[] }): unknown {
  return result.errors?.[0]?.extensions?.code;
}

async function auditLog(token: string, first = 20): Promise<{ totalCount: number; events: Loose[] }> {
  const result = await app.gql(AUDIT, { first }, token);
  expect(result.errors).toBeUndefined();
  const log = result.data.viewer.masterAccount.auditLog;
  return { totalCount: Number(log.totalCount), events: items(log.edges).map((edge) => edge.node) };
}

async function rowCount(table: typeof masterAccounts | typeof users | typeof addresses | typeof apiTokens | typeof auditEvents, where: SQL | undefined): Promise<number> {
  const [row] = await db.select({ n: count() }).from(table).where(where);
  return row.n;
}

/**
 * How many rows of the five sign-up tables belong to one sign-up attempt: scoped by the
 * organization name, address and display name it used (all unique), never whole tables, because
 * on a shared PostgreSQL other test files write concurrently.
 */
async function footprint(input: Input): Promise<Record<string, number>> {
  const name = String(input.organizationName);
  const address = String(input.ownerAddress).trim().toLowerCase();
  const displayName = String(input.ownerDisplayName);
  const accountIds = db.select({ id: masterAccounts.id }).from(masterAccounts).where(eq(masterAccounts.name, name));
  const userIds = db.select({ id: users.id }).from(users).where(eq(users.displayName, displayName));
  const mentions = [name, address, displayName]
    .filter((value) => value.trim().length > 0)
    .map((value) => sql`${auditEvents.details}::text like ${`%${value}%`}`);
  return {
    master_accounts: await rowCount(masterAccounts, eq(masterAccounts.name, name)),
    users: await rowCount(users, or(eq(users.displayName, displayName), inArray(users.masterAccountId, accountIds))),
    addresses: await rowCount(addresses, or(eq(addresses.address, address), inArray(addresses.masterAccountId, accountIds))),
    api_tokens: await rowCount(apiTokens, or(inArray(apiTokens.masterAccountId, accountIds), inArray(apiTokens.userId, userIds))),
    audit_events: await rowCount(auditEvents, or(inArray(auditEvents.masterAccountId, accountIds), ...mentions)),
  };
}

/** Runs a sign-up that must fail with `typename`/`code`, and checks it left no row behind. */
async function expectSignUpFailure(input: Input, typename: string, code: string): Promise<Loose> {
  const before = await footprint(input);
  const payload = await signUp(input);
  expect(payload.__typename).toBe(typename);
  expect(payload.code).toBe(code);
  expect(text(payload.message).length).toBeGreaterThan(0);
  expect(payload.token).toBeUndefined();
  expect(await footprint(input)).toEqual(before);
  return payload;
}

async function createApiToken(token: string, scopes: string[] = ['READ', 'WRITE']): Promise<{ token: string; id: string }> {
  const result = await app.gql(CREATE_API_TOKEN, { input: { name: unique('integration'), scopes } }, token);
  expect(result.errors).toBeUndefined();
  const payload = result.data.createApiToken;
  expect(payload.__typename).toBe('CreateApiTokenSuccess');
  return { token: text(payload.token), id: text(payload.apiToken.id) };
}

async function whoAmI(token: string): Promise<string> {
  const result = await app.gql(WHO_AM_I, {}, token);
  expect(result.errors).toBeUndefined();
  return text(result.data.viewer.user.id);
}

// ---------------------------------------------------------------------------------------------
// signUp
// ---------------------------------------------------------------------------------------------

describe('signUp', () => {
  it('creates the master account and its owner, and signs the owner in with every scope', async () => {
    const local = unique('Ada.Owner');
    const input = signUpInput({ ownerAddress: `${local}@MailAdmin.TEST` });
    expect(await footprint(input)).toEqual({ master_accounts: 0, users: 0, addresses: 0, api_tokens: 0, audit_events: 0 });
    const payload = await signUp(input);

    expect(payload.__typename).toBe('SignUpSuccess');
    const token = text(payload.token);
    expect(token.startsWith('mas_')).toBe(true);
    const viewer = payload.viewer;
    expect([...items(viewer.scopes)].sort()).toEqual(['BILLING', 'READ', 'WRITE']);
    expect(viewer.user).toMatchObject({
      address: `${local.toLowerCase()}@${MAIL_DOMAIN}`,
      displayName: input.ownerDisplayName,
      role: 'OWNER',
      plan: 'ENTRY',
      kind: 'PERSON',
      status: 'ACTIVE',
    });
    expect(viewer.masterAccount.name).toBe(input.organizationName);
    expect(viewer.masterAccount.consoleAccess).toBe(true);
    expect(viewer.masterAccount.owner).toEqual({ id: viewer.user.id, address: viewer.user.address });

    // The footprint that failed sign-ups must leave unchanged sees each row a sign-up writes.
    expect(await footprint(input)).toEqual({ master_accounts: 1, users: 1, addresses: 1, api_tokens: 1, audit_events: 1 });

    // The session works at once and signs in that owner.
    const me = await app.gql(`{ viewer { scopes user { id role } masterAccount { id } } }`, {}, token);
    expect(me.errors).toBeUndefined();
    expect(me.data.viewer.user).toEqual({ id: viewer.user.id, role: 'OWNER' });
    expect(me.data.viewer.masterAccount.id).toBe(viewer.masterAccount.id);
    expect([...items(me.data.viewer.scopes)].sort()).toEqual(['BILLING', 'READ', 'WRITE']);

    // The password is stored only as a salted scrypt hash.
    const userId = decodeId(text(viewer.user.id));
    const [stored] = await db.select().from(users).where(eq(users.id, userId));
    expect(stored.passwordHash?.startsWith('scrypt$')).toBe(true);
    expect(stored.passwordHash).not.toContain(PASSWORD);
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);

    // The session token is stored only as its SHA-256, in hex; the secret itself is nowhere.
    const tokens = await db.select().from(apiTokens).where(eq(apiTokens.userId, userId));
    expect(tokens).toHaveLength(1);
    expect(tokens[0].tokenHash).toBe(sha256(token));
    expect(tokens[0].tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[0].kind).toBe('SESSION');
    const secret = token.slice('mas_'.length);
    expect(JSON.stringify(tokens)).not.toContain(secret);

    // Nor does the audit trail hold the password or the token.
    const events = await db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.masterAccountId, decodeId(text(viewer.masterAccount.id))));
    expect(events.map((event) => event.action)).toContain('account.sign_up');
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it('gives a FREE owner no console access', async () => {
    const payload = await signUp(signUpInput({ plan: 'FREE' }));
    expect(payload.__typename).toBe('SignUpSuccess');
    expect(payload.viewer.user.plan).toBe('FREE');
    expect(payload.viewer.masterAccount.consoleAccess).toBe(false);
  });

  it.each([
    ['organizationName', { organizationName: '' }],
    ['ownerAddress', { ownerAddress: `${unique('no-at-sign')}.${MAIL_DOMAIN}` }],
    ['ownerDisplayName', { ownerDisplayName: '' }],
    ['password', { password: '123456789' }],
  ])('refuses an invalid %s with a ValidationError naming it and writes nothing', async (field, overrides) => {
    const payload = await expectSignUpFailure(signUpInput(overrides), 'ValidationError', 'VALIDATION');
    expect(payload.field).toBe(field);
  });

  it('refuses an address already taken (in another case) with ADDRESS_TAKEN and writes nothing', async () => {
    const existing = await app.signUp();
    const input = signUpInput({ ownerAddress: existing.ownerAddress.toUpperCase() });
    const payload = await expectSignUpFailure(input, 'AddressTakenError', 'ADDRESS_TAKEN');
    expect(payload.address).toBe(existing.ownerAddress.toLowerCase());
    // The existing owner keeps the address and can still sign in with it.
    expect((await logIn(existing.ownerAddress, PASSWORD)).__typename).toBe('LogInSuccess');
  });

  it('refuses a reserved address with ADDRESS_RESERVED and writes nothing', async () => {
    const payload = await expectSignUpFailure(
      signUpInput({ ownerAddress: `postmaster@${MAIL_DOMAIN}` }),
      'AddressReservedError',
      'ADDRESS_RESERVED',
    );
    expect(payload.address).toBe(`postmaster@${MAIL_DOMAIN}`);
  });

  it('refuses an address outside the provider domain with DOMAIN_NOT_VERIFIED and writes nothing', async () => {
    const payload = await expectSignUpFailure(
      signUpInput({ ownerAddress: 'x@example.com' }),
      'DomainNotVerifiedError',
      'DOMAIN_NOT_VERIFIED',
    );
    expect(payload.domain).toBe('example.com');
  });
});

// ---------------------------------------------------------------------------------------------
// logIn
// ---------------------------------------------------------------------------------------------

describe('logIn', () => {
  it('signs a person in with their address in any case', async () => {
    const tenant = await app.signUp();
    const payload = await logIn(tenant.ownerAddress.toUpperCase(), PASSWORD);
    expect(payload.__typename).toBe('LogInSuccess');
    const token = text(payload.token);
    expect(token.startsWith('mas_')).toBe(true);
    expect(token).not.toBe(tenant.token);
    expect(payload.viewer.user).toEqual({ id: tenant.ownerId, address: tenant.ownerAddress.toLowerCase(), role: 'OWNER' });
    expect(payload.viewer.masterAccount.id).toBe(tenant.masterAccountId);
    expect([...items(payload.viewer.scopes)].sort()).toEqual(['BILLING', 'READ', 'WRITE']);
    expect(await whoAmI(token)).toBe(tenant.ownerId);
  });

  it('answers an unknown address and a wrong password identically, and signs nobody in', async () => {
    const tenant = await app.signUp();
    const tokensBefore = await rowCount(apiTokens, eq(apiTokens.userId, decodeId(tenant.ownerId)));
    const auditBefore = await auditLog(tenant.token);

    const wrongPassword = await logIn(tenant.ownerAddress, `${PASSWORD}!`);
    const unknownAddress = await logIn(`${unique('nobody')}@${MAIL_DOMAIN}`, PASSWORD);

    expect(wrongPassword).toEqual({
      __typename: 'InvalidCredentialsError',
      code: 'INVALID_CREDENTIALS',
      message: wrongPassword.message,
    });
    expect(text(wrongPassword.message).length).toBeGreaterThan(0);
    expect(unknownAddress).toEqual(wrongPassword);

    // No session was issued and nothing was written for the failed attempt.
    expect(await rowCount(apiTokens, eq(apiTokens.userId, decodeId(tenant.ownerId)))).toBe(tokensBefore);
    expect((await auditLog(tenant.token)).totalCount).toBe(auditBefore.totalCount);
  });

  it('does not sign in a mailing list, answering as for an unknown address', async () => {
    const tenant = await app.signUp();
    const address = `${unique('list')}@${MAIL_DOMAIN}`;
    const created = await app.gql(
      CREATE_USER,
      {
        input: {
          address,
          displayName: 'A Mailing List',
          plan: 'FREE',
          kind: 'MAILING_LIST',
          listMembers: ['someone@example.org'],
        },
      },
      tenant.token,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data.createUser.__typename).toBe('CreateUserSuccess');
    expect(created.data.createUser.user.kind).toBe('MAILING_LIST');

    const unknown = await logIn(`${unique('nobody')}@${MAIL_DOMAIN}`, PASSWORD);
    for (const password of [PASSWORD, '', 'anything at all']) {
      expect(await logIn(address, password)).toEqual(unknown);
    }
    expect(unknown.__typename).toBe('InvalidCredentialsError');
    expect(unknown.code).toBe('INVALID_CREDENTIALS');
  });

  it('records the session.log_in audit event', async () => {
    const tenant = await app.signUp();
    const member = await app.createUser(tenant);
    const before = await auditLog(tenant.token);

    await app.logIn(member.address);

    const after = await auditLog(tenant.token);
    expect(after.totalCount).toBe(before.totalCount + 1);
    const [newest] = after.events;
    expect(newest.action).toBe('session.log_in');
    expect(newest.actor.id).toBe(member.id);
    expect(newest.targetId).toBe(member.id);
    expect(JSON.stringify(newest.details ?? null)).not.toContain(PASSWORD);
  });
});

// ---------------------------------------------------------------------------------------------
// logOut
// ---------------------------------------------------------------------------------------------

describe('logOut', () => {
  it('ends the session it was made with, and only that one', async () => {
    const tenant = await app.signUp();
    const session = await app.logIn(tenant.ownerAddress);
    expect(await whoAmI(session)).toBe(tenant.ownerId);

    const ended = await app.gql(LOG_OUT, {}, session);
    expect(ended.errors).toBeUndefined();
    expect(ended.data.logOut).toBe(true);

    const after = await app.gql(WHO_AM_I, {}, session);
    expect(after.data.viewer ?? null).toBeNull();
    expect(errorCode(after)).toBe('UNAUTHENTICATED');

    // The dead token cannot log out again: it is not a token any more.
    const again = await app.gql(LOG_OUT, {}, session);
    expect(again.data.logOut ?? null).toBeNull();
    expect(errorCode(again)).toBe('UNAUTHENTICATED');

    // The sign-up session of the same user still works.
    expect(await whoAmI(tenant.token)).toBe(tenant.ownerId);
  });

  it('returns false without a token', async () => {
    const result = await app.gql(LOG_OUT, {}, null);
    expect(result.errors).toBeUndefined();
    expect(result.data.logOut).toBe(false);
  });

  it('returns false for an API token, which keeps working', async () => {
    const tenant = await app.signUp();
    const apiToken = await createApiToken(tenant.token);

    const result = await app.gql(LOG_OUT, {}, apiToken.token);
    expect(result.errors).toBeUndefined();
    expect(result.data.logOut).toBe(false);

    expect(await whoAmI(apiToken.token)).toBe(tenant.ownerId);
    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, decodeId(apiToken.id)));
    expect(row.revokedAt).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Tokens on the wire, and what needs one
// ---------------------------------------------------------------------------------------------

describe('authentication', () => {
  it('shows a null viewer without a token', async () => {
    const result = await app.gql(`{ viewer { user { id } masterAccount { id } scopes } }`, {}, null);
    expect(result.errors).toBeUndefined();
    expect(result.data.viewer).toBeNull();
  });

  it.each([
    ['a garbage token', 'garbage'],
    ['a well-prefixed unknown session token', `mas_${'A'.repeat(43)}`],
    ['a well-prefixed unknown API token', `mat_${'B'.repeat(43)}`],
  ])('answers %s with UNAUTHENTICATED and HTTP 401', async (_label, token) => {
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: WHO_AM_I }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers planPrices without a token', async () => {
    const result = await app.gql(
      `{ planPrices { plan aliasLimit storageQuotaBytes price { amount minorUnits currency } } }`,
      {},
      null,
    );
    expect(result.errors).toBeUndefined();
    const prices = items(result.data.planPrices);
    expect(prices.map((price) => ({ plan: price.plan, price: price.price, aliasLimit: price.aliasLimit }))).toEqual([
      { plan: 'FREE', price: { amount: '0.00', minorUnits: 0, currency: 'EUR' }, aliasLimit: 0 },
      { plan: 'ENTRY', price: { amount: '2.50', minorUnits: 250, currency: 'EUR' }, aliasLimit: 10 },
      { plan: 'PRO', price: { amount: '7.50', minorUnits: 750, currency: 'EUR' }, aliasLimit: 50 },
    ]);
    for (const price of prices) expect(Number(price.storageQuotaBytes)).toBeGreaterThan(0);
  });

  it('refuses createUser, createApiToken, revokeApiToken, node and nodes without a token', async () => {
    const tenant = await app.signUp();
    const apiToken = await createApiToken(tenant.token);
    const address = `${unique('sneaky')}@${MAIL_DOMAIN}`;

    const createUser = await app.gql(
      CREATE_USER,
      { input: { address, displayName: 'Sneaky', password: PASSWORD, plan: 'FREE' } },
      null,
    );
    expect(createUser.data.createUser ?? null).toBeNull();
    expect(errorCode(createUser)).toBe('UNAUTHENTICATED');
    expect(await rowCount(addresses, eq(addresses.address, address))).toBe(0);

    const createToken = await app.gql(CREATE_API_TOKEN, { input: { name: 'sneaky', scopes: ['READ'] } }, null);
    expect(createToken.data.createApiToken ?? null).toBeNull();
    expect(errorCode(createToken)).toBe('UNAUTHENTICATED');

    const revoke = await app.gql(REVOKE_API_TOKEN, { input: { apiTokenId: apiToken.id } }, null);
    expect(revoke.data.revokeApiToken ?? null).toBeNull();
    expect(errorCode(revoke)).toBe('UNAUTHENTICATED');
    expect(await whoAmI(apiToken.token)).toBe(tenant.ownerId);

    const node = await app.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: tenant.ownerId }, null);
    expect(node.data.node ?? null).toBeNull();
    expect(errorCode(node)).toBe('UNAUTHENTICATED');

    const nodes = await app.gql(
      `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      { ids: [tenant.ownerId, tenant.masterAccountId] },
      null,
    );
    expect(nodes.data.nodes ?? null).toBeNull();
    expect(errorCode(nodes)).toBe('UNAUTHENTICATED');
  });

  it('lets nothing of a master account be read through the viewer without a token', async () => {
    await app.signUp();
    const result = await app.gql(
      `{ viewer { masterAccount { users { totalCount } auditLog { totalCount } apiTokens { totalCount } } } }`,
      {},
      null,
    );
    // `viewer` is documented as null when not signed in: no error, and no data either.
    expect(result.errors).toBeUndefined();
    expect(result.data.viewer).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// /health
// ---------------------------------------------------------------------------------------------

describe('/health', () => {
  it('answers 200 with status ok while the database answers', async () => {
    const response = await app.fetch('/health');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status?: unknown };
    expect(body.status).toBe('ok');
  });

  it('answers 503 when the database is gone', async () => {
    // A database of its own (schema not needed: /health only pings), closed before the request.
    const database = await openDatabase({ dataDir: 'memory://', migrate: false });
    const yoga = buildYoga({ database, config: loadConfig({ GRAPHQL_JIT: process.env.GRAPHQL_JIT }) });
    try {
      const healthy = await yoga.fetch('http://yoga/health');
      expect(healthy.status).toBe(200);

      await database.close();

      const response = await yoga.fetch('http://yoga/health');
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status?: unknown };
      expect(body.status).not.toBe('ok');
    } finally {
      await yoga.dispose();
    }
  });
});

describe('node and nodes in one request', () => {
  it('both resolve an id the request asks for twice, whatever its type', async () => {
    const tenant = await app.signUp();
    const log = await app.gql(`{ viewer { masterAccount { auditLog(first: 1) { edges { node { id } } } } } }`, {}, tenant.token);
    const auditEventId = text(items(log.data.viewer.masterAccount.auditLog.edges)[0]?.node.id);
    // The `nodes` list gets the row Pothos is still loading for `node`: it must be typed all the same.
    for (const [id, type] of [
      [tenant.ownerId, 'User'],
      [tenant.masterAccountId, 'MasterAccount'],
      [auditEventId, 'AuditEvent'],
    ] as const) {
      const answer = await app.gql(
        `query ($id: ID!, $ids: [ID!]!) { node(id: $id) { __typename } nodes(ids: $ids) { __typename } }`,
        { id, ids: [id, id] },
        tenant.token,
      );
      expect(answer.errors, `${type}: ${JSON.stringify(answer.errors)}`).toBeUndefined();
      expect(answer.data).toEqual({ node: { __typename: type }, nodes: [{ __typename: type }, { __typename: type }] });
    }
  });
});
