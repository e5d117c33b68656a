import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeId, globalId, items, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type Loose, type Tenant } from './harness.js';

const app = await startApp();

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const USER_FIELDS = 'id address displayName kind plan pendingPlan role status aliasLimit createdAt paidThrough listMembers';

const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) {
  __typename
  ... on CreateUserSuccess { user { ${USER_FIELDS} } ledgerEntry { kind amount { minorUnits } } }
  ... on Error { code message }
  ... on ValidationError { field }
  ... on NotFoundError { field }
  ... on AddressTakenError { address }
  ... on AddressReservedError { address }
  ... on DomainNotVerifiedError { domain }
} }`;

const UPDATE_USER = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename
  ... on UpdateUserSuccess { user { ${USER_FIELDS} } }
  ... on Error { code message }
  ... on ValidationError { field }
  ... on NotFoundError { field }
} }`;

const CHANGE_PLAN = `mutation ($input: ChangePlanInput!) { changePlan(input: $input) {
  __typename
  ... on ChangePlanSuccess { user { ${USER_FIELDS} } ledgerEntry { kind amount { minorUnits } } }
  ... on Error { code message }
  ... on ValidationError { field }
  ... on NotFoundError { field }
} }`;

const DELETE_USER = `mutation ($input: DeleteUserInput!) { deleteUser(input: $input) {
  __typename
  ... on DeleteUserSuccess { deletedUserId }
  ... on Error { code message }
  ... on ValidationError { field }
  ... on NotFoundError { field }
} }`;

const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) {
  __typename
  ... on LogInSuccess { token }
  ... on Error { code message }
} }`;

const STATE = `{ viewer { masterAccount {
  balance { minorUnits }
  users { totalCount }
  auditLog { totalCount }
} } }`;

const AUDIT = `query ($first: Int!) { viewer { masterAccount { auditLog(first: $first) {
  totalCount
  edges { node { id action actor { id } targetId details createdAt } }
} } } }`;

const LIST_USERS = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: UserFilter, $orderBy: UserOrder) {
  viewer { masterAccount {
    users(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id address displayName plan status kind role createdAt } }
    }
  } }
}`;

const NODE = `query ($id: ID!) { node(id: $id) { __typename id } }`;
const WHO_AM_I = `{ viewer { user { id address role status } } }`;
const CONSOLE = `{ viewer { masterAccount { consoleAccess owner { id plan } } } }`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Input = Record<string, unknown>;

function newAddress(prefix = 'user'): string {
  return `${unique(prefix)}@${MAIL_DOMAIN}`;
}

/** A valid person's CreateUserInput; `overrides` replace fields (undefined leaves one out). */
function personInput(overrides: Input = {}): Input {
  return { address: newAddress(), displayName: 'Ada Lovelace', password: PASSWORD, plan: 'ENTRY', ...overrides };
}

function listInput(overrides: Input = {}): Input {
  return {
    address: newAddress('list'),
    displayName: 'A Mailing List',
    plan: 'FREE',
    kind: 'MAILING_LIST',
    listMembers: ['someone@example.org'],
    ...overrides,
  };
}

async function mutate(query: string, field: string, input: Input, token: string | null): Promise<Loose> {
  const result = await app.gql(query, { input }, token);
  expect(result.errors).toBeUndefined();
  return result.data[field];
}

const createUser = (token: string, input: Input) => mutate(CREATE_USER, 'createUser', input, token);
const updateUser = (token: string, input: Input) => mutate(UPDATE_USER, 'updateUser', input, token);
const changePlan = (token: string, input: Input) => mutate(CHANGE_PLAN, 'changePlan', input, token);
const deleteUser = (token: string, userId: string) => mutate(DELETE_USER, 'deleteUser', { userId }, token);
const logIn = (address: string, password: string) => mutate(LOG_IN, 'logIn', { address, password }, null);

/** Creates a person and returns the created user, failing the test if it was not created. */
async function createPerson(token: string, overrides: Input = {}): Promise<Loose> {
  const payload = await createUser(token, personInput(overrides));
  expect(payload.__typename).toBe('CreateUserSuccess');
  return payload.user;
}

function expectFailure(payload: Loose, typename: string, code: string, field?: string): void {
  expect(payload.__typename).toBe(typename);
  expect(payload.code).toBe(code);
  expect(text(payload.message).length).toBeGreaterThan(0);
  if (field !== undefined) expect(payload.field).toBe(field);
}

/** What a failed mutation must leave alone: users, audit log and the deposit (owner's token). */
async function state(token: string): Promise<Loose> {
  const result = await app.gql(STATE, {}, token);
  expect(result.errors).toBeUndefined();
  return result.data.viewer.masterAccount;
}

async function auditLog(token: string, first = 20): Promise<{ totalCount: Loose; events: Loose[] }> {
  const result = await app.gql(AUDIT, { first }, token);
  expect(result.errors).toBeUndefined();
  const log = result.data.viewer.masterAccount.auditLog;
  return { totalCount: log.totalCount, events: items(log.edges).map((edge) => edge.node) };
}

/** Asserts the audit log grew by exactly one event, and that event is the newest with these facts. */
async function expectOneNewEvent(
  token: string,
  before: { totalCount: Loose; events: Loose[] },
  expected: { action: string; actorId: string | null; targetId: string },
): Promise<Loose> {
  const after = await auditLog(token);
  expect(after.totalCount).toBe(Number(before.totalCount) + 1);
  const [newest, ...rest] = after.events;
  expect(newest.action).toBe(expected.action);
  expect(newest.targetId).toBe(expected.targetId);
  if (expected.actorId === null) expect(newest.actor).toBeNull();
  else expect(newest.actor.id).toBe(expected.actorId);
  // Everything older is untouched and still in order.
  expect(rest.map((event) => event.id)).toEqual(before.events.slice(0, rest.length).map((event) => event.id));
  return newest;
}

async function listUsers(token: string, args: Input): Promise<Loose> {
  const result = await app.gql(LIST_USERS, args, token);
  expect(result.errors).toBeUndefined();
  return result.data.viewer.masterAccount.users;
}

function nodesOf(connection: Loose): Loose[] {
  return items(connection.edges).map((edge) => edge.node);
}

function idsOf(connection: Loose): string[] {
  return nodesOf(connection).map((node) => text(node.id));
}

async function listError(token: string, args: Input): Promise<Record<string, unknown> | undefined> {
  const result = await app.gql(LIST_USERS, args, token);
  expect(result.errors).toBeDefined();
  expect(result.errors).toHaveLength(1);
  return result.errors?.[0]?.extensions;
}

async function viewerError(token: string): Promise<Record<string, unknown> | undefined> {
  const result = await app.gql(WHO_AM_I, {}, token);
  expect(result.data.viewer ?? null).toBeNull();
  expect(result.errors).toBeDefined();
  return result.errors?.[0]?.extensions;
}

async function member(tenant: Tenant, role: 'ADMIN' | 'MEMBER' = 'MEMBER'): Promise<{ id: string; address: string; token: string }> {
  const user = await app.createUser(tenant, { role });
  return { ...user, token: await app.logIn(user.address) };
}

// ---------------------------------------------------------------------------------------------
// createUser
// ---------------------------------------------------------------------------------------------

describe('createUser', () => {
  it('creates a person: lowercased address, defaults, plan terms, charged, audited', async () => {
    const tenant = await app.signUp();
    const before = await state(tenant.token);
    const auditBefore = await auditLog(tenant.token);
    const local = unique('Ada.Lovelace_Work');
    const startedAt = Date.now();

    const payload = await createUser(tenant.token, {
      address: `${local}@MailAdmin.TEST`,
      displayName: 'Ada Lovelace',
      password: PASSWORD,
      plan: 'ENTRY',
    });

    expect(payload.__typename).toBe('CreateUserSuccess');
    const user = payload.user;
    expect(user).toMatchObject({
      address: `${local.toLowerCase()}@${MAIL_DOMAIN}`,
      displayName: 'Ada Lovelace',
      kind: 'PERSON',
      plan: 'ENTRY',
      pendingPlan: null,
      role: 'MEMBER',
      status: 'ACTIVE',
      aliasLimit: 10,
      listMembers: [],
    });
    const createdAt = text(user.createdAt);
    expect(createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(Math.abs(new Date(createdAt).getTime() - startedAt)).toBeLessThan(60_000);
    expect(user.paidThrough).not.toBeNull();
    // The first period is charged from the deposit at once.
    expect(payload.ledgerEntry).toMatchObject({ kind: 'CHARGE', amount: { minorUnits: -250 } });

    const after = await state(tenant.token);
    expect(after.users.totalCount).toBe(Number(before.users.totalCount) + 1);
    expect(after.balance.minorUnits).toBe(Number(before.balance.minorUnits) - 250);
    const event = await expectOneNewEvent(tenant.token, auditBefore, {
      action: 'user.create',
      actorId: tenant.ownerId,
      targetId: text(user.id),
    });
    expect(JSON.stringify(event.details)).not.toContain(PASSWORD);

    // The node can be fetched again, and the person can sign in with the password given.
    const node = await app.gql(NODE, { id: text(user.id) }, tenant.token);
    expect(node.data.node).toEqual({ __typename: 'User', id: user.id });
    const session = await logIn(`${local}@${MAIL_DOMAIN}`.toUpperCase(), PASSWORD);
    expect(session.__typename).toBe('LogInSuccess');
  });

  it.each([
    ['FREE', 0],
    ['ENTRY', 10],
    ['PRO', 50],
  ])('gives a %s account an alias limit of %i', async (plan, aliasLimit) => {
    const tenant = await app.signUp();
    const user = await createPerson(tenant.token, { plan });
    expect(user.plan).toBe(plan);
    expect(user.aliasLimit).toBe(aliasLimit);
    if (plan === 'FREE') expect(user.paidThrough).toBeNull();
    else expect(user.paidThrough).not.toBeNull();
  });

  it('creates an ADMIN when asked, who can then administer users', async () => {
    const tenant = await app.signUp();
    const address = newAddress('admin');
    const user = await createPerson(tenant.token, { address, role: 'ADMIN' });
    expect(user.role).toBe('ADMIN');

    const token = await app.logIn(address);
    const created = await createPerson(token, { plan: 'FREE' });
    expect(created.role).toBe('MEMBER');
  });

  it('accepts the limits: a 64-character local part, a 100-character name, a 10-character password', async () => {
    const tenant = await app.signUp();
    const local = `${unique('x')}`.padEnd(64, 'x');
    expect(local).toHaveLength(64);
    const user = await createPerson(tenant.token, {
      address: `${local}@${MAIL_DOMAIN}`,
      displayName: 'N'.repeat(100),
      password: '0123456789',
      plan: 'FREE',
    });
    expect(user.address).toBe(`${local}@${MAIL_DOMAIN}`);
    expect(user.displayName).toBe('N'.repeat(100));
    expect((await logIn(`${local}@${MAIL_DOMAIN}`, '0123456789')).__typename).toBe('LogInSuccess');
  });

  it('creates a mailing list with deduplicated, lowercased members and no password', async () => {
    const tenant = await app.signUp();
    const before = await state(tenant.token);
    const auditBefore = await auditLog(tenant.token);
    const address = newAddress('list');

    const payload = await createUser(tenant.token, {
      address,
      displayName: 'Team List',
      plan: 'FREE',
      kind: 'MAILING_LIST',
      listMembers: ['Bob@Example.org', 'alice@example.org', 'bob@example.org', 'ALICE@EXAMPLE.ORG', 'carol@Example.NET'],
    });

    expect(payload.__typename).toBe('CreateUserSuccess');
    expect(payload.user).toMatchObject({
      address,
      displayName: 'Team List',
      kind: 'MAILING_LIST',
      plan: 'FREE',
      role: 'MEMBER',
      status: 'ACTIVE',
      aliasLimit: 0,
    });
    expect([...items(payload.user.listMembers)].sort()).toEqual(['alice@example.org', 'bob@example.org', 'carol@example.net']);
    expect(payload.ledgerEntry).toBeNull();

    const after = await state(tenant.token);
    expect(after.users.totalCount).toBe(Number(before.users.totalCount) + 1);
    await expectOneNewEvent(tenant.token, auditBefore, {
      action: 'user.create',
      actorId: tenant.ownerId,
      targetId: text(payload.user.id),
    });

    // A mailing list cannot sign in, whatever password is tried.
    expectFailure(await logIn(address, PASSWORD), 'InvalidCredentialsError', 'INVALID_CREDENTIALS');
    expectFailure(await logIn(address, ''), 'InvalidCredentialsError', 'INVALID_CREDENTIALS');
  });

  describe('rejects invalid input with a ValidationError naming the field, changing nothing', () => {
    const tooManyMembers = Array.from({ length: 1001 }, (_, i) => `member${i}@example.org`);
    const cases: [string, () => Input, string][] = [
      ['an address without @', () => personInput({ address: 'ada.lovelace.mailadmin.test' }), 'address'],
      ['an address with an empty local part', () => personInput({ address: `@${MAIL_DOMAIN}` }), 'address'],
      ['an address with an empty domain', () => personInput({ address: `${unique('ada')}@` }), 'address'],
      ['an address with a leading dot', () => personInput({ address: `.${unique('ada')}@${MAIL_DOMAIN}` }), 'address'],
      ['an address with a trailing dot', () => personInput({ address: `${unique('ada')}.@${MAIL_DOMAIN}` }), 'address'],
      ['an address with a double dot', () => personInput({ address: `ada..${unique('l')}@${MAIL_DOMAIN}` }), 'address'],
      ['an address with a bad character (!)', () => personInput({ address: `ada!${unique('l')}@${MAIL_DOMAIN}` }), 'address'],
      ['an address with a space', () => personInput({ address: `ada ${unique('l')}@${MAIL_DOMAIN}` }), 'address'],
      ['an address with a non-ASCII letter', () => personInput({ address: `adé${unique('l')}@${MAIL_DOMAIN}` }), 'address'],
      ['a local part of 65 characters', () => personInput({ address: `${unique('x').padEnd(65, 'x')}@${MAIL_DOMAIN}` }), 'address'],
      ['a domain without a dot', () => personInput({ address: `${unique('ada')}@mailadmin` }), 'address'],
      ['an empty displayName', () => personInput({ displayName: '' }), 'displayName'],
      ['a blank displayName', () => personInput({ displayName: '   ' }), 'displayName'],
      ['a displayName of 101 characters', () => personInput({ displayName: 'N'.repeat(101) }), 'displayName'],
      ['a displayName with a control character', () => personInput({ displayName: 'Ada\u0007Lovelace' }), 'displayName'],
      ['a displayName with a line break', () => personInput({ displayName: 'Ada\nLovelace' }), 'displayName'],
      ['a password of 9 characters', () => personInput({ password: '123456789' }), 'password'],
      ['a person without a password', () => personInput({ password: undefined }), 'password'],
      ['a person with a null password', () => personInput({ password: null }), 'password'],
      ['role OWNER', () => personInput({ role: 'OWNER' }), 'role'],
      ['a person with listMembers', () => personInput({ listMembers: ['a@example.org'] }), 'listMembers'],
      ['a mailing list with a password', () => listInput({ password: PASSWORD }), 'password'],
      ['a mailing list with 1001 members', () => listInput({ listMembers: tooManyMembers }), 'listMembers'],
      ['a mailing list with an invalid member', () => listInput({ listMembers: ['ok@example.org', 'not an address'] }), 'listMembers[1]'],
      ['a mailing list with a member with a double dot', () => listInput({ listMembers: ['a@example.org', 'b@example.org', 'x..y@example.org'] }), 'listMembers[2]'],
      ['a mailing list with role ADMIN', () => listInput({ role: 'ADMIN' }), 'role'],
    ];

    it.each(cases)('%s', async (_name, input, field) => {
      const tenant = await app.signUp();
      const before = await state(tenant.token);
      const payload = await createUser(tenant.token, input());
      expectFailure(payload, 'ValidationError', 'VALIDATION', field);
      expect(await state(tenant.token)).toEqual(before);
    });
  });

  describe('rejects addresses that cannot be had, changing nothing', () => {
    it('ADDRESS_TAKEN for an address of the same tenant, in another case', async () => {
      const tenant = await app.signUp();
      const existing = await app.createUser(tenant);
      const before = await state(tenant.token);
      const payload = await createUser(tenant.token, personInput({ address: existing.address.toUpperCase() }));
      expectFailure(payload, 'AddressTakenError', 'ADDRESS_TAKEN');
      expect(payload.address).toBe(existing.address);
      expect(await state(tenant.token)).toEqual(before);
    });

    it("ADDRESS_TAKEN for the owner's own address", async () => {
      const tenant = await app.signUp();
      const before = await state(tenant.token);
      const payload = await createUser(tenant.token, personInput({ address: tenant.ownerAddress }));
      expectFailure(payload, 'AddressTakenError', 'ADDRESS_TAKEN');
      expect(await state(tenant.token)).toEqual(before);
    });

    it('ADDRESS_TAKEN for an address of another tenant, in another case', async () => {
      const first = await app.signUp();
      const second = await app.signUp();
      const existing = await app.createUser(first);
      const firstBefore = await state(first.token);
      const before = await state(second.token);

      const payload = await createUser(second.token, personInput({ address: existing.address.toUpperCase() }));
      expectFailure(payload, 'AddressTakenError', 'ADDRESS_TAKEN');
      expect(payload.address).toBe(existing.address);
      expect(await state(second.token)).toEqual(before);
      expect(await state(first.token)).toEqual(firstBefore);

      // The same for the other tenant's owner address, and for a mailing list.
      expectFailure(await createUser(second.token, personInput({ address: first.ownerAddress })), 'AddressTakenError', 'ADDRESS_TAKEN');
      expectFailure(
        await createUser(second.token, listInput({ address: existing.address })),
        'AddressTakenError',
        'ADDRESS_TAKEN',
      );
      expect(await state(second.token)).toEqual(before);
    });

    it.each(['postmaster', 'abuse', 'hostmaster', 'webmaster', 'PostMaster'])(
      `ADDRESS_RESERVED for %s@${MAIL_DOMAIN}`,
      async (local) => {
        const tenant = await app.signUp();
        const before = await state(tenant.token);
        const payload = await createUser(tenant.token, personInput({ address: `${local}@${MAIL_DOMAIN}` }));
        expectFailure(payload, 'AddressReservedError', 'ADDRESS_RESERVED');
        expect(payload.address).toBe(`${local.toLowerCase()}@${MAIL_DOMAIN}`);
        expect(await state(tenant.token)).toEqual(before);
      },
    );

    it('DOMAIN_NOT_VERIFIED for an address on a domain that is not the provider domain nor verified', async () => {
      const tenant = await app.signUp();
      const before = await state(tenant.token);
      const payload = await createUser(tenant.token, personInput({ address: `${unique('x')}@Example.com` }));
      expectFailure(payload, 'DomainNotVerifiedError', 'DOMAIN_NOT_VERIFIED');
      expect(payload.domain).toBe('example.com');
      expect(await state(tenant.token)).toEqual(before);

      // The same for a mailing list.
      const list = await createUser(tenant.token, listInput({ address: `${unique('list')}@example.com` }));
      expectFailure(list, 'DomainNotVerifiedError', 'DOMAIN_NOT_VERIFIED');
      expect(await state(tenant.token)).toEqual(before);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------

describe('roles', () => {
  it('a MEMBER is FORBIDDEN to manage users, or to change their own role or status', async () => {
    const tenant = await app.signUp();
    const other = await app.createUser(tenant);
    const me = await member(tenant);
    const before = await state(tenant.token);

    expectFailure(await createUser(me.token, personInput()), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await createUser(me.token, personInput({ plan: 'FREE' })), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await deleteUser(me.token, other.id), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await deleteUser(me.token, tenant.ownerId), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await changePlan(me.token, { userId: other.id, plan: 'PRO' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(me.token, { userId: other.id, displayName: 'Hijacked' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(me.token, { userId: other.id, password: 'new password 123' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(me.token, { userId: other.id, status: 'SUSPENDED' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(me.token, { userId: tenant.ownerId, displayName: 'Hijacked' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(me.token, { userId: me.id, role: 'ADMIN' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(me.token, { userId: me.id, status: 'SUSPENDED' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(
      await updateUser(me.token, { userId: me.id, displayName: 'Me', role: 'ADMIN' }),
      'ForbiddenError',
      'FORBIDDEN',
    );

    expect(await state(tenant.token)).toEqual(before);
    const list = nodesOf(await listUsers(tenant.token, { first: 10 }));
    expect(list.find((user) => text(user.id) === other.id)).toMatchObject({ displayName: 'A User', status: 'ACTIVE', plan: 'ENTRY' });
    expect(list.find((user) => text(user.id) === me.id)).toMatchObject({ role: 'MEMBER', status: 'ACTIVE' });
    expect(list.find((user) => text(user.id) === tenant.ownerId)).toMatchObject({ displayName: 'Owner' });
    // The other user's password is unchanged.
    expect((await logIn(other.address, PASSWORD)).__typename).toBe('LogInSuccess');
  });

  it('a MEMBER may change their own displayName and password', async () => {
    const tenant = await app.signUp();
    const me = await member(tenant);
    const auditBefore = await auditLog(tenant.token);

    const renamed = await updateUser(me.token, { userId: me.id, displayName: 'New Name' });
    expect(renamed.__typename).toBe('UpdateUserSuccess');
    expect(renamed.user).toMatchObject({ id: me.id, displayName: 'New Name', role: 'MEMBER', status: 'ACTIVE' });
    const renameEvent = await expectOneNewEvent(tenant.token, auditBefore, { action: 'user.update', actorId: me.id, targetId: me.id });

    const newPassword = 'a brand new passphrase';
    const auditMid = await auditLog(tenant.token);
    const changed = await updateUser(me.token, { userId: me.id, password: newPassword });
    expect(changed.__typename).toBe('UpdateUserSuccess');
    const passwordEvent = await expectOneNewEvent(tenant.token, auditMid, { action: 'user.update', actorId: me.id, targetId: me.id });
    expect(JSON.stringify(passwordEvent.details)).not.toContain(newPassword);
    expect(renameEvent.id).not.toBe(passwordEvent.id);

    expect((await logIn(me.address, newPassword)).__typename).toBe('LogInSuccess');
    expectFailure(await logIn(me.address, PASSWORD), 'InvalidCredentialsError', 'INVALID_CREDENTIALS');
    // Their session still works and shows the new name.
    const who = await app.gql(WHO_AM_I, {}, me.token);
    expect(who.data.viewer.user).toMatchObject({ id: me.id, role: 'MEMBER' });
  });

  it('an ADMIN can create, update and delete users', async () => {
    const tenant = await app.signUp();
    const admin = await member(tenant, 'ADMIN');
    const target = await app.createUser(tenant);

    let auditBefore = await auditLog(tenant.token);
    const created = await createPerson(admin.token, { plan: 'PRO', displayName: 'Made By Admin' });
    expect(created).toMatchObject({ plan: 'PRO', role: 'MEMBER', displayName: 'Made By Admin' });
    await expectOneNewEvent(tenant.token, auditBefore, { action: 'user.create', actorId: admin.id, targetId: text(created.id) });

    auditBefore = await auditLog(tenant.token);
    const renamed = await updateUser(admin.token, { userId: target.id, displayName: 'Renamed By Admin' });
    expect(renamed.__typename).toBe('UpdateUserSuccess');
    expect(renamed.user.displayName).toBe('Renamed By Admin');
    await expectOneNewEvent(tenant.token, auditBefore, { action: 'user.update', actorId: admin.id, targetId: target.id });

    const suspended = await updateUser(admin.token, { userId: target.id, status: 'SUSPENDED' });
    expect(suspended.user.status).toBe('SUSPENDED');
    const promoted = await updateUser(admin.token, { userId: text(created.id), role: 'ADMIN' });
    expect(promoted.user.role).toBe('ADMIN');

    const upgraded = await changePlan(admin.token, { userId: target.id, plan: 'PRO' });
    expect(upgraded.__typename).toBe('ChangePlanSuccess');
    expect(upgraded.user.plan).toBe('PRO');

    auditBefore = await auditLog(tenant.token);
    const deleted = await deleteUser(admin.token, target.id);
    expect(deleted).toEqual({ __typename: 'DeleteUserSuccess', deletedUserId: target.id });
    await expectOneNewEvent(tenant.token, auditBefore, { action: 'user.delete', actorId: admin.id, targetId: target.id });
    expect(idsOf(await listUsers(tenant.token, { first: 10 }))).not.toContain(target.id);
  });

  it('an ADMIN cannot delete the owner, suspend the owner, or change their role', async () => {
    const tenant = await app.signUp();
    const admin = await member(tenant, 'ADMIN');
    const before = await state(tenant.token);

    expectFailure(await deleteUser(admin.token, tenant.ownerId), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(admin.token, { userId: tenant.ownerId, status: 'SUSPENDED' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(admin.token, { userId: tenant.ownerId, role: 'ADMIN' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(admin.token, { userId: tenant.ownerId, role: 'MEMBER' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(
      await updateUser(admin.token, { userId: tenant.ownerId, displayName: 'Demoted', role: 'MEMBER' }),
      'ForbiddenError',
      'FORBIDDEN',
    );

    expect(await state(tenant.token)).toEqual(before);
    const who = await app.gql(WHO_AM_I, {}, tenant.token);
    expect(who.errors).toBeUndefined();
    expect(who.data.viewer.user).toMatchObject({ id: tenant.ownerId, role: 'OWNER', status: 'ACTIVE' });
    const owner = nodesOf(await listUsers(tenant.token, { first: 10 })).find((user) => text(user.id) === tenant.ownerId);
    expect(owner).toMatchObject({ displayName: 'Owner', role: 'OWNER', status: 'ACTIVE' });
  });

  it('the owner cannot delete, suspend or demote themselves either', async () => {
    const tenant = await app.signUp();
    const before = await state(tenant.token);
    expectFailure(await deleteUser(tenant.token, tenant.ownerId), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(tenant.token, { userId: tenant.ownerId, status: 'SUSPENDED' }), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await updateUser(tenant.token, { userId: tenant.ownerId, role: 'ADMIN' }), 'ForbiddenError', 'FORBIDDEN');
    expect(await state(tenant.token)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// A FREE owner
// ---------------------------------------------------------------------------------------------

describe('a FREE owner', () => {
  it('gets UPGRADE_REQUIRED for the console, then upgrades themselves to ENTRY and can use it', async () => {
    const tenant = await app.signUp({ plan: 'FREE' });

    const consoleState = await app.gql(CONSOLE, {}, tenant.token);
    expect(consoleState.errors).toBeUndefined();
    expect(consoleState.data.viewer.masterAccount).toMatchObject({ consoleAccess: false, owner: { id: tenant.ownerId, plan: 'FREE' } });

    expectFailure(await createUser(tenant.token, personInput()), 'UpgradeRequiredError', 'UPGRADE_REQUIRED');
    expectFailure(await createUser(tenant.token, personInput({ plan: 'FREE' })), 'UpgradeRequiredError', 'UPGRADE_REQUIRED');
    expectFailure(await createUser(tenant.token, listInput()), 'UpgradeRequiredError', 'UPGRADE_REQUIRED');

    const list = await app.gql(`{ viewer { masterAccount { users(first: 5) { totalCount } } } }`, {}, tenant.token);
    expect(list.errors).toHaveLength(1);
    expect(list.errors?.[0]?.extensions?.code).toBe('UPGRADE_REQUIRED');
    expect(list.errors?.[0]?.path).toEqual(['viewer', 'masterAccount', 'users']);

    const upgraded = await changePlan(tenant.token, { userId: tenant.ownerId, plan: 'ENTRY' });
    expect(upgraded.__typename).toBe('ChangePlanSuccess');
    expect(upgraded.user).toMatchObject({ id: tenant.ownerId, plan: 'ENTRY', role: 'OWNER' });
    // The owner is not paid from the deposit.
    expect(upgraded.ledgerEntry).toBeNull();

    const opened = await app.gql(CONSOLE, {}, tenant.token);
    expect(opened.data.viewer.masterAccount).toMatchObject({ consoleAccess: true, owner: { plan: 'ENTRY' } });

    // Nothing was created by the refused attempts: one user, and only sign-up and the plan change.
    const before = await state(tenant.token);
    expect(before.users.totalCount).toBe(1);
    const log = await auditLog(tenant.token);
    expect(log.events.map((event) => event.action)).toEqual(['user.change_plan', 'account.sign_up']);
    expect(log.events[0].details).toMatchObject({ from: 'FREE', to: 'ENTRY' });

    const created = await createPerson(tenant.token, { plan: 'FREE' });
    expect(created.plan).toBe('FREE');
    expect((await state(tenant.token)).users.totalCount).toBe(2);
  });

  it('gets UPGRADE_REQUIRED for updating, re-planning and deleting other users', async () => {
    // Users exist from when the owner was on ENTRY; then the owner drops to FREE.
    const tenant = await app.signUp();
    const other = await app.createUser(tenant);
    const downgraded = await changePlan(tenant.token, { userId: tenant.ownerId, plan: 'FREE' });
    expect(downgraded.__typename).toBe('ChangePlanSuccess');
    expect(downgraded.user.plan).toBe('FREE');
    const consoleState = await app.gql(CONSOLE, {}, tenant.token);
    expect(consoleState.data.viewer.masterAccount.consoleAccess).toBe(false);

    expectFailure(await updateUser(tenant.token, { userId: other.id, displayName: 'Changed' }), 'UpgradeRequiredError', 'UPGRADE_REQUIRED');
    expectFailure(await updateUser(tenant.token, { userId: other.id, status: 'SUSPENDED' }), 'UpgradeRequiredError', 'UPGRADE_REQUIRED');
    expectFailure(await changePlan(tenant.token, { userId: other.id, plan: 'PRO' }), 'UpgradeRequiredError', 'UPGRADE_REQUIRED');
    expectFailure(await deleteUser(tenant.token, other.id), 'UpgradeRequiredError', 'UPGRADE_REQUIRED');
    expectFailure(await createUser(tenant.token, personInput({ plan: 'FREE' })), 'UpgradeRequiredError', 'UPGRADE_REQUIRED');

    // Back on ENTRY, the other user is exactly as before.
    const log = await changePlan(tenant.token, { userId: tenant.ownerId, plan: 'ENTRY' });
    expect(log.__typename).toBe('ChangePlanSuccess');
    const users = nodesOf(await listUsers(tenant.token, { first: 10 }));
    expect(users).toHaveLength(2);
    expect(users.find((user) => text(user.id) === other.id)).toMatchObject({ displayName: 'A User', status: 'ACTIVE', plan: 'ENTRY' });
    const actions = (await auditLog(tenant.token)).events.map((event) => event.action);
    expect(actions).toEqual(['user.change_plan', 'user.change_plan', 'user.create', 'billing.deposit', 'account.sign_up']);
  });
});

// ---------------------------------------------------------------------------------------------
// updateUser
// ---------------------------------------------------------------------------------------------

describe('updateUser', () => {
  it("changes another user's displayName and password", async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant);
    const auditBefore = await auditLog(tenant.token);

    const payload = await updateUser(tenant.token, { userId: user.id, displayName: 'Grace Hopper' });
    expect(payload.__typename).toBe('UpdateUserSuccess');
    expect(payload.user).toMatchObject({ id: user.id, address: user.address, displayName: 'Grace Hopper', status: 'ACTIVE', role: 'MEMBER' });
    await expectOneNewEvent(tenant.token, auditBefore, { action: 'user.update', actorId: tenant.ownerId, targetId: user.id });
    const listed = nodesOf(await listUsers(tenant.token, { first: 10 })).find((node) => text(node.id) === user.id);
    expect(listed?.displayName).toBe('Grace Hopper');

    const newPassword = 'another long passphrase';
    const auditMid = await auditLog(tenant.token);
    const changed = await updateUser(tenant.token, { userId: user.id, password: newPassword });
    expect(changed.__typename).toBe('UpdateUserSuccess');
    const event = await expectOneNewEvent(tenant.token, auditMid, { action: 'user.update', actorId: tenant.ownerId, targetId: user.id });
    expect(JSON.stringify(event.details)).not.toContain(newPassword);

    expect((await logIn(user.address, newPassword)).__typename).toBe('LogInSuccess');
    expectFailure(await logIn(user.address, PASSWORD), 'InvalidCredentialsError', 'INVALID_CREDENTIALS');
  });

  it('SUSPENDED blocks log-in and existing sessions; ACTIVE reactivates', async () => {
    const tenant = await app.signUp();
    const user = await member(tenant);
    expect((await app.gql(WHO_AM_I, {}, user.token)).data.viewer.user.id).toBe(user.id);
    const auditBefore = await auditLog(tenant.token);

    const suspended = await updateUser(tenant.token, { userId: user.id, status: 'SUSPENDED' });
    expect(suspended.__typename).toBe('UpdateUserSuccess');
    expect(suspended.user.status).toBe('SUSPENDED');
    const event = await expectOneNewEvent(tenant.token, auditBefore, { action: 'user.suspend', actorId: tenant.ownerId, targetId: user.id });
    expect(event.details).toMatchObject({ status: 'SUSPENDED' });

    expectFailure(await logIn(user.address, PASSWORD), 'ForbiddenError', 'FORBIDDEN');
    expect((await viewerError(user.token))?.code).toBe('UNAUTHENTICATED');
    const attempt = await app.gql(CREATE_USER, { input: personInput() }, user.token);
    expect(attempt.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const listed = await listUsers(tenant.token, { first: 10, filter: { status: 'SUSPENDED' } });
    expect(idsOf(listed)).toEqual([user.id]);

    const reactivated = await updateUser(tenant.token, { userId: user.id, status: 'ACTIVE' });
    expect(reactivated.__typename).toBe('UpdateUserSuccess');
    expect(reactivated.user.status).toBe('ACTIVE');
    const session = await logIn(user.address, PASSWORD);
    expect(session.__typename).toBe('LogInSuccess');
    expect((await app.gql(WHO_AM_I, {}, text(session.token))).data.viewer.user).toMatchObject({ id: user.id, status: 'ACTIVE' });
  });

  it('promotes a MEMBER to ADMIN, who can then create users', async () => {
    const tenant = await app.signUp();
    const user = await member(tenant);
    expectFailure(await createUser(user.token, personInput({ plan: 'FREE' })), 'ForbiddenError', 'FORBIDDEN');
    const auditBefore = await auditLog(tenant.token);

    const payload = await updateUser(tenant.token, { userId: user.id, role: 'ADMIN' });
    expect(payload.__typename).toBe('UpdateUserSuccess');
    expect(payload.user.role).toBe('ADMIN');
    const event = await expectOneNewEvent(tenant.token, auditBefore, { action: 'user.update', actorId: tenant.ownerId, targetId: user.id });
    expect(event.details).toMatchObject({ role: 'ADMIN' });

    const created = await createPerson(user.token, { plan: 'FREE' });
    expect(created.role).toBe('MEMBER');

    const demoted = await updateUser(tenant.token, { userId: user.id, role: 'MEMBER' });
    expect(demoted.user.role).toBe('MEMBER');
    expectFailure(await createUser(user.token, personInput({ plan: 'FREE' })), 'ForbiddenError', 'FORBIDDEN');
  });

  it.each([
    ['status PAST_DUE', { status: 'PAST_DUE' }, 'status'],
    ['role OWNER', { role: 'OWNER' }, 'role'],
    ['an empty input', {}, 'input'],
    ['an empty displayName', { displayName: '' }, 'displayName'],
    ['a displayName of 101 characters', { displayName: 'N'.repeat(101) }, 'displayName'],
    ['a displayName with a control character', { displayName: 'Bad\u0000Name' }, 'displayName'],
    ['a password of 9 characters', { password: '123456789' }, 'password'],
    ['listMembers for a person', { listMembers: ['a@example.org'] }, 'listMembers'],
  ])('rejects %s with a ValidationError, changing nothing', async (_name, changes, field) => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant);
    const before = await state(tenant.token);
    const payload = await updateUser(tenant.token, { userId: user.id, ...changes });
    expectFailure(payload, 'ValidationError', 'VALIDATION', field);
    expect(await state(tenant.token)).toEqual(before);
    const listed = nodesOf(await listUsers(tenant.token, { first: 10 })).find((node) => text(node.id) === user.id);
    expect(listed).toMatchObject({ displayName: 'A User', status: 'ACTIVE', role: 'MEMBER' });
    expect((await logIn(user.address, PASSWORD)).__typename).toBe('LogInSuccess');
  });

  it('rejects a password for a mailing list (field password)', async () => {
    const tenant = await app.signUp();
    const list = await createUser(tenant.token, listInput());
    expect(list.__typename).toBe('CreateUserSuccess');
    const before = await state(tenant.token);
    expectFailure(await updateUser(tenant.token, { userId: text(list.user.id), password: PASSWORD }), 'ValidationError', 'VALIDATION', 'password');
    expect(await state(tenant.token)).toEqual(before);
  });

  it('replaces the members of a mailing list, deduplicated and lowercased', async () => {
    const tenant = await app.signUp();
    const list = await createUser(tenant.token, listInput());
    const payload = await updateUser(tenant.token, {
      userId: text(list.user.id),
      listMembers: ['X@Example.org', 'x@example.org', 'y@example.org'],
    });
    expect(payload.__typename).toBe('UpdateUserSuccess');
    expect([...items(payload.user.listMembers)].sort()).toEqual(['x@example.org', 'y@example.org']);
    const before = await state(tenant.token);
    expectFailure(
      await updateUser(tenant.token, { userId: text(list.user.id), listMembers: ['ok@example.org', 'bad'] }),
      'ValidationError',
      'VALIDATION',
      'listMembers[1]',
    );
    expect(await state(tenant.token)).toEqual(before);
  });

  it('refuses to let an ADMIN suspend themselves (FORBIDDEN)', async () => {
    const tenant = await app.signUp();
    const admin = await member(tenant, 'ADMIN');
    const before = await state(tenant.token);
    expectFailure(await updateUser(admin.token, { userId: admin.id, status: 'SUSPENDED' }), 'ForbiddenError', 'FORBIDDEN');
    expect(await state(tenant.token)).toEqual(before);
    const who = await app.gql(WHO_AM_I, {}, admin.token);
    expect(who.errors).toBeUndefined();
    expect(who.data.viewer.user).toMatchObject({ id: admin.id, status: 'ACTIVE', role: 'ADMIN' });
  });

  it('rejects a malformed userId (ValidationError userId) and an unknown one (NotFoundError userId)', async () => {
    const tenant = await app.signUp();
    const stranger = await app.signUp();
    const strangerUser = await app.createUser(stranger);
    const before = await state(tenant.token);

    for (const userId of ['nope', '', globalId('User', 'not-a-uuid'), tenant.masterAccountId]) {
      expectFailure(await updateUser(tenant.token, { userId, displayName: 'X' }), 'ValidationError', 'VALIDATION', 'userId');
    }
    for (const userId of [globalId('User', randomUUID()), strangerUser.id, stranger.ownerId]) {
      expectFailure(await updateUser(tenant.token, { userId, displayName: 'X' }), 'NotFoundError', 'NOT_FOUND', 'userId');
    }
    expect(await state(tenant.token)).toEqual(before);
    const strangers = nodesOf(await listUsers(stranger.token, { first: 10 }));
    expect(strangers.map((user) => user.displayName).sort()).toEqual(['A User', 'Owner']);
  });
});

// ---------------------------------------------------------------------------------------------
// changePlan
// ---------------------------------------------------------------------------------------------

describe('changePlan', () => {
  it('upgrades ENTRY to PRO at once and audits user.change_plan with {from, to}', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'ENTRY' });
    const auditBefore = await auditLog(tenant.token);

    const payload = await changePlan(tenant.token, { userId: user.id, plan: 'PRO' });
    expect(payload.__typename).toBe('ChangePlanSuccess');
    expect(payload.user).toMatchObject({ id: user.id, plan: 'PRO', pendingPlan: null, aliasLimit: 50 });
    const event = await expectOneNewEvent(tenant.token, auditBefore, {
      action: 'user.change_plan',
      actorId: tenant.ownerId,
      targetId: user.id,
    });
    expect(event.details).toMatchObject({ from: 'ENTRY', to: 'PRO' });

    const listed = await listUsers(tenant.token, { first: 10, filter: { plan: 'PRO' } });
    expect(idsOf(listed)).toEqual([user.id]);
  });

  it('moves a FREE user to ENTRY, charging a new period', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'FREE' });
    const before = await state(tenant.token);
    const auditBefore = await auditLog(tenant.token);

    const payload = await changePlan(tenant.token, { userId: user.id, plan: 'ENTRY' });
    expect(payload.__typename).toBe('ChangePlanSuccess');
    expect(payload.user).toMatchObject({ plan: 'ENTRY', aliasLimit: 10 });
    expect(payload.user.paidThrough).not.toBeNull();
    expect(payload.ledgerEntry).toMatchObject({ kind: 'CHARGE', amount: { minorUnits: -250 } });
    expect((await state(tenant.token)).balance.minorUnits).toBe(Number(before.balance.minorUnits) - 250);
    const event = await expectOneNewEvent(tenant.token, auditBefore, {
      action: 'user.change_plan',
      actorId: tenant.ownerId,
      targetId: user.id,
    });
    expect(event.details).toMatchObject({ from: 'FREE', to: 'ENTRY' });
  });

  it('schedules a downgrade as pendingPlan and audits it', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'PRO' });
    const auditBefore = await auditLog(tenant.token);
    const payload = await changePlan(tenant.token, { userId: user.id, plan: 'ENTRY' });
    expect(payload.__typename).toBe('ChangePlanSuccess');
    expect(payload.user).toMatchObject({ plan: 'PRO', pendingPlan: 'ENTRY' });
    expect(payload.ledgerEntry).toBeNull();
    const event = await expectOneNewEvent(tenant.token, auditBefore, {
      action: 'user.change_plan',
      actorId: tenant.ownerId,
      targetId: user.id,
    });
    expect(event.details).toMatchObject({ from: 'PRO', to: 'ENTRY' });
  });

  it('rejects a malformed and an unknown userId, changing nothing', async () => {
    const tenant = await app.signUp();
    const before = await state(tenant.token);
    expectFailure(await changePlan(tenant.token, { userId: 'garbage', plan: 'PRO' }), 'ValidationError', 'VALIDATION', 'userId');
    expectFailure(
      await changePlan(tenant.token, { userId: globalId('User', randomUUID()), plan: 'PRO' }),
      'NotFoundError',
      'NOT_FOUND',
      'userId',
    );
    expect(await state(tenant.token)).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// deleteUser
// ---------------------------------------------------------------------------------------------

describe('deleteUser', () => {
  it('deletes a user: gone from the list and node(), tokens dead, audited, address held', async () => {
    const tenant = await app.signUp();
    const user = await member(tenant);
    const keeper = await app.createUser(tenant);
    const before = await state(tenant.token);
    const auditBefore = await auditLog(tenant.token);
    expect((await app.gql(WHO_AM_I, {}, user.token)).data.viewer.user.id).toBe(user.id);

    const payload = await deleteUser(tenant.token, user.id);
    expect(payload).toEqual({ __typename: 'DeleteUserSuccess', deletedUserId: user.id });

    const after = await state(tenant.token);
    expect(after.users.totalCount).toBe(Number(before.users.totalCount) - 1);
    const remaining = idsOf(await listUsers(tenant.token, { first: 10 }));
    expect(remaining).not.toContain(user.id);
    expect(remaining).toEqual([tenant.ownerId, keeper.id]);

    const node = await app.gql(NODE, { id: user.id }, tenant.token);
    expect(node.errors).toBeUndefined();
    expect(node.data.node).toBeNull();

    expect((await viewerError(user.token))?.code).toBe('UNAUTHENTICATED');
    expectFailure(await logIn(user.address, PASSWORD), 'InvalidCredentialsError', 'INVALID_CREDENTIALS');

    const event = await expectOneNewEvent(tenant.token, auditBefore, {
      action: 'user.delete',
      actorId: tenant.ownerId,
      targetId: user.id,
    });
    expect(event.details).toMatchObject({ address: user.address });

    // The address is held for 30 days: not in this tenant, not in another, in no case.
    const held = await state(tenant.token);
    expectFailure(await createUser(tenant.token, personInput({ address: user.address })), 'AddressTakenError', 'ADDRESS_TAKEN');
    expectFailure(
      await createUser(tenant.token, personInput({ address: user.address.toUpperCase() })),
      'AddressTakenError',
      'ADDRESS_TAKEN',
    );
    expect(await state(tenant.token)).toEqual(held);
    const other = await app.signUp();
    const otherBefore = await state(other.token);
    expectFailure(await createUser(other.token, personInput({ address: user.address })), 'AddressTakenError', 'ADDRESS_TAKEN');
    expect(await state(other.token)).toEqual(otherBefore);

    // Deleting again finds nothing.
    expectFailure(await deleteUser(tenant.token, user.id), 'NotFoundError', 'NOT_FOUND', 'userId');
  });

  it('refuses to delete the owner (FORBIDDEN), changing nothing', async () => {
    const tenant = await app.signUp();
    await app.createUser(tenant);
    const before = await state(tenant.token);
    expectFailure(await deleteUser(tenant.token, tenant.ownerId), 'ForbiddenError', 'FORBIDDEN');
    expect(await state(tenant.token)).toEqual(before);
    const who = await app.gql(WHO_AM_I, {}, tenant.token);
    expect(who.data.viewer.user.id).toBe(tenant.ownerId);
  });

  it('rejects a malformed userId, an unknown one and one of another tenant, changing nothing', async () => {
    const tenant = await app.signUp();
    const stranger = await app.signUp();
    const strangerUser = await app.createUser(stranger);
    const before = await state(tenant.token);
    const strangerBefore = await state(stranger.token);
    expectFailure(await deleteUser(tenant.token, 'garbage'), 'ValidationError', 'VALIDATION', 'userId');
    expectFailure(await deleteUser(tenant.token, stranger.masterAccountId), 'ValidationError', 'VALIDATION', 'userId');
    expectFailure(await deleteUser(tenant.token, globalId('User', randomUUID())), 'NotFoundError', 'NOT_FOUND', 'userId');
    expectFailure(await deleteUser(tenant.token, strangerUser.id), 'NotFoundError', 'NOT_FOUND', 'userId');
    expect(await state(tenant.token)).toEqual(before);
    expect(await state(stranger.token)).toEqual(strangerBefore);
  });
});

// ---------------------------------------------------------------------------------------------
// Listing
// ---------------------------------------------------------------------------------------------

interface Seeded {
  tenant: Tenant;
  tag: string;
  /** The seeded users (owner excluded), with the fields the orders use. */
  users: { id: string; address: string; displayName: string; plan: string; status: string; kind: string; createdAt: string }[];
}

/**
 * A tenant with eight users besides the owner. Addresses are `<tag>-<word>@…` and names start with
 * distinct capitals, so every database collation sorts them the same way.
 */
async function seedDirectory(): Promise<Seeded> {
  const tenant = await app.signUp();
  const tag = unique('dir');
  const specs: Input[] = [
    { word: 'alpha', displayName: 'Delta Person', plan: 'PRO' },
    { word: 'bravo', displayName: 'Alpha Person', plan: 'FREE' },
    { word: 'charlie', displayName: 'Charlie Person', plan: 'ENTRY', suspend: true },
    { word: 'delta', displayName: 'Bravo List', plan: 'FREE', list: true },
    { word: 'echo', displayName: 'Echo 100% Sure', plan: 'ENTRY' },
    { word: 'foxtrot', displayName: 'Foxtrot 1000 Club', plan: 'PRO' },
    { word: 'golf', displayName: 'Golf a_b', plan: 'FREE' },
    { word: 'hotel', displayName: 'Hotel axb', plan: 'ENTRY' },
  ];
  for (const spec of specs) {
    const address = `${tag}-${String(spec.word)}@${MAIL_DOMAIN}`;
    const input = spec.list
      ? listInput({ address, displayName: spec.displayName, plan: spec.plan })
      : personInput({ address, displayName: spec.displayName, plan: spec.plan });
    const created = await createUser(tenant.token, input);
    expect(created.__typename).toBe('CreateUserSuccess');
    if (spec.suspend) {
      const suspended = await updateUser(tenant.token, { userId: text(created.user.id), status: 'SUSPENDED' });
      expect(suspended.__typename).toBe('UpdateUserSuccess');
    }
  }
  const all = await listUsers(tenant.token, { first: 100, filter: { search: tag } });
  const users = nodesOf(all).map((node) => ({
    id: text(node.id),
    address: text(node.address),
    displayName: text(node.displayName),
    plan: text(node.plan),
    status: text(node.status),
    kind: text(node.kind),
    createdAt: text(node.createdAt),
  }));
  expect(users).toHaveLength(8);
  return { tenant, tag, users };
}

type SeededUser = Seeded['users'][number];

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const PLAN_RANK: Record<string, number> = { FREE: 0, ENTRY: 1, PRO: 2 };

const ORDER_KEYS: Record<string, (a: SeededUser, b: SeededUser) => number> = {
  ADDRESS: (a, b) => compareText(a.address, b.address),
  DISPLAY_NAME: (a, b) => compareText(a.displayName, b.displayName),
  CREATED_AT: (a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime(),
  PLAN: (a, b) => (PLAN_RANK[a.plan] ?? -1) - (PLAN_RANK[b.plan] ?? -1),
};

/** The order the API promises: the field, then the (database) id, both in the direction asked. */
function expectedOrder(users: SeededUser[], field: string, direction: 'ASC' | 'DESC'): string[] {
  const key = ORDER_KEYS[field];
  const ascending = [...users]
    .sort((a, b) => key(a, b) || compareText(decodeId(a.id), decodeId(b.id)))
    .map((user) => user.id);
  return direction === 'ASC' ? ascending : ascending.reverse();
}

function idsWhere(seeded: Seeded, predicate: (user: SeededUser) => boolean): string[] {
  return expectedOrder(seeded.users.filter(predicate), 'CREATED_AT', 'ASC');
}

describe('masterAccount.users', () => {
  it('filters by plan, status and kind, with totalCount following the filter', async () => {
    const seeded = await seedDirectory();
    const { tenant, tag } = seeded;
    const byWord = (word: string) => seeded.users.find((user) => user.address.startsWith(`${tag}-${word}@`))?.id;

    const free = await listUsers(tenant.token, { first: 100, filter: { plan: 'FREE' } });
    expect(idsOf(free)).toEqual(idsWhere(seeded, (user) => user.plan === 'FREE'));
    expect(free.totalCount).toBe(3);
    expect(nodesOf(free).every((node) => text(node.plan) === 'FREE')).toBe(true);

    // The owner is on ENTRY too.
    const entry = await listUsers(tenant.token, { first: 100, filter: { plan: 'ENTRY' } });
    expect(idsOf(entry)).toEqual([tenant.ownerId, ...idsWhere(seeded, (user) => user.plan === 'ENTRY')]);
    expect(entry.totalCount).toBe(4);

    const pro = await listUsers(tenant.token, { first: 1, filter: { plan: 'PRO' } });
    expect(pro.totalCount).toBe(2);
    expect(idsOf(pro)).toHaveLength(1);

    const suspended = await listUsers(tenant.token, { first: 100, filter: { status: 'SUSPENDED' } });
    expect(idsOf(suspended)).toEqual([byWord('charlie')]);
    expect(suspended.totalCount).toBe(1);

    const active = await listUsers(tenant.token, { first: 100, filter: { status: 'ACTIVE' } });
    expect(active.totalCount).toBe(8);
    expect(idsOf(active)).not.toContain(byWord('charlie'));

    const pastDue = await listUsers(tenant.token, { first: 100, filter: { status: 'PAST_DUE' } });
    expect(pastDue.totalCount).toBe(0);
    expect(idsOf(pastDue)).toEqual([]);
    expect(pastDue.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });

    const lists = await listUsers(tenant.token, { first: 100, filter: { kind: 'MAILING_LIST' } });
    expect(idsOf(lists)).toEqual([byWord('delta')]);
    expect(lists.totalCount).toBe(1);

    const people = await listUsers(tenant.token, { first: 100, filter: { kind: 'PERSON' } });
    expect(people.totalCount).toBe(8);
    expect(idsOf(people)).toEqual([tenant.ownerId, ...idsWhere(seeded, (user) => user.kind === 'PERSON')]);

    // Conditions combine.
    const freePeople = await listUsers(tenant.token, { first: 100, filter: { plan: 'FREE', kind: 'PERSON', status: 'ACTIVE' } });
    expect(idsOf(freePeople)).toEqual([byWord('bravo'), byWord('golf')]);
    expect(freePeople.totalCount).toBe(2);
  });

  it('searches address or displayName, case-insensitively, with % and _ taken literally', async () => {
    const seeded = await seedDirectory();
    const { tenant, tag } = seeded;
    const byWord = (word: string) => seeded.users.find((user) => user.address.startsWith(`${tag}-${word}@`))?.id;
    const search = async (text: string, filter: Input = {}) => {
      const found = await listUsers(tenant.token, { first: 100, filter: { search: text, ...filter } });
      expect(found.totalCount).toBe(items(found.edges).length);
      return idsOf(found);
    };

    // Address substrings, in any case.
    expect(await search(`${tag}-alpha`)).toEqual([byWord('alpha')]);
    expect(await search(`${tag}-ALPHA`.toUpperCase())).toEqual([byWord('alpha')]);
    expect(await search(tag.toUpperCase())).toEqual(idsWhere(seeded, () => true));
    // displayName substrings, in any case.
    expect(await search('person')).toEqual([byWord('alpha'), byWord('bravo'), byWord('charlie')]);
    expect(await search('CHARLIE PERS')).toEqual([byWord('charlie')]);
    expect(await search('bravo')).toEqual([byWord('bravo'), byWord('delta')]);
    // The owner is found by name and address too.
    expect(await search('OWNER')).toEqual([tenant.ownerId]);
    // % and _ are plain characters, not wildcards.
    expect(await search('100%')).toEqual([byWord('echo')]);
    expect(await search('%')).toEqual([byWord('echo')]);
    expect(await search('a_b')).toEqual([byWord('golf')]);
    expect(await search('_')).toEqual([byWord('golf')]);
    expect(await search('\\')).toEqual([]);
    expect(await search('no such user anywhere')).toEqual([]);
    // Search combines with the other conditions.
    expect(await search('person', { plan: 'FREE' })).toEqual([byWord('bravo')]);
    expect(await search('person', { status: 'SUSPENDED' })).toEqual([byWord('charlie')]);
  });

  it.each([
    ['ADDRESS', 'ASC'],
    ['ADDRESS', 'DESC'],
    ['DISPLAY_NAME', 'ASC'],
    ['DISPLAY_NAME', 'DESC'],
    ['CREATED_AT', 'ASC'],
    ['CREATED_AT', 'DESC'],
    ['PLAN', 'ASC'],
    ['PLAN', 'DESC'],
  ] as const)('orders by %s %s, and pages through it forward and backward', async (field, direction) => {
    const seeded = await seedDirectory();
    const { tenant, tag } = seeded;
    const expected = expectedOrder(seeded.users, field, direction);
    const filter = { search: tag };
    const orderBy = { field, direction };

    const whole = await listUsers(tenant.token, { first: 100, filter, orderBy });
    expect(idsOf(whole)).toEqual(expected);
    expect(whole.totalCount).toBe(8);
    expect(whole.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });

    // Forward, three at a time.
    const forward: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await listUsers(tenant.token, { first: 3, after, filter, orderBy });
      pages += 1;
      const edges = items(page.edges);
      forward.push(...idsOf(page));
      expect(page.totalCount).toBe(8);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== undefined);
      expect(page.pageInfo.startCursor).toBe(edges[0].cursor);
      expect(page.pageInfo.endCursor).toBe(edges[edges.length - 1].cursor);
      expect(page.pageInfo.hasNextPage).toBe(forward.length < 8);
      if (!page.pageInfo.hasNextPage) break;
      expect(edges).toHaveLength(3);
      after = text(page.pageInfo.endCursor);
      expect(pages).toBeLessThan(5);
    }
    expect(pages).toBe(3);
    expect(forward).toEqual(expected);

    // Backward, three at a time, from the end.
    const backward: string[] = [];
    let before: string | undefined;
    pages = 0;
    for (;;) {
      const page = await listUsers(tenant.token, { last: 3, before, filter, orderBy });
      pages += 1;
      const edges = items(page.edges);
      backward.unshift(...idsOf(page));
      expect(page.totalCount).toBe(8);
      expect(page.pageInfo.hasNextPage).toBe(before !== undefined);
      expect(page.pageInfo.startCursor).toBe(edges[0].cursor);
      expect(page.pageInfo.endCursor).toBe(edges[edges.length - 1].cursor);
      expect(page.pageInfo.hasPreviousPage).toBe(backward.length < 8);
      if (!page.pageInfo.hasPreviousPage) break;
      expect(edges).toHaveLength(3);
      before = text(page.pageInfo.startCursor);
      expect(pages).toBeLessThan(5);
    }
    expect(pages).toBe(3);
    expect(backward).toEqual(expected);
  });

  it('defaults to creation order, oldest first, and pages through every user exactly once', async () => {
    const seeded = await seedDirectory();
    const { tenant } = seeded;
    const expected = [tenant.ownerId, ...expectedOrder(seeded.users, 'CREATED_AT', 'ASC')];

    const defaults = await listUsers(tenant.token, {});
    expect(idsOf(defaults)).toEqual(expected);
    expect(defaults.totalCount).toBe(9);

    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await listUsers(tenant.token, { first: 2, after });
      seen.push(...idsOf(result));
      expect(result.totalCount).toBe(9);
      if (!result.pageInfo.hasNextPage) break;
      after = text(result.pageInfo.endCursor);
    }
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(9);

    // A window between two cursors.
    const firstPage = await listUsers(tenant.token, { first: 2 });
    const lastPage = await listUsers(tenant.token, { last: 2 });
    expect(idsOf(lastPage)).toEqual(expected.slice(7));
    expect(lastPage.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const middle = await listUsers(tenant.token, {
      first: 100,
      after: text(firstPage.pageInfo.endCursor),
      before: text(lastPage.pageInfo.startCursor),
    });
    expect(idsOf(middle)).toEqual(expected.slice(2, 7));
  });

  it.each([
    ['first: 0', { first: 0 }, 'first'],
    ['first: 101', { first: 101 }, 'first'],
    ['first: -1', { first: -1 }, 'first'],
    ['last: 0', { last: 0 }, 'last'],
    ['last: 101', { last: 101 }, 'last'],
    ['a garbage after cursor', { first: 5, after: 'garbage' }, 'after'],
    ['a garbage before cursor', { last: 5, before: 'garbage!!' }, 'before'],
    ['an after cursor of the wrong shape', { first: 5, after: Buffer.from('["x"]').toString('base64url') }, 'after'],
    ['an after cursor that is not JSON', { first: 5, after: Buffer.from('{not json').toString('base64url') }, 'after'],
  ])('rejects %s with a VALIDATION error naming the argument', async (_name, args, field) => {
    const tenant = await app.signUp();
    const extensions = await listError(tenant.token, args);
    expect(extensions).toMatchObject({ code: 'VALIDATION', field });
  });

  it('rejects a forged cursor whose values do not fit the order (VALIDATION after)', async () => {
    const tenant = await app.signUp();
    await app.createUser(tenant);
    // Well-formed JSON of the right length, but neither a timestamp nor a UUID.
    const forged = Buffer.from(JSON.stringify(['not a date', 'not a uuid'])).toString('base64url');
    const extensions = await listError(tenant.token, { first: 5, after: forged });
    expect(extensions).toMatchObject({ code: 'VALIDATION', field: 'after' });
  });

  it('rejects a cursor of another order (VALIDATION after)', async () => {
    const tenant = await app.signUp();
    await app.createUser(tenant);
    const byAddress = await listUsers(tenant.token, { first: 1, orderBy: { field: 'ADDRESS', direction: 'ASC' } });
    const extensions = await listError(tenant.token, { first: 5, after: text(byAddress.pageInfo.endCursor) });
    expect(extensions).toMatchObject({ code: 'VALIDATION', field: 'after' });
  });
});

// ---------------------------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------------------------

describe('the audit log of user mutations', () => {
  it('gets exactly one event per successful mutation, with action, actor and target, newest first', async () => {
    const tenant = await app.signUp();
    const start = await auditLog(tenant.token);
    // signUp() of the harness also makes a deposit.
    expect(start.events.map((event) => event.action)).toEqual(['billing.deposit', 'account.sign_up']);

    const created = await createPerson(tenant.token, { plan: 'ENTRY' });
    const id = text(created.id);
    const afterCreate = await auditLog(tenant.token);
    await expectOneNewEvent(tenant.token, start, { action: 'user.create', actorId: tenant.ownerId, targetId: id });

    expect((await updateUser(tenant.token, { userId: id, displayName: 'Renamed', status: 'SUSPENDED' })).__typename).toBe(
      'UpdateUserSuccess',
    );
    const afterUpdate = await auditLog(tenant.token);
    await expectOneNewEvent(tenant.token, afterCreate, { action: 'user.suspend', actorId: tenant.ownerId, targetId: id });

    expect((await changePlan(tenant.token, { userId: id, plan: 'PRO' })).__typename).toBe('ChangePlanSuccess');
    const afterPlan = await auditLog(tenant.token);
    await expectOneNewEvent(tenant.token, afterUpdate, { action: 'user.change_plan', actorId: tenant.ownerId, targetId: id });

    expect((await deleteUser(tenant.token, id)).__typename).toBe('DeleteUserSuccess');
    await expectOneNewEvent(tenant.token, afterPlan, { action: 'user.delete', actorId: tenant.ownerId, targetId: id });

    const log = await auditLog(tenant.token);
    expect(log.totalCount).toBe(6);
    expect(log.events.map((event) => event.action)).toEqual([
      'user.delete',
      'user.change_plan',
      'user.suspend',
      'user.create',
      'billing.deposit',
      'account.sign_up',
    ]);
    expect(log.events.slice(0, 4).map((event) => event.targetId)).toEqual([id, id, id, id]);
    expect(log.events.slice(0, 4).every((event) => text(event.actor.id) === tenant.ownerId)).toBe(true);
    // Newest first by time as well.
    const times = log.events.map((event) => new Date(text(event.createdAt)).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // Refused mutations add nothing.
    const refused = await auditLog(tenant.token);
    expectFailure(await deleteUser(tenant.token, tenant.ownerId), 'ForbiddenError', 'FORBIDDEN');
    expectFailure(await createUser(tenant.token, personInput({ address: 'bad' })), 'ValidationError', 'VALIDATION', 'address');
    expect((await auditLog(tenant.token)).totalCount).toBe(refused.totalCount);
  });

  it('pages through the audit log newest first', async () => {
    const tenant = await app.signUp();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await app.createUser(tenant, { plan: 'FREE' })).id);
    const result = await app.gql(
      `{ viewer { masterAccount { auditLog(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { action targetId } } } } } }`,
      {},
      tenant.token,
    );
    expect(result.errors).toBeUndefined();
    const page = result.data.viewer.masterAccount.auditLog;
    expect(page.totalCount).toBe(5);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(items(page.edges).map((edge) => edge.node.targetId)).toEqual([ids[2], ids[1]]);
    const next = await app.gql(
      `query ($after: String) { viewer { masterAccount { auditLog(first: 5, after: $after) { pageInfo { hasNextPage } edges { node { action targetId } } } } } }`,
      { after: text(page.pageInfo.endCursor) },
      tenant.token,
    );
    const rest = next.data.viewer.masterAccount.auditLog;
    expect(items(rest.edges).map((edge) => edge.node.action)).toEqual(['user.create', 'billing.deposit', 'account.sign_up']);
    expect(items(rest.edges)[0].node.targetId).toBe(ids[0]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });
});
