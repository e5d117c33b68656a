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
}

export function isAdmin(viewer: Viewer): boolean {
  return viewer.role === 'OWNER' || viewer.role === 'ADMIN';
}

/** Console operations need an owner on a paid plan (domain.md, "Master account"). */
export function assertConsole(viewer: Viewer): void {
  if (!hasConsoleAccess(viewer.ownerPlan)) throw new UpgradeRequiredError();
}

/** Managing other users is for the owner and administrators, and only through the console. */
export function assertAdmin(viewer: Viewer, action: string): void {
  assertConsole(viewer);
  if (!isAdmin(viewer)) throw new ForbiddenError(`Only the owner or an administrator may ${action}.`);
}
