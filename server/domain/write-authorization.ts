import { sql } from 'drizzle-orm';
import { sqlState, type Db } from '../db/client.js';
import { preparedStatement } from '../db/prepared.js';
import { SecondFactorRequiredError, UnauthenticatedError, UpgradeRequiredError, type AppError } from './errors.js';
import { notAdmin, type Viewer } from './viewer.js';

/**
 * The refusals of `mailadmin_authorize_write` (drizzle/0008_write_authorization.sql), by the
 * SQLSTATE it raises each with, as the application reports them: a token that no longer works as
 * the token lookup would, the rest as the checks on a fresh viewer would (the second-factor gate,
 * assertAdmin).
 */
const WRITE_REFUSALS: Readonly<Record<string, (action: string) => AppError>> = {
  MA401: () => new UnauthenticatedError('The bearer token is unknown, expired or revoked.'),
  MA428: () => new SecondFactorRequiredError(),
  MA402: () => new UpgradeRequiredError(),
  MA403: (action) => notAdmin(action),
};

/** `select true from mailadmin_authorize_write($1, $2)`: nothing to answer, it raises or it passes. */
const authorizeWrite = preparedStatement((db) =>
  db
    .select({ authorized: sql<boolean>`true` })
    .from(sql`mailadmin_authorize_write(${sql.placeholder('tokenId')}::uuid, ${sql.placeholder('needAdmin')}::boolean)`)
    .prepare('mailadmin_authorize_write'),
);

/**
 * The first step of a write's inOrder (see inOneWrite in server/db/pipeline.ts) for a viewer that
 * came from the token cache (Viewer.authorizeInWrite): the database checks the token, its user
 * and, with `needAdmin`, the role and console access, in the write's own transaction. Should the
 * check raise, PostgreSQL skips every statement sent behind it and rolls the transaction back, and
 * the write's inOrder rejects with the check's error: pass it through writeRefusal. A viewer
 * looked up in this request sends nothing: it was checked a moment ago.
 */
export function authorizeInWrite(tx: Db, viewer: Viewer, needAdmin: boolean): Promise<unknown> {
  if (!viewer.authorizeInWrite) return Promise.resolve(null);
  // `execute()` sends it now, ahead of the steps after it.
  return authorizeWrite(tx).execute({ tokenId: viewer.tokenId, needAdmin });
}

/**
 * The application's error for a refusal of mailadmin_authorize_write (`action` completes "Only the
 * owner or an administrator may ..."), or the error itself when it is not one.
 */
export function writeRefusal(error: unknown, action: string): unknown {
  const state = sqlState(error);
  const refusal = state === undefined ? undefined : WRITE_REFUSALS[state];
  return refusal ? refusal(action) : error;
}
