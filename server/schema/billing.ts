import { builder } from '../builder.js';
import { viewerNodes } from '../context.js';
import {
  addDeposit,
  balanceOf,
  computeRunway,
  listLedger,
  setLowBalanceThreshold,
  upcomingRenewals,
  type LedgerEntryRow,
  type NoticeRow,
} from '../domain/billing.js';
import { IdempotencyConflictError, InsufficientFundsError } from '../domain/errors.js';
import { money } from '../domain/money.js';
import { assertAdmin, isAdmin } from '../domain/viewer.js';
import { publishMoneyEvents } from '../pubsub.js';
import { CONSOLE_ERRORS, ErrorInterface } from './errors.js';
import { parseGlobalId } from './ids.js';
import { MoneyType, PlanEnum } from './plans.js';
import { LedgerEntryRef, MasterAccountRef, UserRef } from './refs.js';

builder.objectType(InsufficientFundsError, {
  name: 'InsufficientFundsError',
  description: 'The deposit cannot pay for the change; nothing was changed. Add a deposit of at least the difference.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InsufficientFundsError,
  fields: (t) => ({
    required: t.field({ type: MoneyType, description: 'What the change costs now.', resolve: (e) => money(e.requiredCents) }),
    available: t.field({ type: MoneyType, description: 'The balance of the deposit.', resolve: (e) => money(e.availableCents) }),
  }),
});

builder.objectType(IdempotencyConflictError, {
  name: 'IdempotencyConflictError',
  description: 'The idempotency key was used for a deposit of another amount; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof IdempotencyConflictError,
  fields: (t) => ({ idempotencyKey: t.exposeString('idempotencyKey', { description: 'The key that was reused.' }) }),
});

export const LedgerEntryKindEnum = builder.enumType('LedgerEntryKind', {
  description: 'What moved the money.',
  values: {
    DEPOSIT: { description: 'Money added to the deposit ("add provision").' },
    CHARGE: { description: 'A 30-day period of a paid account, charged in advance (at creation, upgrade from FREE, or renewal).' },
    PRORATION: { description: 'An upgrade to a dearer plan, charged for the rest of the current period.' },
    REFUND: { description: 'Money given back.' },
    ADJUSTMENT: { description: 'A correction made by the provider.' },
  },
});

builder.node(LedgerEntryRef, {
  description: 'One movement of money of the deposit. Entries are never changed or removed; corrections are new entries.',
  id: { resolve: (entry) => entry.id },
  loadMany: (ids, context) =>
    // Money is for the owner and administrators; to others its entries do not exist.
    context.viewer && isAdmin(context.viewer) ? viewerNodes(context, LedgerEntryRef, (loaders) => loaders.ledgerEntry, ids) : ids.map(() => null),
  fields: (t) => ({
    kind: t.expose('kind', { type: LedgerEntryKindEnum, description: 'What moved the money.' }),
    amount: t.field({
      type: MoneyType,
      description: 'The signed amount: positive adds to the deposit, negative takes from it.',
      resolve: (e) => money(e.amountCents),
    }),
    balanceAfter: t.field({ type: MoneyType, description: 'The balance right after this entry.', resolve: (e) => money(e.balanceAfterCents) }),
    description: t.exposeString('description', { description: 'What the entry was for, in words.' }),
    user: t.field({
      type: UserRef,
      nullable: true,
      description: 'The user account charged; null for deposits and once that user is deleted.',
      resolve: (e, _args, context) => (e.userId ? context.loaders(e.masterAccountId).user.load(e.userId) : null),
    }),
    plan: t.expose('plan', { type: PlanEnum, nullable: true, description: 'The plan charged for; null for deposits.' }),
    periodStart: t.expose('periodStart', { type: 'DateTime', nullable: true, description: 'The start of the period paid for.' }),
    periodEnd: t.expose('periodEnd', { type: 'DateTime', nullable: true, description: 'The end of the period paid for.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the entry was recorded.' }),
  }),
});

const Runway = builder.objectRef<{ depletesOn: Date | null; days: number | null }>('Runway').implement({
  description: 'How long the deposit lasts at the current plans, renewal by renewal.',
  fields: (t) => ({
    depletesOn: t.expose('depletesOn', {
      type: 'DateTime',
      nullable: true,
      description: 'The first renewal the deposit cannot pay; null when nothing is charged.',
    }),
    days: t.int({ nullable: true, description: 'Whole days from now until then; null when nothing is charged.', resolve: (r) => r.days }),
  }),
});

const LowBalanceNotice = builder.objectRef<NoticeRow>('LowBalanceNotice').implement({
  description: 'A charge took the balance below the threshold: time to add a deposit. One per crossing.',
  fields: (t) => ({
    balance: t.field({ type: MoneyType, description: 'The balance after that charge.', resolve: (n) => money(n.balanceCents) }),
    threshold: t.field({ type: MoneyType, description: 'The threshold it went below.', resolve: (n) => money(n.thresholdCents) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
  }),
});

const LedgerFilter = builder.inputType('LedgerFilter', {
  description: 'Narrows the ledger; all given conditions must hold.',
  fields: (t) => ({
    kind: t.field({ type: LedgerEntryKindEnum, description: 'Only entries of this kind.' }),
    userId: t.id({ description: 'Only entries charged for this user.' }),
    from: t.field({ type: 'DateTime', description: 'Only entries recorded at or after this instant.' }),
    to: t.field({ type: 'DateTime', description: 'Only entries recorded at or before this instant.' }),
  }),
});

builder.objectFields(MasterAccountRef, (t) => ({
  balance: t.withAuth({ read: true }).field({
    type: MoneyType,
    description: 'What is left of the deposit. Every user of the master account may see it; the ledger behind it is for the owner and administrators.',
    resolve: async (account, _args, context) => money(await context.loaders(account.id).balance.load(account.id)),
  }),
  lowBalanceThreshold: t.field({
    type: MoneyType,
    description: 'Below this balance the owner is invited to recharge (20.00 EUR unless changed).',
    resolve: (account) => money(account.lowBalanceThresholdCents),
  }),
  lowBalance: t.withAuth({ read: true }).boolean({
    description: 'Whether the balance is below the threshold.',
    resolve: async (account, _args, context) =>
      (await context.loaders(account.id).balance.load(account.id)) < account.lowBalanceThresholdCents,
  }),
  monthlyCost: t.withAuth({ read: true }).field({
    type: MoneyType,
    description: 'What the paid accounts cost per 30 days at their next renewal (pending downgrades included); the owner is not paid from the deposit.',
    resolve: async (account, _args, context) =>
      money((await upcomingRenewals(context.db, account.id)).reduce((sum, r) => sum + r.priceCents, 0)),
  }),
  runway: t.withAuth({ read: true }).field({
    type: Runway,
    description: 'When the deposit runs out at the current plans, if nothing is added.',
    resolve: async (account, _args, context) =>
      computeRunway(await balanceOf(context.db, account.id), await upcomingRenewals(context.db, account.id), context.now),
  }),
  ledger: t.withAuth({ read: true }).connection(
    {
      type: LedgerEntryRef,
      description: 'Every movement of money, newest first. Owner and administrators; needs console access.',
      args: { filter: t.arg({ type: LedgerFilter, description: 'Conditions the entries must meet.' }) },
      resolve: (account, args, context) => {
        assertAdmin(context.viewer, 'read the ledger');
        const filter = args.filter
          ? { ...args.filter, userId: args.filter.userId ? parseGlobalId('filter.userId', args.filter.userId, 'User') : null }
          : null;
        return listLedger(context.db, account.id, args, filter);
      },
    },
    { name: 'LedgerEntryConnection', description: 'A page of ledger entries.' },
    { name: 'LedgerEntryEdge', description: 'A ledger entry in a list, with its cursor.' },
  ),
}));

const AddDepositInput = builder.inputType('AddDepositInput', {
  description: 'Money to add to the deposit.',
  fields: (t) => ({
    amount: t.field({ type: 'Decimal', required: true, description: 'From "1.00" to "10000.00" EUR, at most two decimals.' }),
    idempotencyKey: t.string({
      required: true,
      description: 'A key you choose (1-200 characters), such as a UUID: retrying with the same key and amount records one deposit.',
    }),
  }),
});

const AddDepositSuccess = builder.objectRef<{ entry: LedgerEntryRow; masterAccountId: string }>('AddDepositSuccess').implement({
  description: 'The deposit is recorded (or was already, for a retried key); overdue renewals were paid from it.',
  fields: (t) => ({
    ledgerEntry: t.field({ type: LedgerEntryRef, description: 'The DEPOSIT entry.', resolve: (p) => p.entry }),
    masterAccount: t.field({
      type: MasterAccountRef,
      description: 'The master account with its new balance.',
      resolve: async (p, _args, context) => {
        const account = await context.loaders(p.masterAccountId).masterAccount.load(p.masterAccountId);
        if (!account) throw new Error(`master account ${p.masterAccountId} is not loadable`);
        return account;
      },
    }),
  }),
});

builder.mutationField('addDeposit', (t) =>
  t.withAuth({ $all: { write: true, billing: true } }).field({
    type: AddDepositSuccess,
    description: 'Adds money to the deposit ("add provision"); owner or administrator, with a token that has the WRITE and BILLING scopes.',
    errors: { types: [...CONSOLE_ERRORS, IdempotencyConflictError] },
    args: { input: t.arg({ type: AddDepositInput, required: true, description: 'The amount and its idempotency key.' }) },
    resolve: async (_root, { input }, context) => {
      const { entry, events } = await addDeposit(context.db, context.viewer, input, context.now);
      publishMoneyEvents(context.events, events);
      return { entry, masterAccountId: context.viewer.masterAccountId };
    },
  }),
);

const SetLowBalanceThresholdInput = builder.inputType('SetLowBalanceThresholdInput', {
  description: 'A new low-balance threshold.',
  fields: (t) => ({
    amount: t.field({ type: 'Decimal', required: true, description: 'The threshold, such as "20.00"; "0.00" turns the invitations off.' }),
  }),
});

const SetLowBalanceThresholdSuccess = builder.objectRef<{ masterAccountId: string }>('SetLowBalanceThresholdSuccess').implement({
  description: 'The threshold is changed.',
  fields: (t) => ({
    masterAccount: t.field({
      type: MasterAccountRef,
      description: 'The master account with its new threshold.',
      resolve: async (p, _args, context) => {
        const account = await context.loaders(p.masterAccountId).masterAccount.load(p.masterAccountId);
        if (!account) throw new Error(`master account ${p.masterAccountId} is not loadable`);
        return account;
      },
    }),
  }),
});

builder.mutationField('setLowBalanceThreshold', (t) =>
  t.withAuth({ $all: { write: true, billing: true } }).field({
    type: SetLowBalanceThresholdSuccess,
    description: 'Sets the balance below which the owner is invited to recharge; owner or administrator, with a token that has the WRITE and BILLING scopes.',
    errors: { types: CONSOLE_ERRORS },
    args: { input: t.arg({ type: SetLowBalanceThresholdInput, required: true, description: 'The new threshold.' }) },
    resolve: async (_root, { input }, context) => {
      await setLowBalanceThreshold(context.db, context.viewer, input.amount);
      // The row read with the token is now stale.
      context.loaders(context.viewer.masterAccountId).masterAccount.clear(context.viewer.masterAccountId);
      return { masterAccountId: context.viewer.masterAccountId };
    },
  }),
);

builder.subscriptionField('ledgerEntryAdded', (t) =>
  t.withAuth({ read: true }).field({
    type: LedgerEntryRef,
    description:
      "Each new entry of your master account's ledger (owner and administrators). The stream ends when its token stops working (revoked, logged out, its user suspended, deleted or no longer an administrator).",
    subscribe: (_root, _args, context) => {
      assertAdmin(context.viewer, 'follow the ledger');
      const { viewer } = context;
      return context.subscriptions.watch(viewer, 'admin', () => context.events.subscribe('ledgerEntryAdded', viewer.masterAccountId), context.now);
    },
    resolve: (entry) => entry,
  }),
);

builder.subscriptionField('lowBalance', (t) =>
  t.withAuth({ read: true }).field({
    type: LowBalanceNotice,
    description:
      'Each time a charge takes the balance below the threshold: an invitation to recharge. The stream ends when its token stops working.',
    subscribe: (_root, _args, context) => {
      const { viewer } = context;
      return context.subscriptions.watch(viewer, 'member', () => context.events.subscribe('lowBalance', viewer.masterAccountId), context.now);
    },
    resolve: (notice) => notice,
  }),
);
