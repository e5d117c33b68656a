import { builder } from '../builder.js';
import { viewerNodes } from '../context.js';
import { listAuditEvents } from '../domain/audit.js';
import { listDomains } from '../domain/domains.js';
import { listGroups, listResources } from '../domain/groups.js';
import { hasConsoleAccess } from '../domain/plans.js';
import { listApiTokens } from '../domain/tokens.js';
import { listUsers } from '../domain/user-directory.js';
import { selectsNodeField, selectsTotalCount } from './selection.js';
import { assertAdmin, assertConsole } from '../domain/viewer.js';
import { PlanEnum } from './plans.js';
import { ApiTokenRef, AuditEventRef, DomainRef, GroupRef, MasterAccountRef, SharedResourceRef, UserRef } from './refs.js';
import { AccountKindEnum, UserStatusEnum } from './users.js';

const UserFilter = builder.inputType('UserFilter', {
  description: 'Narrows a list of users; all given conditions must hold.',
  fields: (t) => ({
    plan: t.field({ type: PlanEnum, description: 'Only users on this plan.' }),
    status: t.field({ type: UserStatusEnum, description: 'Only users with this status.' }),
    kind: t.field({ type: AccountKindEnum, description: 'Only people, or only mailing lists.' }),
    search: t.string({ description: 'Only users whose address or display name contains this text (any case).' }),
  }),
});

const UserOrderField = builder.enumType('UserOrderField', {
  description: 'What a list of users can be sorted by.',
  values: {
    ADDRESS: { description: 'The primary address.' },
    DISPLAY_NAME: { description: 'The display name.' },
    CREATED_AT: { description: 'When the account was created (the default).' },
    PLAN: { description: 'The plan: FREE, then ENTRY, then PRO.' },
  },
});

const OrderDirection = builder.enumType('OrderDirection', {
  description: 'Ascending or descending order.',
  values: { ASC: { description: 'Smallest first.' }, DESC: { description: 'Largest first.' } },
});

const UserOrder = builder.inputType('UserOrder', {
  description: 'The order of a list of users; ties are broken by ID so pages never overlap.',
  fields: (t) => ({
    field: t.field({ type: UserOrderField, required: true, description: 'The field to sort by.' }),
    direction: t.field({ type: OrderDirection, required: true, defaultValue: 'ASC', description: 'ASC (default) or DESC.' }),
  }),
});

builder.node(MasterAccountRef, {
  description: 'An organization or a family: one owner, its users, its deposit and its domains.',
  id: { resolve: (account) => account.id },
  loadMany: (ids, context) => viewerNodes(context, MasterAccountRef, (loaders) => loaders.masterAccount, ids),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The name of the organization or family.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the master account was created.' }),
    owner: t.field({
      type: UserRef,
      description: 'The user who owns and administers the master account.',
      resolve: (account, _args, context) => context.loaders(account.id).owner.load(account.id),
    }),
    consoleAccess: t.boolean({
      description: "Whether the admin console is open: the owner's plan must be ENTRY or PRO.",
      resolve: async (account, _args, context) =>
        hasConsoleAccess((await context.loaders(account.id).owner.load(account.id)).plan),
    }),
    users: t.withAuth({ read: true }).connection(
      {
        type: UserRef,
        description: 'The user accounts of this master account, the owner included. Needs console access.',
        args: {
          filter: t.arg({ type: UserFilter, description: 'Conditions the users must meet.' }),
          orderBy: t.arg({ type: UserOrder, description: 'The order (default: by creation, oldest first).' }),
        },
        resolve: (account, args, context, info) => {
          assertConsole(context.viewer);
          // The rows bring their aliases when the page shows them (see User.aliases).
          return listUsers(context.db, account.id, args, args.filter, args.orderBy, selectsTotalCount(info), selectsNodeField(info, 'aliases'));
        },
      },
      { name: 'UserConnection', description: 'A page of user accounts.' },
      { name: 'UserEdge', description: 'A user account in a list, with its cursor.' },
    ),
    domains: t.withAuth({ read: true }).connection(
      {
        type: DomainRef,
        description: 'The custom domains of this master account, by name. Needs console access.',
        resolve: (account, args, context) => {
          assertConsole(context.viewer);
          return listDomains(context.db, account.id, args);
        },
      },
      { name: 'DomainConnection', description: 'A page of custom domains.' },
      { name: 'DomainEdge', description: 'A custom domain in a list, with its cursor.' },
    ),
    groups: t.withAuth({ read: true }).connection(
      {
        type: GroupRef,
        description: 'The groups of this master account, by name. Needs console access.',
        resolve: async (account, args, context, info) => {
          assertConsole(context.viewer);
          const page = await listGroups(context.db, account.id, args, selectsTotalCount(info));
          const counts = context.loaders(account.id).memberCount;
          for (const { node } of page.edges) counts.prime(node.id, node.memberCount);
          return page;
        },
      },
      { name: 'GroupConnection', description: 'A page of groups.' },
      { name: 'GroupEdge', description: 'A group in a list, with its cursor.' },
    ),
    resources: t.withAuth({ read: true }).connection(
      {
        type: SharedResourceRef,
        description: 'The shared calendars, document folders, address books and mailboxes, by name. Needs console access.',
        resolve: (account, args, context, info) => {
          assertConsole(context.viewer);
          return listResources(context.db, account.id, args, selectsTotalCount(info));
        },
      },
      { name: 'SharedResourceConnection', description: 'A page of shared resources.' },
      { name: 'SharedResourceEdge', description: 'A shared resource in a list, with its cursor.' },
    ),
    apiTokens: t.withAuth({ read: true }).connection(
      {
        type: ApiTokenRef,
        description: "API tokens, newest first: all of them for administrators, one's own for members. Needs console access.",
        resolve: (_account, args, context) => {
          assertConsole(context.viewer);
          return listApiTokens(context.db, context.viewer, args);
        },
      },
      { name: 'ApiTokenConnection', description: 'A page of API tokens.' },
      { name: 'ApiTokenEdge', description: 'An API token in a list, with its cursor.' },
    ),
    auditLog: t.withAuth({ read: true }).connection(
      {
        type: AuditEventRef,
        description: 'Who changed what, newest first. Owner and administrators only; needs console access.',
        resolve: (account, args, context) => {
          assertAdmin(context.viewer, 'read the audit log');
          return listAuditEvents(context.db, account.id, args);
        },
      },
      { name: 'AuditEventConnection', description: 'A page of audit events.' },
      { name: 'AuditEventEdge', description: 'An audit event in a list, with its cursor.' },
    ),
  }),
});
