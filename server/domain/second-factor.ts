import { createHash, randomInt } from 'node:crypto';
import { and, count, eq, gt, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import type { Db } from '../db/client.js';
import { addresses, logInChallenges, masterAccounts, recoveryCodes, users } from '../db/tables.js';
import { issueSession, reenterPassword, type SessionResult } from './accounts.js';
import { recordAudit } from './audit.js';
import { ForbiddenError, InvalidCredentialsError, NotFoundError, SecondFactorRequiredError } from './errors.js';
import { endSessions } from './sessions.js';
import { countLogInAttempt, forgetLogInFailures } from './throttle.js';
import { hashToken } from './tokens.js';
import { primaryAddress, selectUsers, type UserRow } from './users.js';
import { assertAdmin, assertConsole, type UserRole, type Viewer } from './viewer.js';

/**
 * Second factors of people: TOTP (RFC 6238) with single-use recovery codes, and the owner's policy
 * of who must have one.
 *
 * A person enrols (a new secret, with their password), confirms with a first code (the factor then
 * counts, and ten recovery codes are shown once), and from then on logIn answers a challenge that
 * completeLogIn trades, with a current code or a recovery code, for the session. Codes are
 * throttled like passwords (throttle.ts), under keys of their own (CODE_SUBJECT), so a right
 * password does not wipe the count of wrong codes. A TOTP code is accepted once: the time step of
 * the last code accepted is kept, and no step up to it is accepted again.
 */

export type SecondFactorPolicy = (typeof masterAccounts.$inferSelect)['secondFactorPolicy'];

/** What authenticator apps expect of an otpauth:// URI: SHA-1, 6 digits, 30-second steps. */
const TOTP_SETTINGS = { issuer: 'mailadmin', algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** The steps either side of now whose codes are accepted too: clocks drift and people type slowly. */
const TOTP_WINDOW = 1;
/** 160 bits, the key length RFC 4226 recommends for HMAC-SHA-1. */
const SECRET_BYTES = 20;

export const RECOVERY_CODE_COUNT = 10;
/** No 0/o, 1/l/i: codes are read off paper. 31 symbols, 12 of them: 59 bits a code. */
const RECOVERY_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const RECOVERY_LENGTH = 12;

const WRONG_CODE = 'The code is wrong, was already used, or the challenge is unknown, expired or used; log in again for a new challenge.';

/** Whether the policy covers a role: ADMINS means the owner and the administrators. */
export function policyCovers(policy: SecondFactorPolicy, role: UserRole): boolean {
  return policy === 'EVERYONE' || (policy === 'ADMINS' && role !== 'MEMBER');
}

/**
 * Whether the viewer's session lacks a second factor the policy requires of its user: then the
 * session can do only what enrolling needs (server/second-factor-gate.ts). API tokens are not
 * covered: they are an integration's, which has no authenticator; the owner limits them by scope.
 */
export function secondFactorMissing(viewer: Viewer, policy: SecondFactorPolicy): boolean {
  return viewer.tokenKind === 'SESSION' && !viewer.secondFactor && policyCovers(policy, viewer.role);
}

function totp(secret: string, label?: string): TOTP {
  return new TOTP({ ...TOTP_SETTINGS, ...(label ? { label } : {}), secret: Secret.fromBase32(secret) });
}

/** Spaces and dashes are how apps and paper group codes, not part of them. */
function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

const isTotpCode = (code: string) => /^\d{6}$/.test(code);

/** The time step a code was made for, within TOTP_WINDOW steps of now; null when it matches none. */
export function totpStep(secret: string, code: string, now: Date): number | null {
  if (!isTotpCode(code)) return null;
  const generator = totp(secret);
  const delta = generator.validate({ token: code, timestamp: now.getTime(), window: TOTP_WINDOW });
  return delta === null ? null : generator.counter({ timestamp: now.getTime() }) + delta;
}

function newRecoveryCode(): string {
  const symbols = Array.from({ length: RECOVERY_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
  return `${symbols.slice(0, 4)}-${symbols.slice(4, 8)}-${symbols.slice(8)}`;
}

/** Recovery codes are random (59 bits), so a plain SHA-256 keeps them as safe as a slow hash would. */
function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normalizeCode(code)).digest('hex');
}

/** The throttle's subject for a person's codes, apart from their password's (see the top). */
function codeSubject(address: string): string {
  return `second-factor ${address}`;
}

/** Second factors are a person's, managed in their own session: an integration's token has none. */
function assertSession(viewer: Viewer): void {
  if (viewer.tokenKind !== 'SESSION') {
    throw new ForbiddenError('Second factors are managed in a session (from logIn), not with an API token.');
  }
}

async function factorOf(db: Db, userId: string) {
  const [person] = await db
    .select({ address: addresses.address, secret: users.totpSecret, confirmedAt: users.totpConfirmedAt })
    .from(users)
    .innerJoin(addresses, primaryAddress)
    .where(eq(users.id, userId));
  if (!person) throw new Error(`user ${userId} has no primary address`);
  return person;
}

function alreadyConfirmed(): ForbiddenError {
  return new ForbiddenError('You already have a second factor; disable it with disableSecondFactor before enrolling another.');
}

export interface Enrolment {
  /** The base32 secret, for apps that take it typed in. */
  secret: string;
  /** otpauth://totp/mailadmin:<address>?secret=…&issuer=mailadmin&algorithm=SHA1&digits=6&period=30 */
  otpauthUri: string;
}

/**
 * Gives the viewer a new TOTP secret, not yet in force until confirmSecondFactor; a secret not yet
 * confirmed is replaced. The password is re-entered (a wrong one counts as a failed log-in).
 */
export async function enrollSecondFactor(db: Db, viewer: Viewer, password: string, now: Date, client: string | null): Promise<Enrolment> {
  assertSession(viewer);
  const person = await factorOf(db, viewer.userId);
  if (person.confirmedAt) throw alreadyConfirmed();
  await reenterPassword(db, viewer.userId, password, now, client);
  const secret = new Secret({ size: SECRET_BYTES }).base32;
  await db.transaction(async (tx) => {
    const [enrolled] = await tx
      .update(users)
      .set({ totpSecret: secret, totpLastStep: null, updatedAt: sql`now()` })
      .where(and(eq(users.id, viewer.userId), isNull(users.totpConfirmedAt)))
      .returning({ id: users.id });
    if (!enrolled) throw alreadyConfirmed();
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'second_factor.enroll',
      target: { type: 'User', id: viewer.userId },
    });
  });
  return { secret, otpauthUri: totp(secret, person.address).toString() };
}

/**
 * Puts the enrolled secret in force with a code from it, and answers the ten recovery codes, shown
 * this once (only their hashes are kept). A wrong code is INVALID_CREDENTIALS and is throttled.
 */
export async function confirmSecondFactor(db: Db, viewer: Viewer, code: string, now: Date, client: string | null): Promise<string[]> {
  assertSession(viewer);
  const person = await factorOf(db, viewer.userId);
  if (person.confirmedAt) throw alreadyConfirmed();
  const secret = person.secret;
  if (!secret) throw new ForbiddenError('There is no second factor to confirm: enrol one with enrollSecondFactor first.');
  const attempt = await countLogInAttempt(db, codeSubject(person.address), client, now);
  const step = totpStep(secret, normalizeCode(code), now);
  if (step === null) throw new InvalidCredentialsError('The code is wrong; enter the current code your authenticator app shows.');
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db.transaction(async (tx) => {
    const [confirmed] = await tx
      .update(users)
      .set({ totpConfirmedAt: now, totpLastStep: step, updatedAt: sql`now()` })
      // The secret the code was checked against: a re-enrolment meanwhile replaced it.
      .where(and(eq(users.id, viewer.userId), eq(users.totpSecret, secret), isNull(users.totpConfirmedAt)))
      .returning({ id: users.id });
    if (!confirmed) throw new InvalidCredentialsError('The code is for a secret that was replaced or is already confirmed.');
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, viewer.userId));
    await tx.insert(recoveryCodes).values(codes.map((each) => ({ userId: viewer.userId, codeHash: hashRecoveryCode(each), createdAt: now })));
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'second_factor.confirm',
      target: { type: 'User', id: viewer.userId },
    });
  });
  await forgetLogInFailures(db, attempt);
  return codes;
}

/** A session opened by completeLogIn, with the role its viewer needs. */
export interface CompletedLogIn extends SessionResult {
  role: UserRole;
}

/**
 * Trades a challenge from logIn and a code (a current TOTP code, or an unused recovery code) for a
 * session. The challenge, the code's step and the recovery code are spent in the transaction that
 * opens the session, so each works once even under concurrent attempts; a refusal spends nothing.
 */
export async function completeLogIn(
  db: Db,
  input: { challenge: string; code: string },
  now: Date,
  client: string | null,
  userAgent: string | null,
): Promise<CompletedLogIn> {
  const [found] = await db
    .select({
      challengeId: logInChallenges.id,
      expiresAt: logInChallenges.expiresAt,
      usedAt: logInChallenges.usedAt,
      userId: users.id,
      masterAccountId: users.masterAccountId,
      role: users.role,
      address: addresses.address,
      secret: users.totpSecret,
      confirmedAt: users.totpConfirmedAt,
      suspendedAt: users.suspendedAt,
    })
    .from(logInChallenges)
    .innerJoin(users, eq(users.id, logInChallenges.userId))
    .innerJoin(addresses, primaryAddress)
    .where(eq(logInChallenges.challengeHash, hashToken(input.challenge)));
  // Challenges are 256 random bits: an unknown one is no guess worth counting.
  if (!found || found.usedAt || found.expiresAt <= now || !found.confirmedAt || !found.secret) throw new InvalidCredentialsError(WRONG_CODE);
  const secret = found.secret;
  const attempt = await countLogInAttempt(db, codeSubject(found.address), client, now);
  const code = normalizeCode(input.code);
  const session = await db.transaction(async (tx) => {
    const [spent] = await tx
      .update(logInChallenges)
      .set({ usedAt: now })
      .where(and(eq(logInChallenges.id, found.challengeId), isNull(logInChallenges.usedAt), gt(logInChallenges.expiresAt, now)))
      .returning({ id: logInChallenges.id });
    if (!spent) throw new InvalidCredentialsError(WRONG_CODE);
    if (isTotpCode(code)) {
      const step = totpStep(secret, code, now);
      if (step === null) throw new InvalidCredentialsError(WRONG_CODE);
      // No step up to the last one accepted: a code seen by someone else is worth nothing.
      const [accepted] = await tx
        .update(users)
        .set({ totpLastStep: step })
        .where(
          and(
            eq(users.id, found.userId),
            eq(users.totpSecret, secret),
            isNotNull(users.totpConfirmedAt),
            or(isNull(users.totpLastStep), lt(users.totpLastStep, step)),
          ),
        )
        .returning({ id: users.id });
      if (!accepted) throw new InvalidCredentialsError(WRONG_CODE);
    } else {
      const [used] = await tx
        .update(recoveryCodes)
        .set({ usedAt: now })
        .where(and(eq(recoveryCodes.userId, found.userId), eq(recoveryCodes.codeHash, hashRecoveryCode(code)), isNull(recoveryCodes.usedAt)))
        .returning({ id: recoveryCodes.id });
      if (!used) throw new InvalidCredentialsError(WRONG_CODE);
      const [left] = await tx
        .select({ n: count() })
        .from(recoveryCodes)
        .where(and(eq(recoveryCodes.userId, found.userId), isNull(recoveryCodes.usedAt)));
      await recordAudit(tx, {
        masterAccountId: found.masterAccountId,
        actorId: found.userId,
        action: 'second_factor.use_recovery_code',
        target: { type: 'User', id: found.userId },
        details: { remaining: left?.n ?? 0 },
      });
    }
    // After the code, as after the password: a guesser learns nothing of suspensions.
    if (found.suspendedAt) throw new ForbiddenError('This account is suspended; ask an administrator of your organization.');
    return issueSession(tx, { id: found.userId, masterAccountId: found.masterAccountId }, now, { client: userAgent, ipAddress: client });
  });
  await forgetLogInFailures(db, attempt);
  return { ...session, role: found.role };
}

/**
 * Removes a user's second factor: their secret, its confirmation, its last step, their recovery
 * codes and pending challenges. One's own with one's password; the owner anyone's, an
 * administrator a MEMBER's, with their own password, which also ends that user's sessions (whoever
 * holds them must log in again). A user without a factor is left as is.
 */
export async function disableSecondFactor(
  db: Db,
  viewer: Viewer,
  input: { userId: string; password: string },
  now: Date,
  client: string | null,
): Promise<UserRow> {
  assertSession(viewer);
  const own = input.userId === viewer.userId;
  if (!own) assertAdmin(viewer, "reset another user's second factor");
  const [target] = await db
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(and(eq(users.id, input.userId), eq(users.masterAccountId, viewer.masterAccountId)));
  if (!target) throw new NotFoundError('userId', 'user');
  if (!own && viewer.role !== 'OWNER' && target.role !== 'MEMBER') {
    throw new ForbiddenError("An administrator may reset the second factor of members only; the owner resets an administrator's.");
  }
  await reenterPassword(db, viewer.userId, input.password, now, client);
  return db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ secret: users.totpSecret, confirmedAt: users.totpConfirmedAt })
      .from(users)
      .where(eq(users.id, target.id))
      .for('no key update');
    if (locked && (locked.secret !== null || locked.confirmedAt !== null)) {
      await tx.update(users).set({ totpSecret: null, totpConfirmedAt: null, totpLastStep: null, updatedAt: sql`now()` }).where(eq(users.id, target.id));
      await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, target.id));
      await tx.delete(logInChallenges).where(eq(logInChallenges.userId, target.id));
      const endedSessions = own ? 0 : await endSessions(tx, target.id, now, null);
      await recordAudit(tx, {
        masterAccountId: viewer.masterAccountId,
        actorId: viewer.userId,
        action: own ? 'second_factor.disable' : 'second_factor.reset',
        target: { type: 'User', id: target.id },
        details: { wasConfirmed: locked.confirmedAt !== null, ...(own ? {} : { endedSessions }) },
      });
    }
    const [user] = await selectUsers(tx).where(eq(users.id, target.id));
    if (!user) throw new Error(`user ${target.id} is gone`);
    return user;
  });
}

/**
 * The owner decides who must sign in with a second factor. Requiring one needs the owner to have
 * confirmed their own first (SecondFactorRequiredError), so the setting is never made by someone
 * who has not been through enrolment.
 */
export async function setSecondFactorPolicy(
  db: Db,
  viewer: Viewer,
  policy: SecondFactorPolicy,
): Promise<typeof masterAccounts.$inferSelect> {
  assertConsole(viewer);
  if (viewer.role !== 'OWNER') throw new ForbiddenError('Only the owner decides who must use a second factor.');
  return db.transaction(async (tx) => {
    const [account] = await tx.select().from(masterAccounts).where(eq(masterAccounts.id, viewer.masterAccountId)).for('update');
    if (!account) throw new Error(`master account ${viewer.masterAccountId} is gone`);
    if (account.secondFactorPolicy === policy) return account;
    if (policy !== 'NONE') {
      const [owner] = await tx.select({ confirmedAt: users.totpConfirmedAt }).from(users).where(eq(users.id, viewer.userId));
      if (!owner?.confirmedAt) {
        throw new SecondFactorRequiredError('Confirm a second factor of your own (enrollSecondFactor, confirmSecondFactor) before requiring one of others.');
      }
    }
    const [updated] = await tx
      .update(masterAccounts)
      .set({ secondFactorPolicy: policy })
      .where(eq(masterAccounts.id, viewer.masterAccountId))
      .returning();
    if (!updated) throw new Error(`master account ${viewer.masterAccountId} is gone`);
    await recordAudit(tx, {
      masterAccountId: viewer.masterAccountId,
      actorId: viewer.userId,
      action: 'account.set_second_factor_policy',
      target: { type: 'MasterAccount', id: viewer.masterAccountId },
      details: { from: account.secondFactorPolicy, to: policy },
    });
    return updated;
  });
}
