import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents, groupMembers, groups, resourceShares, sharedResources } from '../server/db/tables.js';
import { decodeId, items, MAIL_DOMAIN, PASSWORD, startApp, text, unique, type Loose, type Tenant } from './harness.js';
import { startServer } from './process.js';

const app = await startApp();
const db = app.database.db;

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const ERROR = `__typename
  ... on Error { code message }
  ... on ValidationError { field }
  ... on NotFoundError { field }`;
const NAME_TAKEN = `... on GroupNameTakenError { name }`;
const GROUP = `id name description createdAt
  members(first: 100) { totalCount edges { role addedAt node { id address } } }
  shares { permission resource { id name } group { id } }`;
const RESOURCE = `id kind name createdAt owner { id }
  shares { permission group { id name } resource { id } }
  access { permission user { id } }`;

const SUCCESS = {
  createGroup: `${NAME_TAKEN} ... on CreateGroupSuccess { group { ${GROUP} } }`,
  updateGroup: `${NAME_TAKEN} ... on UpdateGroupSuccess { group { ${GROUP} } }`,
  deleteGroup: `... on DeleteGroupSuccess { deletedGroupId }`,
  addGroupMembers: `... on AddGroupMembersSuccess { group { ${GROUP} } }`,
  removeGroupMembers: `... on RemoveGroupMembersSuccess { group { ${GROUP} } }`,
  createResource: `... on CreateResourceSuccess { resource { ${RESOURCE} } }`,
  deleteResource: `... on DeleteResourceSuccess { deletedResourceId }`,
  shareResource: `... on ShareResourceSuccess { share { permission resource { id } group { id } } }`,
  unshareResource: `... on UnshareResourceSuccess { resource { id shares { group { id } } } group { id } }`,
} as const;
type MutationName = keyof typeof SUCCESS;

const USER_VIEW = `query ($id: ID!) { node(id: $id) { ... on User {
  id address
  groups { role addedAt group { id name } }
  access { permission resource { id name kind } }
} } }`;
const NODE = `query ($id: ID!) { node(id: $id) { __typename id } }`;
const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;
const GROUP_VIEW = `query ($id: ID!) { node(id: $id) { ... on Group { ${GROUP} } } }`;
const RESOURCE_VIEW = `query ($id: ID!) { node(id: $id) { ... on SharedResource { ${RESOURCE} } } }`;
const AUDIT = `{ viewer { masterAccount { auditLog(first: 100) { edges { node { action targetId details } } } } } }`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Input = Record<string, unknown>;
interface Person {
  id: string;
  address: string;
}

function capitalized(name: string): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

async function mutate(name: MutationName, input: Input, token: string): Promise<Loose> {
  const result = await app.gql(
    `mutation ($input: ${capitalized(name)}Input!) { ${name}(input: $input) { ${ERROR} ${SUCCESS[name]} } }`,
    { input },
    token,
  );
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data[name];
}

async function succeed(name: MutationName, input: Input, token: string): Promise<Loose> {
  const payload = await mutate(name, input, token);
  expect(payload.__typename, JSON.stringify(payload)).toBe(`${capitalized(name)}Success`);
  return payload;
}

async function createGroup(tenant: Tenant, input: Input): Promise<Loose> {
  return (await succeed('createGroup', { name: unique('group'), ...input }, tenant.token)).group;
}

async function createResource(tenant: Tenant, ownerId: string, kind = 'CALENDAR', name = unique('resource')): Promise<Loose> {
  return (await succeed('createResource', { kind, name, ownerId }, tenant.token)).resource;
}

async function share(tenant: Tenant, resourceId: string, groupId: string, permission: string): Promise<void> {
  await succeed('shareResource', { resourceId, groupId, permission }, tenant.token);
}

async function person(tenant: Tenant, role: 'ADMIN' | 'MEMBER' = 'MEMBER'): Promise<Person> {
  return app.createUser(tenant, { plan: 'FREE', role });
}

async function people(tenant: Tenant, n: number): Promise<Person[]> {
  const created: Person[] = [];
  for (let i = 0; i < n; i++) created.push(await person(tenant));
  return created;
}

async function mailingList(tenant: Tenant): Promise<string> {
  const result = await app.gql(
    `mutation ($input: CreateUserInput!) { createUser(input: $input) { ... on CreateUserSuccess { user { id } } } }`,
    { input: { address: `${unique('list')}@${MAIL_DOMAIN}`, displayName: 'List', plan: 'FREE', kind: 'MAILING_LIST', listMembers: [] } },
    tenant.token,
  );
  return text(result.data.createUser.user.id);
}

async function view(token: string, query: string, id: string): Promise<Loose> {
  const result = await app.gql(query, { id }, token);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data.node;
}

/** Resource id -> effective permission, as User.access shows it. */
async function accessOf(token: string, userId: string): Promise<Record<string, string>> {
  const user = await view(token, USER_VIEW, userId);
  return Object.fromEntries(items(user.access).map((access) => [text(access.resource.id), text(access.permission)]));
}

function memberRoles(group: Loose): Record<string, string> {
  return Object.fromEntries(items(group.members.edges).map((edge) => [text(edge.node.id), text(edge.role)]));
}

async function auditOf(tenant: Tenant, action: string): Promise<Loose[]> {
  const result = await app.gql(AUDIT, {}, tenant.token);
  expect(result.errors).toBeUndefined();
  return items(result.data.viewer.masterAccount.auditLog.edges)
    .map((edge) => edge.node)
    .filter((event) => text(event.action) === action);
}

/** Every row of the tenant's groups, memberships, resources, shares and audit events. */
async function rowsOf(tenant: Tenant): Promise<Record<string, unknown[]>> {
  const accountId = decodeId(tenant.masterAccountId);
  const groupIds = (await db.select({ id: groups.id }).from(groups).where(eq(groups.masterAccountId, accountId))).map((g) => g.id);
  const resourceIds = (
    await db.select({ id: sharedResources.id }).from(sharedResources).where(eq(sharedResources.masterAccountId, accountId))
  ).map((r) => r.id);
  return {
    groups: await db.select().from(groups).where(eq(groups.masterAccountId, accountId)).orderBy(asc(groups.id)),
    members:
      groupIds.length === 0
        ? []
        : await db.select().from(groupMembers).where(inArray(groupMembers.groupId, groupIds)).orderBy(asc(groupMembers.groupId), asc(groupMembers.userId)),
    resources: await db.select().from(sharedResources).where(eq(sharedResources.masterAccountId, accountId)).orderBy(asc(sharedResources.id)),
    shares:
      resourceIds.length === 0
        ? []
        : await db
            .select()
            .from(resourceShares)
            .where(inArray(resourceShares.resourceId, resourceIds))
            .orderBy(asc(resourceShares.resourceId), asc(resourceShares.groupId)),
    audit: await db.select().from(auditEvents).where(eq(auditEvents.masterAccountId, accountId)).orderBy(asc(auditEvents.seq)),
  };
}

/** Runs a mutation that must fail with `expected`, and checks that it changed no row of the tenant. */
async function refused(tenant: Tenant, name: MutationName, input: Input, token: string, expected: Input): Promise<void> {
  const before = await rowsOf(tenant);
  const payload = await mutate(name, input, token);
  expect(payload, `${name} ${JSON.stringify(input)}`).toMatchObject(expected);
  expect(await rowsOf(tenant)).toEqual(before);
}

// ---------------------------------------------------------------------------------------------
// The story of the issue, over HTTP: in process, and against the server `npm start` runs
// ---------------------------------------------------------------------------------------------

type Post = (query: string, variables: Input, token?: string) => Promise<{ data: Loose; errors?: unknown }>;

async function seedStory(post: Post): Promise<void> {
  const call = async (name: string, input: Input, token?: string, select = '') => {
    const response = await post(
      `mutation ($input: ${capitalized(name)}Input!) { ${name}(input: $input) { __typename ... on Error { code message } ${select} } }`,
      { input },
      token,
    );
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    const payload = response.data[name];
    expect(payload.__typename, JSON.stringify(payload)).toBe(`${capitalized(name)}Success`);
    return payload;
  };
  const signedUp = await call(
    'signUp',
    {
      organizationName: unique('Story'),
      ownerAddress: `${unique('owner')}@${MAIL_DOMAIN}`,
      ownerDisplayName: 'Owner',
      password: PASSWORD,
      plan: 'ENTRY',
    },
    undefined,
    '... on SignUpSuccess { token viewer { user { id } } }',
  );
  const token = text(signedUp.token);
  const ownerId = text(signedUp.viewer.user.id);
  const user = async (name: string) =>
    text(
      (
        await call(
          'createUser',
          { address: `${unique(name)}@${MAIL_DOMAIN}`, displayName: name, password: PASSWORD, plan: 'FREE' },
          token,
          '... on CreateUserSuccess { user { id } }',
        )
      ).user.id,
    );
  const [ann, bob, cat, dan] = [await user('ann'), await user('bob'), await user('cat'), await user('dan')];
  const group = async (name: string, memberIds: string[]) =>
    text((await call('createGroup', { name, memberIds }, token, '... on CreateGroupSuccess { group { id } }')).group.id);
  const team = await group('Team', [ann, bob, cat]);
  const leads = await group('Leads', [bob]);
  const resource = async (kind: string, name: string, owner: string) =>
    text(
      (await call('createResource', { kind, name, ownerId: owner }, token, '... on CreateResourceSuccess { resource { id } }'))
        .resource.id,
    );
  const calendar = await resource('CALENDAR', 'Team calendar', ann);
  const mailbox = await resource('MAILBOX', 'Support inbox', dan);
  await call('shareResource', { resourceId: calendar, groupId: team, permission: 'READ' }, token);
  await call('shareResource', { resourceId: mailbox, groupId: team, permission: 'WRITE' }, token);
  await call('shareResource', { resourceId: calendar, groupId: leads, permission: 'MANAGE' }, token);

  const ACCESS = `{ viewer { masterAccount {
    users(first: 10) { edges { node { id access { permission resource { id } } } } }
    resources(first: 10) { edges { node { id owner { id } access { permission user { id } } } } }
    groups(first: 10) { edges { node { id members(first: 10) { totalCount edges { node { id } } } } } }
  } } }`;
  const state = async () => {
    const response = await post(ACCESS, {}, token);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    const account = response.data.viewer.masterAccount;
    const access = Object.fromEntries(
      items(account.users.edges).map((edge) => [
        text(edge.node.id),
        Object.fromEntries(items(edge.node.access).map((a) => [text(a.resource.id), text(a.permission)])),
      ]),
    );
    const owners = Object.fromEntries(items(account.resources.edges).map((edge) => [text(edge.node.id), text(edge.node.owner.id)]));
    const members = Object.fromEntries(
      items(account.groups.edges).map((edge) => [text(edge.node.id), items(edge.node.members.edges).map((m) => text(m.node.id)).sort()]),
    );
    return { access, owners, members };
  };

  const before = await state();
  // Bob is in both groups: MANAGE on the calendar through Leads, WRITE on the mailbox through Team.
  expect(before.access[bob]).toEqual({ [calendar]: 'MANAGE', [mailbox]: 'WRITE' });
  expect(before.access[ann]).toEqual({ [calendar]: 'MANAGE', [mailbox]: 'WRITE' });
  expect(before.access[cat]).toEqual({ [calendar]: 'READ', [mailbox]: 'WRITE' });
  expect(before.access[dan]).toEqual({ [mailbox]: 'MANAGE' });
  expect(before.access[ownerId]).toEqual({});

  await call('deleteUser', { userId: ann }, token);
  const after = await state();
  expect(after.owners).toEqual({ [calendar]: ownerId, [mailbox]: dan });
  expect(after.members).toEqual({ [team]: [bob, cat].sort(), [leads]: [bob] });
  expect(after.access).toEqual({
    [ownerId]: { [calendar]: 'MANAGE' },
    [bob]: before.access[bob],
    [cat]: before.access[cat],
    [dan]: before.access[dan],
  });
}

describe('the story of groups and sharing', () => {
  it('gives a user in two groups the highest permission of each resource, and survives the owner leaving', async () => {
    await seedStory(app.gql);
  });

  it('runs the same way over plain HTTP against the server process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mailadmin-groups-test-'));
    const server = await startServer({ DATA_DIR: dataDir });
    try {
      await seedStory(async (query, variables, token) => {
        const { body } = await server.post(query, variables, token);
        return body as unknown as { data: Loose; errors?: unknown };
      });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------------

describe('createGroup, updateGroup and deleteGroup', () => {
  it('creates a group with a description and its first members, each a MEMBER, and writes group.create', async () => {
    const tenant = await app.signUp();
    const [a, b] = await people(tenant, 2);
    const started = Date.now();
    const group = await createGroup(tenant, { name: '  Sales team ', description: 'Everyone who sells', memberIds: [b.id, a.id, b.id] });
    expect(group).toMatchObject({ name: 'Sales team', description: 'Everyone who sells', shares: [] });
    expect(group.members.totalCount).toBe(2);
    // By address.
    expect(items(group.members.edges).map((edge) => edge.node.address)).toEqual([a.address, b.address].sort());
    expect(memberRoles(group)).toEqual({ [a.id]: 'MEMBER', [b.id]: 'MEMBER' });
    for (const edge of items(group.members.edges)) {
      expect(new Date(text(edge.addedAt)).getTime()).toBeGreaterThanOrEqual(started - 1_000);
    }
    expect(await view(tenant.token, GROUP_VIEW, text(group.id))).toEqual(group);
    const user = await view(tenant.token, USER_VIEW, a.id);
    expect(user.groups).toEqual([{ role: 'MEMBER', addedAt: group.members.edges[0].addedAt, group: { id: group.id, name: 'Sales team' } }]);

    const audit = await auditOf(tenant, 'group.create');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ targetId: group.id, details: { name: 'Sales team' } });
    expect(items(audit[0].details.memberIds).map(text).sort()).toEqual([decodeId(a.id), decodeId(b.id)].sort());

    const empty = await createGroup(tenant, { name: unique('empty') });
    expect(empty).toMatchObject({ description: null, members: { totalCount: 0, edges: [] } });
  });

  it('keeps names unique per master account in any case, and free for other master accounts', async () => {
    const tenant = await app.signUp();
    const other = await app.signUp();
    const name = unique('Support');
    const group = await createGroup(tenant, { name });
    await refused(tenant, 'createGroup', { name: name.toUpperCase() }, tenant.token, {
      __typename: 'GroupNameTakenError',
      code: 'GROUP_NAME_TAKEN',
      name: name.toUpperCase(),
    });
    await refused(tenant, 'createGroup', { name: ` ${name.toLowerCase()} ` }, tenant.token, { code: 'GROUP_NAME_TAKEN' });
    expect((await createGroup(other, { name })).name).toBe(name);

    const second = await createGroup(tenant, { name: unique('Billing') });
    await refused(tenant, 'updateGroup', { groupId: second.id, name: name.toLowerCase() }, tenant.token, {
      __typename: 'GroupNameTakenError',
      name: name.toLowerCase(),
    });
    // A group may change the case of its own name.
    const renamed = await succeed('updateGroup', { groupId: group.id, name: name.toUpperCase() }, tenant.token);
    expect(renamed.group.name).toBe(name.toUpperCase());
  });

  it('updates the name and the description, clears the description with "", and writes group.update', async () => {
    const tenant = await app.signUp();
    const group = await createGroup(tenant, { name: unique('old'), description: 'first' });
    const name = unique('new');
    const updated = await succeed('updateGroup', { groupId: group.id, name, description: 'second' }, tenant.token);
    expect(updated.group).toMatchObject({ id: group.id, name, description: 'second', createdAt: group.createdAt });
    const cleared = await succeed('updateGroup', { groupId: group.id, description: '' }, tenant.token);
    expect(cleared.group).toMatchObject({ name, description: null });
    const audit = await auditOf(tenant, 'group.update');
    expect(audit).toHaveLength(2);
    expect(audit.map((event) => event.details)).toEqual(
      expect.arrayContaining([
        { changed: ['name', 'description'], from: group.name, to: name },
        { changed: ['description'] },
      ]),
    );
  });

  it('refuses bad names, descriptions and member lists with VALIDATION naming the field, changing nothing', async () => {
    const tenant = await app.signUp();
    const other = await app.signUp();
    const [a] = await people(tenant, 1);
    const stranger = await person(other);
    const list = await mailingList(tenant);
    const group = await createGroup(tenant, {});
    const token = tenant.token;
    const invalid = (field: string) => ({ __typename: 'ValidationError', code: 'VALIDATION', field });

    await refused(tenant, 'createGroup', { name: '   ' }, token, invalid('name'));
    await refused(tenant, 'createGroup', { name: 'x'.repeat(101) }, token, invalid('name'));
    await refused(tenant, 'createGroup', { name: 'two\nlines' }, token, invalid('name'));
    await refused(tenant, 'createGroup', { name: unique('g'), description: 'd'.repeat(501) }, token, invalid('description'));
    await refused(tenant, 'createGroup', { name: unique('g'), memberIds: [a.id, 'not-an-id'] }, token, invalid('memberIds[1]'));
    await refused(tenant, 'createGroup', { name: unique('g'), memberIds: [a.id, group.id] }, token, invalid('memberIds[1]'));
    await refused(tenant, 'createGroup', { name: unique('g'), memberIds: [list] }, token, invalid('memberIds[0]'));
    await refused(tenant, 'createGroup', { name: unique('g'), memberIds: [a.id, stranger.id] }, token, {
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
      field: 'memberIds[1]',
    });
    await refused(tenant, 'updateGroup', { groupId: group.id }, token, invalid('input'));
    await refused(tenant, 'updateGroup', { groupId: group.id, name: '' }, token, invalid('name'));
    await refused(tenant, 'updateGroup', { groupId: 'nope', name: 'x' }, token, invalid('groupId'));
    await refused(tenant, 'deleteGroup', { groupId: a.id }, token, invalid('groupId'));
    await refused(tenant, 'addGroupMembers', { groupId: group.id, userIds: [] }, token, invalid('userIds'));
    await refused(tenant, 'addGroupMembers', { groupId: group.id, userIds: [a.id, list] }, token, invalid('userIds[1]'));
    await refused(tenant, 'removeGroupMembers', { groupId: group.id, userIds: [] }, token, invalid('userIds'));
  });

  it('deletes a group with its memberships and shares, keeping the users and the resources', async () => {
    const tenant = await app.signUp();
    const [a, b] = await people(tenant, 2);
    const group = await createGroup(tenant, { memberIds: [a.id, b.id] });
    const calendar = await createResource(tenant, tenant.ownerId);
    await share(tenant, text(calendar.id), text(group.id), 'WRITE');
    expect(await accessOf(tenant.token, a.id)).toEqual({ [text(calendar.id)]: 'WRITE' });

    const deleted = await succeed('deleteGroup', { groupId: group.id }, tenant.token);
    expect(deleted.deletedGroupId).toBe(group.id);
    expect(await view(tenant.token, NODE, text(group.id))).toBeNull();
    expect(await accessOf(tenant.token, a.id)).toEqual({});
    expect((await view(tenant.token, USER_VIEW, a.id)).groups).toEqual([]);
    expect((await view(tenant.token, RESOURCE_VIEW, text(calendar.id))).shares).toEqual([]);
    expect(await view(tenant.token, NODE, b.id)).toMatchObject({ __typename: 'User' });
    const rows = await rowsOf(tenant);
    expect(rows.members).toEqual([]);
    expect(rows.shares).toEqual([]);
    const audit = await auditOf(tenant, 'group.delete');
    expect(audit).toEqual([
      { action: 'group.delete', targetId: group.id, details: { name: group.name, unsharedResourceIds: [decodeId(text(calendar.id))] } },
    ]);
    await refused(tenant, 'deleteGroup', { groupId: group.id }, tenant.token, { __typename: 'NotFoundError', field: 'groupId' });
  });

  it('lists groups by name with totalCount, page by page', async () => {
    const tenant = await app.signUp();
    const prefix = unique('list');
    for (const suffix of ['c', 'a', 'b']) await createGroup(tenant, { name: `${prefix}-${suffix}` });
    const PAGE = `query ($after: String) { viewer { masterAccount { groups(first: 2, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { name } }
    } } } }`;
    const first = (await app.gql(PAGE, { after: null }, tenant.token)).data.viewer.masterAccount.groups;
    expect(first.totalCount).toBe(3);
    expect(items(first.edges).map((edge) => edge.node.name)).toEqual([`${prefix}-a`, `${prefix}-b`]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await app.gql(PAGE, { after: first.pageInfo.endCursor }, tenant.token)).data.viewer.masterAccount.groups;
    expect(items(second.edges).map((edge) => edge.node.name)).toEqual([`${prefix}-c`]);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });
});

describe('addGroupMembers and removeGroupMembers', () => {
  it('adds members once: adding again changes nothing, another role changes the role', async () => {
    const tenant = await app.signUp();
    const [a, b, c] = await people(tenant, 3);
    const group = await createGroup(tenant, { memberIds: [a.id] });

    const added = await succeed('addGroupMembers', { groupId: group.id, userIds: [b.id, a.id, b.id] }, tenant.token);
    expect(memberRoles(added.group)).toEqual({ [a.id]: 'MEMBER', [b.id]: 'MEMBER' });
    expect(await auditOf(tenant, 'group.add_members')).toEqual([
      {
        action: 'group.add_members',
        targetId: group.id,
        details: { role: 'MEMBER', addedUserIds: [decodeId(b.id)], roleChangedUserIds: [] },
      },
    ]);

    // The same again, with or without the role they have: nothing changes, not even the audit log.
    const before = await rowsOf(tenant);
    await succeed('addGroupMembers', { groupId: group.id, userIds: [a.id, b.id] }, tenant.token);
    await succeed('addGroupMembers', { groupId: group.id, userIds: [a.id, b.id], role: 'MEMBER' }, tenant.token);
    expect(await rowsOf(tenant)).toEqual(before);

    // A role changes the role of those already in and is given to the new ones.
    const promoted = await succeed('addGroupMembers', { groupId: group.id, userIds: [b.id, c.id], role: 'MANAGER' }, tenant.token);
    expect(memberRoles(promoted.group)).toEqual({ [a.id]: 'MEMBER', [b.id]: 'MANAGER', [c.id]: 'MANAGER' });
    const addedAt = (group: Loose, id: string) => items(group.members.edges).find((edge) => text(edge.node.id) === id)?.addedAt;
    expect(addedAt(promoted.group, b.id)).toBe(addedAt(added.group, b.id));
    // Without a role, managers stay managers.
    const again = await succeed('addGroupMembers', { groupId: group.id, userIds: [b.id] }, tenant.token);
    expect(memberRoles(again.group)[b.id]).toBe('MANAGER');
    const demoted = await succeed('addGroupMembers', { groupId: group.id, userIds: [c.id], role: 'MEMBER' }, tenant.token);
    expect(memberRoles(demoted.group)[c.id]).toBe('MEMBER');
    expect((await auditOf(tenant, 'group.add_members')).map((event) => event.details)).toEqual([
      { role: 'MEMBER', addedUserIds: [], roleChangedUserIds: [decodeId(c.id)] },
      { role: 'MANAGER', addedUserIds: [decodeId(c.id)], roleChangedUserIds: [decodeId(b.id)] },
      { role: 'MEMBER', addedUserIds: [decodeId(b.id)], roleChangedUserIds: [] },
    ]);
  });

  it('removes members, skips users who are not in the group, and writes group.remove_members', async () => {
    const tenant = await app.signUp();
    const [a, b, c] = await people(tenant, 3);
    const group = await createGroup(tenant, { memberIds: [a.id, b.id] });
    const removed = await succeed('removeGroupMembers', { groupId: group.id, userIds: [a.id, c.id] }, tenant.token);
    expect(memberRoles(removed.group)).toEqual({ [b.id]: 'MEMBER' });
    expect((await view(tenant.token, USER_VIEW, a.id)).groups).toEqual([]);
    expect(await auditOf(tenant, 'group.remove_members')).toEqual([
      { action: 'group.remove_members', targetId: group.id, details: { removedUserIds: [decodeId(a.id)] } },
    ]);
    const before = await rowsOf(tenant);
    await succeed('removeGroupMembers', { groupId: group.id, userIds: [a.id, c.id] }, tenant.token);
    expect(await rowsOf(tenant)).toEqual(before);
  });

  it('pages the members of a group by address, and refuses a page size out of range', async () => {
    const tenant = await app.signUp();
    const members = await people(tenant, 5);
    const group = await createGroup(tenant, { memberIds: members.map((m) => m.id) });
    const PAGE = `query ($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Group {
      members(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { address } } }
    } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const result = await app.gql(PAGE, { id: group.id, first: 2, after }, tenant.token);
      expect(result.errors).toBeUndefined();
      const page = result.data.node.members;
      expect(page.totalCount).toBe(5);
      seen.push(...items(page.edges).map((edge) => text(edge.node.address)));
      if (!page.pageInfo.hasNextPage) break;
      after = text(page.pageInfo.endCursor);
    }
    expect(seen).toEqual(members.map((m) => m.address).sort());
    const LAST = `query ($id: ID!) { node(id: $id) { ... on Group { members(last: 2) { edges { node { address } } } } } }`;
    const last = await app.gql(LAST, { id: group.id }, tenant.token);
    expect(items(last.data.node.members.edges).map((edge) => edge.node.address)).toEqual(seen.slice(3));
    const tooMany = await app.gql(PAGE, { id: group.id, first: 101 }, tenant.token);
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION', field: 'first' });
  });
});

// ---------------------------------------------------------------------------------------------
// Resources, shares and access
// ---------------------------------------------------------------------------------------------

describe('createResource, deleteResource, shareResource and unshareResource', () => {
  it('creates a resource its owner can MANAGE, and writes resource.create', async () => {
    const tenant = await app.signUp();
    const [a] = await people(tenant, 1);
    const name = unique('Address book');
    const resource = await createResource(tenant, a.id, 'CONTACTS', ` ${name} `);
    expect(resource).toMatchObject({ kind: 'CONTACTS', name, owner: { id: a.id }, shares: [], access: [{ permission: 'MANAGE', user: { id: a.id } }] });
    expect(await accessOf(tenant.token, a.id)).toEqual({ [text(resource.id)]: 'MANAGE' });
    expect(await view(tenant.token, RESOURCE_VIEW, text(resource.id))).toEqual(resource);
    expect(await auditOf(tenant, 'resource.create')).toEqual([
      { action: 'resource.create', targetId: resource.id, details: { kind: 'CONTACTS', name, ownerId: decodeId(a.id) } },
    ]);
    for (const kind of ['CALENDAR', 'DOCUMENTS', 'MAILBOX']) expect((await createResource(tenant, a.id, kind)).kind).toBe(kind);
    const RESOURCES = `{ viewer { masterAccount { resources(first: 10) { totalCount edges { node { kind } } } } } }`;
    expect((await app.gql(RESOURCES, {}, tenant.token)).data.viewer.masterAccount.resources.totalCount).toBe(4);
  });

  it('refuses a bad name or owner with the field named, changing nothing', async () => {
    const tenant = await app.signUp();
    const other = await app.signUp();
    const list = await mailingList(tenant);
    const token = tenant.token;
    const base = { kind: 'CALENDAR', name: 'Calendar', ownerId: tenant.ownerId };
    await refused(tenant, 'createResource', { ...base, name: '' }, token, { __typename: 'ValidationError', field: 'name' });
    await refused(tenant, 'createResource', { ...base, name: 'n'.repeat(101) }, token, { __typename: 'ValidationError', field: 'name' });
    await refused(tenant, 'createResource', { ...base, ownerId: 'x' }, token, { __typename: 'ValidationError', field: 'ownerId' });
    await refused(tenant, 'createResource', { ...base, ownerId: list }, token, { __typename: 'ValidationError', field: 'ownerId' });
    await refused(tenant, 'createResource', { ...base, ownerId: other.ownerId }, token, {
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
      field: 'ownerId',
    });
  });

  it('shares with a group; sharing again changes the permission; unsharing takes it away', async () => {
    const tenant = await app.signUp();
    const [a] = await people(tenant, 1);
    const group = await createGroup(tenant, { memberIds: [a.id] });
    const resource = await createResource(tenant, tenant.ownerId, 'DOCUMENTS');
    const ids = { resourceId: text(resource.id), groupId: text(group.id) };

    const shared = await succeed('shareResource', { ...ids, permission: 'READ' }, tenant.token);
    expect(shared.share).toEqual({ permission: 'READ', resource: { id: resource.id }, group: { id: group.id } });
    expect(await accessOf(tenant.token, a.id)).toEqual({ [ids.resourceId]: 'READ' });
    await share(tenant, ids.resourceId, ids.groupId, 'MANAGE');
    expect(await accessOf(tenant.token, a.id)).toEqual({ [ids.resourceId]: 'MANAGE' });
    const view1 = await view(tenant.token, RESOURCE_VIEW, ids.resourceId);
    expect(view1.shares).toEqual([{ permission: 'MANAGE', group: { id: group.id, name: group.name }, resource: { id: resource.id } }]);
    expect((await view(tenant.token, GROUP_VIEW, ids.groupId)).shares).toEqual([
      { permission: 'MANAGE', resource: { id: resource.id, name: resource.name }, group: { id: group.id } },
    ]);

    // The same permission again changes nothing.
    const before = await rowsOf(tenant);
    await share(tenant, ids.resourceId, ids.groupId, 'MANAGE');
    expect(await rowsOf(tenant)).toEqual(before);

    const unshared = await succeed('unshareResource', ids, tenant.token);
    expect(unshared).toMatchObject({ resource: { id: resource.id, shares: [] }, group: { id: group.id } });
    expect(await accessOf(tenant.token, a.id)).toEqual({});
    const after = await rowsOf(tenant);
    await succeed('unshareResource', ids, tenant.token);
    expect(await rowsOf(tenant)).toEqual(after);

    expect((await auditOf(tenant, 'resource.share')).map((event) => event.details)).toEqual([
      { groupId: decodeId(ids.groupId), permission: 'MANAGE', previous: 'READ' },
      { groupId: decodeId(ids.groupId), permission: 'READ', previous: null },
    ]);
    expect(await auditOf(tenant, 'resource.unshare')).toEqual([
      { action: 'resource.unshare', targetId: resource.id, details: { groupId: decodeId(ids.groupId), permission: 'MANAGE' } },
    ]);
  });

  it('deletes a resource with its shares, so nobody can open it any more', async () => {
    const tenant = await app.signUp();
    const [a] = await people(tenant, 1);
    const group = await createGroup(tenant, { memberIds: [a.id] });
    const resource = await createResource(tenant, a.id, 'MAILBOX');
    await share(tenant, text(resource.id), text(group.id), 'WRITE');
    const deleted = await succeed('deleteResource', { resourceId: resource.id }, tenant.token);
    expect(deleted.deletedResourceId).toBe(resource.id);
    expect(await view(tenant.token, NODE, text(resource.id))).toBeNull();
    expect(await accessOf(tenant.token, a.id)).toEqual({});
    expect((await view(tenant.token, GROUP_VIEW, text(group.id))).shares).toEqual([]);
    expect(await auditOf(tenant, 'resource.delete')).toEqual([
      { action: 'resource.delete', targetId: resource.id, details: { kind: 'MAILBOX', name: resource.name, ownerId: decodeId(a.id) } },
    ]);
    await refused(tenant, 'deleteResource', { resourceId: resource.id }, tenant.token, { __typename: 'NotFoundError', field: 'resourceId' });
  });

  it('gives each user the highest permission over their groups, MANAGE to the owner, and lists who can open what', async () => {
    const tenant = await app.signUp();
    const [a, b, c, owner] = await people(tenant, 4);
    const readers = await createGroup(tenant, { memberIds: [a.id, b.id, owner.id] });
    const writers = await createGroup(tenant, { memberIds: [b.id] });
    const managers = await createGroup(tenant, { memberIds: [c.id] });
    const docs = await createResource(tenant, owner.id, 'DOCUMENTS', 'B docs');
    const calendar = await createResource(tenant, tenant.ownerId, 'CALENDAR', 'A calendar');
    await share(tenant, text(docs.id), text(readers.id), 'READ');
    await share(tenant, text(docs.id), text(writers.id), 'WRITE');
    await share(tenant, text(docs.id), text(managers.id), 'MANAGE');
    await share(tenant, text(calendar.id), text(writers.id), 'READ');

    expect(await accessOf(tenant.token, a.id)).toEqual({ [text(docs.id)]: 'READ' });
    expect(await accessOf(tenant.token, b.id)).toEqual({ [text(docs.id)]: 'WRITE', [text(calendar.id)]: 'READ' });
    expect(await accessOf(tenant.token, c.id)).toEqual({ [text(docs.id)]: 'MANAGE' });
    // Ownership beats the READ the owner's group gives.
    expect(await accessOf(tenant.token, owner.id)).toEqual({ [text(docs.id)]: 'MANAGE' });
    expect(await accessOf(tenant.token, tenant.ownerId)).toEqual({ [text(calendar.id)]: 'MANAGE' });
    // By resource name.
    const user = await view(tenant.token, USER_VIEW, b.id);
    expect(items(user.access).map((access) => access.resource.name)).toEqual(['A calendar', 'B docs']);

    const resource = await view(tenant.token, RESOURCE_VIEW, text(docs.id));
    const byUser = Object.fromEntries(items(resource.access).map((access) => [text(access.user.id), text(access.permission)]));
    expect(byUser).toEqual({ [a.id]: 'READ', [b.id]: 'WRITE', [c.id]: 'MANAGE', [owner.id]: 'MANAGE' });
  });
});

// ---------------------------------------------------------------------------------------------
// Who may do what
// ---------------------------------------------------------------------------------------------

describe('authorization', () => {
  it('lets a MANAGER who is not an administrator change the members of their own groups, and nothing else', async () => {
    const tenant = await app.signUp();
    const manager = await person(tenant);
    const [a, b] = await people(tenant, 2);
    const managed = await createGroup(tenant, {});
    const memberOf = await createGroup(tenant, { memberIds: [manager.id] });
    const elsewhere = await createGroup(tenant, {});
    await succeed('addGroupMembers', { groupId: managed.id, userIds: [manager.id], role: 'MANAGER' }, tenant.token);
    const resource = await createResource(tenant, manager.id);
    const token = await app.logIn(manager.address);

    const added = await succeed('addGroupMembers', { groupId: managed.id, userIds: [a.id, b.id] }, token);
    expect(memberRoles(added.group)).toEqual({ [manager.id]: 'MANAGER', [a.id]: 'MEMBER', [b.id]: 'MEMBER' });
    const removed = await succeed('removeGroupMembers', { groupId: managed.id, userIds: [b.id] }, token);
    expect(memberRoles(removed.group)).toEqual({ [manager.id]: 'MANAGER', [a.id]: 'MEMBER' });
    expect((await auditOf(tenant, 'group.remove_members'))[0]).toMatchObject({ targetId: managed.id });

    const forbidden = { __typename: 'ForbiddenError', code: 'FORBIDDEN' };
    const attempts: [MutationName, Input][] = [
      ['addGroupMembers', { groupId: memberOf.id, userIds: [a.id] }],
      ['addGroupMembers', { groupId: elsewhere.id, userIds: [a.id] }],
      ['removeGroupMembers', { groupId: memberOf.id, userIds: [manager.id] }],
      ['createGroup', { name: unique('mine') }],
      ['updateGroup', { groupId: managed.id, name: unique('renamed') }],
      ['deleteGroup', { groupId: managed.id }],
      ['createResource', { kind: 'CALENDAR', name: 'Mine', ownerId: manager.id }],
      ['deleteResource', { resourceId: resource.id }],
      ['shareResource', { resourceId: resource.id, groupId: managed.id, permission: 'READ' }],
      ['unshareResource', { resourceId: resource.id, groupId: managed.id }],
    ];
    for (const [name, input] of attempts) await refused(tenant, name, input, token, forbidden);

    // Demoted, the manager may no longer change the members.
    await succeed('addGroupMembers', { groupId: managed.id, userIds: [manager.id], role: 'MEMBER' }, tenant.token);
    await refused(tenant, 'addGroupMembers', { groupId: managed.id, userIds: [b.id] }, token, forbidden);
  });

  it('lets an ADMIN do everything, and refuses a MEMBER everything', async () => {
    const tenant = await app.signUp();
    const admin = await person(tenant, 'ADMIN');
    const plain = await person(tenant);
    const adminToken = await app.logIn(admin.address);
    const memberToken = await app.logIn(plain.address);

    const group = (await succeed('createGroup', { name: unique('admins'), memberIds: [plain.id] }, adminToken)).group;
    await succeed('updateGroup', { groupId: group.id, description: 'by an admin' }, adminToken);
    await succeed('addGroupMembers', { groupId: group.id, userIds: [admin.id], role: 'MANAGER' }, adminToken);
    await succeed('removeGroupMembers', { groupId: group.id, userIds: [admin.id] }, adminToken);
    const resource = (await succeed('createResource', { kind: 'MAILBOX', name: 'Inbox', ownerId: plain.id }, adminToken)).resource;
    await succeed('shareResource', { resourceId: resource.id, groupId: group.id, permission: 'WRITE' }, adminToken);

    const forbidden = { __typename: 'ForbiddenError', code: 'FORBIDDEN' };
    const attempts: [MutationName, Input][] = [
      ['createGroup', { name: unique('mine') }],
      ['updateGroup', { groupId: group.id, name: unique('renamed') }],
      ['addGroupMembers', { groupId: group.id, userIds: [plain.id], role: 'MANAGER' }],
      ['removeGroupMembers', { groupId: group.id, userIds: [plain.id] }],
      ['createResource', { kind: 'CALENDAR', name: 'Mine', ownerId: plain.id }],
      ['shareResource', { resourceId: resource.id, groupId: group.id, permission: 'MANAGE' }],
      ['unshareResource', { resourceId: resource.id, groupId: group.id }],
      ['deleteResource', { resourceId: resource.id }],
      ['deleteGroup', { groupId: group.id }],
    ];
    for (const [name, input] of attempts) await refused(tenant, name, input, memberToken, forbidden);

    await succeed('unshareResource', { resourceId: resource.id, groupId: group.id }, adminToken);
    await succeed('deleteResource', { resourceId: resource.id }, adminToken);
    await succeed('deleteGroup', { groupId: group.id }, adminToken);
  });

  it('answers UPGRADE_REQUIRED to a FREE owner and FORBIDDEN to a token without WRITE', async () => {
    const free = await app.signUp({ plan: 'FREE' });
    await refused(free, 'createGroup', { name: 'Team' }, free.token, { __typename: 'UpgradeRequiredError', code: 'UPGRADE_REQUIRED' });
    await refused(free, 'createResource', { kind: 'CALENDAR', name: 'Cal', ownerId: free.ownerId }, free.token, {
      code: 'UPGRADE_REQUIRED',
    });

    const tenant = await app.signUp();
    const group = await createGroup(tenant, {});
    const created = await app.gql(
      `mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { ... on CreateApiTokenSuccess { token } } }`,
      { input: { name: 'reader', scopes: ['READ'] } },
      tenant.token,
    );
    const reader = text(created.data.createApiToken.token);
    const resource = await createResource(tenant, tenant.ownerId);
    const inputs: Record<MutationName, Input> = {
      createGroup: { name: unique('read-only') },
      updateGroup: { groupId: group.id, name: unique('read-only') },
      deleteGroup: { groupId: group.id },
      addGroupMembers: { groupId: group.id, userIds: [tenant.ownerId] },
      removeGroupMembers: { groupId: group.id, userIds: [tenant.ownerId] },
      createResource: { kind: 'CALENDAR', name: 'Cal', ownerId: tenant.ownerId },
      deleteResource: { resourceId: resource.id },
      shareResource: { resourceId: resource.id, groupId: group.id, permission: 'READ' },
      unshareResource: { resourceId: resource.id, groupId: group.id },
    };
    const before = await rowsOf(tenant);
    for (const [name, input] of Object.entries(inputs)) {
      const result = await app.gql(
        `mutation ($input: ${capitalized(name)}Input!) { ${name}(input: $input) { __typename } }`,
        { input },
        reader,
      );
      expect(result.errors?.[0]?.extensions?.code, name).toBe('FORBIDDEN');
    }
    expect(await rowsOf(tenant)).toEqual(before);
    // Reading is fine.
    expect(await view(reader, GROUP_VIEW, text(group.id))).toMatchObject({ id: group.id });
  });
});

describe('tenancy', () => {
  it("reads another tenant's groups and resources as missing and refuses their ids with NOT_FOUND", async () => {
    const a = await app.signUp();
    const b = await app.signUp();
    const [aUser] = await people(a, 1);
    const [bUser] = await people(b, 1);
    const aGroup = await createGroup(a, { memberIds: [aUser.id] });
    const bGroup = await createGroup(b, { memberIds: [bUser.id] });
    const aResource = await createResource(a, aUser.id);
    const bResource = await createResource(b, bUser.id);
    await share(b, text(bResource.id), text(bGroup.id), 'READ');

    for (const id of [bGroup.id, bResource.id]) expect(await view(a.token, NODE, text(id))).toBeNull();
    const nodes = await app.gql(NODES, { ids: [aGroup.id, bGroup.id, bResource.id, aResource.id] }, a.token);
    expect(nodes.data.nodes).toEqual([
      { __typename: 'Group', id: aGroup.id },
      null,
      null,
      { __typename: 'SharedResource', id: aResource.id },
    ]);
    const LISTS = `{ viewer { masterAccount { groups(first: 100) { edges { node { id } } } resources(first: 100) { edges { node { id } } } } } }`;
    const lists = (await app.gql(LISTS, {}, a.token)).data.viewer.masterAccount;
    expect(items(lists.groups.edges).map((edge) => edge.node.id)).toEqual([aGroup.id]);
    expect(items(lists.resources.edges).map((edge) => edge.node.id)).toEqual([aResource.id]);

    const notFound = (field: string) => ({ __typename: 'NotFoundError', code: 'NOT_FOUND', field });
    const attempts: [MutationName, Input, string][] = [
      ['updateGroup', { groupId: bGroup.id, name: 'mine now' }, 'groupId'],
      ['deleteGroup', { groupId: bGroup.id }, 'groupId'],
      ['addGroupMembers', { groupId: bGroup.id, userIds: [aUser.id] }, 'groupId'],
      ['addGroupMembers', { groupId: aGroup.id, userIds: [aUser.id, a.ownerId, bUser.id] }, 'userIds[2]'],
      ['removeGroupMembers', { groupId: bGroup.id, userIds: [bUser.id] }, 'groupId'],
      ['removeGroupMembers', { groupId: aGroup.id, userIds: [bUser.id] }, 'userIds[0]'],
      ['createGroup', { name: unique('g'), memberIds: [bUser.id] }, 'memberIds[0]'],
      ['createResource', { kind: 'CALENDAR', name: 'Cal', ownerId: bUser.id }, 'ownerId'],
      ['deleteResource', { resourceId: bResource.id }, 'resourceId'],
      ['shareResource', { resourceId: bResource.id, groupId: aGroup.id, permission: 'READ' }, 'resourceId'],
      ['shareResource', { resourceId: aResource.id, groupId: bGroup.id, permission: 'READ' }, 'groupId'],
      ['unshareResource', { resourceId: bResource.id, groupId: bGroup.id }, 'resourceId'],
      ['unshareResource', { resourceId: aResource.id, groupId: bGroup.id }, 'groupId'],
    ];
    const bBefore = await rowsOf(b);
    for (const [name, input, field] of attempts) await refused(a, name, input, a.token, notFound(field));
    expect(await rowsOf(b)).toEqual(bBefore);
  });
});

describe('deleteUser', () => {
  it("removes the user's memberships and hands their resources to the owner, with resource.transfer events", async () => {
    const tenant = await app.signUp();
    const [leaving, staying] = await people(tenant, 2);
    const first = await createGroup(tenant, { memberIds: [leaving.id, staying.id] });
    const second = await createGroup(tenant, { memberIds: [leaving.id] });
    const calendar = await createResource(tenant, leaving.id, 'CALENDAR');
    const docs = await createResource(tenant, leaving.id, 'DOCUMENTS');
    const other = await createResource(tenant, staying.id, 'CONTACTS');
    await share(tenant, text(calendar.id), text(first.id), 'WRITE');

    const deleted = await app.gql(
      `mutation ($input: DeleteUserInput!) { deleteUser(input: $input) { __typename } }`,
      { input: { userId: leaving.id } },
      tenant.token,
    );
    expect(deleted.data.deleteUser.__typename).toBe('DeleteUserSuccess');
    expect(memberRoles(await view(tenant.token, GROUP_VIEW, text(first.id)))).toEqual({ [staying.id]: 'MEMBER' });
    expect((await view(tenant.token, GROUP_VIEW, text(second.id))).members).toEqual({ totalCount: 0, edges: [] });
    for (const resource of [calendar, docs]) {
      expect((await view(tenant.token, RESOURCE_VIEW, text(resource.id))).owner).toEqual({ id: tenant.ownerId });
    }
    expect((await view(tenant.token, RESOURCE_VIEW, text(other.id))).owner).toEqual({ id: staying.id });
    expect(await accessOf(tenant.token, tenant.ownerId)).toEqual({ [text(calendar.id)]: 'MANAGE', [text(docs.id)]: 'MANAGE' });
    expect(await accessOf(tenant.token, staying.id)).toEqual({ [text(calendar.id)]: 'WRITE', [text(other.id)]: 'MANAGE' });

    const transfers = await auditOf(tenant, 'resource.transfer');
    expect(transfers.map((event) => event.targetId).sort()).toEqual([calendar.id, docs.id].sort());
    expect(transfers[0].details).toMatchObject({ fromUserId: decodeId(leaving.id), toUserId: decodeId(tenant.ownerId) });
    expect(await auditOf(tenant, 'user.delete')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// SQL statements per request
// ---------------------------------------------------------------------------------------------

const GROUPS_PAGE = `{ viewer { masterAccount { groups(first: 50) { edges { node {
  members(first: 50) { edges { node { address } } }
  shares { resource { name } }
} } } } } }`;
const ACCESS_PAGE = `{ viewer { masterAccount { users(first: 50) { edges { node {
  access { resource { name } permission }
} } } } } }`;

async function statementsFor(token: string, query: string): Promise<{ count: number; result: Loose }> {
  // One request first, so the token's lookup and its once-a-minute last-used write do not land
  // in the count: the token cache answers the second.
  await app.gql(query, {}, token);
  app.statements.length = 0;
  const result = await app.gql(query, {}, token);
  expect(result.errors).toBeUndefined();
  return { count: app.statements.length, result: result.data };
}

/** A tenant with the owner and `userCount` people, and `groupCount` groups of all of them, each sharing two resources. */
async function sharingTenant(userCount: number, groupCount: number): Promise<Tenant> {
  const tenant = await app.signUp();
  const members = await people(tenant, userCount);
  const calendar = await createResource(tenant, members[0].id, 'CALENDAR');
  const mailbox = await createResource(tenant, tenant.ownerId, 'MAILBOX');
  for (let i = 0; i < groupCount; i++) {
    const group = await createGroup(tenant, { memberIds: [tenant.ownerId, ...members.map((m) => m.id)] });
    await share(tenant, text(calendar.id), text(group.id), i % 2 === 0 ? 'READ' : 'WRITE');
    await share(tenant, text(mailbox.id), text(group.id), 'READ');
  }
  return tenant;
}

describe('SQL statements per request', () => {
  it('do not grow with the page sizes of groups, members, shares and access', async () => {
    const small = await sharingTenant(2, 2);
    const large = await sharingTenant(49, 50);

    const fewGroups = await statementsFor(small.token, GROUPS_PAGE);
    const manyGroups = await statementsFor(large.token, GROUPS_PAGE);
    const largeGroups = items(manyGroups.result.viewer.masterAccount.groups.edges);
    expect(largeGroups).toHaveLength(50);
    expect(largeGroups.every((edge) => items(edge.node.members.edges).length === 50)).toBe(true);
    expect(largeGroups.every((edge) => items(edge.node.shares).length === 2)).toBe(true);
    expect(manyGroups.count).toBe(fewGroups.count);
    // The page of groups, their members, their shares, the shared resources.
    expect(manyGroups.count).toBeLessThanOrEqual(4);

    const fewAccess = await statementsFor(small.token, ACCESS_PAGE);
    const manyAccess = await statementsFor(large.token, ACCESS_PAGE);
    const largeUsers = items(manyAccess.result.viewer.masterAccount.users.edges);
    expect(largeUsers).toHaveLength(50);
    expect(largeUsers.every((edge) => items(edge.node.access).length === 2)).toBe(true);
    expect(manyAccess.count).toBe(fewAccess.count);
    // The page of users, and their access with the resources.
    expect(manyAccess.count).toBeLessThanOrEqual(2);
  }, 120_000);

  it('count the members of a page of groups in the statement that reads the page', async () => {
    const tenant = await sharingTenant(3, 3);
    const countsOnly = `{ viewer { masterAccount { groups(first: 10) { edges { node {
      members { totalCount ... on GroupMemberConnection { __typename } }
    } } } } } }`;
    const { count, result } = await statementsFor(tenant.token, countsOnly);
    const counted = items(result.viewer.masterAccount.groups.edges).map((edge) => edge.node.members.totalCount);
    expect(counted).toEqual([4, 4, 4]);
    expect(app.statements.some((statement) => statement.includes('"group_members"."added_at"'))).toBe(false);
    // The page of groups, which counts each group's members (the token was resolved before).
    expect(count).toBe(1);
    expect(app.statements.filter((statement) => statement.includes('count('))).toEqual([
      expect.stringContaining('(select count(*) from "group_members" "counted" where "counted"."group_id" = "groups"."id") from "groups"'),
    ]);

    // Asking for a member too reads the page of members again; as it holds every member, the
    // page's length is the count and no count statement runs.
    const withMembers = await statementsFor(tenant.token, countsOnly.replace('__typename }', '__typename } edges { node { address } }'));
    expect(items(withMembers.result.viewer.masterAccount.groups.edges).map((edge) => edge.node.members.totalCount)).toEqual([4, 4, 4]);
    expect(withMembers.count).toBe(2);
    expect(app.statements.some((statement) => statement.includes('"group_members"."added_at"'))).toBe(true);
    // No count but the one inside the page of groups.
    expect(app.statements.filter((statement) => statement.includes('count(') && !statement.includes('"counted"'))).toEqual([]);

    // A page smaller than the list reads its members, and its count came with the group.
    const firstTwo = await statementsFor(tenant.token, countsOnly.replace('members {', 'members(first: 2) {').replace('__typename }', '__typename } edges { node { address } }'));
    expect(items(firstTwo.result.viewer.masterAccount.groups.edges).map((edge) => edge.node.members.totalCount)).toEqual([4, 4, 4]);
    expect(firstTwo.count).toBe(2);

    // The count a group brought is given only for page arguments a page of members would accept.
    for (const [args, field] of [['first: 0', 'first'], ['first: 2, last: 2', 'last'], ['after: "not a cursor"', 'after']] as const) {
      const refused = await app.gql(countsOnly.replace('members {', `members(${args}) {`), {}, tenant.token);
      // graphql-jit reports each group's error; graphql-js stops the list at the first one.
      expect(refused.errors?.length).toBeGreaterThan(0);
      for (const error of refused.errors ?? []) expect(error.extensions).toMatchObject({ code: 'VALIDATION', field });
    }
  });
});
