import { and, count, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { keysetPage, type PageArgs } from '../db/pagination.js';
import { literally } from '../db/prepared.js';
import { apiTokens, users } from '../db/tables.js';
import { recordAudit } from './audit.js';
import { tokenWorksAt } from './tokens.js';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { isAdmin, type UserRole, type Viewer } from './viewer.js';

/** A session as User.sessions shows it: a SESSION row of api_tokens. */
export type SessionRow = Pick<
  typeof apiTokens.$inferSelect,
  'id' | 'masterAccountId' | 'userId' | 'createdAt' | 'lastUsedAt' | 'expiresAt' | 'client' | 'ipAddress'
>;

const sessionColumns = {
  id: apiTokens.id,
  masterAccountId: apiTokens.masterAccountId,
  userId: apiTokens.userId,
  createdAt: apiTokens.createdAt,
  lastUsedAt: apiTokens.lastUsedAt,
  expiresAt: apiTokens.expiresAt,
  client: apiTokens.client,
  ipAddress: apiTokens.ipAddress,
};

/** Sessions that still work at `now`: not revoked, not expired. */
function liveSessions(now: Date): SQL | undefined {
  return and(
    literally(eq(apiTokens.kind, 'SESSION')),
    tokenWorksAt(sql`${now.toISOString()}::timestamptz`),
  );
}

/**
 * Ends the live sessions of one user, but `except` (the caller's own, when they keep it), inside
 * the caller's transaction; answers how many ended. The token cache hears of it through the
 * trigger on api_tokens, and live subscriptions of those sessions end (subscriptions.ts).
 */
export async function endSessions(tx: Db, userId: string, now: Date, except: string | null, ids?: readonly string[]): Promise<number> {
  const ended = await tx
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(
      and(
        eq(apiTokens.userId, userId),
        liveSessions(now),
        except ? ne(apiTokens.id, except) : undefined,
        ids ? inArray(apiTokens.id, [...ids]) : undefined,
      ),
    )
    .returning({ id: apiTokens.id });
  return ended.length;
}

/** Whether the viewer may see a user's sessions: the user themself, the owner and administrators. */
export function maySeeSessions(viewer: Viewer, userId: string): boolean {
  return viewer.userId === userId || isAdmin(viewer);
}

/**
 * Whether the viewer may end a user's sessions: their own; the owner anyone's; an administrator
 * those of MEMBERs (as with passwords, an ADMIN has no power over another ADMIN or the owner).
 */
function assertMayRevoke(viewer: Viewer, target: { id: string; role: UserRole }): void {
  if (viewer.userId === target.id || viewer.role === 'OWNER') return;
  if (viewer.role === 'ADMIN' && target.role === 'MEMBER') return;
  throw new ForbiddenError(
    viewer.role === 'ADMIN'
      ? 'An administrator may end the sessions of members only; an administrator or the owner ends their own.'
      : 'Only the owner or an administrator may end the sessions of another user.',
  );
}

/** A user's live sessions, newest first. */
export function listSessions(db: Db, masterAccountId: string, userId: string, args: PageArgs, now: Date) {
  const base = and(eq(apiTokens.masterAccountId, masterAccountId), eq(apiTokens.userId, userId), liveSessions(now));
  return keysetPage<SessionRow>({
    args,
    keys: [
      { column: apiTokens.createdAt, cast: 'timestamptz' },
      { column: apiTokens.id, cast: 'uuid' },
    ],
    descending: true,
    cursorOf: (row) => [row.createdAt, row.id],
    fetch: (after, orderBy, limit) =>
      db
        .select(sessionColumns)
        .from(apiTokens)
        .where(and(base, after))
        .orderBy(...orderBy)
        .limit(limit),
    count: async () => {
      const [row] = await db.select({ n: count() }).from(apiTokens).where(base);
      return row?.n ?? 0;
    },
  });
}

/** Sessions of one master account by id, for node() (sessions.ts in schema/ decides who sees them). */
export async function loadSessions(db: Db, masterAccountId: string, ids: readonly string[]): Promise<(SessionRow & { revokedAt: Date | null })[]> {
  return db
    .select({ ...sessionColumns, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(and(inArray(apiTokens.id, [...ids]), eq(apiTokens.masterAccountId, masterAccountId), literally(eq(apiTokens.kind, 'SESSION'))));
}

/** Whether a session row still works at `now`. */
export function isLive(session: { revokedAt: Date | null; expiresAt: Date | null }, now: Date): boolean {
  return session.revokedAt === null && session.expiresAt !== null && session.expiresAt.getTime() > now.getTime();
}

export const MAX_REVOKED_SESSIONS = 100;

/**
 * Ends the listed sessions of one user, or with `sessionIds` absent every session of theirs but
 * the caller's own. A listed id that is not a live session of that user is NOT_FOUND and nothing
 * is ended.
 */
export async function revokeSessions(
  db: Db,
  viewer: Viewer,
  input: { userId: string; sessionIds?: readonly string[] | null },
  now: Date,
): Promise<number> {
  const ids = input.sessionIds == null ? null : [...new Set(input.sessionIds)];
  if (ids && ids.length === 0) throw new ValidationError('sessionIds', 'must list at least one session, or be left out to end all others');
  if (ids && ids.length > MAX_REVOKED_SESSIONS) throw new ValidationError('sessionIds', `must list at most ${MAX_REVOKED_SESSIONS} sessions`);
  return db.transaction(async (tx) => {
    const [target] = await tx
      .select({ id: users.id, role: users.role })
      .from(users)
      .where(and(eq(users.id, input.userId), eq(users.masterAccountId, viewer.masterAccountId)))
      .for('no key update');
    if (!target) throw new NotFoundError('userId', 'user');
    assertMayRevoke(viewer, target);
    if (ids) {
      const live = await tx
        .select({ id: apiTokens.id })
        .from(apiTokens)
        .where(and(inArray(apiTokens.id, ids), eq(apiTokens.userId, target.id), liveSessions(now)));
      const found = new Set(live.map((row) => row.id));
      const missing = ids.findIndex((id) => !found.has(id));
      if (missing >= 0) throw new NotFoundError(`sessionIds[${missing}]`, 'live session of this user');
    }
    const revoked = await endSessions(tx, target.id, now, ids ? null : viewer.tokenId, ids ?? undefined);
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'session.revoke',
      target: { type: 'User', id: target.id },
      details: { revoked, ...(ids ? { sessionIds: ids } : { allOthers: true }) },
    });
    return revoked;
  });
}
