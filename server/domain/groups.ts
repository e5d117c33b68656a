import { and, asc, count, eq, getTableColumns, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { sqlState, UNIQUE_VIOLATION, type Db } from '../db/client.js';
import { countOnlyPage, keysetPage, totalOf, orderOf, splitTotal, type Page, type PageArgs, type SortKey } from '../db/pagination.js';
import { preparedStatement, literally } from '../db/prepared.js';
import {
  addresses,
  groupMembers,
  groups,
  resourceShares,
  sharedResources,
  users,
  type groupRoleEnum,
  type resourceKindEnum,
  type sharePermissionEnum,
} from '../db/tables.js';
import { recordAudit } from './audit.js';
import { ForbiddenError, GroupNameTakenError, NotFoundError, ValidationError } from './errors.js';
import { userColumns, type AccountKind, type UserRow } from './users.js';
import { requireText } from './validation.js';
import { assertAdmin, assertConsole, isAdmin, type Viewer } from './viewer.js';

export type GroupRole = (typeof groupRoleEnum.enumValues)[number];
export type ResourceKind = (typeof resourceKindEnum.enumValues)[number];
export type SharePermission = (typeof sharePermissionEnum.enumValues)[number];
export type GroupRow = typeof groups.$inferSelect;
export type ResourceRow = typeof sharedResources.$inferSelect;

/** A share as the API shows it; the master account tells which tenant's loaders resolve its ends. */
export interface ShareRow {
  resourceId: string;
  groupId: string;
  permission: SharePermission;
  masterAccountId: string;
}

/** How many users one call may add or remove, like the members of a mailing list. */
const MAX_USERS_PER_CALL = 1000;
// What ownership grants, as a value of the enum so it compares with shares in max().
const MANAGE = sql<SharePermission>`'MANAGE'::share_permission`;
const primaryAddress = and(eq(addresses.userId, users.id), literally(eq(addresses.kind, 'PRIMARY')));

const groupName = (name: string) => requireText('name', name, 1, 100);
/** An empty description clears it. */
const groupDescription = (description: string) => requireText('description', description, 0, 500) || null;

export async function loadGroups(db: Db, masterAccountId: string, ids: readonly string[]): Promise<GroupRow[]> {
  return db
    .select()
    .from(groups)
    .where(and(eq(groups.masterAccountId, masterAccountId), inArray(groups.id, [...ids])));
}

export async function loadResources(db: Db, masterAccountId: string, ids: readonly string[]): Promise<ResourceRow[]> {
  return db
    .select()
    .from(sharedResources)
    .where(and(eq(sharedResources.masterAccountId, masterAccountId), inArray(sharedResources.id, [...ids])));
}

async function lockGroup(tx: Db, viewer: Viewer, groupId: string): Promise<GroupRow> {
  const [group] = await tx
    .select()
    .from(groups)
    .where(and(eq(groups.id, groupId), eq(groups.masterAccountId, viewer.masterAccountId)))
    .for('no key update');
  if (!group) throw new NotFoundError('groupId', 'group');
  return group;
}

async function lockResource(tx: Db, viewer: Viewer, resourceId: string): Promise<ResourceRow> {
  const [resource] = await tx
    .select()
    .from(sharedResources)
    .where(and(eq(sharedResources.id, resourceId), eq(sharedResources.masterAccountId, viewer.masterAccountId)))
    .for('no key update');
  if (!resource) throw new NotFoundError('resourceId', 'resource');
  return resource;
}

/**
 * The kinds of the users behind `ids` that belong to the viewer's master account, locked for share
 * so a concurrent deleteUser waits instead of breaking a membership's or an ownership's key.
 */
async function lockUsers(tx: Db, viewer: Viewer, ids: readonly string[]): Promise<Map<string, AccountKind>> {
  const found = await tx
    .select({ id: users.id, kind: users.kind })
    .from(users)
    .where(and(eq(users.masterAccountId, viewer.masterAccountId), inArray(users.id, [...new Set(ids)])))
    .for('share');
  return new Map(found.map((user) => [user.id, user.kind]));
}

function assertPerson(kinds: Map<string, AccountKind>, id: string, field: string): void {
  const kind = kinds.get(id);
  if (!kind) throw new NotFoundError(field, 'user');
  // A mailing list cannot sign in, so membership or ownership would give access to nobody.
  if (kind === 'MAILING_LIST') throw new ValidationError(field, 'is a mailing list; only people can be in groups and own resources');
}

function requireUserIds(field: string, ids: readonly string[]): void {
  if (ids.length === 0) throw new ValidationError(field, 'must name at least one user');
  if (ids.length > MAX_USERS_PER_CALL) throw new ValidationError(field, `must name at most ${MAX_USERS_PER_CALL} users`);
}

/** The distinct people behind `field`'s list of ids, each checked and locked. */
async function lockPeople(tx: Db, viewer: Viewer, field: string, ids: readonly string[]): Promise<string[]> {
  requireUserIds(field, ids);
  const kinds = await lockUsers(tx, viewer, ids);
  ids.forEach((id, i) => assertPerson(kinds, id, `${field}[${i}]`));
  return [...new Set(ids)];
}

/**
 * Owners and administrators manage every group; a MANAGER of the group may change its members,
 * and that is all a MANAGER may do.
 */
async function assertManagesMembers(tx: Db, viewer: Viewer, groupId: string): Promise<void> {
  if (isAdmin(viewer)) return;
  const [own] = await tx
    .select({ userId: groupMembers.userId })
    .from(groupMembers)
    .where(and(eq(groupMembers.groupId, groupId), eq(groupMembers.userId, viewer.userId), literally(eq(groupMembers.role, 'MANAGER'))));
  if (!own) throw new ForbiddenError("Only the owner, an administrator or a manager of this group may change its members.");
}

export interface CreateGroupInput {
  name: string;
  description?: string | null;
  memberIds?: readonly string[] | null;
}

export async function createGroup(db: Db, viewer: Viewer, input: CreateGroupInput): Promise<GroupRow> {
  assertAdmin(viewer, 'create groups');
  const name = groupName(input.name);
  const description = input.description == null ? null : groupDescription(input.description);
  return db.transaction(async (tx) => {
    const memberIds = input.memberIds?.length ? await lockPeople(tx, viewer, 'memberIds', input.memberIds) : [];
    // The unique index on (account, lower(name)) decides races between two creations of one name.
    const [group] = await tx
      .insert(groups)
      .values({ masterAccountId: viewer.masterAccountId, name, description })
      .onConflictDoNothing()
      .returning();
    if (!group) throw new GroupNameTakenError(name);
    if (memberIds.length > 0) {
      await tx.insert(groupMembers).values(memberIds.map((userId) => ({ groupId: group.id, userId, role: 'MEMBER' as const })));
    }
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'group.create',
      target: { type: 'Group', id: group.id },
      details: { name, memberIds },
    });
    return group;
  });
}

export interface UpdateGroupInput {
  groupId: string;
  name?: string | null;
  description?: string | null;
}

export async function updateGroup(db: Db, viewer: Viewer, input: UpdateGroupInput): Promise<GroupRow> {
  assertAdmin(viewer, 'change groups');
  const changes: Partial<typeof groups.$inferInsert> = {};
  if (input.name != null) changes.name = groupName(input.name);
  if (input.description != null) changes.description = groupDescription(input.description);
  if (Object.keys(changes).length === 0) throw new ValidationError('input', 'name at least one of name or description');
  const update = db.transaction(async (tx) => {
    const group = await lockGroup(tx, viewer, input.groupId);
    const [updated] = await tx.update(groups).set(changes).where(eq(groups.id, group.id)).returning();
    if (!updated) throw new Error('updated group not found');
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'group.update',
      target: { type: 'Group', id: group.id },
      details: { changed: Object.keys(changes), ...(changes.name ? { from: group.name, to: changes.name } : {}) },
    });
    return updated;
  });
  // The unique index on (account, lower(name)) decides, also between two concurrent renames.
  return update.catch((error: unknown) => {
    if (changes.name && sqlState(error) === UNIQUE_VIOLATION) throw new GroupNameTakenError(changes.name);
    throw error;
  });
}

/** Deletes a group with its shares and memberships; its members lose the access it gave them. */
export async function deleteGroup(db: Db, viewer: Viewer, groupId: string): Promise<GroupRow> {
  assertAdmin(viewer, 'delete groups');
  return db.transaction(async (tx) => {
    const group = await lockGroup(tx, viewer, groupId);
    const unshared = await tx
      .delete(resourceShares)
      .where(eq(resourceShares.groupId, group.id))
      .returning({ resourceId: resourceShares.resourceId });
    await tx.delete(groups).where(eq(groups.id, group.id));
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'group.delete',
      target: { type: 'Group', id: group.id },
      details: { name: group.name, unsharedResourceIds: unshared.map((share) => share.resourceId) },
    });
    return group;
  });
}

export interface AddGroupMembersInput {
  groupId: string;
  userIds: readonly string[];
  /** New members get MEMBER when it is left out; members already in keep their role then. */
  role?: GroupRole | null;
}

/**
 * Adds users to a group. Someone already in it is not an error: with no role, or the role they
 * have, nothing changes; with another role, their role changes.
 */
export async function addGroupMembers(db: Db, viewer: Viewer, input: AddGroupMembersInput): Promise<GroupRow> {
  assertConsole(viewer);
  return db.transaction(async (tx) => {
    // The group's row lock serializes membership changes of one group.
    const group = await lockGroup(tx, viewer, input.groupId);
    await assertManagesMembers(tx, viewer, group.id);
    const userIds = await lockPeople(tx, viewer, 'userIds', input.userIds);
    const current = await tx
      .select({ userId: groupMembers.userId, role: groupMembers.role })
      .from(groupMembers)
      .where(and(eq(groupMembers.groupId, group.id), inArray(groupMembers.userId, userIds)));
    const roles = new Map(current.map((member) => [member.userId, member.role]));
    const added = userIds.filter((id) => !roles.has(id));
    const changed = input.role ? userIds.filter((id) => roles.has(id) && roles.get(id) !== input.role) : [];
    const role = input.role ?? 'MEMBER';
    if (added.length > 0) {
      await tx.insert(groupMembers).values(added.map((userId) => ({ groupId: group.id, userId, role })));
    }
    if (changed.length > 0) {
      await tx
        .update(groupMembers)
        .set({ role })
        .where(and(eq(groupMembers.groupId, group.id), inArray(groupMembers.userId, changed)));
    }
    if (added.length > 0 || changed.length > 0) {
      await recordAudit(tx, {
        masterAccountId: viewer.masterAccountId,
        actorId: viewer.userId,
        action: 'group.add_members',
        target: { type: 'Group', id: group.id },
        details: { role, addedUserIds: added, roleChangedUserIds: changed },
      });
    }
    return group;
  });
}

/** Removes users from a group; a user who is not in it is not an error. */
export async function removeGroupMembers(
  db: Db,
  viewer: Viewer,
  input: { groupId: string; userIds: readonly string[] },
): Promise<GroupRow> {
  assertConsole(viewer);
  return db.transaction(async (tx) => {
    const group = await lockGroup(tx, viewer, input.groupId);
    await assertManagesMembers(tx, viewer, group.id);
    requireUserIds('userIds', input.userIds);
    const known = await lockUsers(tx, viewer, input.userIds);
    input.userIds.forEach((id, i) => {
      if (!known.has(id)) throw new NotFoundError(`userIds[${i}]`, 'user');
    });
    const removed = await tx
      .delete(groupMembers)
      .where(and(eq(groupMembers.groupId, group.id), inArray(groupMembers.userId, [...known.keys()])))
      .returning({ userId: groupMembers.userId });
    if (removed.length > 0) {
      await recordAudit(tx, {
        masterAccountId: viewer.masterAccountId,
        actorId: viewer.userId,
        action: 'group.remove_members',
        target: { type: 'Group', id: group.id },
        details: { removedUserIds: removed.map((member) => member.userId) },
      });
    }
    return group;
  });
}

export interface CreateResourceInput {
  kind: ResourceKind;
  name: string;
  ownerId: string;
}

export async function createResource(db: Db, viewer: Viewer, input: CreateResourceInput): Promise<ResourceRow> {
  assertAdmin(viewer, 'create shared resources');
  const name = requireText('name', input.name, 1, 100);
  return db.transaction(async (tx) => {
    const ownerId = input.ownerId;
    assertPerson(await lockUsers(tx, viewer, [ownerId]), ownerId, 'ownerId');
    const [resource] = await tx
      .insert(sharedResources)
      .values({ masterAccountId: viewer.masterAccountId, kind: input.kind, name, ownerId })
      .returning();
    if (!resource) throw new Error('resource insert returned no row');
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'resource.create',
      target: { type: 'SharedResource', id: resource.id },
      details: { kind: input.kind, name, ownerId },
    });
    return resource;
  });
}

/** Deletes a resource with its shares. */
export async function deleteResource(db: Db, viewer: Viewer, resourceId: string): Promise<ResourceRow> {
  assertAdmin(viewer, 'delete shared resources');
  return db.transaction(async (tx) => {
    const resource = await lockResource(tx, viewer, resourceId);
    await tx.delete(sharedResources).where(eq(sharedResources.id, resource.id));
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'resource.delete',
      target: { type: 'SharedResource', id: resource.id },
      details: { kind: resource.kind, name: resource.name, ownerId: resource.ownerId },
    });
    return resource;
  });
}

/** Shares a resource with a group; sharing it again with the same group changes the permission. */
export async function shareResource(
  db: Db,
  viewer: Viewer,
  input: { resourceId: string; groupId: string; permission: SharePermission },
): Promise<ShareRow> {
  assertAdmin(viewer, 'share resources');
  return db.transaction(async (tx) => {
    const resource = await lockResource(tx, viewer, input.resourceId);
    const group = await lockGroup(tx, viewer, input.groupId);
    const share: ShareRow = { resourceId: resource.id, groupId: group.id, permission: input.permission, masterAccountId: viewer.masterAccountId };
    const [existing] = await tx
      .select({ permission: resourceShares.permission })
      .from(resourceShares)
      .where(and(eq(resourceShares.resourceId, resource.id), eq(resourceShares.groupId, group.id)));
    if (existing?.permission === input.permission) return share;
    await tx
      .insert(resourceShares)
      .values({ resourceId: resource.id, groupId: group.id, permission: input.permission })
      .onConflictDoUpdate({ target: [resourceShares.resourceId, resourceShares.groupId], set: { permission: input.permission } });
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'resource.share',
      target: { type: 'SharedResource', id: resource.id },
      details: { groupId: group.id, permission: input.permission, previous: existing?.permission ?? null },
    });
    return share;
  });
}

/** Stops sharing a resource with a group; a resource that was not shared with it is not an error. */
export async function unshareResource(
  db: Db,
  viewer: Viewer,
  input: { resourceId: string; groupId: string },
): Promise<{ resource: ResourceRow; group: GroupRow }> {
  assertAdmin(viewer, 'share resources');
  return db.transaction(async (tx) => {
    const resource = await lockResource(tx, viewer, input.resourceId);
    const group = await lockGroup(tx, viewer, input.groupId);
    const [removed] = await tx
      .delete(resourceShares)
      .where(and(eq(resourceShares.resourceId, resource.id), eq(resourceShares.groupId, group.id)))
      .returning({ permission: resourceShares.permission });
    if (removed) {
      await recordAudit(tx, {
        masterAccountId: viewer.masterAccountId,
        actorId: viewer.userId,
        action: 'resource.unshare',
        target: { type: 'SharedResource', id: resource.id },
        details: { groupId: group.id, permission: removed.permission },
      });
    }
    return { resource, group };
  });
}

const GROUP_KEYS: SortKey[] = [
  { column: groups.name, cast: 'text' },
  { column: groups.id, cast: 'uuid' },
];
/**
 * How many members a group has, read with the group (an index-only count per row of a page), so a
 * page of groups showing `members { totalCount }` needs no count statement of its own.
 */
const groupPageColumns = {
  ...getTableColumns(groups),
  // Written out qualified: drizzle leaves the columns of a one-table select unqualified, and a bare
  // "id" inside the subquery would be group_members' own if it ever had one.
  memberCount: sql<number>`(select count(*) from "group_members" "counted" where "counted"."group_id" = "groups"."id")`.mapWith(Number),
};
export type GroupPageRow = GroupRow & { memberCount: number };

const countGroupsOf = (db: Db) => db.select({ n: count() }).from(groups).where(eq(groups.masterAccountId, sql.placeholder('masterAccountId')));

const firstGroupsPage = preparedStatement((db) =>
  db
    .select(groupPageColumns)
    .from(groups)
    .where(eq(groups.masterAccountId, sql.placeholder('masterAccountId')))
    .orderBy(...orderOf(GROUP_KEYS, true))
    .limit(sql.placeholder('limit'))
    .prepare('mailadmin_groups_first'),
);
const firstGroupsPageCounted = preparedStatement((db) =>
  db
    .select({ ...groupPageColumns, total: totalOf(countGroupsOf(db)) })
    .from(groups)
    .where(eq(groups.masterAccountId, sql.placeholder('masterAccountId')))
    .orderBy(...orderOf(GROUP_KEYS, true))
    .limit(sql.placeholder('limit'))
    .prepare('mailadmin_groups_first_counted'),
);
const countGroups = preparedStatement((db) => countGroupsOf(db).prepare('mailadmin_groups_count'));

/** The groups of one master account, by name, each with its number of members. */
export function listGroups(db: Db, masterAccountId: string, args: PageArgs, wantsTotal = false) {
  const base = eq(groups.masterAccountId, masterAccountId);
  return keysetPage<GroupPageRow>({
    args,
    keys: GROUP_KEYS,
    descending: false,
    cursorOf: (row) => [row.name, row.id],
    fetch: (after, orderBy, limit) =>
      db
        .select(groupPageColumns)
        .from(groups)
        .where(and(base, after))
        .orderBy(...orderBy)
        .limit(limit),
    fetchFirst: (limit) => firstGroupsPage(db).execute({ masterAccountId, limit }),
    ...(wantsTotal ? { fetchFirstCounted: async (limit: number) => splitTotal(await firstGroupsPageCounted(db).execute({ masterAccountId, limit })) } : {}),
    count: async () => {
      const [row] = await countGroups(db).execute({ masterAccountId });
      return row?.n ?? 0;
    },
  });
}

const RESOURCE_KEYS: SortKey[] = [
  { column: sharedResources.name, cast: 'text' },
  { column: sharedResources.id, cast: 'uuid' },
];
const countResourcesOf = (db: Db) =>
  db.select({ n: count() }).from(sharedResources).where(eq(sharedResources.masterAccountId, sql.placeholder('masterAccountId')));

const firstResourcesPage = preparedStatement((db) =>
  db
    .select()
    .from(sharedResources)
    .where(eq(sharedResources.masterAccountId, sql.placeholder('masterAccountId')))
    .orderBy(...orderOf(RESOURCE_KEYS, true))
    .limit(sql.placeholder('limit'))
    .prepare('mailadmin_resources_first'),
);
const firstResourcesPageCounted = preparedStatement((db) =>
  db
    .select({ ...getTableColumns(sharedResources), total: totalOf(countResourcesOf(db)) })
    .from(sharedResources)
    .where(eq(sharedResources.masterAccountId, sql.placeholder('masterAccountId')))
    .orderBy(...orderOf(RESOURCE_KEYS, true))
    .limit(sql.placeholder('limit'))
    .prepare('mailadmin_resources_first_counted'),
);
const countResources = preparedStatement((db) => countResourcesOf(db).prepare('mailadmin_resources_count'));

/** The shared resources of one master account, by name. */
export function listResources(db: Db, masterAccountId: string, args: PageArgs, wantsTotal = false) {
  const base = eq(sharedResources.masterAccountId, masterAccountId);
  return keysetPage<ResourceRow>({
    args,
    keys: RESOURCE_KEYS,
    descending: false,
    cursorOf: (row) => [row.name, row.id],
    fetch: (after, orderBy, limit) =>
      db
        .select()
        .from(sharedResources)
        .where(and(base, after))
        .orderBy(...orderBy)
        .limit(limit),
    fetchFirst: (limit) => firstResourcesPage(db).execute({ masterAccountId, limit }),
    ...(wantsTotal ? { fetchFirstCounted: async (limit: number) => splitTotal(await firstResourcesPageCounted(db).execute({ masterAccountId, limit })) } : {}),
    count: async () => {
      const [row] = await countResources(db).execute({ masterAccountId });
      return row?.n ?? 0;
    },
  });
}

/** A member of a group in a page of members: the user, with the role and date of the membership. */
export interface MemberEdge {
  cursor: string;
  node: UserRow;
  role: GroupRole;
  addedAt: Date;
}
export type MemberPage = Omit<Page<UserRow>, 'edges'> & { edges: MemberEdge[] };

interface MemberRow {
  groupId: string;
  role: GroupRole;
  addedAt: Date;
  user: UserRow;
}

const MEMBER_KEYS: SortKey[] = [
  { column: addresses.address, cast: 'text' },
  { column: users.id, cast: 'uuid' },
];

/** Whether a group row came from a page of groups, which counts each group's members with it. */
export const hasMemberCount = (group: GroupRow): group is GroupPageRow => typeof (group as Partial<GroupPageRow>).memberCount === 'number';

/** The members of a group a client asks only the totalCount of, from the count its row brought. */
export function countedMembersPage(args: PageArgs, group: GroupPageRow): MemberPage {
  return { ...countOnlyPage<UserRow>(args, MEMBER_KEYS, false, () => group.memberCount), edges: [] };
}

/** The first `limit` members of each group past `after`, in one statement: a window cuts each group's page. */
async function fetchMemberPages(
  db: Db,
  masterAccountId: string,
  groupIds: readonly string[],
  after: SQL | undefined,
  orderBy: SQL[],
  limit: number,
): Promise<Map<string, MemberRow[]>> {
  const ranked = db
    .select({
      user: userColumns,
      groupId: groupMembers.groupId,
      // Aliased: the user's own role is selected too.
      memberRole: sql<GroupRole>`${groupMembers.role}`.as('member_role'),
      addedAt: groupMembers.addedAt,
      rank: sql<number>`row_number() over (partition by ${groupMembers.groupId} order by ${sql.join(orderBy, sql`, `)})`.as('rank'),
    })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .innerJoin(users, eq(users.id, groupMembers.userId))
    .innerJoin(addresses, primaryAddress)
    .where(and(eq(groups.masterAccountId, masterAccountId), inArray(groupMembers.groupId, [...groupIds]), after))
    .as('ranked');
  const rows = await db
    .select({ user: ranked.user, groupId: ranked.groupId, role: ranked.memberRole, addedAt: ranked.addedAt })
    .from(ranked)
    .where(lte(ranked.rank, limit))
    .orderBy(asc(ranked.groupId), asc(ranked.rank));
  const pages = new Map<string, MemberRow[]>();
  for (const row of rows) {
    const page = pages.get(row.groupId);
    if (page) page.push(row);
    else pages.set(row.groupId, [row]);
  }
  return pages;
}

/**
 * Pages of the members of several groups, by address, all with the same page arguments. keysetPage
 * builds each page's cursor condition and order from the arguments alone, so they are the same for
 * every group, and the first page's fetch runs the one statement that serves them all.
 */
export async function pageMembersOfGroups(
  db: Db,
  masterAccountId: string,
  groupIds: readonly string[],
  args: PageArgs,
  countMembers: (groupId: string) => Promise<number>,
  rows = true,
): Promise<MemberPage[]> {
  let fetched: Promise<Map<string, MemberRow[]>> | undefined;
  const pages = await Promise.all(
    groupIds.map((groupId) =>
      keysetPage<MemberRow>({
        args,
        keys: MEMBER_KEYS,
        descending: false,
        cursorOf: (row) => [row.user.address, row.user.id],
        fetch: async (after, orderBy, limit) => {
          fetched ??= fetchMemberPages(db, masterAccountId, groupIds, after, orderBy, limit);
          return (await fetched).get(groupId) ?? [];
        },
        count: () => countMembers(groupId),
        rows,
      }),
    ),
  );
  return pages.map((page) => ({
    ...page,
    edges: page.edges.map(({ cursor, node }) => ({ cursor, node: node.user, role: node.role, addedAt: node.addedAt })),
  }));
}

/** How many members each group has. */
const memberCounts = preparedStatement((db) =>
  db
    .select({ groupId: groupMembers.groupId, n: count() })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(and(eq(groups.masterAccountId, sql.placeholder('masterAccountId')), sql`${groupMembers.groupId} = any(${sql.placeholder('groupIds')}::uuid[])`))
    .groupBy(groupMembers.groupId)
    .prepare('mailadmin_member_counts'),
);

export async function countMembersOfGroups(db: Db, masterAccountId: string, groupIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await memberCounts(db).execute({ masterAccountId, groupIds: [...groupIds] });
  return new Map(rows.map((row) => [row.groupId, row.n]));
}

export interface MembershipRow {
  userId: string;
  role: GroupRole;
  addedAt: Date;
  group: GroupRow;
}

/** The groups of several users, by group name. */
export async function loadMembershipsOfUsers(db: Db, masterAccountId: string, userIds: readonly string[]): Promise<MembershipRow[]> {
  return db
    .select({ userId: groupMembers.userId, role: groupMembers.role, addedAt: groupMembers.addedAt, group: getTableColumns(groups) })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(and(eq(groups.masterAccountId, masterAccountId), inArray(groupMembers.userId, [...userIds])))
    .orderBy(asc(groups.name), asc(groups.id));
}

const shareColumns = {
  resourceId: resourceShares.resourceId,
  groupId: resourceShares.groupId,
  permission: resourceShares.permission,
  masterAccountId: sharedResources.masterAccountId,
};

/** The shares of several groups, by resource name. */
export async function loadSharesOfGroups(db: Db, masterAccountId: string, groupIds: readonly string[]): Promise<ShareRow[]> {
  return db
    .select(shareColumns)
    .from(resourceShares)
    .innerJoin(sharedResources, eq(sharedResources.id, resourceShares.resourceId))
    .where(and(eq(sharedResources.masterAccountId, masterAccountId), inArray(resourceShares.groupId, [...groupIds])))
    .orderBy(asc(sharedResources.name), asc(sharedResources.id));
}

/** The shares of several resources, by group name. */
export async function loadSharesOfResources(db: Db, masterAccountId: string, resourceIds: readonly string[]): Promise<ShareRow[]> {
  return db
    .select(shareColumns)
    .from(resourceShares)
    .innerJoin(sharedResources, eq(sharedResources.id, resourceShares.resourceId))
    .innerJoin(groups, eq(groups.id, resourceShares.groupId))
    .where(and(eq(sharedResources.masterAccountId, masterAccountId), inArray(resourceShares.resourceId, [...resourceIds])))
    .orderBy(asc(groups.name), asc(groups.id));
}

export interface ResourceAccessRow {
  userId: string;
  permission: SharePermission;
  resource: ResourceRow;
}

/**
 * What each of several users can open, and how, in one statement: every grant (a share to a group
 * they are in, or ownership, which is MANAGE) and per resource the strongest of them, by resource name.
 */
export async function loadAccessOfUsers(db: Db, masterAccountId: string, userIds: readonly string[]): Promise<ResourceAccessRow[]> {
  const ids = [...userIds];
  const grants = db
    .select({ userId: groupMembers.userId, resourceId: resourceShares.resourceId, permission: resourceShares.permission })
    .from(groupMembers)
    .innerJoin(resourceShares, eq(resourceShares.groupId, groupMembers.groupId))
    .where(inArray(groupMembers.userId, ids))
    .unionAll(
      db
        .select({ userId: sharedResources.ownerId, resourceId: sharedResources.id, permission: MANAGE })
        .from(sharedResources)
        .where(inArray(sharedResources.ownerId, ids)),
    )
    .as('grants');
  return db
    .select({
      userId: grants.userId,
      permission: sql<SharePermission>`max(${grants.permission})`,
      resource: getTableColumns(sharedResources),
    })
    .from(grants)
    .innerJoin(sharedResources, eq(sharedResources.id, grants.resourceId))
    .where(eq(sharedResources.masterAccountId, masterAccountId))
    .groupBy(grants.userId, sharedResources.id)
    .orderBy(asc(sharedResources.name), asc(sharedResources.id));
}

export interface UserAccessRow {
  resourceId: string;
  permission: SharePermission;
  user: UserRow;
}

/** Who can open each of several resources, and how, in one statement; by address. */
export async function loadAccessToResources(db: Db, masterAccountId: string, resourceIds: readonly string[]): Promise<UserAccessRow[]> {
  const ids = [...resourceIds];
  const grants = db
    .select({ resourceId: resourceShares.resourceId, userId: groupMembers.userId, permission: resourceShares.permission })
    .from(resourceShares)
    .innerJoin(groupMembers, eq(groupMembers.groupId, resourceShares.groupId))
    .where(inArray(resourceShares.resourceId, ids))
    .unionAll(
      db
        .select({ resourceId: sharedResources.id, userId: sharedResources.ownerId, permission: MANAGE })
        .from(sharedResources)
        .where(inArray(sharedResources.id, ids)),
    )
    .as('grants');
  return db
    .select({ resourceId: grants.resourceId, permission: sql<SharePermission>`max(${grants.permission})`, user: userColumns })
    .from(grants)
    .innerJoin(users, eq(users.id, grants.userId))
    .innerJoin(addresses, primaryAddress)
    .where(eq(users.masterAccountId, masterAccountId))
    .groupBy(grants.resourceId, users.id, addresses.id)
    .orderBy(asc(addresses.address));
}
