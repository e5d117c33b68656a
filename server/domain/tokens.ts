import { createHash, randomBytes } from 'node:crypto';
import { and, count, eq, getTableColumns, gt, isNull, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.js';
import { keysetPage, type PageArgs } from '../db/pagination.js';
import { preparedStatement, literally } from '../db/prepared.js';
import { apiTokens, masterAccounts, users } from '../db/tables.js';
import { recordAudit } from './audit.js';
import type { TokenCache } from './token-cache.js';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.js';
import { requireText } from './validation.js';
import { assertConsole, isAdmin, TOKEN_SCOPES, type TokenScope, type Viewer } from './viewer.js';

/** Recognisable prefixes let secret scanners and people tell a session from an integration token. */
const PREFIX = { SESSION: 'mas_', API: 'mat_' } as const;
export const SESSION_DAYS = 30;
/** `last_used_at` is refreshed at most this often, so reads do not turn into a write each. */
const LAST_USED_GRANULARITY_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssuedToken {
  token: string;
  row: typeof apiTokens.$inferSelect;
}

/** Creates a token with 256 random bits; the secret is returned once and only its hash is kept. */
export async function issueToken(
  tx: Db,
  values: {
    masterAccountId: string;
    userId: string;
    kind: 'SESSION' | 'API';
    name: string;
    scopes: TokenScope[];
    expiresAt: Date | null;
    /** Where a session is opened from: the User-Agent and the IP address. */
    client?: string | null;
    ipAddress?: string | null;
  },
): Promise<IssuedToken> {
  const token = PREFIX[values.kind] + randomBytes(32).toString('base64url');
  const [row] = await tx
    .insert(apiTokens)
    .values({ ...values, tokenHash: hashToken(token) })
    .returning();
  if (!row) throw new Error('token insert returned no row');
  return { token, row };
}

export function sessionExpiry(now: Date): Date {
  return new Date(now.getTime() + SESSION_DAYS * 24 * 60 * 60 * 1000);
}

const owners = alias(users, 'owners');

/**
 * Tokens that work at `now` (an SQL instant): not revoked and not expired. One rule for the token
 * lookup, the subscription guard and the list of sessions.
 */
export function tokenWorksAt(now: SQL): SQL | undefined {
  return and(isNull(apiTokens.revokedAt), or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)));
}

/** A bearer token's viewer, with the row of its master account read in the same statement. */
export interface Authenticated {
  viewer: Viewer;
  masterAccount: typeof masterAccounts.$inferSelect;
  /** Whether it came from the token cache rather than from the database just now. */
  cached?: boolean;
}

/**
 * The token lookup, built once per database handle and prepared on each connection: it runs on
 * every request, and building the query again each time cost more CPU than running it.
 */
const authentication = preparedStatement((db) =>
  db
    .select({
      tokenId: apiTokens.id,
      tokenKind: apiTokens.kind,
      scopes: apiTokens.scopes,
      lastUsedAt: apiTokens.lastUsedAt,
      expiresAt: apiTokens.expiresAt,
      userId: users.id,
      masterAccountId: users.masterAccountId,
      role: users.role,
      totpConfirmedAt: users.totpConfirmedAt,
      ownerPlan: owners.plan,
      masterAccount: getTableColumns(masterAccounts),
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(owners, and(eq(owners.masterAccountId, users.masterAccountId), literally(eq(owners.role, 'OWNER'))))
    .innerJoin(masterAccounts, eq(masterAccounts.id, users.masterAccountId))
    .where(
      and(
        eq(apiTokens.tokenHash, sql.placeholder('tokenHash')),
        tokenWorksAt(sql`${sql.placeholder('now')}::timestamptz`),
        // A suspension stops every token of the user until an administrator lifts it.
        isNull(users.suspendedAt),
      ),
    )
    .prepare('mailadmin_authenticate'),
);

/**
 * Resolves a bearer token to its viewer and master account in one statement, or from `cache`
 * when the token was resolved before and nothing it depends on has changed since; unknown,
 * revoked and expired tokens and suspended users all give null. Nearly every request reads the
 * master account next, so bringing it along saves a round trip.
 */
export async function authenticateWithAccount(db: Db, token: string, now: Date, cache?: TokenCache): Promise<Authenticated | null> {
  if (!token.startsWith(PREFIX.SESSION) && !token.startsWith(PREFIX.API)) return null;
  const tokenHash = hashToken(token);
  const at = now.getTime();
  let entry = cache?.get(tokenHash, at);
  const cached = entry !== undefined;
  if (!entry) {
    const generation = cache?.generation() ?? 0;
    const [row] = await authentication(db).execute({ tokenHash, now: now.toISOString() });
    if (!row) return null;
    const authenticated: Authenticated = {
      viewer: {
        tokenId: row.tokenId,
        tokenKind: row.tokenKind,
        scopes: row.scopes,
        userId: row.userId,
        masterAccountId: row.masterAccountId,
        role: row.role,
        ownerPlan: row.ownerPlan,
        secondFactor: row.totpConfirmedAt !== null,
      },
      masterAccount: row.masterAccount,
    };
    entry = {
      authenticated,
      // Made once per entry, not per request: what later requests get from the cache.
      cachedAuthenticated: { ...authenticated, cached: true },
      expiresAt: row.expiresAt?.getTime() ?? null,
      lastUsedAt: row.lastUsedAt?.getTime() ?? null,
      cachedAt: at,
    };
    cache?.set(tokenHash, entry, generation);
  }
  if (entry.lastUsedAt === null || at - entry.lastUsedAt > LAST_USED_GRANULARITY_MS) {
    entry.lastUsedAt = at;
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, entry.authenticated.viewer.tokenId));
  }
  return cached ? entry.cachedAuthenticated : entry.authenticated;
}

/** The viewer of a bearer token, or null (see authenticateWithAccount). */
export async function authenticate(db: Db, token: string, now: Date): Promise<Viewer | null> {
  return (await authenticateWithAccount(db, token, now))?.viewer ?? null;
}

export interface CreateApiTokenInput {
  name: string;
  scopes: TokenScope[];
  expiresAt?: Date | null;
}

export async function createApiToken(db: Db, viewer: Viewer, input: CreateApiTokenInput, now: Date): Promise<IssuedToken> {
  assertConsole(viewer);
  const name = requireText('name', input.name, 1, 100);
  const scopes = TOKEN_SCOPES.filter((scope) => input.scopes.includes(scope));
  if (scopes.length === 0) throw new ValidationError('scopes', 'must name at least one scope');
  const missing = scopes.filter((scope) => !viewer.scopes.includes(scope));
  if (missing.length > 0) {
    throw new ForbiddenError(`A token cannot grant scopes its creator lacks: ${missing.join(', ')}.`);
  }
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    throw new ValidationError('expiresAt', 'must be in the future');
  }
  return db.transaction(async (tx) => {
    const issued = await issueToken(tx, {
      masterAccountId: viewer.masterAccountId,
      userId: viewer.userId,
      kind: 'API',
      name,
      scopes,
      expiresAt: input.expiresAt ?? null,
    });
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'api_token.create',
      target: { type: 'ApiToken', id: issued.row.id },
      details: { name, scopes },
    });
    return issued;
  });
}

/** Tokens a viewer may see and revoke: all of the master account's for administrators, else their own. */
export function visibleTokens(viewer: Viewer) {
  return and(
    eq(apiTokens.masterAccountId, viewer.masterAccountId),
    literally(eq(apiTokens.kind, 'API')),
    isAdmin(viewer) ? undefined : eq(apiTokens.userId, viewer.userId),
  );
}

export async function revokeApiToken(db: Db, viewer: Viewer, tokenId: string, now: Date) {
  assertConsole(viewer);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      // Revoking twice keeps the first instant: the token stopped working then.
      .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, ${now.toISOString()}::timestamptz)` })
      .where(and(eq(apiTokens.id, tokenId), visibleTokens(viewer)))
      .returning();
    if (!row) throw new NotFoundError('apiTokenId', 'API token');
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'api_token.revoke',
      target: { type: 'ApiToken', id: row.id },
      details: { name: row.name },
    });
    return row;
  });
}

export function listApiTokens(db: Db, viewer: Viewer, args: PageArgs) {
  const base = visibleTokens(viewer);
  return keysetPage<typeof apiTokens.$inferSelect>({
    args,
    keys: [
      { column: apiTokens.createdAt, cast: 'timestamptz' },
      { column: apiTokens.id, cast: 'uuid' },
    ],
    descending: true,
    cursorOf: (row) => [row.createdAt, row.id],
    fetch: (after, orderBy, limit) =>
      db
        .select()
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
