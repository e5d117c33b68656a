import { and, eq, sql } from 'drizzle-orm';
import type { SelectedFields } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.js';
import type { AliasRow } from './aliases.js';
import { preparedStatement, literally } from '../db/prepared.js';
import { addresses, sharedResources, users } from '../db/tables.js';
import { assertAssignable, claimAddress, parseAddress, parseOutsideAddress, releaseUserAddresses } from './addresses.js';
import { recordAudit } from './audit.js';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { hashPassword } from './passwords.js';
import { planTerms, type Plan } from './plans.js';
import { formatCents } from './money.js';
import { charge, chargePeriod, lockAccount, planChange, type LedgerEntryRow, type MoneyEvents } from './billing.js';
import { requirePassword, requireText } from './validation.js';
import { endSessions } from './sessions.js';
import { assertAdmin, type UserRole, type Viewer } from './viewer.js';

export type AccountKind = 'PERSON' | 'MAILING_LIST';
export type UserStatus = 'ACTIVE' | 'SUSPENDED' | 'PAST_DUE';

/** A user as the API shows it: the row plus its primary address. */
export const userColumns = {
  id: users.id,
  masterAccountId: users.masterAccountId,
  address: addresses.address,
  displayName: users.displayName,
  kind: users.kind,
  plan: users.plan,
  pendingPlan: users.pendingPlan,
  // SUSPENDED over PAST_DUE over ACTIVE: the suspension is an administrator's, the column is billing's.
  // Aliased, so the columns can be selected inside subqueries too (groups.ts' member pages).
  status: sql<UserStatus>`case when ${users.suspendedAt} is not null then 'SUSPENDED'::user_status else ${users.status} end`.as('status'),
  suspendedAt: users.suspendedAt,
  suspensionReason: users.suspensionReason,
  secondFactor: sql<boolean>`${users.totpConfirmedAt} is not null`.as('second_factor'),
  role: users.role,
  listMembers: users.listMembers,
  paidThrough: users.paidThrough,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
};

export const primaryAddress = and(eq(addresses.userId, users.id), literally(eq(addresses.kind, 'PRIMARY')));

/**
 * An alias as a page of users brings it along: id, address and creation in epoch milliseconds, a
 * JSON array rather than an object. The account overview's answer holds about a hundred aliases,
 * and without key names and with a number for the instant their JSON is half as long to send and
 * parse, and a Date of a number costs a fifth of one read from text.
 */
type HeldAlias = [id: string, address: string, createdAt: number];

/**
 * A user's active aliases (kind ALIAS, not released: aliases.ts' activeAliases) by address, read
 * with the user, so a page of users showing its aliases needs no statement for them.
 */
const userColumnsWithAliases = {
  ...userColumns,
  aliases: sql<HeldAlias[]>`(select coalesce(json_agg(json_build_array("held"."id", "held"."address", (extract(epoch from "held"."created_at") * 1000)::bigint) order by "held"."address"), '[]'::json)
    from "addresses" "held" where "held"."user_id" = "users"."id" and "held"."kind" = 'ALIAS' and "held"."released_at" is null)`.mapWith((held: HeldAlias[]) => held),
};

/** The aliases a page row brought, as the alias loader gives them; undefined for a row read without them. */
export function aliasesOf(row: UserRow & { aliases?: unknown }): AliasRow[] | undefined {
  if (!Array.isArray(row.aliases)) return undefined;
  return (row.aliases as HeldAlias[]).map(([id, address, createdAt]) => ({
    id,
    address,
    userId: row.id,
    masterAccountId: row.masterAccountId,
    createdAt: new Date(createdAt),
  }));
}

export const columnsOf = (withAliases: boolean) => (withAliases ? userColumnsWithAliases : userColumns);

/** Users joined to their primary address; every read of users starts here. */
export function selectUsers(db: Db) {
  return usersWith(db, userColumns);
}

/** Users joined to their primary address, reading `fields` (userColumns and more). */
export function usersWith<Fields extends SelectedFields>(db: Db, fields: Fields) {
  return db.select(fields).from(users).innerJoin(addresses, primaryAddress);
}
export type UserRow = Awaited<ReturnType<typeof selectUsers>>[number];

/** Users by id, as node(), nodes() and nested fields ask for them (prepared: it is on most requests). */
const usersById = preparedStatement((db) =>
  selectUsers(db)
    .where(and(eq(users.masterAccountId, sql.placeholder('masterAccountId')), sql`${users.id} = any(${sql.placeholder('ids')}::uuid[])`))
    .prepare('mailadmin_users_by_id'),
);

export async function loadUsers(db: Db, masterAccountId: string, ids: readonly string[]): Promise<UserRow[]> {
  return usersById(db).execute({ masterAccountId, ids: [...ids] });
}

export async function loadOwners(db: Db, masterAccountId: string): Promise<UserRow[]> {
  return selectUsers(db).where(and(eq(users.masterAccountId, masterAccountId), literally(eq(users.role, 'OWNER'))));
}

/**
 * Locks one user of the viewer's account. Changes take FOR NO KEY UPDATE, which still lets other
 * transactions insert rows that reference the user (ledger entries, aliases, memberships) instead
 * of deadlocking on their foreign-key checks; deletion takes the full FOR UPDATE it needs anyway.
 */
async function lockUser(
  tx: Db,
  viewer: Viewer,
  userId: string,
  strength: 'no key update' | 'update' = 'no key update',
): Promise<UserRow> {
  const [user] = await selectUsers(tx)
    .where(and(eq(users.id, userId), eq(users.masterAccountId, viewer.masterAccountId)))
    .for(strength, { of: users });
  if (!user) throw new NotFoundError('userId', 'user');
  return user;
}

const MAX_LIST_MEMBERS = 1000;

function parseListMembers(field: string, members: readonly string[]): string[] {
  if (members.length > MAX_LIST_MEMBERS) throw new ValidationError(field, `must have at most ${MAX_LIST_MEMBERS} addresses`);
  const unique = new Set<string>();
  members.forEach((member, i) => unique.add(parseOutsideAddress(`${field}[${i}]`, member).address));
  return [...unique];
}

function requireAssignableRole(role: UserRole): UserRole {
  if (role === 'OWNER') throw new ValidationError('role', 'OWNER cannot be assigned: a master account has exactly one owner');
  return role;
}

export interface CreateUserInput {
  address: string;
  displayName: string;
  password?: string | null;
  plan: Plan;
  kind: AccountKind;
  role?: UserRole | null;
  listMembers?: readonly string[] | null;
}

export async function createUser(
  db: Db,
  viewer: Viewer,
  mailDomain: string,
  input: CreateUserInput,
  now: Date,
): Promise<PlanChangeResult> {
  assertAdmin(viewer, 'create users');
  const parsed = parseAddress('address', input.address);
  const displayName = requireText('displayName', input.displayName, 1, 100);
  const role = requireAssignableRole(input.role ?? 'MEMBER');
  let passwordHash: string | null = null;
  let listMembers: string[] = [];
  if (input.kind === 'PERSON') {
    if (input.password == null) throw new ValidationError('password', "is required for a person's account");
    if (input.listMembers != null) throw new ValidationError('listMembers', 'is only for mailing lists');
    passwordHash = await hashPassword(requirePassword('password', input.password));
  } else {
    if (input.password != null) throw new ValidationError('password', 'mailing lists have no password: they cannot sign in');
    if (role !== 'MEMBER') throw new ValidationError('role', 'a mailing list cannot administer the master account');
    listMembers = parseListMembers('listMembers', input.listMembers ?? []);
  }

  const events: MoneyEvents = { entries: [], notices: [] };
  return db.transaction(async (tx) => {
    const paid = planTerms[input.plan].priceCents > 0;
    const account = paid ? await lockAccount(tx, viewer.masterAccountId) : null;
    await assertAssignable(tx, viewer.masterAccountId, parsed, mailDomain);
    const [row] = await tx
      .insert(users)
      .values({
        masterAccountId: viewer.masterAccountId,
        displayName,
        passwordHash,
        plan: input.plan,
        kind: input.kind,
        role,
        listMembers,
      })
      .returning({ id: users.id });
    if (!row) throw new Error('user insert returned no row');
    await claimAddress(tx, {
      address: parsed.address,
      masterAccountId: viewer.masterAccountId,
      userId: row.id,
      kind: 'PRIMARY',
      now,
    });
    // A paid account is charged its first period at once, or not created at all.
    const charged = account ? await chargePeriod(tx, account, { id: row.id, address: parsed.address }, input.plan, now, events) : null;
    if (charged) await tx.update(users).set({ paidThrough: charged.paidThrough }).where(eq(users.id, row.id));
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'user.create',
      target: { type: 'User', id: row.id },
      details: { address: parsed.address, plan: input.plan, kind: input.kind, role },
    });
    const [user] = await selectUsers(tx).where(eq(users.id, row.id));
    if (!user) throw new Error('created user not found');
    return { user, ledgerEntry: charged?.entry ?? null, events };
  });
}

export interface UpdateUserInput {
  userId: string;
  displayName?: string | null;
  password?: string | null;
  status?: UserStatus | null;
  /** Why the user is suspended; only with status SUSPENDED. */
  suspensionReason?: string | null;
  role?: UserRole | null;
  listMembers?: readonly string[] | null;
}

/**
 * Who may change what of whom, beyond "administrators manage users" (domain.md, "Authority inside
 * a master account"): only the owner changes anything of the owner, and an ADMIN resets the
 * passwords of MEMBERs (and mailing lists, which are MEMBERs) only, never another ADMIN's.
 */
export function assertMayChange(viewer: Viewer, target: { id: string; role: UserRole }, what: { password: boolean }): void {
  if (viewer.userId === target.id) return;
  if (target.role === 'OWNER') throw new ForbiddenError("Only the owner changes the owner's account.");
  if (what.password && viewer.role !== 'OWNER' && target.role !== 'MEMBER') {
    throw new ForbiddenError("An administrator may reset the passwords of members only; an administrator's password is changed by its holder or the owner.");
  }
}

export async function updateUser(db: Db, viewer: Viewer, input: UpdateUserInput, now: Date): Promise<UserRow> {
  const selfService = input.userId === viewer.userId && input.status == null && input.role == null && input.listMembers == null;
  if (!selfService) assertAdmin(viewer, "change another user's account, status or role");

  const changes: Partial<typeof users.$inferInsert> = {};
  if (input.displayName != null) changes.displayName = requireText('displayName', input.displayName, 1, 100);
  if (input.password != null) changes.passwordHash = await hashPassword(requirePassword('password', input.password));
  if (input.status === 'PAST_DUE') throw new ValidationError('status', 'PAST_DUE is set by billing, not by hand');
  if (input.suspensionReason != null && input.status !== 'SUSPENDED') {
    throw new ValidationError('suspensionReason', 'is given only with status SUSPENDED');
  }
  const reason = input.suspensionReason == null ? null : requireText('suspensionReason', input.suspensionReason, 1, 500);
  if (input.role != null) changes.role = requireAssignableRole(input.role);
  if (input.listMembers != null) changes.listMembers = parseListMembers('listMembers', input.listMembers);
  if (Object.keys(changes).length === 0 && input.status == null) {
    throw new ValidationError('input', 'name at least one of displayName, password, status, role or listMembers');
  }

  return db.transaction(async (tx) => {
    const user = await lockUser(tx, viewer, input.userId);
    if (user.role === 'OWNER' && (input.status === 'SUSPENDED' || changes.role)) {
      throw new ForbiddenError("The owner's status and role cannot be changed.");
    }
    assertMayChange(viewer, user, { password: changes.passwordHash !== undefined });
    if (user.id === viewer.userId && input.status === 'SUSPENDED') {
      throw new ForbiddenError('You cannot suspend your own account.');
    }
    if (user.kind === 'MAILING_LIST' && changes.passwordHash) {
      throw new ValidationError('password', 'mailing lists have no password: they cannot sign in');
    }
    if (user.kind === 'PERSON' && changes.listMembers) {
      throw new ValidationError('listMembers', 'is only for mailing lists');
    }
    if (user.kind === 'MAILING_LIST' && changes.role && changes.role !== 'MEMBER') {
      throw new ValidationError('role', 'a mailing list cannot administer the master account');
    }
    const suspended = user.suspendedAt !== null;
    if (input.status === 'ACTIVE' && !suspended && user.status === 'PAST_DUE') {
      throw new ValidationError('status', 'a PAST_DUE account becomes ACTIVE when its renewal is paid');
    }
    if (input.status === 'SUSPENDED') {
      // Suspending again keeps the first instant; a new reason replaces the old one.
      Object.assign(changes, {
        suspendedAt: user.suspendedAt ?? now,
        suspendedBy: suspended ? undefined : viewer.userId,
        suspensionReason: reason ?? (suspended ? user.suspensionReason : null),
      });
    } else if (input.status === 'ACTIVE' && suspended) {
      // Billing standing was kept apart all along: a renewal unpaid meanwhile shows PAST_DUE now.
      Object.assign(changes, { suspendedAt: null, suspendedBy: null, suspensionReason: null });
    }
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    await tx.update(users).set({ ...defined, updatedAt: sql`now()` }).where(eq(users.id, user.id));
    // A suspension ends every session of the user (their API tokens are stopped by the suspension
    // itself and work again when it is lifted); a new password ends every session but the one
    // that set it, so a thief's stolen session dies with the old password.
    const endedSessions =
      input.status === 'SUSPENDED'
        ? await endSessions(tx, user.id, now, null)
        : changes.passwordHash !== undefined
          ? await endSessions(tx, user.id, now, viewer.tokenId)
          : 0;
    const changed = Object.keys(changes)
      .filter((key) => !['suspendedAt', 'suspendedBy', 'suspensionReason'].includes(key))
      .map((key) => (key === 'passwordHash' ? 'password' : key));
    if (input.status != null) changed.push('status');
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: input.status === 'SUSPENDED' && !suspended ? 'user.suspend' : input.status === 'ACTIVE' && suspended ? 'user.reactivate' : 'user.update',
      target: { type: 'User', id: user.id },
      details: {
        changed,
        ...(input.status ? { status: input.status } : {}),
        ...(reason ? { reason } : {}),
        ...(changes.role ? { role: changes.role } : {}),
        ...(endedSessions > 0 ? { endedSessions } : {}),
      },
    });
    const [updated] = await selectUsers(tx).where(eq(users.id, user.id));
    if (!updated) throw new Error('updated user not found');
    return updated;
  });
}

export interface PlanChangeResult {
  user: UserRow;
  ledgerEntry: LedgerEntryRow | null;
  events: MoneyEvents;
}

/**
 * Changes a plan with its money: an upgrade is charged at once (prorated inside a paid period),
 * a downgrade waits for the next renewal. All in one transaction with the ledger entry.
 */
export async function changePlan(
  db: Db,
  viewer: Viewer,
  input: { userId: string; plan: Plan },
  now: Date,
): Promise<PlanChangeResult> {
  // A FREE owner may still upgrade themselves: that is how the console is unlocked.
  if (!(viewer.role === 'OWNER' && input.userId === viewer.userId)) assertAdmin(viewer, 'change plans');
  const events: MoneyEvents = { entries: [], notices: [] };
  return db.transaction(async (tx) => {
    // The account lock comes first, as in every money move, so locks are always taken in one order.
    const account = await lockAccount(tx, viewer.masterAccountId);
    const user = await lockUser(tx, viewer, input.userId);
    // Only the owner moves the owner's plan: an ADMIN moving it to FREE would lock the console.
    assertMayChange(viewer, user, { password: false });
    const change = planChange(user, input.plan, now);
    if (change.kind === 'NONE') return { user, ledgerEntry: null, events };
    let ledgerEntry: LedgerEntryRow | null = null;
    let set: Partial<typeof users.$inferInsert>;
    if (change.kind === 'IMMEDIATE') {
      set = { plan: change.plan, pendingPlan: null, ...(planTerms[change.plan].priceCents === 0 ? { paidThrough: null } : {}) };
    } else if (change.kind === 'NEW_PERIOD') {
      const charged = await chargePeriod(tx, account, user, change.plan, now, events);
      ledgerEntry = charged.entry;
      set = { plan: change.plan, pendingPlan: null, paidThrough: charged.paidThrough, status: 'ACTIVE' };
    } else if (change.kind === 'UPGRADE') {
      if (change.prorationCents > 0) {
        ledgerEntry = await charge(
          tx,
          account,
          {
            kind: 'PRORATION',
            amountCents: -change.prorationCents,
            description: `Upgrade of ${user.address} from ${user.plan} to ${change.plan} for the rest of the period`,
            userId: user.id,
            plan: change.plan,
            periodStart: now,
            periodEnd: user.paidThrough,
          },
          events,
        );
      }
      set = { plan: change.plan, pendingPlan: null };
    } else if (change.kind === 'PENDING') {
      set = { pendingPlan: change.plan };
    } else {
      set = { pendingPlan: null };
    }
    await tx.update(users).set({ ...set, updatedAt: sql`now()` }).where(eq(users.id, user.id));
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'user.change_plan',
      target: { type: 'User', id: user.id },
      details: {
        from: user.plan,
        to: input.plan,
        effect: change.kind,
        ...(ledgerEntry ? { charged: formatCents(-ledgerEntry.amountCents) } : {}),
      },
    });
    const [updated] = await selectUsers(tx).where(eq(users.id, user.id));
    if (!updated) throw new Error('updated user not found');
    return { user: updated, ledgerEntry, events };
  });
}

export async function deleteUser(db: Db, viewer: Viewer, userId: string, now: Date): Promise<string> {
  assertAdmin(viewer, 'delete users');
  return db.transaction(async (tx) => {
    const user = await lockUser(tx, viewer, userId, 'update');
    if (user.role === 'OWNER') throw new ForbiddenError('The owner of a master account cannot be deleted.');
    await releaseUserAddresses(tx, user.id, now);
    // Shared resources outlive their owner: the master account's owner takes them over. Group
    // memberships go with the user row (ON DELETE CASCADE).
    const [owner] = await loadOwners(tx, viewer.masterAccountId);
    if (!owner) throw new Error(`master account ${viewer.masterAccountId} has no owner`);
    const handedOver = await tx
      .update(sharedResources)
      .set({ ownerId: owner.id })
      .where(eq(sharedResources.ownerId, user.id))
      .returning({ id: sharedResources.id, name: sharedResources.name });
    for (const resource of handedOver) {
      await recordAudit(tx, {
        masterAccountId: viewer.masterAccountId,
        actorId: viewer.userId,
        action: 'resource.transfer',
        target: { type: 'SharedResource', id: resource.id },
        details: { name: resource.name, fromUserId: user.id, toUserId: owner.id },
      });
    }
    await tx.delete(users).where(eq(users.id, user.id));
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: user.id === viewer.userId ? null : viewer.userId,
      action: 'user.delete',
      target: { type: 'User', id: user.id },
      details: { address: user.address, displayName: user.displayName, plan: user.plan },
    });
    return user.id;
  });
}
