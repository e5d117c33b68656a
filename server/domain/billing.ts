import { and, count, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.js';
import { keysetPage, type PageArgs } from '../db/pagination.js';
import { inOneWrite, inOrder } from '../db/pipeline.js';
import { preparedStatement, literally } from '../db/prepared.js';
import { ledgerEntries, lowBalanceNotices, masterAccounts, users } from '../db/tables.js';
import { auditOfInserted, auditParameters, recordAudit, type InsertedAudit } from './audit.js';
import { IdempotencyConflictError, InsufficientFundsError, ValidationError } from './errors.js';
import { formatCents, parseCents } from './money.js';
import { PLANS, planTerms, type Plan } from './plans.js';
import { requireText } from './validation.js';
import { assertAdmin, type Viewer } from './viewer.js';
import { authorizeInWrite, writeRefusal } from './write-authorization.js';

export const PERIOD_DAYS = 30;
/** A period in SQL: 720 hours, not '30 days', which would follow a session time zone across a DST change. */
const PERIOD_HOURS = PERIOD_DAYS * 24;
/** How long a renewal may stay unpaid before the account falls back to FREE. */
export const GRACE_DAYS = 14;
export const DAY_MS = 24 * 60 * 60 * 1000;
export const DEPOSIT_MIN_CENTS = 100;
export const DEPOSIT_MAX_CENTS = 1_000_000;

export type LedgerEntryRow = typeof ledgerEntries.$inferSelect;
export type LedgerKind = LedgerEntryRow['kind'];
export type NoticeRow = typeof lowBalanceNotices.$inferSelect;

export function addDays(instant: Date, days: number): Date {
  return new Date(instant.getTime() + days * DAY_MS);
}

/**
 * The charge for moving to a dearer plan for the rest of a period: the price difference for each
 * remaining day (a started day counts), over 30 days, rounded half up to the cent, in integers.
 */
export function prorate(priceDifferenceCents: number, now: Date, paidThrough: Date): number {
  const remainingDays = Math.min(PERIOD_DAYS, Math.max(0, Math.ceil((paidThrough.getTime() - now.getTime()) / DAY_MS)));
  return Math.floor((priceDifferenceCents * remainingDays * 2 + PERIOD_DAYS) / (PERIOD_DAYS * 2));
}

/** Events a change of money produced, for subscribers; published after the transaction commits. */
export interface MoneyEvents {
  entries: LedgerEntryRow[];
  notices: NoticeRow[];
}

interface LockedAccount {
  id: string;
  balanceCents: number;
  thresholdCents: number;
}

const accountLock = preparedStatement((db) =>
  db
    .select({ id: masterAccounts.id, thresholdCents: masterAccounts.lowBalanceThresholdCents })
    .from(masterAccounts)
    .where(eq(masterAccounts.id, sql.placeholder('masterAccountId')))
    // NO KEY UPDATE: inserts that reference the account (audit events, ledger entries) from other
    // transactions only need FOR KEY SHARE, which this does not block, so no deadlock cycle forms.
    .for('no key update')
    .prepare('mailadmin_account_lock'),
);

/**
 * Locks the master account row for the rest of the transaction, so money moves of one account
 * happen one after another, and reads its balance: the balance after its latest ledger entry.
 */
export async function lockAccount(tx: Db, masterAccountId: string): Promise<LockedAccount> {
  // The balance is read right behind the lock, in the same write: it runs once the lock is held.
  const [[account], balanceCents] = await inOrder(
    () => accountLock(tx).execute({ masterAccountId }),
    () => balanceOf(tx, masterAccountId),
  );
  if (!account) throw new Error(`master account ${masterAccountId} does not exist`);
  return { ...account, balanceCents };
}

const lastBalance = preparedStatement((db) =>
  db
    .select({ balance: ledgerEntries.balanceAfterCents })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.masterAccountId, sql.placeholder('masterAccountId')))
    .orderBy(desc(ledgerEntries.seq))
    .limit(1)
    .prepare('mailadmin_balance'),
);

export async function balanceOf(db: Db, masterAccountId: string): Promise<number> {
  const [last] = await lastBalance(db).execute({ masterAccountId });
  return last?.balance ?? 0;
}

interface NewEntry {
  kind: LedgerKind;
  amountCents: number;
  description: string;
  userId?: string | null;
  plan?: Plan | null;
  periodStart?: Date | null;
  periodEnd?: Date | null;
  idempotencyKey?: string | null;
}

type EntryParameters = Required<NewEntry> & { masterAccountId: string; balanceAfterCents: number };

/** The insert of a ledger entry with placeholders, built once (see preparedStatement). */
function insertEntry(db: Db) {
  const value = (name: keyof EntryParameters) => sql.placeholder(name);
  // Timestamps go in as SQL, so a null is passed as it is rather than through the column's encoder.
  return db
    .insert(ledgerEntries)
    .values({
      masterAccountId: value('masterAccountId'),
      kind: value('kind'),
      amountCents: value('amountCents'),
      balanceAfterCents: value('balanceAfterCents'),
      description: value('description'),
      userId: value('userId'),
      plan: value('plan'),
      periodStart: sql`${value('periodStart')}::timestamptz`,
      periodEnd: sql`${value('periodEnd')}::timestamptz`,
      idempotencyKey: value('idempotencyKey'),
    })
    .returning();
}

const appendPlain = preparedStatement((db) => insertEntry(db).prepare('mailadmin_append_entry'));

const appendAudited = preparedStatement((db) => {
  const inserted = db.$with('appended').as(insertEntry(db));
  return db.with(inserted, auditOfInserted(db, inserted, inserted.id)).select().from(inserted).prepare('mailadmin_append_entry_audited');
});

/**
 * Appends one entry to a locked account and keeps `account.balanceCents` current. A charge that
 * takes the balance from at or above the threshold to below it records one low-balance notice.
 */
export async function appendEntry(
  tx: Db,
  account: LockedAccount,
  entry: NewEntry,
  events: MoneyEvents,
  /** The audit event of the entry, written by the same statement with the entry as its target. */
  audit?: InsertedAudit,
): Promise<LedgerEntryRow> {
  const before = account.balanceCents;
  const after = before + entry.amountCents;
  const values: EntryParameters = {
    masterAccountId: account.id,
    kind: entry.kind,
    amountCents: entry.amountCents,
    balanceAfterCents: after,
    description: entry.description,
    userId: entry.userId ?? null,
    plan: entry.plan ?? null,
    periodStart: entry.periodStart ?? null,
    periodEnd: entry.periodEnd ?? null,
    idempotencyKey: entry.idempotencyKey ?? null,
  };
  const [row] = audit
    ? await appendAudited(tx).execute({ ...values, ...auditParameters({ ...audit, masterAccountId: account.id }) })
    : await appendPlain(tx).execute(values);
  if (!row) throw new Error('ledger insert returned no row');
  account.balanceCents = after;
  events.entries.push(row);
  if (before >= account.thresholdCents && after < account.thresholdCents) {
    const [notice] = await tx
      .insert(lowBalanceNotices)
      .values({ masterAccountId: account.id, ledgerEntryId: row.id, balanceCents: after, thresholdCents: account.thresholdCents })
      .returning();
    if (notice) events.notices.push(notice);
  }
  return row;
}

/** Charges `amountCents` or refuses with the amounts, changing nothing (the caller's transaction rolls back). */
export async function charge(tx: Db, account: LockedAccount, entry: NewEntry, events: MoneyEvents): Promise<LedgerEntryRow> {
  const required = -entry.amountCents;
  if (required > account.balanceCents) throw new InsufficientFundsError(required, account.balanceCents);
  return appendEntry(tx, account, entry, events);
}

/** Charges a new period of a paid plan, starting now; returns the entry and the new paid-through date. */
export async function chargePeriod(
  tx: Db,
  account: LockedAccount,
  user: { id: string; address: string },
  plan: Plan,
  now: Date,
  events: MoneyEvents,
): Promise<{ entry: LedgerEntryRow; paidThrough: Date }> {
  const paidThrough = addDays(now, PERIOD_DAYS);
  const entry = await charge(
    tx,
    account,
    {
      kind: 'CHARGE',
      amountCents: -planTerms[plan].priceCents,
      description: `${plan} plan for ${user.address}, 30 days`,
      userId: user.id,
      plan,
      periodStart: now,
      periodEnd: paidThrough,
    },
    events,
  );
  return { entry, paidThrough };
}

export interface AddDepositInput {
  amount: string;
  idempotencyKey: string;
}

const depositByKey = preparedStatement((db) =>
  db
    .select()
    .from(ledgerEntries)
    .where(
      and(
        eq(ledgerEntries.masterAccountId, sql.placeholder('masterAccountId')),
        literally(eq(ledgerEntries.kind, 'DEPOSIT')),
        eq(ledgerEntries.idempotencyKey, sql.placeholder('key')),
      ),
    )
    .prepare('mailadmin_deposit_by_key'),
);

/**
 * A deposit after the account lock, in one statement: its entry and audit event, and whether
 * renewals wait for the money (`due`, null if none). Sent behind the lock, it runs once the lock is
 * held, with a snapshot taken then, so the balance it reads and adds to is that of the last entry
 * committed. When the key already has a deposit it inserts nothing and answers no row, through the
 * unique index on keys: the lock makes a deposit of the same key either committed or not begun.
 */
const depositAudited = preparedStatement((db) => {
  const masterAccountId = sql.placeholder('masterAccountId');
  const amountCents = sql.placeholder('amountCents');
  const latest = db
    .select({ balance: ledgerEntries.balanceAfterCents })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.masterAccountId, masterAccountId))
    .orderBy(desc(ledgerEntries.seq))
    .limit(1);
  const inserted = db.$with('deposited').as(
    db
      .insert(ledgerEntries)
      .values({
        masterAccountId,
        kind: 'DEPOSIT',
        amountCents,
        balanceAfterCents: sql`coalesce(${latest}, 0) + ${amountCents}::bigint`,
        description: sql.placeholder('description'),
        idempotencyKey: sql.placeholder('key'),
      })
      .onConflictDoNothing({ target: [ledgerEntries.masterAccountId, ledgerEntries.idempotencyKey], where: sql`kind = 'DEPOSIT'` })
      .returning(),
  );
  const due = db.$with('due').as(dueRenewalOf(db));
  return db
    .with(inserted, auditOfInserted(db, inserted, inserted.id), due)
    .select()
    .from(inserted)
    .leftJoin(due, sql`true`)
    .prepare('mailadmin_deposit_audited');
});

const DEPOSIT_ACTION = 'add deposits';

export async function addDeposit(
  db: Db,
  viewer: Viewer,
  input: AddDepositInput,
  now: Date,
): Promise<{ entry: LedgerEntryRow; events: MoneyEvents }> {
  assertAdmin(viewer, DEPOSIT_ACTION);
  const cents = parseCents('amount', input.amount);
  if (cents < DEPOSIT_MIN_CENTS || cents > DEPOSIT_MAX_CENTS) {
    throw new ValidationError('amount', `must be between ${formatCents(DEPOSIT_MIN_CENTS)} and ${formatCents(DEPOSIT_MAX_CENTS)} EUR`);
  }
  const key = requireText('idempotencyKey', input.idempotencyKey, 1, 200);
  const masterAccountId = viewer.masterAccountId;
  const amount = formatCents(cents);
  const events: MoneyEvents = { entries: [], notices: [] };
  // The whole transaction is one write: the token's check when the viewer came from the cache,
  // the lock, then the deposit, committed together. The lock serializes retries of one key: the
  // second finds the first's entry, and inserts nothing. A retry is checked as well: a token that
  // no longer works fails here, before the earlier entry is read for its answer.
  const [, account, [deposit]] = await inOneWrite(db, (tx) =>
    inOrder(
      () => authorizeInWrite(tx, viewer, true),
      () => accountLock(tx).execute({ masterAccountId }),
      () =>
        depositAudited(tx).execute({
          masterAccountId,
          amountCents: cents,
          description: `Deposit of ${amount} EUR`,
          key,
          asOf: now.toISOString(),
          ...auditParameters({
            masterAccountId,
            actorId: viewer.userId,
            action: 'billing.deposit',
            targetType: 'LedgerEntry',
            details: { amount, idempotencyKey: key },
          }),
        }),
    ),
  ).catch((error: unknown) => {
    throw writeRefusal(error, DEPOSIT_ACTION);
  });
  if (account.length === 0) throw new Error(`master account ${masterAccountId} does not exist`);
  if (!deposit) {
    // A retry: nothing was written, so refusing a different amount changes nothing.
    const [previous] = await depositByKey(db).execute({ masterAccountId, key });
    if (!previous) throw new Error('the deposit inserted no entry and its key has none');
    if (previous.amountCents !== cents) throw new IdempotencyConflictError(key);
    return { entry: previous, events };
  }
  const entry = deposit.deposited;
  events.entries.push(entry);
  // Overdue renewals are paid at once, oldest first, from the new money, in a transaction of their
  // own (they lock the account again). Were it to fail, the deposit stays, and the renewals stay
  // due for the next deposit or the billing run.
  if (deposit.due) await db.transaction((tx) => renewDue(tx, now, [masterAccountId], events));
  return { entry, events };
}

export async function setLowBalanceThreshold(db: Db, viewer: Viewer, amount: string): Promise<void> {
  assertAdmin(viewer, 'change the low-balance threshold');
  const cents = parseCents('amount', amount);
  if (cents < 0 || cents > DEPOSIT_MAX_CENTS) {
    throw new ValidationError('amount', `must be between 0.00 and ${formatCents(DEPOSIT_MAX_CENTS)} EUR`);
  }
  await db.transaction(async (tx) => {
    await tx.update(masterAccounts).set({ lowBalanceThresholdCents: cents }).where(eq(masterAccounts.id, viewer.masterAccountId));
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'billing.set_low_balance_threshold',
      target: { type: 'MasterAccount', id: viewer.masterAccountId },
      details: { threshold: formatCents(cents) },
    });
  });
}

/** Plan prices as an SQL VALUES list, so set-based statements price every row without a round trip. */
function planPriceRows(): SQL {
  return sql.join(
    PLANS.map((plan) => sql`(${plan}::plan, ${planTerms[plan].priceCents}::bigint)`),
    sql`, `,
  );
}

/** Renewals billed by users who pay from the deposit: paid plans of everyone but the owner. */
const billable = sql`u.role <> 'OWNER' and u.plan <> 'FREE' and u.paid_through is not null`;

/** Restricts a set-based statement over users `u` to some master accounts; null means all. */
function accountScope(masterAccountIds: readonly string[] | null): SQL {
  if (!masterAccountIds) return sql``;
  if (masterAccountIds.length === 0) return sql`and false`;
  return sql`and u.master_account_id in (${sql.join(masterAccountIds.map((id) => sql`${id}::uuid`), sql`, `)})`;
}

function rowsOf<Row>(result: unknown): Row[] {
  const rows = (result as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) throw new Error('the driver returned no rows array');
  return rows as Row[];
}

/** Locks the master accounts, of those in `scope`, that have a renewal due by `at`, and returns their ids. */
async function lockDueAccounts(tx: Db, at: string, scope: SQL): Promise<{ id: string }[]> {
  // `execute()` sends it now: an awaited query would go a promise job later (see inOrder).
  const locked = tx.execute(sql`
      select a.id from master_accounts a
      where a.id in (select u.master_account_id from users u where ${billable} and u.paid_through <= ${at}::timestamptz ${scope})
      order by a.id for no key update`);
  return rowsOf(await locked.execute());
}

/** The users of `billable`, under the name it uses. */
const billableUsers = alias(users, 'u');

/** A renewal due by the `asOf` placeholder in the `masterAccountId` placeholder's account, if any. */
function dueRenewalOf(db: Db) {
  return db
    .select({ id: billableUsers.id })
    .from(billableUsers)
    .where(
      and(
        billable,
        sql`u.paid_through <= ${sql.placeholder('asOf')}::timestamptz`,
        eq(billableUsers.masterAccountId, sql.placeholder('masterAccountId')),
      ),
    )
    .limit(1);
}

/**
 * Charges every renewal due up to `asOf`, oldest first within each master account, as long as its
 * balance suffices; one set-based statement per round, a round per 30-day period a user is behind.
 * Each round takes only the periods starting within 30 days of the account's oldest unpaid one, so
 * a user three periods behind is paid up in order before anyone's later period is charged.
 * Runs inside the caller's transaction. The unique index on (user_id, period_start) of CHARGE
 * entries makes a second charge of the same period impossible; the account locks keep each
 * entry's balance-after right against a concurrent deposit or charge.
 */
export async function renewDue(tx: Db, asOf: Date, masterAccountIds: readonly string[] | null, events: MoneyEvents): Promise<number> {
  const scope = accountScope(masterAccountIds);
  const at = asOf.toISOString();
  let charged = 0;
  for (let round = 0; round < 1000; round++) {
    const due = await lockDueAccounts(tx, at, scope);
    // Nothing due: the charging statement need not even be planned.
    if (due.length === 0) break;
    const result = await tx.execute(sql`
      with prices(plan, price) as (values ${planPriceRows()}),
      overdue as (
        select u.id as user_id, u.master_account_id, coalesce(u.pending_plan, u.plan) as plan, u.paid_through as period_start,
               p.price, min(u.paid_through) over (partition by u.master_account_id) as oldest
        from users u join prices p on p.plan = coalesce(u.pending_plan, u.plan)
        where ${billable} and u.paid_through <= ${at}::timestamptz and coalesce(u.pending_plan, u.plan) <> 'FREE' ${scope}
      ),
      due as (
        select o.user_id, o.master_account_id, o.plan, o.period_start, o.price,
               sum(o.price) over (partition by o.master_account_id order by o.period_start, o.user_id) as running
        from overdue o
        where o.period_start < o.oldest + interval '${sql.raw(String(PERIOD_HOURS))} hours'
      ),
      balances as (
        select d.master_account_id, coalesce((
          select l.balance_after_cents from ledger_entries l
          where l.master_account_id = d.master_account_id order by l.seq desc limit 1), 0) as balance
        from (select distinct master_account_id from due) d
      ),
      payable as (
        select d.*, b.balance - d.running as balance_after
        from due d join balances b using (master_account_id)
        where d.running <= b.balance
      ),
      inserted as (
        insert into ledger_entries (master_account_id, kind, amount_cents, balance_after_cents, description, user_id, plan, period_start, period_end)
        select master_account_id, 'CHARGE', -price, balance_after,
               'Renewal of ' || plan || ' for 30 days', user_id, plan, period_start, period_start + interval '${sql.raw(String(PERIOD_HOURS))} hours'
        from payable order by master_account_id, running
        returning *
      ),
      renewed as (
        update users u set plan = i.plan, pending_plan = null, status = 'ACTIVE', paid_through = i.period_end, updated_at = now()
        from inserted i where u.id = i.user_id
      ),
      audited as (
        insert into audit_events (master_account_id, actor_id, action, target_type, target_id, details)
        select master_account_id, null, 'billing.renewal', 'User', user_id,
               jsonb_build_object('plan', plan, 'amount', to_char(-amount_cents / 100.0, 'FM999999990.00'), 'periodEnd', period_end)
        from inserted
      ),
      -- One notice per account whose balance crossed its threshold: at its first entry below it.
      noticed as (
        insert into low_balance_notices (master_account_id, ledger_entry_id, balance_cents, threshold_cents)
        select distinct on (i.master_account_id) i.master_account_id, i.id, i.balance_after_cents, a.low_balance_threshold_cents
        from inserted i join master_accounts a on a.id = i.master_account_id
        where i.balance_after_cents < a.low_balance_threshold_cents
          and i.balance_after_cents - i.amount_cents >= a.low_balance_threshold_cents
        order by i.master_account_id, i.seq
        returning *
      )
      select 'entry' as row_kind, row_to_json(i) as data from inserted i
      union all
      select 'notice', row_to_json(n) from noticed n`);
    const rows = rowsOf<{ row_kind: 'entry' | 'notice'; data: Record<string, unknown> | string }>(result).map((row) => ({
      kind: row.row_kind,
      // node-postgres parses json columns; PGlite may hand them over as text.
      data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
    }));
    const entries = rows.filter((row) => row.kind === 'entry').map((row) => toEntry(row.data));
    if (entries.length === 0) break;
    charged += entries.length;
    events.entries.push(...entries.sort((a, b) => a.seq - b.seq));
    events.notices.push(...rows.filter((row) => row.kind === 'notice').map((row) => toNotice(row.data)));
  }
  return charged;
}

function toEntry(row: Record<string, unknown>): LedgerEntryRow {
  const instant = (value: unknown) => (value == null ? null : new Date(value as string | Date));
  return {
    id: String(row.id),
    masterAccountId: String(row.master_account_id),
    seq: Number(row.seq),
    kind: row.kind as LedgerKind,
    amountCents: Number(row.amount_cents),
    balanceAfterCents: Number(row.balance_after_cents),
    description: String(row.description),
    userId: row.user_id == null ? null : String(row.user_id),
    plan: (row.plan ?? null) as Plan | null,
    periodStart: instant(row.period_start),
    periodEnd: instant(row.period_end),
    idempotencyKey: row.idempotency_key == null ? null : String(row.idempotency_key),
    createdAt: instant(row.created_at) ?? new Date(0),
  };
}

function toNotice(row: Record<string, unknown>): NoticeRow {
  return {
    id: String(row.id),
    masterAccountId: String(row.master_account_id),
    ledgerEntryId: String(row.ledger_entry_id),
    balanceCents: Number(row.balance_cents),
    thresholdCents: Number(row.threshold_cents),
    createdAt: new Date(row.created_at as string),
  };
}

export interface BillingRunResult {
  charged: number;
  downgradedToPending: number;
  pastDue: number;
  downgradedUnpaid: number;
  events: MoneyEvents;
}

/**
 * The billing job: applies downgrades whose period ended, charges every renewal due up to `asOf`,
 * marks the unpaid ones PAST_DUE, and moves accounts unpaid for 14 days to FREE. Safe to run twice
 * for the same instant and from several processes at once.
 */
export async function runBilling(
  db: Db,
  asOf: Date,
  options: { masterAccountIds?: readonly string[] } = {},
): Promise<BillingRunResult> {
  const events: MoneyEvents = { entries: [], notices: [] };
  // Some master accounts only: support re-running one customer, and tests sharing a database.
  const only = options.masterAccountIds ?? null;
  const scope = accountScope(only);
  return db.transaction(async (tx) => {
    const at = asOf.toISOString();
    // Every account this run may touch is locked first, in id order, as the console's charges lock
    // them: taking user rows first (the downgrades below) could deadlock with a concurrent changePlan.
    await tx.execute(sql`
      select a.id from master_accounts a
      where a.id in (select u.master_account_id from users u where ${billable} and u.paid_through <= ${at}::timestamptz ${scope})
      order by a.id for no key update`);
    // A downgrade to FREE ends billing when the paid period ends; other downgrades are charged
    // at their new price by renewDue (which bills coalesce(pending_plan, plan)).
    const toFree = rowsOf<{ id: string }>(
      await tx.execute(sql`
        with changed as (
          update users u set plan = 'FREE', pending_plan = null, paid_through = null, status = 'ACTIVE', updated_at = now()
          where ${billable} and u.pending_plan = 'FREE' and u.paid_through <= ${at}::timestamptz ${scope}
          returning u.id, u.master_account_id
        ), audited as (
          insert into audit_events (master_account_id, actor_id, action, target_type, target_id, details)
          select master_account_id, null, 'billing.downgrade', 'User', id, '{"to":"FREE","reason":"pending downgrade"}'::jsonb from changed
        )
        select id from changed`),
    );
    const charged = await renewDue(tx, asOf, only, events);
    const pastDue = rowsOf<{ id: string }>(
      await tx.execute(sql`
        with changed as (
          update users u set status = 'PAST_DUE', updated_at = now()
          where ${billable} and u.paid_through <= ${at}::timestamptz and u.status <> 'PAST_DUE' ${scope}
          returning u.id, u.master_account_id, u.paid_through
        ), audited as (
          insert into audit_events (master_account_id, actor_id, action, target_type, target_id, details)
          select master_account_id, null, 'billing.past_due', 'User', id,
                 jsonb_build_object('status', 'PAST_DUE', 'reason', 'insufficient funds', 'unpaidSince', paid_through) from changed
        )
        select id from changed`),
    );
    const graceEnd = new Date(asOf.getTime() - GRACE_DAYS * DAY_MS).toISOString();
    const unpaid = rowsOf<{ id: string }>(
      await tx.execute(sql`
        with changed as (
          update users u set plan = 'FREE', pending_plan = null, paid_through = null, status = 'ACTIVE', updated_at = now()
          where ${billable} and u.status = 'PAST_DUE' and u.paid_through <= ${graceEnd}::timestamptz ${scope}
          returning u.id, u.master_account_id
        ), audited as (
          insert into audit_events (master_account_id, actor_id, action, target_type, target_id, details)
          select master_account_id, null, 'billing.downgrade', 'User', id, '{"to":"FREE","reason":"unpaid for 14 days"}'::jsonb from changed
        )
        select id from changed`),
    );
    return { charged, downgradedToPending: toFree.length, pastDue: pastDue.length, downgradedUnpaid: unpaid.length, events };
  });
}

export interface LedgerFilter {
  kind?: LedgerKind | null;
  userId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const firstLedgerPage = preparedStatement((db) =>
  db
    .select()
    .from(ledgerEntries)
    .where(eq(ledgerEntries.masterAccountId, sql.placeholder('masterAccountId')))
    .orderBy(desc(ledgerEntries.seq))
    .limit(sql.placeholder('limit'))
    .prepare('mailadmin_ledger_first'),
);

/** A master account's ledger, newest first. */
export function listLedger(db: Db, masterAccountId: string, args: PageArgs, filter: LedgerFilter | null | undefined) {
  const unfiltered = !filter?.kind && !filter?.userId && !filter?.from && !filter?.to;
  const base = and(
    eq(ledgerEntries.masterAccountId, masterAccountId),
    filter?.kind ? eq(ledgerEntries.kind, filter.kind) : undefined,
    filter?.userId ? eq(ledgerEntries.userId, filter.userId) : undefined,
    filter?.from ? gte(ledgerEntries.createdAt, filter.from) : undefined,
    filter?.to ? lte(ledgerEntries.createdAt, filter.to) : undefined,
  );
  return keysetPage<LedgerEntryRow>({
    args,
    keys: [{ column: ledgerEntries.seq, cast: 'bigint' }],
    descending: true,
    cursorOf: (row) => [row.seq],
    fetch: (after, orderBy, limit) =>
      db
        .select()
        .from(ledgerEntries)
        .where(and(base, after))
        .orderBy(...orderBy)
        .limit(limit),
    ...(unfiltered ? { fetchFirst: (limit: number) => firstLedgerPage(db).execute({ masterAccountId, limit }) } : {}),
    count: async () => {
      const [row] = await db.select({ n: count() }).from(ledgerEntries).where(base);
      return row?.n ?? 0;
    },
  });
}

export interface Runway {
  depletesOn: Date | null;
  days: number | null;
}

/**
 * When the deposit runs out at the current plans: renewals are replayed in date order (each user
 * every 30 days from their paid-through date) until one cannot be paid. Whole 30-day cycles are
 * skipped arithmetically, so the work is one pass over the users whatever the balance.
 */
export function computeRunway(balanceCents: number, renewals: { paidThrough: Date; priceCents: number }[], now: Date): Runway {
  const paying = renewals.filter((r) => r.priceCents > 0).sort((a, b) => a.paidThrough.getTime() - b.paidThrough.getTime());
  const cycleCost = paying.reduce((sum, r) => sum + r.priceCents, 0);
  if (cycleCost === 0) return { depletesOn: null, days: null };
  const cycles = Math.floor(balanceCents / cycleCost);
  let remaining = balanceCents - cycles * cycleCost;
  for (const renewal of paying) {
    if (renewal.priceCents > remaining) {
      const due = addDays(renewal.paidThrough, cycles * PERIOD_DAYS);
      const depletesOn = due.getTime() < now.getTime() ? now : due;
      return { depletesOn, days: Math.max(0, Math.floor((depletesOn.getTime() - now.getTime()) / DAY_MS)) };
    }
    remaining -= renewal.priceCents;
  }
  throw new Error('unreachable: a full cycle costs more than what remains');
}

/** What the account's next renewals cost: each paid user's plan at renewal (a pending downgrade counts). */
export async function upcomingRenewals(db: Db, masterAccountId: string): Promise<{ paidThrough: Date; priceCents: number }[]> {
  const rows = await db
    .select({ paidThrough: users.paidThrough, plan: users.plan, pendingPlan: users.pendingPlan, role: users.role })
    .from(users)
    .where(eq(users.masterAccountId, masterAccountId));
  return rows
    .filter((row) => row.role !== 'OWNER' && row.plan !== 'FREE' && row.paidThrough)
    .map((row) => ({ paidThrough: row.paidThrough as Date, priceCents: planTerms[row.pendingPlan ?? row.plan].priceCents }));
}

export type PlanChange =
  | { kind: 'NONE' }
  /** The plan changes now without a charge (the owner, whose plan is not paid from the deposit). */
  | { kind: 'IMMEDIATE'; plan: Plan }
  /** A paid plan starts a new 30-day period now and charges its full price. */
  | { kind: 'NEW_PERIOD'; plan: Plan }
  /** A dearer plan for the rest of the period: the prorated difference now. */
  | { kind: 'UPGRADE'; plan: Plan; prorationCents: number }
  /** A cheaper plan from the next renewal; nothing is refunded. */
  | { kind: 'PENDING'; plan: Plan }
  /** Back to the current plan: a pending downgrade is called off. */
  | { kind: 'CANCEL_PENDING' };

/** What changing a user's plan means for money, decided without touching the database. */
export function planChange(
  user: { role: string; plan: Plan; pendingPlan: Plan | null; paidThrough: Date | null },
  target: Plan,
  now: Date,
): PlanChange {
  if (user.role === 'OWNER') return user.plan === target && !user.pendingPlan ? { kind: 'NONE' } : { kind: 'IMMEDIATE', plan: target };
  if (target === user.plan) return user.pendingPlan ? { kind: 'CANCEL_PENDING' } : { kind: 'NONE' };
  const from = planTerms[user.plan].priceCents;
  const to = planTerms[target].priceCents;
  if (user.plan === 'FREE' || !user.paidThrough) return to > 0 ? { kind: 'NEW_PERIOD', plan: target } : { kind: 'IMMEDIATE', plan: target };
  if (to > from) return { kind: 'UPGRADE', plan: target, prorationCents: prorate(to - from, now, user.paidThrough) };
  return user.pendingPlan === target ? { kind: 'NONE' } : { kind: 'PENDING', plan: target };
}
