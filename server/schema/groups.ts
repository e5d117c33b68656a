import { builder } from '../builder.js';
import { viewerNodes } from '../context.js';
import { GroupNameTakenError } from '../domain/errors.js';
import {
  addGroupMembers,
  countedMembersPage,
  createGroup,
  createResource,
  deleteGroup,
  deleteResource,
  hasMemberCount,
  removeGroupMembers,
  shareResource,
  unshareResource,
  updateGroup,
  type GroupRow,
  type MembershipRow,
  type ResourceAccessRow,
  type ResourceRow,
  type ShareRow,
  type UserAccessRow,
} from '../domain/groups.js';
import { CONSOLE_ERRORS } from './errors.js';
import { parseGlobalId } from './ids.js';
import { GroupRef, SharedResourceRef, UserRef } from './refs.js';
import { selectsRows } from './selection.js';

export const GroupRoleEnum = builder.enumType('GroupRole', {
  description: "A member's role in a group.",
  values: {
    MANAGER: { description: 'Is in the group and may add and remove its members, even without being an administrator.' },
    MEMBER: { description: 'Is in the group and gets the access its shares give.' },
  },
});

export const ResourceKindEnum = builder.enumType('ResourceKind', {
  description: 'What kind of data a shared resource holds.',
  values: {
    CALENDAR: { description: 'A calendar.' },
    DOCUMENTS: { description: 'A folder of documents.' },
    CONTACTS: { description: 'An address book.' },
    MAILBOX: { description: 'A mailbox, such as a team inbox.' },
  },
});

export const SharePermissionEnum = builder.enumType('SharePermission', {
  description: 'What a share allows, from weakest to strongest: READ, then WRITE, then MANAGE.',
  values: {
    READ: { description: 'May open it and read its contents.' },
    WRITE: { description: 'May also add, change and delete its contents.' },
    MANAGE: { description: 'May do everything with it; its owner always has MANAGE.' },
  },
});

/** A row a loader must find: the parent it hangs from was read in the same tenant. */
async function found<Row>(row: Promise<Row | null>, what: string): Promise<Row> {
  const value = await row;
  if (!value) throw new Error(`${what} is not loadable`);
  return value;
}

const ResourceShareRef = builder.objectRef<ShareRow>('ResourceShare').implement({
  description: 'A resource shared with a group, and what the group may do with it.',
  fields: (t) => ({
    resource: t.field({
      type: SharedResourceRef,
      description: 'The resource shared.',
      resolve: (share, _args, context) =>
        found(context.loaders(share.masterAccountId).resource.load(share.resourceId), `resource ${share.resourceId}`),
    }),
    group: t.field({
      type: GroupRef,
      description: 'The group it is shared with.',
      resolve: (share, _args, context) =>
        found(context.loaders(share.masterAccountId).group.load(share.groupId), `group ${share.groupId}`),
    }),
    permission: t.expose('permission', {
      type: SharePermissionEnum,
      description: "What the group's members may do with it.",
    }),
  }),
});

const GroupMembershipRef = builder.objectRef<MembershipRow>('GroupMembership').implement({
  description: "A user's place in a group.",
  fields: (t) => ({
    group: t.expose('group', { type: GroupRef, description: 'The group.' }),
    role: t.expose('role', { type: GroupRoleEnum, description: 'The role in the group.' }),
    addedAt: t.expose('addedAt', { type: 'DateTime', description: 'When the user was added.' }),
  }),
});

const ResourceAccessRef = builder.objectRef<ResourceAccessRow>('ResourceAccess').implement({
  description: 'A resource a user can open, with the strongest permission any of their groups (or ownership) gives.',
  fields: (t) => ({
    resource: t.expose('resource', { type: SharedResourceRef, description: 'The resource.' }),
    permission: t.expose('permission', {
      type: SharePermissionEnum,
      description: 'The effective permission: MANAGE for the owner, else the highest share to a group of the user.',
    }),
  }),
});

const UserAccessRef = builder.objectRef<UserAccessRow>('UserAccess').implement({
  description: 'A user who can open a resource, with the strongest permission any of their groups (or ownership) gives.',
  fields: (t) => ({
    user: t.expose('user', { type: UserRef, description: 'The user.' }),
    permission: t.expose('permission', {
      type: SharePermissionEnum,
      description: 'The effective permission: MANAGE for the owner, else the highest share to a group of the user.',
    }),
  }),
});

builder.node(GroupRef, {
  description: 'A named set of users of a master account; resources shared with it are open to its members.',
  id: { resolve: (group) => group.id },
  loadMany: (ids, context) => viewerNodes(context, GroupRef, (loaders) => loaders.group, ids),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The name, unique in the master account in any case.' }),
    description: t.exposeString('description', { nullable: true, description: 'What the group is for; null when not given.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the group was created.' }),
    members: t.connection(
      {
        type: UserRef,
        description: 'The members, by address; each edge tells the role and when the user was added.',
        resolve: (group, args, context, info) => {
          const rows = selectsRows(info);
          // A page of groups counted its members: no statement and no promise for the count alone.
          if (!rows && hasMemberCount(group)) return countedMembersPage(args, group);
          return context.loaders(group.masterAccountId).membersOfGroup.load({ id: group.id, args, rows });
        },
      },
      { name: 'GroupMemberConnection', description: 'A page of the members of a group.' },
      {
        name: 'GroupMemberEdge',
        description: 'A member of a group with the role and date of the membership, and its cursor.',
        fields: (edge) => ({
          role: edge.expose('role', { type: GroupRoleEnum, description: 'The role in the group.' }),
          addedAt: edge.expose('addedAt', { type: 'DateTime', description: 'When the user was added.' }),
        }),
      },
    ),
    shares: t.field({
      type: [ResourceShareRef],
      description: 'The resources shared with this group, by resource name.',
      resolve: (group, _args, context) => context.loaders(group.masterAccountId).sharesOfGroup.load(group.id),
    }),
  }),
});

builder.node(SharedResourceRef, {
  description: 'A calendar, document folder, address book or mailbox that its owner and groups can open.',
  id: { resolve: (resource) => resource.id },
  loadMany: (ids, context) => viewerNodes(context, SharedResourceRef, (loaders) => loaders.resource, ids),
  fields: (t) => ({
    kind: t.expose('kind', { type: ResourceKindEnum, description: 'What it holds.' }),
    name: t.exposeString('name', { description: 'The name shown to people, such as "Team calendar".' }),
    owner: t.field({
      type: UserRef,
      description: "The user who owns it and can always MANAGE it; the master account's owner once that user is deleted.",
      resolve: (resource, _args, context) =>
        found(context.loaders(resource.masterAccountId).user.load(resource.ownerId), `owner of resource ${resource.id}`),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    shares: t.field({
      type: [ResourceShareRef],
      description: 'The groups it is shared with, by group name.',
      resolve: (resource, _args, context) => context.loaders(resource.masterAccountId).sharesOfResource.load(resource.id),
    }),
    access: t.field({
      type: [UserAccessRef],
      description: 'Who can open it, and how: the owner and every member of a group it is shared with, by address.',
      resolve: (resource, _args, context) => context.loaders(resource.masterAccountId).accessToResource.load(resource.id),
    }),
  }),
});

builder.objectField(UserRef, 'groups', (t) =>
  t.field({
    type: [GroupMembershipRef],
    description: 'The groups the user is in, by group name.',
    resolve: (user, _args, context) => context.loaders(user.masterAccountId).membershipsOfUser.load(user.id),
  }),
);

builder.objectField(UserRef, 'access', (t) =>
  t.field({
    type: [ResourceAccessRef],
    description: 'Every resource the user can open, with the effective permission, by resource name.',
    resolve: (user, _args, context) => context.loaders(user.masterAccountId).accessOfUser.load(user.id),
  }),
);

const userIdsOf = (ids: readonly string[]) => ids.map((id, i) => parseGlobalId(`userIds[${i}]`, id, 'User'));

const GroupPayload = (name: string, description: string) =>
  builder.objectRef<{ group: GroupRow }>(name).implement({
    description,
    fields: (t) => ({ group: t.expose('group', { type: GroupRef, description: 'The group as it is now.' }) }),
  });

const CreateGroupInput = builder.inputType('CreateGroupInput', {
  description: 'A new group.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'The name (1-100 characters), unique in your master account in any case.' }),
    description: t.string({ description: 'What the group is for (up to 500 characters).' }),
    memberIds: t.idList({ description: 'Users to add at once, as MEMBER; people of your master account only.' }),
  }),
});

builder.mutationField('createGroup', (t) =>
  t.withAuth({ write: true }).field({
    type: GroupPayload('CreateGroupSuccess', 'The group was created.'),
    description: 'Creates a group, optionally with its first members (owner or administrator).',
    errors: { types: [...CONSOLE_ERRORS, GroupNameTakenError] },
    args: { input: t.arg({ type: CreateGroupInput, required: true, description: 'The new group.' }) },
    resolve: async (_root, { input }, context) => ({
      group: await createGroup(context.db, context.viewer, {
        ...input,
        memberIds: input.memberIds?.map((id, i) => parseGlobalId(`memberIds[${i}]`, id, 'User')),
      }),
    }),
  }),
);

const UpdateGroupInput = builder.inputType('UpdateGroupInput', {
  description: 'Changes to a group; fields left out stay as they are.',
  fields: (t) => ({
    groupId: t.id({ required: true, description: 'The group to change.' }),
    name: t.string({ description: 'A new name (1-100 characters), unique in your master account in any case.' }),
    description: t.string({ description: 'A new description (up to 500 characters); an empty string removes it.' }),
  }),
});

builder.mutationField('updateGroup', (t) =>
  t.withAuth({ write: true }).field({
    type: GroupPayload('UpdateGroupSuccess', 'The group was changed.'),
    description: 'Renames a group or changes its description (owner or administrator).',
    errors: { types: [...CONSOLE_ERRORS, GroupNameTakenError] },
    args: { input: t.arg({ type: UpdateGroupInput, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, context) => ({
      group: await updateGroup(context.db, context.viewer, { ...input, groupId: parseGlobalId('groupId', input.groupId, 'Group') }),
    }),
  }),
);

const DeleteGroupInput = builder.inputType('DeleteGroupInput', {
  description: 'The group to delete.',
  fields: (t) => ({ groupId: t.id({ required: true, description: 'The group.' }) }),
});

const DeleteGroupSuccess = builder.objectRef<{ deletedGroupId: string }>('DeleteGroupSuccess').implement({
  description: 'The group was deleted with its memberships and shares; its members lost the access it gave them.',
  fields: (t) => ({ deletedGroupId: t.exposeID('deletedGroupId', { description: 'The global ID the group had.' }) }),
});

builder.mutationField('deleteGroup', (t) =>
  t.withAuth({ write: true }).field({
    type: DeleteGroupSuccess,
    description: 'Deletes a group; the users stay, the resources stay, the shares to the group go (owner or administrator).',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: DeleteGroupInput, required: true, description: 'The group to delete.' }) },
    resolve: async (_root, { input }, context) => {
      await deleteGroup(context.db, context.viewer, parseGlobalId('groupId', input.groupId, 'Group'));
      return { deletedGroupId: input.groupId };
    },
  }),
);

const AddGroupMembersInput = builder.inputType('AddGroupMembersInput', {
  description: 'Users to add to a group.',
  fields: (t) => ({
    groupId: t.id({ required: true, description: 'The group.' }),
    userIds: t.idList({ required: true, description: 'The users (1-1,000), people of your master account.' }),
    role: t.field({
      type: GroupRoleEnum,
      description: 'The role to give. Left out, new members get MEMBER and members already in keep theirs.',
    }),
  }),
});

builder.mutationField('addGroupMembers', (t) =>
  t.withAuth({ write: true }).field({
    type: GroupPayload('AddGroupMembersSuccess', 'The users are members of the group with the role asked for.'),
    description:
      'Adds users to a group (owner, administrator or a MANAGER of the group). Adding a member again changes nothing, unless another role is given.',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: AddGroupMembersInput, required: true, description: 'The group, users and role.' }) },
    resolve: async (_root, { input }, context) => ({
      group: await addGroupMembers(context.db, context.viewer, {
        groupId: parseGlobalId('groupId', input.groupId, 'Group'),
        userIds: userIdsOf(input.userIds),
        role: input.role,
      }),
    }),
  }),
);

const RemoveGroupMembersInput = builder.inputType('RemoveGroupMembersInput', {
  description: 'Users to remove from a group.',
  fields: (t) => ({
    groupId: t.id({ required: true, description: 'The group.' }),
    userIds: t.idList({ required: true, description: 'The users (1-1,000); those not in the group are skipped.' }),
  }),
});

builder.mutationField('removeGroupMembers', (t) =>
  t.withAuth({ write: true }).field({
    type: GroupPayload('RemoveGroupMembersSuccess', 'The users are no longer members of the group.'),
    description: 'Removes users from a group (owner, administrator or a MANAGER of the group); they lose the access it gave them.',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: RemoveGroupMembersInput, required: true, description: 'The group and users.' }) },
    resolve: async (_root, { input }, context) => ({
      group: await removeGroupMembers(context.db, context.viewer, {
        groupId: parseGlobalId('groupId', input.groupId, 'Group'),
        userIds: userIdsOf(input.userIds),
      }),
    }),
  }),
);

const CreateResourceInput = builder.inputType('CreateResourceInput', {
  description: 'A new shared resource.',
  fields: (t) => ({
    kind: t.field({ type: ResourceKindEnum, required: true, description: 'What it holds.' }),
    name: t.string({ required: true, description: 'The name shown to people (1-100 characters).' }),
    ownerId: t.id({ required: true, description: 'The user who owns it, a person of your master account.' }),
  }),
});

const CreateResourceSuccess = builder.objectRef<{ resource: ResourceRow }>('CreateResourceSuccess').implement({
  description: 'The resource was created; only its owner can open it until it is shared.',
  fields: (t) => ({ resource: t.expose('resource', { type: SharedResourceRef, description: 'The new resource.' }) }),
});

builder.mutationField('createResource', (t) =>
  t.withAuth({ write: true }).field({
    type: CreateResourceSuccess,
    description: 'Creates a calendar, document folder, address book or mailbox owned by a user (owner or administrator).',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: CreateResourceInput, required: true, description: 'The new resource.' }) },
    resolve: async (_root, { input }, context) => ({
      resource: await createResource(context.db, context.viewer, {
        ...input,
        ownerId: parseGlobalId('ownerId', input.ownerId, 'User'),
      }),
    }),
  }),
);

const DeleteResourceInput = builder.inputType('DeleteResourceInput', {
  description: 'The shared resource to delete.',
  fields: (t) => ({ resourceId: t.id({ required: true, description: 'The resource.' }) }),
});

const DeleteResourceSuccess = builder.objectRef<{ deletedResourceId: string }>('DeleteResourceSuccess').implement({
  description: 'The resource was deleted with its shares.',
  fields: (t) => ({ deletedResourceId: t.exposeID('deletedResourceId', { description: 'The global ID the resource had.' }) }),
});

builder.mutationField('deleteResource', (t) =>
  t.withAuth({ write: true }).field({
    type: DeleteResourceSuccess,
    description: 'Deletes a shared resource and its shares (owner or administrator).',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: DeleteResourceInput, required: true, description: 'The resource to delete.' }) },
    resolve: async (_root, { input }, context) => {
      await deleteResource(context.db, context.viewer, parseGlobalId('resourceId', input.resourceId, 'SharedResource'));
      return { deletedResourceId: input.resourceId };
    },
  }),
);

const ShareResourceInput = builder.inputType('ShareResourceInput', {
  description: 'A resource, a group and what the group may do with it.',
  fields: (t) => ({
    resourceId: t.id({ required: true, description: 'The resource.' }),
    groupId: t.id({ required: true, description: 'The group.' }),
    permission: t.field({ type: SharePermissionEnum, required: true, description: 'What the members of the group may do.' }),
  }),
});

const ShareResourceSuccess = builder.objectRef<{ share: ShareRow }>('ShareResourceSuccess').implement({
  description: 'The resource is shared with the group with the permission asked for.',
  fields: (t) => ({ share: t.expose('share', { type: ResourceShareRef, description: 'The share as it is now.' }) }),
});

builder.mutationField('shareResource', (t) =>
  t.withAuth({ write: true }).field({
    type: ShareResourceSuccess,
    description: 'Shares a resource with a group; sharing it again with the same group changes the permission (owner or administrator).',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: ShareResourceInput, required: true, description: 'The resource, group and permission.' }) },
    resolve: async (_root, { input }, context) => ({
      share: await shareResource(context.db, context.viewer, {
        resourceId: parseGlobalId('resourceId', input.resourceId, 'SharedResource'),
        groupId: parseGlobalId('groupId', input.groupId, 'Group'),
        permission: input.permission,
      }),
    }),
  }),
);

const UnshareResourceInput = builder.inputType('UnshareResourceInput', {
  description: 'A resource and the group to stop sharing it with.',
  fields: (t) => ({
    resourceId: t.id({ required: true, description: 'The resource.' }),
    groupId: t.id({ required: true, description: 'The group.' }),
  }),
});

const UnshareResourceSuccess = builder.objectRef<{ resource: ResourceRow; group: GroupRow }>('UnshareResourceSuccess').implement({
  description: 'The resource is no longer shared with the group (also when it was not shared with it before).',
  fields: (t) => ({
    resource: t.expose('resource', { type: SharedResourceRef, description: 'The resource as it is now.' }),
    group: t.expose('group', { type: GroupRef, description: 'The group as it is now.' }),
  }),
});

builder.mutationField('unshareResource', (t) =>
  t.withAuth({ write: true }).field({
    type: UnshareResourceSuccess,
    description: 'Stops sharing a resource with a group; its members keep only the access other groups give (owner or administrator).',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: UnshareResourceInput, required: true, description: 'The resource and group.' }) },
    resolve: (_root, { input }, context) =>
      unshareResource(context.db, context.viewer, {
        resourceId: parseGlobalId('resourceId', input.resourceId, 'SharedResource'),
        groupId: parseGlobalId('groupId', input.groupId, 'Group'),
      }),
  }),
);
