import { and, asc, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { commitWith, inOrder } from '../db/pipeline.js';
import { preparedStatement, literally } from '../db/prepared.js';
import { addresses, users } from '../db/tables.js';
import { assertAssignable, claimClearedAddress, clearEndedHold, parseAddress } from './addresses.js';
import { recordAudit } from './audit.js';
import { AliasLimitReachedError, NotFoundError } from './errors.js';
import { planTerms } from './plans.js';
import { assertAdmin, type Viewer } from './viewer.js';

export const aliasColumns = {
  id: addresses.id,
  address: addresses.address,
  userId: addresses.userId,
  masterAccountId: addresses.masterAccountId,
  createdAt: addresses.createdAt,
};
const activeAliases = and(literally(eq(addresses.kind, 'ALIAS')), isNull(addresses.releasedAt));

function selectAliases(db: Db) {
  return db.select(aliasColumns).from(addresses);
}
export type AliasRow = Awaited<ReturnType<typeof selectAliases>>[number];

export async function loadAliases(db: Db, masterAccountId: string, ids: readonly string[]): Promise<AliasRow[]> {
  return selectAliases(db).where(and(activeAliases, eq(addresses.masterAccountId, masterAccountId), inArray(addresses.id, [...ids])));
}

const aliasesOfUsers = preparedStatement((db) =>
  selectAliases(db)
    .where(
      and(
        activeAliases,
        eq(addresses.masterAccountId, sql.placeholder('masterAccountId')),
        sql`${addresses.userId} = any(${sql.placeholder('userIds')}::uuid[])`,
      ),
    )
    .orderBy(asc(addresses.address))
    .prepare('mailadmin_aliases_of_users'),
);

/** The aliases of several users at once, by address, for the per-request loader. */
export async function loadAliasesOfUsers(db: Db, masterAccountId: string, userIds: readonly string[]): Promise<AliasRow[]> {
  return aliasesOfUsers(db).execute({ masterAccountId, userIds: [...userIds] });
}

const userLock = preparedStatement((db) =>
  db
    .select({ id: users.id, plan: users.plan })
    .from(users)
    .where(and(eq(users.id, sql.placeholder('userId')), eq(users.masterAccountId, sql.placeholder('masterAccountId'))))
    .for('no key update')
    .prepare('mailadmin_alias_user_lock'),
);

const aliasCount = preparedStatement((db) =>
  db
    .select({ n: count() })
    .from(addresses)
    .where(and(activeAliases, eq(addresses.userId, sql.placeholder('userId'))))
    .prepare('mailadmin_alias_count'),
);

/**
 * Gives a user another address. The user row is locked first, so two concurrent additions cannot
 * both see room under the plan's limit.
 */
export async function addAlias(
  db: Db,
  viewer: Viewer,
  mailDomain: string,
  input: { userId: string; address: string },
  now: Date,
): Promise<AliasRow> {
  assertAdmin(viewer, 'manage aliases');
  const parsed = parseAddress('address', input.address);
  return db.transaction(async (tx) => {
    // The aliases are counted in a statement of their own, sent right behind the lock and run once
    // it is held: a subquery of the locking statement would read a snapshot from before a
    // concurrent addition committed and see room that is gone.
    const [[user], [held], unassignable] = await inOrder(
      () => userLock(tx).execute({ userId: input.userId, masterAccountId: viewer.masterAccountId }),
      () => aliasCount(tx).execute({ userId: input.userId }),
      // Its refusal is kept for after the user is found: an unknown user is the first thing to report.
      () => assertAssignable(tx, viewer.masterAccountId, parsed, mailDomain).then(() => null, (error: unknown) => error),
      // Cleared up front, so the claim needs no second try and can go with the COMMIT.
      () => clearEndedHold(tx, parsed.address, now),
    );
    if (!user) throw new NotFoundError('userId', 'user');
    if (unassignable) throw unassignable;
    // After a downgrade a user may hold more than the new limit: those stay, but no new one fits.
    const limit = planTerms[user.plan].aliasLimit;
    if ((held?.n ?? 0) >= limit) throw new AliasLimitReachedError(limit);
    // The last statement: if the address is taken, the transaction has changed nothing but an
    // ended hold's row, which anyone's next claim would clear as well.
    const { id, createdAt } = await commitWith(tx, () =>
      claimClearedAddress(
        tx,
        { address: parsed.address, masterAccountId: viewer.masterAccountId, userId: user.id, kind: 'ALIAS', now },
        { actorId: viewer.userId, action: 'alias.add', targetType: 'Alias', details: { address: parsed.address, userId: user.id } },
      ),
    );
    return { id, address: parsed.address, userId: user.id, masterAccountId: viewer.masterAccountId, createdAt };
  });
}

/** Removes an alias; its address is held for 30 days like a deleted user's. */
export async function removeAlias(db: Db, viewer: Viewer, aliasId: string, now: Date): Promise<AliasRow> {
  assertAdmin(viewer, 'manage aliases');
  return db.transaction(async (tx) => {
    const [alias] = await tx
      .update(addresses)
      .set({ releasedAt: now })
      .where(and(activeAliases, eq(addresses.id, aliasId), eq(addresses.masterAccountId, viewer.masterAccountId)))
      .returning(aliasColumns);
    if (!alias) throw new NotFoundError('aliasId', 'alias');
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'alias.remove',
      target: { type: 'Alias', id: alias.id },
      details: { address: alias.address, userId: alias.userId },
    });
    return alias;
  });
}
