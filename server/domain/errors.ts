/**
 * The failures a client can act on. Each carries a stable `code`; the GraphQL layer exposes them
 * as typed results of mutations, and as errors with `extensions.code` elsewhere.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'ADDRESS_TAKEN'
  | 'ADDRESS_RESERVED'
  | 'DOMAIN_NOT_VERIFIED'
  | 'DOMAIN_TAKEN'
  | 'DOMAIN_IN_USE'
  | 'ALIAS_LIMIT_REACHED'
  | 'GROUP_NAME_TAKEN'
  | 'VERIFICATION_FAILED'
  | 'INSUFFICIENT_FUNDS'
  | 'IDEMPOTENCY_CONFLICT'
  | 'UPGRADE_REQUIRED'
  | 'FORBIDDEN'
  | 'INVALID_CREDENTIALS'
  | 'RATE_LIMITED'
  | 'SECOND_FACTOR_REQUIRED'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'UNAUTHENTICATED';

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;

  /** What a transport may show besides the message (GraphQL copies it into `extensions`). */
  get extensions(): Record<string, unknown> {
    return { code: this.code };
  }
}

/** One input field is wrong; `field` names it as the client sent it (e.g. `address`). */
export class ValidationError extends AppError {
  readonly code = 'VALIDATION' as const;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ValidationError';
  }

  override get extensions(): Record<string, unknown> {
    return { code: this.code, field: this.field };
  }
}

/** The object does not exist, or belongs to another master account: the two are never told apart. */
export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly field: string,
    what: string,
  ) {
    super(`No ${what} with this ID exists in your master account.`);
    this.name = 'NotFoundError';
  }
}

export class AddressTakenError extends AppError {
  readonly code = 'ADDRESS_TAKEN' as const;
  constructor(readonly address: string) {
    super(`The address ${address} is already in use or recently released; choose another one.`);
    this.name = 'AddressTakenError';
  }
}

export class AddressReservedError extends AppError {
  readonly code = 'ADDRESS_RESERVED' as const;
  constructor(readonly address: string) {
    super(`The address ${address} is reserved for the domain's administrator.`);
    this.name = 'AddressReservedError';
  }
}

export class DomainNotVerifiedError extends AppError {
  readonly code = 'DOMAIN_NOT_VERIFIED' as const;
  constructor(readonly domain: string) {
    super(`The domain ${domain} is not a verified domain of your master account.`);
    this.name = 'DomainNotVerifiedError';
  }
}

export class UpgradeRequiredError extends AppError {
  readonly code = 'UPGRADE_REQUIRED' as const;
  constructor() {
    super('The admin console needs an ENTRY or PRO plan on the owner account; upgrade the owner first.');
    this.name = 'UpgradeRequiredError';
  }
}

/** Not allowed inside one's own master account (a MEMBER managing users, deleting the owner). */
export class ForbiddenError extends AppError {
  readonly code = 'FORBIDDEN' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/**
 * Unknown address and wrong password give this same error, so addresses cannot be probed; so do a
 * wrong second-factor code and a challenge that is unknown, expired or used.
 */
export class InvalidCredentialsError extends AppError {
  readonly code = 'INVALID_CREDENTIALS' as const;
  constructor(message = 'The address or the password is wrong.') {
    super(message);
    this.name = 'InvalidCredentialsError';
  }
}

/**
 * The owner's policy requires a second factor of this person, who has not confirmed one: the
 * session may only read `viewer`, enrol and confirm a factor, and log out (second-factor.ts).
 */
export class SecondFactorRequiredError extends AppError {
  readonly code = 'SECOND_FACTOR_REQUIRED' as const;
  constructor(
    message = "Your organization requires a second factor: enrol one with enrollSecondFactor and confirm it with confirmSecondFactor; until then this session can only read `viewer` and log out.",
  ) {
    super(message);
    this.name = 'SecondFactorRequiredError';
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message = 'Sign in or send a valid token: Authorization: Bearer <token>.') {
    super(message);
    this.name = 'UnauthenticatedError';
  }

  override get extensions(): Record<string, unknown> {
    return { code: this.code, http: { status: 401 } };
  }
}

/** Another master account owns the domain (or has a fresh claim on it). */
export class DomainTakenError extends AppError {
  readonly code = 'DOMAIN_TAKEN' as const;
  constructor(readonly domain: string) {
    super(`The domain ${domain} belongs to another master account.`);
    this.name = 'DomainTakenError';
  }
}

export class DomainInUseError extends AppError {
  readonly code = 'DOMAIN_IN_USE' as const;
  constructor(
    readonly domain: string,
    readonly addressCount: number,
  ) {
    super(`The domain ${domain} still has ${addressCount} address(es); delete those users or aliases first.`);
    this.name = 'DomainInUseError';
  }
}

export class AliasLimitReachedError extends AppError {
  readonly code = 'ALIAS_LIMIT_REACHED' as const;
  constructor(readonly limit: number) {
    super(`This user's plan allows ${limit} alias(es) and they are all in use; upgrade the plan or remove one.`);
    this.name = 'AliasLimitReachedError';
  }
}

/** The ownership record was not found in DNS (or DNS could not be asked). */
export class VerificationFailedError extends AppError {
  readonly code = 'VERIFICATION_FAILED' as const;
  constructor(message: string) {
    super(message);
    this.name = 'VerificationFailedError';
  }
}

/** The deposit cannot pay what the change costs; nothing was changed. Amounts in cents. */
export class InsufficientFundsError extends AppError {
  readonly code = 'INSUFFICIENT_FUNDS' as const;
  constructor(
    readonly requiredCents: number,
    readonly availableCents: number,
  ) {
    super('The deposit is too low for this change; add a deposit first.');
    this.name = 'InsufficientFundsError';
  }
}

/** The idempotency key was used before for a different request. */
export class IdempotencyConflictError extends AppError {
  readonly code = 'IDEMPOTENCY_CONFLICT' as const;
  constructor(readonly idempotencyKey: string) {
    super(`The idempotency key "${idempotencyKey}" was already used for a deposit of another amount; use a new key.`);
    this.name = 'IdempotencyConflictError';
  }
}

/** Another group of the master account has this name, compared case-insensitively. */
export class GroupNameTakenError extends AppError {
  readonly code = 'GROUP_NAME_TAKEN' as const;
  // Not `name`: Error.name is the class name.
  constructor(readonly groupName: string) {
    super(`Your master account already has a group named "${groupName}" (names are compared in any case); choose another name.`);
    this.name = 'GroupNameTakenError';
  }
}

/**
 * Too many log-ins failed for this address or from this client: the attempt was refused before its
 * password was checked, so even the right password is refused until `retryAfter`.
 */
export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED' as const;
  /** Whole seconds from the attempt to `retryAfter`, at least 1. */
  readonly retryAfterSeconds: number;
  constructor(
    readonly retryAfter: Date,
    now: Date,
  ) {
    const seconds = Math.max(1, Math.ceil((retryAfter.getTime() - now.getTime()) / 1000));
    super(`Too many failed log-ins for this address or from your network; try again in ${seconds} second(s).`);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = seconds;
  }

  override get extensions(): Record<string, unknown> {
    return { code: this.code, retryAfter: this.retryAfter.toISOString(), retryAfterSeconds: this.retryAfterSeconds };
  }
}

/** A token already holds as many live subscriptions as one process allows; nothing was opened. */
export class TooManySubscriptionsError extends AppError {
  readonly code = 'TOO_MANY_SUBSCRIPTIONS' as const;
  constructor(readonly limit: number) {
    super(`A token may hold at most ${limit} live subscriptions at once; end one before opening another.`);
    this.name = 'TooManySubscriptionsError';
  }

  override get extensions(): Record<string, unknown> {
    return { code: this.code, limit: this.limit };
  }
}
