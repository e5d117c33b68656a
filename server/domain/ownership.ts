import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { masterAccounts, users } from '../db/tables.js';
import { reenterPassword } from './accounts.js';
import { recordAudit } from './audit.js';
import { chargePeriod, lockAccount, type LedgerEntryRow, type MoneyEvents } from './billing.js';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { formatCents } from './money.js';
import { hasConsoleAccess, planTerms } from './plans.js';
import { selectUsers, type UserRow } from './users.js';
import type { Viewer } from './viewer.js';

export interface OwnershipTransfer {
  masterAccount: typeof masterAccounts.$inferSelect;
  previousOwner: UserRow;
  newOwner: UserRow;
  /** The previous owner's first period from the deposit, when their plan is paid. */
  ledgerEntry: LedgerEntryRow | null;
  events: MoneyEvents;
}

/**
 * The owner hands the master account to an active PERSON ADMIN, re-entering their password
 * (throttled like a log-in). The old owner becomes an ADMIN.
 *
 * The owner's own plan is not paid from the deposit (domain.md), so money follows the roles: the
 * old owner's paid plan starts a 30-day period charged from the deposit now, as any account that
 * becomes paid is (INSUFFICIENT_FUNDS and nothing changes when the deposit cannot pay it), and the
 * new owner's period ends unbilled (no refund, as with any change that stops charges). The new
 * owner must be on a paid plan: a FREE owner would lock the console for everyone.
 */
export async function transferOwnership(
  db: Db,
  viewer: Viewer,
  input: { newOwnerId: string; password: string },
  now: Date,
  client: string | null,
): Promise<OwnershipTransfer> {
  if (viewer.role !== 'OWNER') throw new ForbiddenError('Only the owner may hand the master account to someone else.');
  if (input.newOwnerId === viewer.userId) throw new ValidationError('newOwnerId', 'is already the owner');
  await reenterPassword(db, viewer.userId, input.password, now, client);
  const events: MoneyEvents = { entries: [], notices: [] };
  return db.transaction(async (tx) => {
    // The account first, as every money move locks it, then both users in id order.
    const account = await lockAccount(tx, viewer.masterAccountId);
    const locked = await selectUsers(tx)
      .where(and(eq(users.masterAccountId, viewer.masterAccountId), sql`${users.id} in (${viewer.userId}::uuid, ${input.newOwnerId}::uuid)`))
      .orderBy(users.id)
      .for('no key update', { of: users });
    const previous = locked.find((user) => user.id === viewer.userId);
    const next = locked.find((user) => user.id === input.newOwnerId);
    if (!next) throw new NotFoundError('newOwnerId', 'user');
    if (!previous || previous.role !== 'OWNER') throw new ForbiddenError('Only the owner may hand the master account to someone else.');
    if (next.kind !== 'PERSON' || next.role !== 'ADMIN') throw new ValidationError('newOwnerId', 'must be a person who is an ADMIN');
    if (next.status !== 'ACTIVE') throw new ValidationError('newOwnerId', `must be ACTIVE (is ${next.status})`);
    if (!hasConsoleAccess(next.plan)) {
      throw new ValidationError('newOwnerId', 'must be on a paid plan (ENTRY or PRO): a FREE owner locks the console for everyone');
    }

    const paid = planTerms[previous.plan].priceCents > 0;
    const charged = paid ? await chargePeriod(tx, account, previous, previous.plan, now, events) : null;
    // The old owner steps down first: one owner per account, at every instant (a unique index).
    await tx
      .update(users)
      .set({ role: 'ADMIN', pendingPlan: null, paidThrough: charged?.paidThrough ?? null, updatedAt: sql`now()` })
      .where(eq(users.id, previous.id));
    await tx.update(users).set({ role: 'OWNER', pendingPlan: null, paidThrough: null, updatedAt: sql`now()` }).where(eq(users.id, next.id));
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'account.transfer_ownership',
      target: { type: 'MasterAccount', id: viewer.masterAccountId },
      details: {
        previousOwnerId: previous.id,
        newOwnerId: next.id,
        ...(charged ? { charged: formatCents(-charged.entry.amountCents) } : {}),
      },
    });
    const after = await selectUsers(tx).where(sql`${users.id} in (${previous.id}::uuid, ${next.id}::uuid)`);
    const [masterAccount] = await tx.select().from(masterAccounts).where(eq(masterAccounts.id, viewer.masterAccountId));
    const previousOwner = after.find((user) => user.id === previous.id);
    const newOwner = after.find((user) => user.id === next.id);
    if (!masterAccount || !previousOwner || !newOwner) throw new Error('transferred account not found');
    return { masterAccount, previousOwner, newOwner, ledgerEntry: charged?.entry ?? null, events };
  });
}
