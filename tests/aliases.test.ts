import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { addresses, users } from '../server/db/tables.js';
import { runBilling } from '../server/domain/billing.js';
import { startDnsServer } from './dns-server.js';
import { decodeId, items, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type Loose, type Tenant } from './harness.js';

const dns = await startDnsServer();
afterAll(async () => {
  await dns.close();
});
const app = await startApp({ dnsServers: [dns.address] });

const DAY_MS = 24 * 60 * 60 * 1000;

const ERROR = `__typename ... on Error { code message } ... on ValidationError { field } ... on NotFoundError { field }`;
const ADDRESS_ERRORS = `... on AddressTakenError { address } ... on AddressReservedError { address } ... on DomainNotVerifiedError { domain }`;
const ALIAS = 'id address createdAt user { id address }';
const USER = `id address kind plan pendingPlan aliasLimit listMembers aliases { ${ALIAS} }`;

const ADD_ALIAS = `mutation ($input: AddAliasInput!) { addAlias(input: $input) {
  ${ERROR} ${ADDRESS_ERRORS} ... on AddAliasSuccess { alias { ${ALIAS} } } ... on AliasLimitReachedError { limit }
} }`;
const REMOVE_ALIAS = `mutation ($input: RemoveAliasInput!) { removeAlias(input: $input) {
  ${ERROR} ... on RemoveAliasSuccess { removedAliasId user { id aliases { address } } }
} }`;
const CREATE_USER = `mutation ($input: CreateUserInput!) { createUser(input: $input) {
  ${ERROR} ${ADDRESS_ERRORS} ... on CreateUserSuccess { user { ${USER} } }
} }`;
const UPDATE_USER = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) {
  ${ERROR} ... on UpdateUserSuccess { user { ${USER} } }
} }`;
const DELETE_USER = `mutation ($input: DeleteUserInput!) { deleteUser(input: $input) { ${ERROR} } }`;
const CHANGE_PLAN = `mutation ($input: ChangePlanInput!) { changePlan(input: $input) {
  ${ERROR} ... on ChangePlanSuccess { user { ${USER} paidThrough } }
} }`;
const LOG_IN = `mutation ($input: LogInInput!) { logIn(input: $input) { __typename ... on Error { code message } ... on LogInSuccess { token } } }`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename id ... on User { ${USER} } ... on Alias { ${ALIAS} } } }`;
const ACCOUNT = `{ viewer { masterAccount {
  balance { minorUnits }
  users(first: 100) { totalCount edges { node { ${USER} } } }
  auditLog(first: 100) { totalCount edges { node { action targetId details } } }
} } }`;
const ADD_DOMAIN = `mutation ($input: AddDomainInput!) { addDomain(input: $input) {
  ${ERROR} ... on AddDomainSuccess { domain { id name verificationRecord { name value } } }
} }`;
const VERIFY_DOMAIN = `mutation ($input: VerifyDomainInput!) { verifyDomain(input: $input) { ${ERROR} } }`;

/** A fresh address on the provider domain, in the case given. */
function freshAddress(prefix = 'a'): string {
  return `${unique(prefix)}@${MAIL_DOMAIN}`.toLowerCase();
}

async function addAlias(tenant: Tenant, userId: string, address: string): Promise<Loose> {
  const result = await app.gql(ADD_ALIAS, { input: { userId, address } }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.addAlias;
}

async function addedAlias(tenant: Tenant, userId: string, address: string): Promise<Loose> {
  const payload = await addAlias(tenant, userId, address);
  expect(payload.__typename, JSON.stringify(payload)).toBe('AddAliasSuccess');
  return payload.alias;
}

async function removeAlias(tenant: Tenant, aliasId: string): Promise<Loose> {
  const result = await app.gql(REMOVE_ALIAS, { input: { aliasId } }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.removeAlias;
}

async function createUser(tenant: Tenant, input: Record<string, unknown>): Promise<Loose> {
  const result = await app.gql(
    CREATE_USER,
    { input: { displayName: 'Someone', password: PASSWORD, plan: 'ENTRY', ...input } },
    tenant.token,
  );
  expect(result.errors).toBeUndefined();
  return result.data.createUser;
}

async function changePlan(tenant: Tenant, userId: string, plan: string): Promise<Loose> {
  const result = await app.gql(CHANGE_PLAN, { input: { userId, plan } }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.changePlan;
}

async function node(tenant: Tenant, id: string): Promise<Loose> {
  const result = await app.gql(NODE, { id }, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.node;
}

async function userNode(tenant: Tenant, userId: string): Promise<Loose> {
  const user = await node(tenant, userId);
  expect(user?.__typename).toBe('User');
  return user;
}

async function aliasesOf(tenant: Tenant, userId: string): Promise<string[]> {
  return items((await userNode(tenant, userId)).aliases).map((alias) => text(alias.address));
}

async function account(tenant: Tenant): Promise<Loose> {
  const result = await app.gql(ACCOUNT, {}, tenant.token);
  expect(result.errors).toBeUndefined();
  return result.data.viewer.masterAccount;
}

async function auditOf(tenant: Tenant): Promise<{ action: string; targetId: string | null; details: Loose }[]> {
  return items((await account(tenant)).auditLog.edges).map((edge) => ({
    action: text(edge.node.action),
    targetId: edge.node.targetId === null ? null : text(edge.node.targetId),
    details: edge.node.details,
  }));
}

/** Everything a tenant can see that an alias or user mutation could change, plus its rows in `addresses`. */
async function snapshot(tenant: Tenant): Promise<{ masterAccount: Loose; addressRows: unknown[] }> {
  const masterAccount = await account(tenant);
  const addressRows = await app.database.db
    .select()
    .from(addresses)
    .where(eq(addresses.masterAccountId, decodeId(tenant.masterAccountId)))
    .orderBy(addresses.address);
  return { masterAccount, addressRows };
}

/** How many rows hold an address, released or not, across all tenants. */
async function rowsWithAddress(address: string): Promise<number> {
  const rows = await app.database.db.select({ id: addresses.id }).from(addresses).where(eq(addresses.address, address));
  return rows.length;
}

async function moveReleaseBack(address: string, days: number): Promise<void> {
  await app.database.db
    .update(addresses)
    .set({ releasedAt: new Date(Date.now() - days * DAY_MS) })
    .where(eq(addresses.address, address));
}

/** Adds a domain to the tenant, publishes its TXT record and verifies it; returns its name. */
async function verifiedDomain(tenant: Tenant): Promise<string> {
  const added = await app.gql(ADD_DOMAIN, { input: { name: `${unique('d')}.example`.toLowerCase() } }, tenant.token);
  const domain = added.data.addDomain.domain;
  dns.publish('TXT', text(domain.verificationRecord.name), text(domain.verificationRecord.value));
  const verified = await app.gql(VERIFY_DOMAIN, { input: { domainId: text(domain.id) } }, tenant.token);
  expect(verified.data.verifyDomain.__typename).toBe('VerifyDomainSuccess');
  return text(domain.name);
}

function countTypes(payloads: Loose[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const payload of payloads) {
    const type = text(payload.__typename);
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

describe('addAlias and removeAlias', () => {
  it('adds an alias, lowercased, listed by address on User.aliases, with its audit event', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant);
    const later = freshAddress('zz');
    const earlier = freshAddress('aa');
    const started = Date.now();

    const alias = await addedAlias(tenant, user.id, later.toUpperCase());
    expect(alias.address).toBe(later);
    expect(alias.user).toEqual({ id: user.id, address: user.address });
    const createdAt = new Date(text(alias.createdAt)).getTime();
    expect(createdAt).toBeGreaterThanOrEqual(started - 1_000);
    expect(createdAt).toBeLessThanOrEqual(Date.now() + 1_000);
    const second = await addedAlias(tenant, user.id, ` ${earlier} `);
    expect(second.address).toBe(earlier);

    expect(await aliasesOf(tenant, user.id)).toEqual([earlier, later]);

    // Letters, digits, dots, underscores and hyphens (no `+`: tests/subaddress.test.ts); up to 64 characters before @.
    const symbols = `first.last_tag-${unique('x')}`.toLowerCase();
    expect((await addedAlias(tenant, user.id, `${symbols}@${MAIL_DOMAIN}`)).address).toBe(`${symbols}@${MAIL_DOMAIN}`);
    const longest = unique('y').toLowerCase().padStart(64, 'y');
    expect((await addedAlias(tenant, user.id, `${longest}@${MAIL_DOMAIN}`)).address).toBe(`${longest}@${MAIL_DOMAIN}`);
    expect(await node(tenant, text(alias.id))).toMatchObject({ __typename: 'Alias', address: later, user: { id: user.id } });
    expect(await aliasesOf(tenant, user.id)).toHaveLength(4);
    // Nobody else gets more aliases.
    expect(await aliasesOf(tenant, tenant.ownerId)).toEqual([]);

    const audit = (await auditOf(tenant)).filter((event) => event.action === 'alias.add');
    expect(audit).toHaveLength(4);
    expect(audit.map((event) => event.targetId)).toEqual(expect.arrayContaining([text(alias.id), text(second.id)]));
    expect(audit.find((event) => event.targetId === text(alias.id))?.details).toMatchObject({ address: later });
  });

  it('removes an alias, writes alias.remove, and holds the address for 30 days', async () => {
    const tenant = await app.signUp();
    const stranger = await app.signUp();
    const user = await app.createUser(tenant);
    const other = await app.createUser(tenant);
    const address = freshAddress('held');
    const alias = await addedAlias(tenant, user.id, address);

    const removed = await removeAlias(tenant, text(alias.id));
    expect(removed).toMatchObject({ __typename: 'RemoveAliasSuccess', removedAliasId: alias.id, user: { id: user.id, aliases: [] } });
    expect(await aliasesOf(tenant, user.id)).toEqual([]);
    expect(await node(tenant, text(alias.id))).toBeNull();
    const audit = (await auditOf(tenant)).filter((event) => event.action === 'alias.remove');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ targetId: alias.id, details: { address } });
    // It is gone: removing it again finds nothing.
    expect(await removeAlias(tenant, text(alias.id))).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'aliasId' });

    // Held: nobody may take it, in any case, on any tenant, as an alias or as a primary address.
    const taken = { __typename: 'AddressTakenError', code: 'ADDRESS_TAKEN', address };
    expect(await addAlias(tenant, user.id, address)).toMatchObject(taken);
    expect(await addAlias(tenant, other.id, address.toUpperCase())).toMatchObject(taken);
    expect(await createUser(tenant, { address })).toMatchObject(taken);
    expect(await addAlias(stranger, stranger.ownerId, address)).toMatchObject(taken);
    expect(await createUser(stranger, { address })).toMatchObject(taken);

    // Still held after 29 days.
    await moveReleaseBack(address, 29);
    expect(await addAlias(stranger, stranger.ownerId, address)).toMatchObject(taken);
    expect(await createUser(tenant, { address })).toMatchObject(taken);

    // Free again after 30 days: the first taker gets it, and then it is taken again.
    await moveReleaseBack(address, 31);
    const again = await addedAlias(stranger, stranger.ownerId, address);
    expect(again.address).toBe(address);
    expect(again.id).not.toBe(alias.id);
    expect(await rowsWithAddress(address)).toBe(1);
    expect(await addAlias(tenant, user.id, address)).toMatchObject(taken);
    expect(await aliasesOf(stranger, stranger.ownerId)).toEqual([address]);
  });

  it("holds a deleted user's primary address and aliases for 30 days", async () => {
    const tenant = await app.signUp();
    const stranger = await app.signUp();
    const user = await app.createUser(tenant);
    const aliasAddress = freshAddress('gone');
    await addedAlias(tenant, user.id, aliasAddress);
    const deleted = await app.gql(DELETE_USER, { input: { userId: user.id } }, tenant.token);
    expect(deleted.data.deleteUser.__typename).toBe('DeleteUserSuccess');

    for (const address of [user.address, aliasAddress]) {
      expect(await addAlias(stranger, stranger.ownerId, address)).toMatchObject({ __typename: 'AddressTakenError', address });
      expect(await createUser(stranger, { address })).toMatchObject({ __typename: 'AddressTakenError', address });
      await moveReleaseBack(address, 31);
    }
    expect((await createUser(stranger, { address: user.address })).__typename).toBe('CreateUserSuccess');
    expect((await addAlias(stranger, stranger.ownerId, aliasAddress)).__typename).toBe('AddAliasSuccess');
  });
});

describe('alias limits by plan', () => {
  it('allows an ENTRY user 10 aliases and refuses the 11th with ALIAS_LIMIT_REACHED', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'ENTRY' });
    expect((await userNode(tenant, user.id)).aliasLimit).toBe(10);
    for (let i = 0; i < 10; i++) await addedAlias(tenant, user.id, freshAddress(`e${i}`));
    const before = await snapshot(tenant);

    const eleventh = await addAlias(tenant, user.id, freshAddress('e10'));
    expect(eleventh).toMatchObject({ __typename: 'AliasLimitReachedError', code: 'ALIAS_LIMIT_REACHED', limit: 10 });
    expect(await snapshot(tenant)).toEqual(before);
    expect(await aliasesOf(tenant, user.id)).toHaveLength(10);

    // Removing one makes room for exactly one.
    const [first] = items((await userNode(tenant, user.id)).aliases);
    expect((await removeAlias(tenant, text(first.id))).__typename).toBe('RemoveAliasSuccess');
    await addedAlias(tenant, user.id, freshAddress('e11'));
    expect(await addAlias(tenant, user.id, freshAddress('e12'))).toMatchObject({ __typename: 'AliasLimitReachedError', limit: 10 });
  });

  it('gives a FREE user no alias at all', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'FREE' });
    expect((await userNode(tenant, user.id)).aliasLimit).toBe(0);
    const before = await snapshot(tenant);
    expect(await addAlias(tenant, user.id, freshAddress('free'))).toMatchObject({
      __typename: 'AliasLimitReachedError',
      code: 'ALIAS_LIMIT_REACHED',
      limit: 0,
    });
    expect(await snapshot(tenant)).toEqual(before);
  });

  it('allows a PRO user 50 aliases', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'PRO' });
    expect((await userNode(tenant, user.id)).aliasLimit).toBe(50);
    for (let i = 0; i < 50; i++) await addedAlias(tenant, user.id, freshAddress(`p${i}`));
    expect(await addAlias(tenant, user.id, freshAddress('p50'))).toMatchObject({ __typename: 'AliasLimitReachedError', limit: 50 });
    expect(await aliasesOf(tenant, user.id)).toHaveLength(50);
  });

  it('keeps all 12 aliases of a PRO user downgraded to ENTRY but allows no new one', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'PRO' });
    const twelve: string[] = [];
    for (let i = 0; i < 12; i++) twelve.push(text((await addedAlias(tenant, user.id, freshAddress(`dg${i}`))).address));

    // The downgrade waits for the end of the paid period.
    const changed = await changePlan(tenant, user.id, 'ENTRY');
    expect(changed).toMatchObject({ __typename: 'ChangePlanSuccess', user: { plan: 'PRO', pendingPlan: 'ENTRY' } });
    const paidThrough = new Date(text(changed.user.paidThrough));
    await runBilling(app.database.db, new Date(paidThrough.getTime() + 60_000), { masterAccountIds: [decodeId(tenant.masterAccountId)] });

    const downgraded = await userNode(tenant, user.id);
    expect(downgraded).toMatchObject({ plan: 'ENTRY', pendingPlan: null, aliasLimit: 10 });
    expect(items(downgraded.aliases).map((alias) => alias.address)).toEqual([...twelve].sort());
    const before = await snapshot(tenant);
    expect(await addAlias(tenant, user.id, freshAddress('dg12'))).toMatchObject({
      __typename: 'AliasLimitReachedError',
      code: 'ALIAS_LIMIT_REACHED',
      limit: 10,
    });
    expect(await snapshot(tenant)).toEqual(before);

    // Down to 10 by removals: still full. Down to 9: room for one.
    const held = items(downgraded.aliases);
    for (const alias of held.slice(0, 2)) expect((await removeAlias(tenant, text(alias.id))).__typename).toBe('RemoveAliasSuccess');
    expect(await addAlias(tenant, user.id, freshAddress('dg13'))).toMatchObject({ __typename: 'AliasLimitReachedError', limit: 10 });
    expect((await removeAlias(tenant, text(held[2].id))).__typename).toBe('RemoveAliasSuccess');
    await addedAlias(tenant, user.id, freshAddress('dg14'));
    expect(await aliasesOf(tenant, user.id)).toHaveLength(10);
  });

  it("keeps the owner's aliases when the owner's own plan drops from PRO to ENTRY at once", async () => {
    const tenant = await app.signUp({ plan: 'PRO' });
    for (let i = 0; i < 12; i++) await addedAlias(tenant, tenant.ownerId, freshAddress(`ow${i}`));
    const changed = await changePlan(tenant, tenant.ownerId, 'ENTRY');
    expect(changed).toMatchObject({ __typename: 'ChangePlanSuccess', user: { plan: 'ENTRY', aliasLimit: 10 } });
    expect(items(changed.user.aliases)).toHaveLength(12);
    expect(await addAlias(tenant, tenant.ownerId, freshAddress('ow12'))).toMatchObject({ __typename: 'AliasLimitReachedError', limit: 10 });
    expect(await aliasesOf(tenant, tenant.ownerId)).toHaveLength(12);
  });
});

describe('one address namespace, case-insensitive, across tenants', () => {
  it("refuses an alias equal to another user's primary address in any case, on any tenant", async () => {
    const tenant = await app.signUp();
    const stranger = await app.signUp();
    const ada = await app.createUser(tenant);
    const grace = await app.createUser(tenant);
    const upper = ada.address.toUpperCase();
    const taken = { __typename: 'AddressTakenError', code: 'ADDRESS_TAKEN', address: ada.address };

    expect(await addAlias(tenant, grace.id, upper)).toMatchObject(taken);
    expect(await addAlias(tenant, ada.id, upper)).toMatchObject(taken);
    expect(await addAlias(stranger, stranger.ownerId, upper)).toMatchObject(taken);
    expect(await addAlias(stranger, stranger.ownerId, tenant.ownerAddress)).toMatchObject({ __typename: 'AddressTakenError' });
    expect(await aliasesOf(tenant, grace.id)).toEqual([]);
    expect(await aliasesOf(stranger, stranger.ownerId)).toEqual([]);
  });

  it('refuses a primary address equal to an existing alias, and an alias equal to another alias', async () => {
    const tenant = await app.signUp();
    const stranger = await app.signUp();
    const user = await app.createUser(tenant);
    const address = freshAddress('alias');
    await addedAlias(tenant, user.id, address);
    const taken = { __typename: 'AddressTakenError', code: 'ADDRESS_TAKEN', address };
    const tenantBefore = await snapshot(tenant);
    const strangerBefore = await snapshot(stranger);

    expect(await createUser(tenant, { address: address.toUpperCase() })).toMatchObject(taken);
    expect(await createUser(stranger, { address })).toMatchObject(taken);
    expect(await addAlias(tenant, tenant.ownerId, address)).toMatchObject(taken);
    expect(await addAlias(stranger, stranger.ownerId, address.toUpperCase())).toMatchObject(taken);
    const signUp = await app.gql(
      `mutation ($input: SignUpInput!) { signUp(input: $input) { __typename ... on Error { code message } ${ADDRESS_ERRORS} } }`,
      { input: { organizationName: unique('org'), ownerAddress: address.toUpperCase(), ownerDisplayName: 'X', password: PASSWORD, plan: 'ENTRY' } },
    );
    expect(signUp.errors).toBeUndefined();
    expect(signUp.data.signUp).toMatchObject(taken);

    expect(await snapshot(tenant)).toEqual(tenantBefore);
    expect(await snapshot(stranger)).toEqual(strangerBefore);
  });

  it("refuses an alias equal to a mailing list's address", async () => {
    const tenant = await app.signUp();
    const stranger = await app.signUp();
    const listAddress = freshAddress('list');
    const list = await createUser(tenant, { address: listAddress, kind: 'MAILING_LIST', password: null, listMembers: [tenant.ownerAddress] });
    expect(list.__typename, JSON.stringify(list)).toBe('CreateUserSuccess');
    const taken = { __typename: 'AddressTakenError', code: 'ADDRESS_TAKEN', address: listAddress };
    expect(await addAlias(tenant, tenant.ownerId, listAddress.toUpperCase())).toMatchObject(taken);
    expect(await addAlias(stranger, stranger.ownerId, listAddress)).toMatchObject(taken);
    expect(await createUser(stranger, { address: listAddress, kind: 'MAILING_LIST', password: null, listMembers: [] })).toMatchObject(taken);
  });

  it('is enforced by the database itself, not only by the code', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant);
    const masterAccountId = decodeId(tenant.masterAccountId);
    const userId = decodeId(user.id);
    const insert = (address: string) =>
      app.database.db.insert(addresses).values({ address, masterAccountId, userId, kind: 'ALIAS' });
    // The same address again, and the same address in another case.
    await expect(insert(user.address)).rejects.toThrow();
    await expect(insert(user.address.toUpperCase())).rejects.toThrow();
    expect(await rowsWithAddress(user.address)).toBe(1);
  });
});

describe('concurrent attempts to take one address', () => {
  it('10 concurrent addAlias for the same address on different users: exactly one wins', async () => {
    const first = await app.signUp();
    const second = await app.signUp();
    const takers: { tenant: Tenant; userId: string }[] = [];
    for (const tenant of [first, second]) {
      for (let i = 0; i < 5; i++) takers.push({ tenant, userId: (await app.createUser(tenant)).id });
    }
    const address = freshAddress('race');
    const payloads = await Promise.all(takers.map(({ tenant, userId }) => addAlias(tenant, userId, address)));
    expect(countTypes(payloads)).toEqual({ AddAliasSuccess: 1, AddressTakenError: 9 });
    expect(await rowsWithAddress(address)).toBe(1);

    const winner = takers[payloads.findIndex((payload) => String(payload.__typename) === 'AddAliasSuccess')];
    const lists = await Promise.all(takers.map(({ tenant, userId }) => aliasesOf(tenant, userId)));
    expect(lists.filter((list) => list.length > 0)).toEqual([[address]]);
    expect(await aliasesOf(winner.tenant, winner.userId)).toEqual([address]);
    const adds = [...(await auditOf(first)), ...(await auditOf(second))].filter((event) => event.action === 'alias.add');
    expect(adds).toHaveLength(1);
  });

  it('10 concurrent createUser for the same address: exactly one wins and only it is charged', async () => {
    const first = await app.signUp();
    const second = await app.signUp();
    const before = [await account(first), await account(second)];
    const address = freshAddress('race-user');
    const payloads = await Promise.all(
      Array.from({ length: 10 }, (_, i) => createUser(i % 2 === 0 ? first : second, { address: i % 3 === 0 ? address.toUpperCase() : address })),
    );
    expect(countTypes(payloads)).toEqual({ CreateUserSuccess: 1, AddressTakenError: 9 });
    expect(await rowsWithAddress(address)).toBe(1);

    const after = [await account(first), await account(second)];
    const newUsers = after.reduce((sum, masterAccount, i) => sum + Number(masterAccount.users.totalCount) - Number(before[i].users.totalCount), 0);
    expect(newUsers).toBe(1);
    const spent = after.reduce((sum, masterAccount, i) => sum + Number(before[i].balance.minorUnits) - Number(masterAccount.balance.minorUnits), 0);
    expect(spent).toBe(250);
    const rows = await app.database.db
      .select({ id: users.id })
      .from(users)
      .where(inArray(users.masterAccountId, [decodeId(first.masterAccountId), decodeId(second.masterAccountId)]));
    expect(rows).toHaveLength(2 + 1);
  });

  it('15 concurrent addAlias for one ENTRY user: exactly 10 succeed', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'ENTRY' });
    const payloads = await Promise.all(Array.from({ length: 15 }, (_, i) => addAlias(tenant, user.id, freshAddress(`burst${i}`))));
    expect(countTypes(payloads)).toEqual({ AddAliasSuccess: 10, AliasLimitReachedError: 5 });
    expect(await aliasesOf(tenant, user.id)).toHaveLength(10);
    const rows = await app.database.db
      .select({ id: addresses.id })
      .from(addresses)
      .where(and(eq(addresses.userId, decodeId(user.id)), eq(addresses.kind, 'ALIAS')));
    expect(rows).toHaveLength(10);
    expect((await auditOf(tenant)).filter((event) => event.action === 'alias.add')).toHaveLength(10);
  });
});

describe('every error path changes nothing', () => {
  it('leaves aliases, users, addresses and the audit log as they were', async () => {
    const tenant = await app.signUp();
    const stranger = await app.signUp();
    const freeOwner = await app.signUp({ plan: 'FREE' });
    const domain = await verifiedDomain(tenant);
    const user = await app.createUser(tenant, { plan: 'ENTRY' });
    const freeUser = await app.createUser(tenant, { plan: 'FREE' });
    const member = await app.createUser(tenant, { role: 'MEMBER' });
    const memberTenant = { ...tenant, token: await app.logIn(member.address) };
    const existing = text((await addedAlias(tenant, user.id, freshAddress('keep'))).address);
    const strangerUser = await app.createUser(stranger);
    const before = await snapshot(tenant);
    const strangerBefore = await snapshot(stranger);

    const failures: [Tenant, string, string, Record<string, unknown>][] = [
      [tenant, user.id, 'not-an-address', { __typename: 'ValidationError', field: 'address' }],
      [tenant, user.id, `a..b@${MAIL_DOMAIN}`, { __typename: 'ValidationError', field: 'address' }],
      [tenant, user.id, `.ab@${MAIL_DOMAIN}`, { __typename: 'ValidationError', field: 'address' }],
      [tenant, user.id, `${'x'.repeat(65)}@${MAIL_DOMAIN}`, { __typename: 'ValidationError', field: 'address' }],
      [tenant, user.id, `sp ace@${MAIL_DOMAIN}`, { __typename: 'ValidationError', field: 'address' }],
      [tenant, user.id, `postmaster@${domain}`, { __typename: 'AddressReservedError', code: 'ADDRESS_RESERVED' }],
      [tenant, user.id, `someone@${unique('nowhere')}.example`.toLowerCase(), { __typename: 'DomainNotVerifiedError' }],
      [tenant, user.id, existing.toUpperCase(), { __typename: 'AddressTakenError', address: existing }],
      [tenant, user.id, user.address, { __typename: 'AddressTakenError' }],
      [tenant, freeUser.id, freshAddress('free'), { __typename: 'AliasLimitReachedError', limit: 0 }],
      [tenant, strangerUser.id, freshAddress('foreign'), { __typename: 'NotFoundError', field: 'userId' }],
      [tenant, 'not-a-global-id', freshAddress('bad-id'), { code: expect.stringMatching(/^(VALIDATION|NOT_FOUND)$/) }],
      [memberTenant, member.id, freshAddress('member'), { __typename: 'ForbiddenError', code: 'FORBIDDEN' }],
      [memberTenant, user.id, freshAddress('member'), { __typename: 'ForbiddenError', code: 'FORBIDDEN' }],
      [freeOwner, freeOwner.ownerId, freshAddress('upgrade'), { __typename: 'UpgradeRequiredError', code: 'UPGRADE_REQUIRED' }],
    ];
    for (const [actor, userId, address, expected] of failures) {
      expect(await addAlias(actor, userId, address), address).toMatchObject(expected);
    }
    const [kept] = items((await userNode(tenant, user.id)).aliases);
    expect(await removeAlias(memberTenant, text(kept.id))).toMatchObject({ __typename: 'ForbiddenError' });
    expect(await removeAlias(stranger, text(kept.id))).toMatchObject({ __typename: 'NotFoundError' });

    expect(await snapshot(tenant)).toEqual(before);
    expect(await snapshot(stranger)).toEqual(strangerBefore);
    expect(await aliasesOf(tenant, user.id)).toEqual([existing]);
  });
});

describe('mailing lists', () => {
  it('are created with members and no password, cannot log in, and their members can be edited', async () => {
    const tenant = await app.signUp();
    const member = await app.createUser(tenant);
    const listAddress = freshAddress('team');
    const external = `${unique('friend')}@Elsewhere.Example`;
    const created = await createUser(tenant, {
      address: listAddress.toUpperCase(),
      displayName: 'Team',
      kind: 'MAILING_LIST',
      password: null,
      plan: 'FREE',
      listMembers: [member.address, external, external.toLowerCase(), member.address.toUpperCase(), tenant.ownerAddress],
    });
    expect(created.__typename, JSON.stringify(created)).toBe('CreateUserSuccess');
    expect(created.user).toMatchObject({ address: listAddress, kind: 'MAILING_LIST' });
    expect([...items(created.user.listMembers)].sort()).toEqual([member.address, external.toLowerCase(), tenant.ownerAddress].sort());
    const [row] = await app.database.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, decodeId(text(created.user.id))));
    expect(row?.passwordHash).toBeNull();

    for (const password of [PASSWORD, '', 'x'.repeat(12)]) {
      const logIn = await app.gql(LOG_IN, { input: { address: listAddress, password } });
      expect(logIn.errors).toBeUndefined();
      expect(logIn.data.logIn).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });
    }

    const newExternal = `${unique('new')}@other.example`;
    const updated = await app.gql(
      UPDATE_USER,
      { input: { userId: created.user.id, listMembers: [newExternal.toUpperCase(), newExternal, member.address] } },
      tenant.token,
    );
    expect(updated.data.updateUser.__typename, JSON.stringify(updated)).toBe('UpdateUserSuccess');
    expect([...items(updated.data.updateUser.user.listMembers)].sort()).toEqual([newExternal, member.address].sort());
    expect([...items((await userNode(tenant, text(created.user.id))).listMembers)].sort()).toEqual([newExternal, member.address].sort());
    const audit = await auditOf(tenant);
    expect(audit.filter((event) => event.action === 'user.update').map((event) => event.targetId)).toEqual([created.user.id]);

    // A person has no members to edit.
    const person = await app.gql(UPDATE_USER, { input: { userId: member.id, listMembers: [newExternal] } }, tenant.token);
    expect(person.data.updateUser).toMatchObject({ __typename: 'ValidationError', field: 'listMembers' });
    expect((await userNode(tenant, member.id)).listMembers).toEqual([]);
  });

  it('refuses a password, more than 1,000 members and invalid members', async () => {
    const tenant = await app.signUp();
    const before = await snapshot(tenant);
    const list = (n: number) => Array.from({ length: n }, (_, i) => `member${i}@big.example`);
    const base = { kind: 'MAILING_LIST', password: null, plan: 'FREE' };

    expect(await createUser(tenant, { ...base, address: freshAddress('l1'), listMembers: list(1001) })).toMatchObject({
      __typename: 'ValidationError',
      code: 'VALIDATION',
      field: 'listMembers',
    });
    expect(await createUser(tenant, { ...base, address: freshAddress('l2'), password: PASSWORD, listMembers: [] })).toMatchObject({
      __typename: 'ValidationError',
      field: 'password',
    });
    const invalid = await createUser(tenant, { ...base, address: freshAddress('l3'), listMembers: ['ok@big.example', 'not an address'] });
    expect(invalid).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION' });
    expect(text(invalid.field)).toMatch(/^listMembers/);
    expect(await snapshot(tenant)).toEqual(before);

    // Exactly 1,000 is fine; 1,001 by updateUser is refused and changes nothing.
    const created = await createUser(tenant, { ...base, address: freshAddress('l4'), listMembers: list(1000) });
    expect(created.__typename).toBe('CreateUserSuccess');
    expect(items(created.user.listMembers)).toHaveLength(1000);
    const afterCreate = await snapshot(tenant);
    const tooMany = await app.gql(UPDATE_USER, { input: { userId: created.user.id, listMembers: list(1001) } }, tenant.token);
    expect(tooMany.data.updateUser).toMatchObject({ __typename: 'ValidationError', field: 'listMembers' });
    expect(await snapshot(tenant)).toEqual(afterCreate);
  });
});

describe('SQL statements', () => {
  const QUERY = `{ viewer { masterAccount { users(first: 50) { edges { node { address aliases { address } } } } } } }`;

  async function tenantWith(userCount: number): Promise<Tenant> {
    const tenant = await app.signUp();
    const ids = [tenant.ownerId];
    for (let i = 1; i < userCount; i++) ids.push((await app.createUser(tenant)).id);
    for (const id of ids) {
      for (let j = 0; j < 2; j++) await addedAlias(tenant, id, freshAddress(`q${j}`));
    }
    return tenant;
  }

  async function statementsFor(tenant: Tenant): Promise<{ count: number; users: Loose[] }> {
    // One request first, so a token's once-a-minute last-used write does not land in the count.
    await app.gql(QUERY, {}, tenant.token);
    app.statements.length = 0;
    const result = await app.gql(QUERY, {}, tenant.token);
    expect(result.errors).toBeUndefined();
    return { count: app.statements.length, users: items(result.data.viewer.masterAccount.users.edges).map((edge) => edge.node) };
  }

  it('do not grow from 5 to 50 users with their aliases', async () => {
    const small = await tenantWith(5);
    const large = await tenantWith(50);
    const few = await statementsFor(small);
    const many = await statementsFor(large);
    expect(few.users).toHaveLength(5);
    expect(many.users).toHaveLength(50);
    for (const user of [...few.users, ...many.users]) expect(items(user.aliases)).toHaveLength(2);
    expect(many.count).toBe(few.count);
  }, 120_000);
});

describe('tenancy', () => {
  it("treats another tenant's aliases and users as not found", async () => {
    const owner = await app.signUp();
    const stranger = await app.signUp();
    const user = await app.createUser(owner);
    const alias = await addedAlias(owner, user.id, freshAddress('mine'));
    const before = await snapshot(owner);
    const strangerBefore = await snapshot(stranger);

    expect(await removeAlias(stranger, text(alias.id))).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'aliasId' });
    expect(await node(stranger, text(alias.id))).toBeNull();
    expect(await node(stranger, user.id)).toBeNull();
    expect(await addAlias(stranger, user.id, freshAddress('theirs'))).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', field: 'userId' });

    expect(await snapshot(owner)).toEqual(before);
    expect(await snapshot(stranger)).toEqual(strangerBefore);
    expect(await node(owner, text(alias.id))).toMatchObject({ __typename: 'Alias', address: alias.address });
  });
});
