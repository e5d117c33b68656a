import { and, count, eq, sql, type SQLWrapper } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { keysetPage, type PageArgs } from '../db/pagination.js';
import { auditEvents } from '../db/tables.js';

/** The kinds of object an audit event can point at; the API turns them into global IDs. */
export type AuditTargetType = 'User' | 'ApiToken' | 'MasterAccount' | 'Domain' | 'Alias' | 'LedgerEntry' | 'Group' | 'SharedResource';

export interface AuditRecord {
  masterAccountId: string;
  actorId: string | null;
  action: string;
  target?: { type: AuditTargetType; id: string };
  details?: Record<string, unknown>;
}

/** Writes one audit event; call it with the transaction that makes the change it describes. */
export async function recordAudit(tx: Db, record: AuditRecord): Promise<void> {
  await tx.insert(auditEvents).values({
    masterAccountId: record.masterAccountId,
    actorId: record.actorId,
    action: record.action,
    targetType: record.target?.type ?? null,
    targetId: record.target?.id ?? null,
    details: record.details ?? null,
  });
}

/** An audit event about a row inserted by the same statement (see auditOfInserted). */
export type InsertedAudit = Omit<AuditRecord, 'masterAccountId' | 'target'> & { targetType: AuditTargetType };

/**
 * The audit event of a row that another CTE of the same statement inserts, as a CTE to pass to
 * `with`: the change and its event then cost one round trip instead of two, still in one
 * transaction. `targetId` is that CTE's id column; a CTE that inserts no row writes no event.
 * Its values are placeholders, for a statement built once (preparedStatement); auditParameters
 * gives them.
 */
export function auditOfInserted(tx: Db, inserted: SQLWrapper, targetId: SQLWrapper) {
  const columns = [auditEvents.masterAccountId, auditEvents.actorId, auditEvents.action, auditEvents.targetType, auditEvents.targetId, auditEvents.details];
  const value = (name: keyof AuditParameters) => sql.placeholder(name);
  return tx.$with('audited', { id: sql<string>`id` }).as(
    sql`insert into ${auditEvents} (${sql.join(
      columns.map((column) => sql.identifier(column.name)),
      sql`, `,
    )}) select ${value('auditAccount')}::uuid, ${value('auditActor')}::uuid, ${value('auditAction')}, ${value('auditTargetType')}, ${targetId},
      ${value('auditDetails')}::jsonb
      from ${inserted} returning ${sql.identifier(auditEvents.id.name)}`,
  );
}

/** The values of auditOfInserted's placeholders. */
export interface AuditParameters {
  auditAccount: string;
  auditActor: string | null;
  auditAction: string;
  auditTargetType: AuditTargetType;
  auditDetails: string | null;
}

export function auditParameters(audit: InsertedAudit & { masterAccountId: string }): AuditParameters {
  return {
    auditAccount: audit.masterAccountId,
    auditActor: audit.actorId,
    auditAction: audit.action,
    auditTargetType: audit.targetType,
    auditDetails: audit.details === undefined ? null : JSON.stringify(audit.details),
  };
}

/** The audit log of one master account, newest first. */
export function listAuditEvents(db: Db, masterAccountId: string, args: PageArgs) {
  const base = eq(auditEvents.masterAccountId, masterAccountId);
  return keysetPage<typeof auditEvents.$inferSelect>({
    args,
    keys: [{ column: auditEvents.seq, cast: 'bigint' }],
    descending: true,
    cursorOf: (row) => [row.seq],
    fetch: (after, orderBy, limit) =>
      db
        .select()
        .from(auditEvents)
        .where(and(base, after))
        .orderBy(...orderBy)
        .limit(limit),
    count: async () => {
      const [row] = await db.select({ n: count() }).from(auditEvents).where(base);
      return row?.n ?? 0;
    },
  });
}
