import type { Plan } from './plans.js';
import { hasConsoleAccess } from './plans.js';
import { ForbiddenError, UpgradeRequiredError } from './errors.js';

export const TOKEN_SCOPES = ['READ', 'WRITE', 'BILLING'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export type UserRole = 'OWNER' | 'ADMIN' | 'MEMBER';

/** Who is asking: resolved once per request from the bearer token. */
export interface Viewer {
  userId: string;
  masterAccountId: string;
  role: UserRole;
  ownerPlan: Plan;
  scopes: readonly TokenScope[];
  tokenId: string;
  tokenKind: 'SESSION' | 'API';
  /** Whether the user has a confirmed second factor (TOTP). */
  secondFactor: boolean;
  /**
   * Set when this viewer came from the token cache and the operation's writes check the token in
   * their own transaction instead of before it (server/yoga.ts, AUTHORISED_IN_TRANSACTION): each
   * such write sends mailadmin_authorize_write first (domain/write-authorization.ts). Set on a copy
   * made for the request: the cache's viewers are shared by every request of the token.
   */
  authorizeInWrite?: boolean;
}

export function isAdmin(viewer: Viewer): boolean {
  return viewer.role === 'OWNER' || viewer.role === 'ADMIN';
}

/** Console operations need an owner on a paid plan (domain.md, "Master account"). */
export function assertConsole(viewer: Viewer): void {
  if (!hasConsoleAccess(viewer.ownerPlan)) throw new UpgradeRequiredError();
}

/** The refusal of someone who is neither the owner nor an administrator. */
export function notAdmin(action: string): ForbiddenError {
  return new ForbiddenError(`Only the owner or an administrator may ${action}.`);
}

/** Managing other users is for the owner and administrators, and only through the console. */
export function assertAdmin(viewer: Viewer, action: string): void {
  assertConsole(viewer);
  if (!isAdmin(viewer)) throw notAdmin(action);
}
