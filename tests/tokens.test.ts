import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiTokens, auditEvents } from '../server/db/tables.js';
import { decodeId, items, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type Loose, type Tenant } from './harness.js';
import { tenantRows } from './tenant-rows.js';
import { until } from './until.js';

const app = await startApp();
const db = app.database.db;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const TOKEN_FIELDS = 'id name scopes createdAt lastUsedAt expiresAt revokedAt user { id }';

const CREATE_API_TOKEN = `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  __typename
  ... on CreateApiTokenSuccess { token apiToken { ${TOKEN_FIELDS} } }
  ... on Error { code message }
  ... on ValidationError { field }
  ... on NotFoundError { field }
} }`;

const REVOKE_API_TOKEN = `mutation ($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) {
  __typename
  ... on RevokeApiTokenSuccess { apiToken { ${TOKEN_FIELDS} } }
  ... on Error { code message }
  ... on ValidationError { field }
  ... on NotFoundError { field }
} }`;

const TOKEN_NODE = `query ($id: ID!) { node(id: $id) { __typename ... on ApiToken { ${TOKEN_FIELDS} } } }`;

const LIST_TOKENS = `{ viewer { masterAccount { apiTokens(first: 100) {
  totalCount
  edges { node { ${TOKEN_FIELDS} } }
} } } }`;

const WHO_AM_I = `{ viewer { scopes user { id } } }`;

const AUDIT = `query ($first: Int!) { viewer { masterAccount { auditLog(first: $first) {
  totalCount
  edges { node { id action actor { id } targetId details } }
} } } }`;

const MUTATION_FIELDS = `{ __schema { mutationType { fields {
  name
  args { name type { kind name ofType { kind name } } }
} } } }`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Input = Record<string, unknown>;
type GqlResult = Awaited<ReturnType<typeof app.gql>>;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function errorCode(result: GqlResult): unknown {
  return result.errors?.[0]?.extensions?.code;
}

async function createApiTokenPayload(token: string, input: Input): Promise<Loose> {
  const result = await app.gql(CREATE_API_TOKEN, { input }, token);
  expect(result.errors).toBeUndefined();
  return result.data.createApiToken;
}

async function createApiToken(
  token: string,
  scopes: string[] = ['READ', 'WRITE'],
  extra: Input = {},
): Promise<{ token: string; id: string; apiToken: Loose }> {
  const payload = await createApiTokenPayload(token, { name: unique('integration'), scopes, ...extra });
  expect(payload.__typename, JSON.stringify(payload)).toBe('CreateApiTokenSuccess');
  return { token: text(payload.token), id: text(payload.apiToken.id), apiToken: payload.apiToken };
}

async function revokeApiToken(token: string, apiTokenId: string): Promise<Loose> {
  const result = await app.gql(REVOKE_API_TOKEN, { input: { apiTokenId } }, token);
  expect(result.errors).toBeUndefined();
  return result.data.revokeApiToken;
}

/** The user id a token signs in as; fails the test if the token does not work. */
async function whoAmI(token: string): Promise<string> {
  const result = await app.gql(WHO_AM_I, {}, token);
  expect(result.errors).toBeUndefined();
  return text(result.data.viewer.user.id);
}

async function expectUnauthenticated(token: string): Promise<void> {
  const result = await app.gql(WHO_AM_I, {}, token);
  expect(result.data.viewer ?? null).toBeNull();
  expect(errorCode(result)).toBe('UNAUTHENTICATED');
}

async function tokenNode(token: string, id: string): Promise<Loose> {
  const result = await app.gql(TOKEN_NODE, { id }, token);
  expect(result.errors).toBeUndefined();
  return result.data.node;
}

async function listTokenIds(token: string): Promise<string[]> {
  const result = await app.gql(LIST_TOKENS, {}, token);
  expect(result.errors).toBeUndefined();
  const connection = result.data.viewer.masterAccount.apiTokens;
  const ids = items(connection.edges).map((edge) => text(edge.node.id));
  expect(connection.totalCount).toBe(ids.length);
  return ids;
}

async function auditEventsOf(token: string): Promise<Loose[]> {
  const result = await app.gql(AUDIT, { first: 100 }, token);
  expect(result.errors).toBeUndefined();
  return items(result.data.viewer.masterAccount.auditLog.edges).map((edge) => edge.node);
}

async function member(tenant: Tenant, role: 'ADMIN' | 'MEMBER' = 'MEMBER'): Promise<{ id: string; address: string; token: string }> {
  const user = await app.createUser(tenant, { role });
  return { ...user, token: await app.logIn(user.address) };
}

async function succeed(token: string, query: string, field: string, input: Input, typename: string): Promise<Loose> {
  const result = await app.gql(query, { input }, token);
  expect(result.errors).toBeUndefined();
  const payload = result.data[field];
  expect(payload.__typename, JSON.stringify(payload)).toBe(typename);
  return payload;
}

// ---------------------------------------------------------------------------------------------
// createApiToken
// ---------------------------------------------------------------------------------------------

describe('createApiToken', () => {
  it('returns a random mat_ secret once, and the record with lastUsedAt null until first use', async () => {
    const tenant = await app.signUp();
    const startedAt = Date.now();
    const first = await createApiToken(tenant.token, ['WRITE', 'READ'], { name: 'HR onboarding' });
    const second = await createApiToken(tenant.token, ['READ']);

    for (const issued of [first, second]) {
      expect(issued.token).toMatch(/^mat_[A-Za-z0-9_-]{22,}$/);
      // At least 128 random bits behind the prefix.
      expect(Buffer.from(issued.token.slice('mat_'.length), 'base64url').length).toBeGreaterThanOrEqual(16);
    }
    expect(first.token).not.toBe(second.token);
    expect(first.token.slice(4)).not.toBe(second.token.slice(4));
    expect(first.id).not.toBe(second.id);

    const record = first.apiToken;
    expect(record).toMatchObject({
      id: first.id,
      name: 'HR onboarding',
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
      user: { id: tenant.ownerId },
    });
    expect([...items(record.scopes)].sort()).toEqual(['READ', 'WRITE']);
    const createdAt = text(record.createdAt);
    expect(createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(Math.abs(new Date(createdAt).getTime() - startedAt)).toBeLessThan(60_000);

    // Not used yet: still null when read again.
    expect((await tokenNode(tenant.token, first.id)).lastUsedAt).toBeNull();

    // One use, then it is set.
    const used = await app.gql(WHO_AM_I, {}, first.token);
    expect(used.errors).toBeUndefined();
    expect(used.data.viewer.user.id).toBe(tenant.ownerId);
    expect([...items(used.data.viewer.scopes)].sort()).toEqual(['READ', 'WRITE']);
    const lastUsedAt = (await tokenNode(tenant.token, first.id)).lastUsedAt;
    expect(lastUsedAt).not.toBeNull();
    expect(Math.abs(new Date(text(lastUsedAt)).getTime() - Date.now())).toBeLessThan(120_000);
    // The other token was never used.
    expect((await tokenNode(tenant.token, second.id)).lastUsedAt).toBeNull();
  });

  it('stores only the SHA-256 of the secret', async () => {
    const tenant = await app.signUp();
    const issued = await createApiToken(tenant.token);
    const secret = issued.token.slice('mat_'.length);

    const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, decodeId(issued.id)));
    expect(row.kind).toBe('API');
    expect(row.tokenHash).toBe(sha256(issued.token));
    expect(JSON.stringify(row)).not.toContain(secret);

    const events = await db.select().from(auditEvents).where(eq(auditEvents.masterAccountId, decodeId(tenant.masterAccountId)));
    expect(events.map((event) => event.action)).toContain('api_token.create');
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it('lets a READ-only token run queries', async () => {
    const tenant = await app.signUp();
    await app.createUser(tenant);
    const read = await createApiToken(tenant.token, ['READ']);

    const result = await app.gql(
      `{ viewer { scopes user { id } masterAccount { id users { totalCount edges { node { id } } } } } }`,
      {},
      read.token,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.viewer.scopes).toEqual(['READ']);
    expect(result.data.viewer.user.id).toBe(tenant.ownerId);
    expect(result.data.viewer.masterAccount.users.totalCount).toBe(2);

    const node = await app.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: tenant.masterAccountId }, read.token);
    expect(node.errors).toBeUndefined();
    expect(node.data.node).toEqual({ id: tenant.masterAccountId });
  });

  // READ alone is the case of the brief; READ+BILLING lacks WRITE too, which every mutation but
  // signUp, logIn, completeLogIn and logOut needs (the Mutation type's description), money ones included.
  it.each([[['READ']], [['READ', 'BILLING']]])('refuses every mutation but signUp, logIn, completeLogIn and logOut to a %j token, changing nothing', async (scopes) => {
    const tenant = await app.signUp();
    const victim = await app.createUser(tenant);
    // Real objects for the inputs, so each document would succeed with a WRITE+BILLING token.
    const alias = await succeed(
      tenant.token,
      `mutation ($input: AddAliasInput!) { addAlias(input: $input) { __typename ... on AddAliasSuccess { alias { id } } } }`,
      'addAlias',
      { userId: victim.id, address: `${unique('alias')}@${MAIL_DOMAIN}` },
      'AddAliasSuccess',
    );
    const domain = await succeed(
      tenant.token,
      `mutation ($input: AddDomainInput!) { addDomain(input: $input) { __typename ... on AddDomainSuccess { domain { id } } } }`,
      'addDomain',
      { name: `${unique('tokens')}.example.org` },
      'AddDomainSuccess',
    );
    const group = await succeed(
      tenant.token,
      `mutation ($input: CreateGroupInput!) { createGroup(input: $input) { __typename ... on CreateGroupSuccess { group { id } } } }`,
      'createGroup',
      { name: unique('team'), memberIds: [victim.id] },
      'CreateGroupSuccess',
    );
    const resource = await succeed(
      tenant.token,
      `mutation ($input: CreateResourceInput!) { createResource(input: $input) { __typename ... on CreateResourceSuccess { resource { id } } } }`,
      'createResource',
      { kind: 'CALENDAR', name: 'Holidays', ownerId: victim.id },
      'CreateResourceSuccess',
    );
    const groupId = text(group.group.id);
    const resourceId = text(resource.resource.id);
    const other = await createApiToken(tenant.token, ['READ']);
    const read = await createApiToken(tenant.token, scopes);

    const inputs: Record<string, () => Input> = {
      createUser: () => ({
        address: `${unique('new')}@${MAIL_DOMAIN}`,
        displayName: 'New Person',
        password: PASSWORD,
        plan: 'ENTRY',
        role: 'ADMIN',
      }),
      updateUser: () => ({ userId: victim.id, displayName: 'Renamed', status: 'SUSPENDED', role: 'ADMIN' }),
      changePlan: () => ({ userId: victim.id, plan: 'PRO' }),
      deleteUser: () => ({ userId: victim.id }),
      addAlias: () => ({ userId: victim.id, address: `${unique('alias')}@${MAIL_DOMAIN}` }),
      removeAlias: () => ({ aliasId: text(alias.alias.id) }),
      addDomain: () => ({ name: `${unique('more')}.example.org` }),
      verifyDomain: () => ({ domainId: text(domain.domain.id) }),
      removeDomain: () => ({ domainId: text(domain.domain.id) }),
      addDeposit: () => ({ amount: '25.00', idempotencyKey: unique('read-only-deposit') }),
      setLowBalanceThreshold: () => ({ amount: '55.00' }),
      createApiToken: () => ({ name: 'escalation', scopes: ['READ'] }),
      revokeApiToken: () => ({ apiTokenId: other.id }),
      createGroup: () => ({ name: unique('another') }),
      updateGroup: () => ({ groupId, name: unique('renamed') }),
      deleteGroup: () => ({ groupId }),
      addGroupMembers: () => ({ groupId, userIds: [tenant.ownerId], role: 'MANAGER' }),
      removeGroupMembers: () => ({ groupId, userIds: [victim.id] }),
      createResource: () => ({ kind: 'DOCUMENTS', name: 'Plans', ownerId: victim.id }),
      deleteResource: () => ({ resourceId }),
      shareResource: () => ({ resourceId, groupId, permission: 'MANAGE' }),
      unshareResource: () => ({ resourceId, groupId }),
      revokeSessions: () => ({ userId: victim.id }),
      transferOwnership: () => ({ newOwnerId: victim.id, password: PASSWORD }),
      enrollSecondFactor: () => ({ password: PASSWORD }),
      confirmSecondFactor: () => ({ code: '123456' }),
      disableSecondFactor: () => ({ userId: tenant.ownerId, password: PASSWORD }),
      setSecondFactorPolicy: () => ({ requiredFor: 'NONE' }),
    };

    const introspection = await app.gql(MUTATION_FIELDS, {}, read.token);
    expect(introspection.errors).toBeUndefined();
    const fields = items(introspection.data.__schema.mutationType.fields);
    const open = new Set(['signUp', 'logIn', 'completeLogIn', 'logOut']);
    const guarded = fields.filter((field) => !open.has(text(field.name)));
    expect(guarded.length).toBeGreaterThanOrEqual(Object.keys(inputs).length);
    // A new mutation must get an input here, so it is covered too.
    expect(guarded.map((field) => text(field.name)).filter((name) => !(name in inputs))).toEqual([]);

    const before = await tenantRows(db, tenant.masterAccountId);
    const codes: Record<string, unknown> = {};
    for (const field of guarded) {
      const name = text(field.name);
      const args = items(field.args);
      expect(args.map((arg) => arg.name), name).toEqual(['input']);
      const type = args[0].type;
      expect(type.kind, name).toBe('NON_NULL');
      const document = `mutation ($input: ${text(type.ofType.name)}!) { ${name}(input: $input) { __typename } }`;
      const result = await app.gql(document, { input: inputs[name]() }, read.token);
      codes[name] = result.data[name] == null ? errorCode(result) : `ran: ${JSON.stringify(result.data[name])}`;
    }
    expect(codes).toEqual(Object.fromEntries(guarded.map((field) => [text(field.name), 'FORBIDDEN'])));
    expect(await tenantRows(db, tenant.masterAccountId)).toEqual(before);

    // The objects the documents pointed at are still there and the other token still works.
    expect(await whoAmI(other.token)).toBe(tenant.ownerId);
    expect(await whoAmI(await app.logIn(victim.address))).toBe(victim.id);
  });

  it('refuses money operations to a token without the BILLING scope', async () => {
    const tenant = await app.signUp();
    const readWrite = await createApiToken(tenant.token, ['READ', 'WRITE']);
    const before = await tenantRows(db, tenant.masterAccountId);

    const deposit = await app.gql(
      `mutation ($input: AddDepositInput!) { addDeposit(input: $input) { __typename } }`,
      { input: { amount: '25.00', idempotencyKey: unique('no-billing') } },
      readWrite.token,
    );
    const threshold = await app.gql(
      `mutation ($input: SetLowBalanceThresholdInput!) { setLowBalanceThreshold(input: $input) { __typename } }`,
      { input: { amount: '55.00' } },
      readWrite.token,
    );

    const outcome = (result: GqlResult) => errorCode(result) ?? `no error: ${JSON.stringify(result.data)}`;
    expect({ addDeposit: outcome(deposit), setLowBalanceThreshold: outcome(threshold) }).toEqual({
      addDeposit: 'FORBIDDEN',
      setLowBalanceThreshold: 'FORBIDDEN',
    });
    expect(await tenantRows(db, tenant.masterAccountId)).toEqual(before);
  });

  it('refuses queries to a token without the READ scope', async () => {
    // TokenScope.WRITE: "Run mutations (besides reading, which needs READ)".
    const tenant = await app.signUp();
    const writeOnly = await createApiToken(tenant.token, ['WRITE']);
    const result = await app.gql(`{ viewer { masterAccount { users { totalCount edges { node { id address } } } } } }`, {}, writeOnly.token);
    expect(result.data.viewer?.masterAccount?.users ?? null).toBeNull();
    expect(errorCode(result)).toBe('FORBIDDEN');
  });

  it('cannot grant scopes its creator lacks', async () => {
    const tenant = await app.signUp();
    const readWrite = await createApiToken(tenant.token, ['READ', 'WRITE']);
    const tokensBefore = await db.select().from(apiTokens).where(eq(apiTokens.masterAccountId, decodeId(tenant.masterAccountId)));

    for (const scopes of [['BILLING'], ['READ', 'WRITE', 'BILLING']]) {
      const payload = await createApiTokenPayload(readWrite.token, { name: 'escalation', scopes });
      expect(payload.__typename).toBe('ForbiddenError');
      expect(payload.code).toBe('FORBIDDEN');
      expect(payload.token).toBeUndefined();
    }
    const tokensAfter = await db.select().from(apiTokens).where(eq(apiTokens.masterAccountId, decodeId(tenant.masterAccountId)));
    expect(tokensAfter).toHaveLength(tokensBefore.length);

    // Within its own scopes it may create tokens.
    const narrower = await createApiToken(readWrite.token, ['READ']);
    expect(await whoAmI(narrower.token)).toBe(tenant.ownerId);
  });

  it.each([
    ['scopes', { scopes: [] }],
    ['expiresAt', { expiresAt: new Date(Date.now() - 60_000).toISOString() }],
    ['name', { name: '' }],
  ])('refuses an invalid %s with a ValidationError naming it', async (field, overrides) => {
    const tenant = await app.signUp();
    const before = await tenantRows(db, tenant.masterAccountId);
    const payload = await createApiTokenPayload(tenant.token, { name: unique('invalid'), scopes: ['READ'], ...overrides });
    expect(payload.__typename).toBe('ValidationError');
    expect(payload.code).toBe('VALIDATION');
    expect(payload.field).toBe(field);
    expect(await tenantRows(db, tenant.masterAccountId)).toEqual(before);
  });

  it('stops working once it has expired', async () => {
    const tenant = await app.signUp();
    const expiresAt = new Date(Date.now() + 60 * 60_000);
    const issued = await createApiToken(tenant.token, ['READ'], { expiresAt: expiresAt.toISOString() });
    expect(new Date(text(issued.apiToken.expiresAt)).getTime()).toBe(expiresAt.getTime());
    expect(await whoAmI(issued.token)).toBe(tenant.ownerId);

    // The instant passing, not a changed row: the token was used (and cached) just before it.
    const soon = new Date(Date.now() + 1_500);
    const shortLived = await createApiToken(tenant.token, ['READ'], { expiresAt: soon.toISOString() });
    expect(await whoAmI(shortLived.token)).toBe(tenant.ownerId);
    await new Promise((resolve) => setTimeout(resolve, soon.getTime() - Date.now() + 10));
    await expectUnauthenticated(shortLived.token);

    // An expiry moved into the past by someone else takes effect too.
    await db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where(eq(apiTokens.id, decodeId(issued.id)));
    await until('the token to be refused', async () => ((await app.gql('query { viewer { scopes } }', {}, issued.token)).errors ? true : undefined), 5_000);
    await expectUnauthenticated(issued.token);
  });

  it('answers UpgradeRequiredError to a FREE owner', async () => {
    const tenant = await app.signUp({ plan: 'FREE' });
    const payload = await createApiTokenPayload(tenant.token, { name: 'free', scopes: ['READ'] });
    expect(payload.__typename).toBe('UpgradeRequiredError');
    expect(payload.code).toBe('UPGRADE_REQUIRED');
    const rows = await db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.masterAccountId, decodeId(tenant.masterAccountId)), eq(apiTokens.kind, 'API')));
    expect(rows).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// revokeApiToken and who sees which tokens
// ---------------------------------------------------------------------------------------------

describe('revokeApiToken', () => {
  it('ends the token at once, sets revokedAt and is audited with its creation', async () => {
    const tenant = await app.signUp();
    const issued = await createApiToken(tenant.token);
    expect(await whoAmI(issued.token)).toBe(tenant.ownerId);

    const payload = await revokeApiToken(tenant.token, issued.id);
    expect(payload.__typename).toBe('RevokeApiTokenSuccess');
    expect(payload.apiToken.id).toBe(issued.id);
    const revokedAt = text(payload.apiToken.revokedAt);
    expect(Math.abs(new Date(revokedAt).getTime() - Date.now())).toBeLessThan(60_000);

    await expectUnauthenticated(issued.token);
    expect((await tokenNode(tenant.token, issued.id)).revokedAt).toBe(revokedAt);

    const events = await auditEventsOf(tenant.token);
    const ofToken = events.filter((event) => String(event.targetId) === issued.id);
    // Newest first.
    expect(ofToken.map((event) => event.action)).toEqual(['api_token.revoke', 'api_token.create']);
    for (const event of ofToken) expect(event.actor.id).toBe(tenant.ownerId);
    expect(JSON.stringify(events)).not.toContain(issued.token.slice(4));
  });

  it('shows a member only their own tokens; the owner sees and revokes all', async () => {
    const tenant = await app.signUp();
    const person = await member(tenant);
    const ownerToken = await createApiToken(tenant.token);
    const memberToken = await createApiToken(person.token);

    // The member's list and node lookups hold only their own token.
    expect(await listTokenIds(person.token)).toEqual([memberToken.id]);
    expect(await tokenNode(person.token, ownerToken.id)).toBeNull();
    expect((await tokenNode(person.token, memberToken.id)).id).toBe(memberToken.id);

    // Revoking the owner's token reads as not found, and changes nothing.
    const refused = await revokeApiToken(person.token, ownerToken.id);
    expect(refused.__typename).toBe('NotFoundError');
    expect(refused.code).toBe('NOT_FOUND');
    expect(refused.field).toBe('apiTokenId');
    expect(await whoAmI(ownerToken.token)).toBe(tenant.ownerId);
    const [ownerRow] = await db.select().from(apiTokens).where(eq(apiTokens.id, decodeId(ownerToken.id)));
    expect(ownerRow.revokedAt).toBeNull();

    // The owner sees both API tokens (sessions are not listed) and may revoke the member's.
    expect([...(await listTokenIds(tenant.token))].sort()).toEqual([ownerToken.id, memberToken.id].sort());
    const revoked = await revokeApiToken(tenant.token, memberToken.id);
    expect(revoked.__typename).toBe('RevokeApiTokenSuccess');
    expect(revoked.apiToken.user.id).toBe(person.id);
    await expectUnauthenticated(memberToken.token);
    // The member's own session is not affected.
    expect(await whoAmI(person.token)).toBe(person.id);
  });

  it('lets a member revoke their own token', async () => {
    const tenant = await app.signUp();
    const person = await member(tenant);
    const own = await createApiToken(person.token);
    const payload = await revokeApiToken(person.token, own.id);
    expect(payload.__typename).toBe('RevokeApiTokenSuccess');
    await expectUnauthenticated(own.token);
  });

  it('stops the tokens of a suspended user', async () => {
    const tenant = await app.signUp();
    const person = await member(tenant);
    const apiToken = await createApiToken(person.token);
    expect(await whoAmI(apiToken.token)).toBe(person.id);

    await succeed(
      tenant.token,
      `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { __typename ... on Error { code message } } }`,
      'updateUser',
      { userId: person.id, status: 'SUSPENDED' },
      'UpdateUserSuccess',
    );

    await expectUnauthenticated(apiToken.token);
    await expectUnauthenticated(person.token);
  });
});
