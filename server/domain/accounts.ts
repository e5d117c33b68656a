import { randomBytes } from 'node:crypto';
import { and, eq, isNotNull, isNull, lte, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { addresses, apiTokens, logInChallenges, masterAccounts, users } from '../db/tables.js';
import { assertAssignable, claimAddress, parseAddress } from './addresses.js';
import { recordAudit } from './audit.js';
import { ForbiddenError, InvalidCredentialsError } from './errors.js';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './passwords.js';
import type { Plan } from './plans.js';
import { countLogInAttempt, forgetLogInFailures } from './throttle.js';
import { hashToken, issueToken, sessionExpiry, type IssuedToken } from './tokens.js';
import { primaryAddress } from './users.js';
import { requirePassword, requireText } from './validation.js';
import { TOKEN_SCOPES, type Viewer } from './viewer.js';
import { literally } from '../db/prepared.js';

export interface SignUpInput {
  organizationName: string;
  ownerAddress: string;
  ownerDisplayName: string;
  password: string;
  plan: Plan;
}

export interface SessionResult extends IssuedToken {
  userId: string;
  masterAccountId: string;
}

/** Where a request comes from, recorded on the sessions it opens (User.sessions shows it). */
export interface Origin {
  /** The User-Agent header. */
  client: string | null;
  /** The IP address (see context.ts, clientAddress). */
  ipAddress: string | null;
}

/** Creates a master account, its owner and a first session, all or nothing. */
export async function signUp(db: Db, mailDomain: string, input: SignUpInput, now: Date, origin?: Origin): Promise<SessionResult> {
  const name = requireText('organizationName', input.organizationName, 1, 100);
  const parsed = parseAddress('ownerAddress', input.ownerAddress);
  // A new master account has no verified domains yet: the owner starts on the provider's domain.
  await assertAssignable(db, null, parsed, mailDomain);
  const displayName = requireText('ownerDisplayName', input.ownerDisplayName, 1, 100);
  const passwordHash = await hashPassword(requirePassword('password', input.password));

  return db.transaction(async (tx) => {
    const [account] = await tx.insert(masterAccounts).values({ name }).returning({ id: masterAccounts.id });
    if (!account) throw new Error('master account insert returned no row');
    const [owner] = await tx
      .insert(users)
      .values({ masterAccountId: account.id, displayName, passwordHash, plan: input.plan, role: 'OWNER', kind: 'PERSON' })
      .returning({ id: users.id });
    if (!owner) throw new Error('user insert returned no row');
    await claimAddress(tx, { address: parsed.address, masterAccountId: account.id, userId: owner.id, kind: 'PRIMARY', now });
    const issued = await issueToken(tx, {
      masterAccountId: account.id,
      userId: owner.id,
      kind: 'SESSION',
      name: 'sign-up session',
      scopes: [...TOKEN_SCOPES],
      expiresAt: sessionExpiry(now),
      ...origin,
    });
    await recordAudit(tx, {
      masterAccountId: account.id,
      actorId: owner.id,
      action: 'account.sign_up',
      target: { type: 'MasterAccount', id: account.id },
      details: { name, ownerAddress: parsed.address, plan: input.plan },
    });
    return { ...issued, userId: owner.id, masterAccountId: account.id };
  });
}

/**
 * Signs a person in. `client` is the IP address the attempt came from (null for an in-process
 * call); with the address it keys the throttle of throttle.ts, which refuses attempts with
 * RateLimitedError after repeated failures. `now` is the clock of the whole attempt, throttle
 * included. A person with a confirmed second factor gets a challenge instead of a session, to be
 * completed with a code (second-factor.ts, completeLogIn).
 */
export async function logIn(
  db: Db,
  input: { address: string; password: string },
  now: Date,
  client: string | null = null,
  userAgent: string | null = null,
): Promise<SessionResult | LogInChallenge> {
  const user = await checkPassword(db, input, now, client);
  const origin = { client: userAgent, ipAddress: client };
  return user.secondFactor ? openChallenge(db, user, now, origin) : openSession(db, user, now, origin);
}

/** A person whose password was proven by checkPassword. */
export interface ProvenUser {
  id: string;
  masterAccountId: string;
  /** Whether they have a confirmed second factor, which a session then needs too. */
  secondFactor: boolean;
}

/** How long a log-in waits for its second factor. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/** A log-in whose password was right, waiting for a second-factor code (completeLogIn). */
export interface LogInChallenge {
  /** 256 random bits, shown once; only its hash is kept. */
  challenge: string;
  expiresAt: Date;
}

/**
 * Opens a challenge for a user whose password was proven: single use, valid CHALLENGE_TTL_MS.
 * The user's spent and expired challenges go at the same time.
 */
export async function openChallenge(db: Db, user: ProvenUser, now: Date, origin: Origin): Promise<LogInChallenge> {
  const challenge = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS);
  await db.transaction(async (tx) => {
    await tx
      .delete(logInChallenges)
      .where(and(eq(logInChallenges.userId, user.id), or(isNotNull(logInChallenges.usedAt), lte(logInChallenges.expiresAt, now))));
    await tx.insert(logInChallenges).values({ userId: user.id, challengeHash: hashToken(challenge), ...origin, createdAt: now, expiresAt });
  });
  return { challenge, expiresAt };
}

/**
 * The first step of signing in: the address and password, throttled (see logIn). Refuses a
 * suspended user, after the password, so a guesser learns nothing of suspensions.
 */
export async function checkPassword(
  db: Db,
  input: { address: string; password: string },
  now: Date,
  client: string | null,
): Promise<ProvenUser> {
  // PostgreSQL text cannot hold NUL; no address has one, so it becomes a character none has either.
  const address = input.address.trim().toLowerCase().replaceAll('\u0000', '\ufffd');
  const attempt = await countLogInAttempt(db, address, client, now);
  const [user] = await db
    .select({
      id: users.id,
      masterAccountId: users.masterAccountId,
      passwordHash: users.passwordHash,
      suspendedAt: users.suspendedAt,
      totpConfirmedAt: users.totpConfirmedAt,
    })
    .from(addresses)
    .innerJoin(users, eq(users.id, addresses.userId))
    .where(and(eq(addresses.address, address), literally(eq(addresses.kind, 'PRIMARY')), isNull(addresses.releasedAt)));
  // Unknown addresses and mailing lists (no password) cost the same time and give the same answer.
  const valid = user?.passwordHash
    ? await verifyPassword(input.password, user.passwordHash)
    : await verifyAgainstDecoy(input.password);
  if (!user || !valid) throw new InvalidCredentialsError();
  // The password is proven, so its failures are forgotten even if the account is suspended.
  await forgetLogInFailures(db, attempt);
  if (user.suspendedAt) {
    throw new ForbiddenError('This account is suspended; ask an administrator of your organization.');
  }
  return { id: user.id, masterAccountId: user.masterAccountId, secondFactor: user.totpConfirmedAt !== null };
}

/** Opens a 30-day session for a user whose credentials were proven, with its audit event. */
export async function openSession(db: Db, user: Omit<ProvenUser, 'secondFactor'>, now: Date, origin: Origin): Promise<SessionResult> {
  return db.transaction((tx) => issueSession(tx, user, now, origin));
}

/** openSession inside the caller's transaction. */
export async function issueSession(tx: Db, user: Omit<ProvenUser, 'secondFactor'>, now: Date, origin: Origin): Promise<SessionResult> {
  const issued = await issueToken(tx, {
    masterAccountId: user.masterAccountId,
    userId: user.id,
    kind: 'SESSION',
    name: 'log-in session',
    scopes: [...TOKEN_SCOPES],
    expiresAt: sessionExpiry(now),
    ...origin,
  });
  await recordAudit(tx, {
    masterAccountId: user.masterAccountId,
    actorId: user.id,
    action: 'session.log_in',
    target: { type: 'User', id: user.id },
  });
  return { ...issued, userId: user.id, masterAccountId: user.masterAccountId };
}

/**
 * A signed-in person re-entering their password to confirm a grave step (handing the account over,
 * a second factor). Throttled and counted as a log-in attempt on their address: a stolen session
 * cannot guess the password faster than a log-in form could. A wrong password is INVALID_CREDENTIALS.
 */
export async function reenterPassword(db: Db, userId: string, password: string, now: Date, client: string | null): Promise<void> {
  const [user] = await db
    .select({ address: addresses.address })
    .from(users)
    .innerJoin(addresses, primaryAddress)
    .where(eq(users.id, userId));
  if (!user) throw new Error(`user ${userId} has no primary address`);
  await checkPassword(db, { address: user.address, password }, now, client);
}

/** Ends the session the request was made with; API tokens are ended with revokeApiToken instead. */
export async function logOut(db: Db, viewer: Viewer | null, now: Date): Promise<boolean> {
  if (!viewer || viewer.tokenKind !== 'SESSION') return false;
  return db.transaction(async (tx) => {
    const ended = await tx
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(and(eq(apiTokens.id, viewer.tokenId), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    if (ended.length === 0) return false;
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'session.log_out',
      target: { type: 'User', id: viewer.userId },
    });
    return true;
  });
}
