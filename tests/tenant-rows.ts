import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../server/db/client.js';
import {
  addresses,
  apiTokens,
  auditEvents,
  domains,
  groupMembers,
  groups,
  ledgerEntries,
  logInChallenges,
  lowBalanceNotices,
  masterAccounts,
  recoveryCodes,
  resourceShares,
  sharedResources,
  users,
} from '../server/db/tables.js';
import { decodeId } from './harness.js';

/**
 * Every row of a master account in every table, as the database holds it. Only a token's
 * `last_used_at` is left out: using a token (even for a refused request) may refresh it.
 */
export async function tenantRows(db: Db, masterAccountGlobalId: string): Promise<Record<string, unknown[]>> {
  const id = decodeId(masterAccountGlobalId);
  return {
    masterAccounts: await db.select().from(masterAccounts).where(eq(masterAccounts.id, id)),
    users: await db.select().from(users).where(eq(users.masterAccountId, id)).orderBy(asc(users.id)),
    recoveryCodes: await db
      .select()
      .from(recoveryCodes)
      .where(inArray(recoveryCodes.userId, db.select({ id: users.id }).from(users).where(eq(users.masterAccountId, id))))
      .orderBy(asc(recoveryCodes.id)),
    logInChallenges: await db
      .select()
      .from(logInChallenges)
      .where(inArray(logInChallenges.userId, db.select({ id: users.id }).from(users).where(eq(users.masterAccountId, id))))
      .orderBy(asc(logInChallenges.id)),
    addresses: await db.select().from(addresses).where(eq(addresses.masterAccountId, id)).orderBy(asc(addresses.id)),
    apiTokens: (await db.select().from(apiTokens).where(eq(apiTokens.masterAccountId, id)).orderBy(asc(apiTokens.id))).map(
      (row) => ({ ...row, lastUsedAt: null }),
    ),
    auditEvents: await db.select().from(auditEvents).where(eq(auditEvents.masterAccountId, id)).orderBy(asc(auditEvents.seq)),
    domains: await db.select().from(domains).where(eq(domains.masterAccountId, id)).orderBy(asc(domains.id)),
    ledgerEntries: await db.select().from(ledgerEntries).where(eq(ledgerEntries.masterAccountId, id)).orderBy(asc(ledgerEntries.seq)),
    lowBalanceNotices: await db
      .select()
      .from(lowBalanceNotices)
      .where(eq(lowBalanceNotices.masterAccountId, id))
      .orderBy(asc(lowBalanceNotices.id)),
    groups: await db.select().from(groups).where(eq(groups.masterAccountId, id)).orderBy(asc(groups.id)),
    groupMembers: await db
      .select()
      .from(groupMembers)
      .where(inArray(groupMembers.groupId, db.select({ id: groups.id }).from(groups).where(eq(groups.masterAccountId, id))))
      .orderBy(asc(groupMembers.groupId), asc(groupMembers.userId)),
    sharedResources: await db.select().from(sharedResources).where(eq(sharedResources.masterAccountId, id)).orderBy(asc(sharedResources.id)),
    resourceShares: await db
      .select()
      .from(resourceShares)
      .where(
        inArray(
          resourceShares.resourceId,
          db.select({ id: sharedResources.id }).from(sharedResources).where(eq(sharedResources.masterAccountId, id)),
        ),
      )
      .orderBy(asc(resourceShares.resourceId), asc(resourceShares.groupId)),
  };
}
