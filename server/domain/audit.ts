import { and, count, eq } from 'drizzle-orm';
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
