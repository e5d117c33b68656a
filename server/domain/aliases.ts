import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { inOneWrite, inOrder } from '../db/pipeline.js';
import { preparedStatement, literally } from '../db/prepared.js';
import { addresses, domains, users } from '../db/tables.js';
import { clearEndedHold, holdsVerifiedDomain, isReservedLocalPart, parseAddress } from './addresses.js';
import { auditOfInserted, auditParameters, recordAudit } from './audit.js';
import { AddressReservedError, AddressTakenError, AliasLimitReachedError, DomainNotVerifiedError, NotFoundError } from './errors.js';
import { PLANS, planTerms } from './plans.js';
import { assertAdmin, type Viewer } from './viewer.js';
import { authorizeInWrite, writeRefusal } from './write-authorization.js';

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

/** A plan's alias limit in SQL, from planTerms: `case plan when 'FREE' then 0 ... end`. */
function aliasLimitOf(plan: SQL): SQL {
  return sql`case ${plan} ${sql.join(
    PLANS.map((name) => sql.raw(`when '${name}' then ${planTerms[name].aliasLimit}`)),
    sql` `,
  )} end`;
}

/**
 * The user's count of aliases and, if it is under the plan's limit and the domain may be used,
 * the new alias with its audit event, in one statement. Sent behind the user's lock, it runs once
 * the lock is held, on a snapshot taken then: a concurrent addition has committed or not started,
 * so the count is exact. A taken address inserts nothing (the unique key decides races).
 */
const aliasClaim = preparedStatement((db) => {
  const masterAccountId = sql.placeholder('masterAccountId');
  // Written out with names: inside a CTE, Drizzle leaves columns unqualified, and the count's
  // subquery must tell its own rows from the user's.
  const target = db.$with('target').as(
    db
      .select({
        plan: users.plan,
        held: sql<number>`(select count(*) from ${addresses} held where held.user_id = "users"."id" and held.kind = 'ALIAS' and held.released_at is null)`
          .mapWith(Number)
          .as('held'),
        userId: sql<string>`"users"."id"`.as('target_user_id'),
      })
      .from(users)
      .where(and(eq(users.id, sql.placeholder('userId')), eq(users.masterAccountId, masterAccountId))),
  );
  const claimed = db
    .$with('claimed', { id: sql<string>`claimed_id`.as('claimed_id'), createdAt: sql`claimed_at`.mapWith(addresses.createdAt).as('claimed_at') })
    .as(
      sql`insert into ${addresses} (${sql.identifier(addresses.address.name)}, ${sql.identifier(addresses.masterAccountId.name)}, ${sql.identifier(addresses.userId.name)}, ${sql.identifier(addresses.kind.name)})
      select ${sql.placeholder('address')}, ${masterAccountId}::uuid, target.target_user_id, 'ALIAS' from ${target} target
      where target.held < ${aliasLimitOf(sql`target.plan`)}
        and (${sql.placeholder('ownDomain')}::boolean or exists (
          select 1 from ${domains} where ${domains.name} = ${sql.placeholder('domain')} and ${domains.masterAccountId} = ${masterAccountId}::uuid
            and ${literally(eq(domains.status, 'VERIFIED'))}))
      on conflict (${sql.identifier(addresses.address.name)}) do nothing
      returning ${sql.identifier(addresses.id.name)} as claimed_id, ${sql.identifier(addresses.createdAt.name)} as claimed_at`,
    );
  return db
    .with(target, claimed, auditOfInserted(db, claimed, claimed.id))
    .select({ held: target.held, id: claimed.id, createdAt: claimed.createdAt })
    .from(target)
    .leftJoin(claimed, sql`true`)
    .prepare('mailadmin_alias_claim');
});

const ALIAS_ACTION = 'manage aliases';

/**
 * Gives a user another address, in one write: the user's lock, the domain's check and the claim,
 * committed together (inOneWrite), behind the token's check when the viewer came from the cache.
 * The lock comes first, so two concurrent additions cannot both see room under the plan's limit.
 * The claim checks in SQL what the errors below report from the answers, and inserts only what
 * they allow. Most addresses asked for are free; one the claim finds taken may be held by a hold
 * that has ended, and is tried once more, in a second transaction that clears such a hold before
 * its claim. So a refused alias has changed nothing but an ended hold's row, which anyone's next
 * claim would clear as well.
 */
export async function addAlias(
  db: Db,
  viewer: Viewer,
  mailDomain: string,
  input: { userId: string; address: string },
  now: Date,
): Promise<AliasRow> {
  assertAdmin(viewer, ALIAS_ACTION);
  const parsed = parseAddress('address', input.address);
  const masterAccountId = viewer.masterAccountId;
  const ownDomain = parsed.domain === mailDomain;
  const reserved = isReservedLocalPart(parsed.local);
  const claimed = (tx: Db) =>
    aliasClaim(tx).execute({
      userId: input.userId,
      masterAccountId,
      address: parsed.address,
      ownDomain,
      domain: parsed.domain,
      ...auditParameters({
        masterAccountId,
        actorId: viewer.userId,
        action: 'alias.add',
        targetType: 'Alias',
        details: { address: parsed.address, userId: input.userId },
      }),
    });
  // A reserved address is refused whatever the answers: nothing more is sent.
  const claim = (tx: Db, clearingEndedHold: boolean): Promise<Awaited<ReturnType<typeof claimed>>> => {
    if (reserved) return Promise.resolve([]);
    if (!clearingEndedHold) return claimed(tx);
    return inOrder(
      () => clearEndedHold(tx, parsed.address, now),
      () => claimed(tx),
    ).then(([, rows]) => rows);
  };
  const attempt = async (clearingEndedHold: boolean) => {
    // The token's check first when the viewer came from the cache (both attempts: it rides in a
    // write that goes anyway), then the lock.
    const [, [user], verified, [row]] = await inOneWrite(db, (tx) =>
      inOrder(
        () => authorizeInWrite(tx, viewer, true),
        () => userLock(tx).execute({ userId: input.userId, masterAccountId }),
        () => (ownDomain ? Promise.resolve(true) : holdsVerifiedDomain(tx, masterAccountId, parsed.domain)),
        () => claim(tx, clearingEndedHold),
      ),
    ).catch((error: unknown) => {
      throw writeRefusal(error, ALIAS_ACTION);
    });
    // Reported in this order: an unknown user first, then the address, then the plan's limit.
    if (!user) throw new NotFoundError('userId', 'user');
    if (!verified) throw new DomainNotVerifiedError(parsed.domain);
    if (reserved) throw new AddressReservedError(parsed.address);
    // After a downgrade a user may hold more than the new limit: those stay, but no new one fits.
    const limit = planTerms[user.plan].aliasLimit;
    if (row?.id && row.createdAt) return { id: row.id, address: parsed.address, userId: user.id, masterAccountId, createdAt: row.createdAt };
    if ((row?.held ?? 0) >= limit) throw new AliasLimitReachedError(limit);
    return null;
  };
  const added = (await attempt(false)) ?? (await attempt(true));
  if (!added) throw new AddressTakenError(parsed.address);
  return added;
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
