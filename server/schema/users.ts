import { builder } from '../builder.js';
import { viewerNodes } from '../context.js';
import { AddressReservedError, AddressTakenError, DomainNotVerifiedError, InsufficientFundsError } from '../domain/errors.js';
import { publishMoneyEvents } from '../pubsub.js';
import { planTerms } from '../domain/plans.js';
import { changePlan, createUser, deleteUser, updateUser, type PlanChangeResult, type UserRow } from '../domain/users.js';
import { CONSOLE_ERRORS } from './errors.js';
import { parseGlobalId } from './ids.js';
import { PlanEnum } from './plans.js';
import { LedgerEntryRef, MasterAccountRef, UserRef } from './refs.js';

export const AccountKindEnum = builder.enumType('AccountKind', {
  description: 'What a user account is used for.',
  values: {
    PERSON: { description: 'A person who signs in with a password and reads a mailbox.' },
    MAILING_LIST: { description: 'An address that forwards to `listMembers`; it has no password and cannot sign in.' },
  },
});

export const UserStatusEnum = builder.enumType('UserStatus', {
  description: 'Whether an account can be used.',
  values: {
    ACTIVE: { description: 'In use.' },
    SUSPENDED: { description: 'Blocked by an administrator: cannot sign in, and its tokens stop working; mail is kept.' },
    PAST_DUE: { description: 'Its renewal could not be paid from the deposit; mail keeps working for 14 days.' },
  },
});

export const UserRoleEnum = builder.enumType('UserRole', {
  description: "A user's powers inside the master account.",
  values: {
    OWNER: { description: 'The administrator who owns the master account; exactly one per master account.' },
    ADMIN: { description: 'Does everything the owner does, except deleting the owner or the master account.' },
    MEMBER: { description: 'Uses their own account; may change their own name and password.' },
  },
});

builder.node(UserRef, {
  description: 'A user account of a master account: a person or a mailing list, with its own plan.',
  id: { resolve: (user) => user.id },
  loadMany: (ids, context) => viewerNodes(context, UserRef, (loaders) => loaders.user, ids),
  fields: (t) => ({
    masterAccount: t.field({
      type: MasterAccountRef,
      description: 'The master account this user belongs to.',
      resolve: async (user, _args, context) => {
        const account = await context.loaders(user.masterAccountId).masterAccount.load(user.masterAccountId);
        if (!account) throw new Error(`master account of user ${user.id} is not loadable`);
        return account;
      },
    }),
    address: t.exposeString('address', { description: 'The primary address, lowercased, such as "ada@mailadmin.test".' }),
    displayName: t.exposeString('displayName', { description: 'The name shown to people, such as "Ada Lovelace".' }),
    kind: t.expose('kind', { type: AccountKindEnum, description: 'A person or a mailing list.' }),
    plan: t.expose('plan', { type: PlanEnum, description: 'The plan in force now.' }),
    pendingPlan: t.expose('pendingPlan', {
      type: PlanEnum,
      nullable: true,
      description: 'A downgrade that takes effect at the next renewal; null when none is pending.',
    }),
    status: t.expose('status', {
      type: UserStatusEnum,
      description: 'Whether the account can be used: SUSPENDED (an administrator\'s decision) over PAST_DUE (billing\'s) over ACTIVE.',
    }),
    suspendedAt: t.expose('suspendedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When an administrator suspended the account; null when it is not suspended.',
    }),
    suspensionReason: t.exposeString('suspensionReason', {
      nullable: true,
      description: 'Why the account is suspended, as the administrator who suspended it wrote; null when not suspended or none was given.',
    }),
    role: t.expose('role', { type: UserRoleEnum, description: 'Powers inside the master account.' }),
    paidThrough: t.expose('paidThrough', {
      type: 'DateTime',
      nullable: true,
      description: 'The end of the period paid for; null for FREE accounts and for the owner.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was created.' }),
    aliasLimit: t.int({
      description: 'How many aliases the current plan allows.',
      resolve: (user) => planTerms[user.plan].aliasLimit,
    }),
    storageQuotaBytes: t.float({
      description: 'The mailbox storage of the current plan, in bytes.',
      resolve: (user) => planTerms[user.plan].storageQuotaBytes,
    }),
    listMembers: t.exposeStringList('listMembers', {
      description: 'For mailing lists, the addresses mail is forwarded to; empty for people.',
    }),
  }),
});

const ChargedUserPayload = (name: string, description: string) =>
  builder.objectRef<PlanChangeResult>(name).implement({
    description,
    fields: (t) => ({
      user: t.expose('user', { type: UserRef, description: 'The user as it is now.' }),
      ledgerEntry: t.expose('ledgerEntry', {
        type: LedgerEntryRef,
        nullable: true,
        description: 'What was charged from the deposit for it; null when nothing was (FREE, a downgrade, the owner).',
      }),
    }),
  });

const UserPayload = (name: string, description: string) =>
  builder.objectRef<{ user: UserRow }>(name).implement({
    description,
    fields: (t) => ({ user: t.expose('user', { type: UserRef, description: 'The user as it is now.' }) }),
  });

const CreateUserInput = builder.inputType('CreateUserInput', {
  description: 'A new user account on an address of your master account.',
  fields: (t) => ({
    address: t.string({ required: true, description: 'The primary address, such as "ada@mailadmin.test"; stored lowercased.' }),
    displayName: t.string({ required: true, description: 'The name shown to people (1-100 characters).' }),
    password: t.string({ description: 'At least 10 characters; required for PERSON, not allowed for MAILING_LIST.' }),
    plan: t.field({ type: PlanEnum, required: true, description: 'The plan of the new account.' }),
    kind: t.field({ type: AccountKindEnum, required: true, defaultValue: 'PERSON', description: 'A person (default) or a mailing list.' }),
    role: t.field({ type: UserRoleEnum, description: 'ADMIN or MEMBER (default MEMBER); OWNER cannot be assigned.' }),
    listMembers: t.stringList({ description: 'For mailing lists: up to 1,000 addresses; duplicates are dropped.' }),
  }),
});

builder.mutationField('createUser', (t) =>
  t.withAuth({ write: true }).field({
    type: ChargedUserPayload('CreateUserSuccess', 'The user account was created (and its first period charged, if paid).'),
    description:
      'Creates a user account in your master account (owner or administrator only). A paid plan is charged for 30 days from the deposit at once.',
    errors: {
      types: [...CONSOLE_ERRORS, AddressTakenError, AddressReservedError, DomainNotVerifiedError, InsufficientFundsError],
    },
    args: { input: t.arg({ type: CreateUserInput, required: true, description: 'The new account.' }) },
    resolve: async (_root, { input }, context) => {
      const result = await createUser(context.db, context.viewer, context.config.mailDomain, input, context.now);
      publishMoneyEvents(context.events, result.events);
      return result;
    },
  }),
);

const UpdateUserInput = builder.inputType('UpdateUserInput', {
  description: 'Changes to a user account; fields left out stay as they are.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'The user to change.' }),
    displayName: t.string({ description: 'A new display name (1-100 characters).' }),
    password: t.string({ description: 'A new password (at least 10 characters); people only.' }),
    status: t.field({
      type: UserStatusEnum,
      description:
        'SUSPENDED to block the account (its sessions end, its tokens stop; billing never lifts it); ACTIVE to lift a suspension (a renewal unpaid meanwhile shows PAST_DUE). PAST_DUE is billing\'s, never set by hand.',
    }),
    suspensionReason: t.string({ description: 'Why the user is suspended (1-500 characters), recorded with the suspension; only with status SUSPENDED.' }),
    role: t.field({ type: UserRoleEnum, description: 'ADMIN or MEMBER; the owner keeps OWNER.' }),
    listMembers: t.stringList({ description: 'For mailing lists: the new member addresses, replacing the old ones.' }),
  }),
});

builder.mutationField('updateUser', (t) =>
  t.withAuth({ write: true }).field({
    type: UserPayload('UpdateUserSuccess', 'The user account was changed.'),
    description:
      "Changes a user account. Every user may change their own display name and password; the owner and administrators change others, except that only the owner changes anything of the owner, and an administrator resets the passwords of MEMBERs only. A new password ends every other session of that user.",
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: UpdateUserInput, required: true, description: 'What to change.' }) },
    resolve: async (_root, { input }, context) => ({
      user: await updateUser(context.db, context.viewer, { ...input, userId: parseGlobalId('userId', input.userId, 'User') }, context.now),
    }),
  }),
);

const ChangePlanInput = builder.inputType('ChangePlanInput', {
  description: 'A new plan for one user account.',
  fields: (t) => ({
    userId: t.id({ required: true, description: 'The user whose plan changes.' }),
    plan: t.field({ type: PlanEnum, required: true, description: 'The new plan.' }),
  }),
});

builder.mutationField('changePlan', (t) =>
  t.withAuth({ write: true }).field({
    type: ChargedUserPayload('ChangePlanSuccess', 'The plan was changed, or a downgrade scheduled for the next renewal.'),
    description:
      "Changes a user's plan. An upgrade is charged at once (prorated to the day within a paid period); a downgrade is pending until the next renewal, without refund. Administrators; only the owner changes the owner's plan, and a FREE owner may upgrade themselves to unlock the console.",
    errors: { types: [...CONSOLE_ERRORS, InsufficientFundsError] },
    args: { input: t.arg({ type: ChangePlanInput, required: true, description: 'The user and the plan.' }) },
    resolve: async (_root, { input }, context) => {
      const result = await changePlan(
        context.db,
        context.viewer,
        { userId: parseGlobalId('userId', input.userId, 'User'), plan: input.plan },
        context.now,
      );
      publishMoneyEvents(context.events, result.events);
      return result;
    },
  }),
);

const DeleteUserInput = builder.inputType('DeleteUserInput', {
  description: 'The user account to delete.',
  fields: (t) => ({ userId: t.id({ required: true, description: 'The user to delete; never the owner.' }) }),
});

const DeleteUserSuccess = builder.objectRef<{ deletedUserId: string }>('DeleteUserSuccess').implement({
  description: 'The user account was deleted; its addresses are held for 30 days before anyone can take them.',
  fields: (t) => ({
    deletedUserId: t.exposeID('deletedUserId', { description: 'The global ID the deleted user had.' }),
  }),
});

builder.mutationField('deleteUser', (t) =>
  t.withAuth({ write: true }).field({
    type: DeleteUserSuccess,
    description: 'Deletes a user account with its tokens (owner or administrator; the owner cannot be deleted).',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: DeleteUserInput, required: true, description: 'The user to delete.' }) },
    resolve: async (_root, { input }, context) => {
      await deleteUser(context.db, context.viewer, parseGlobalId('userId', input.userId, 'User'), context.now);
      return { deletedUserId: input.userId };
    },
  }),
);
