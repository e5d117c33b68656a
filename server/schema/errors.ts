import {
  AliasLimitReachedError,
  DomainInUseError,
  DomainTakenError,
  VerificationFailedError,
  AddressReservedError,
  AddressTakenError,
  type AppError,
  DomainNotVerifiedError,
  ForbiddenError,
  GroupNameTakenError,
  InvalidCredentialsError,
  NotFoundError,
  RateLimitedError,
  SecondFactorRequiredError,
  UpgradeRequiredError,
  ValidationError,
} from '../domain/errors.js';
import { builder } from '../builder.js';

export const ErrorCode = builder.enumType('ErrorCode', {
  description: 'A stable, machine-readable code for each kind of failure a client can handle.',
  values: {
    VALIDATION: { description: 'An input field is missing, malformed or out of range; `field` names it.' },
    NOT_FOUND: { description: 'No such object exists in your master account (objects of others read the same).' },
    ADDRESS_TAKEN: { description: 'The address is used by another account or alias, or was released less than 30 days ago.' },
    ADDRESS_RESERVED: { description: 'The address is reserved (abuse@, postmaster@, hostmaster@, webmaster@).' },
    DOMAIN_NOT_VERIFIED: { description: 'The address is on a domain that is not a verified domain of your master account.' },
    DOMAIN_TAKEN: { description: 'Another master account owns this domain.' },
    DOMAIN_IN_USE: { description: 'Addresses still use this domain, so it cannot be removed.' },
    ALIAS_LIMIT_REACHED: { description: "The user already has as many aliases as their plan allows." },
    GROUP_NAME_TAKEN: { description: 'Another group of your master account has this name (compared in any case).' },
    VERIFICATION_FAILED: { description: 'The ownership TXT record was not found in DNS (or DNS did not answer).' },
    INSUFFICIENT_FUNDS: { description: 'The deposit cannot pay for the change; the error tells what is required and available.' },
    IDEMPOTENCY_CONFLICT: { description: 'The idempotency key was already used for a deposit of another amount.' },
    UPGRADE_REQUIRED: { description: "The admin console needs the owner's plan to be ENTRY or PRO." },
    FORBIDDEN: { description: 'Your role does not allow this, or the object (such as the owner) is protected.' },
    INVALID_CREDENTIALS: { description: 'The address, the password or a second-factor code is wrong (or a log-in challenge is unknown, expired or used).' },
    RATE_LIMITED: { description: 'Too many log-ins failed for this address or from this client; wait until `retryAfter`.' },
    SECOND_FACTOR_REQUIRED: {
      description:
        "A second factor is needed first: the owner's policy requires one you have not confirmed (until you enrol and confirm one, your session can only read `viewer` and log out), or you require them of others without one of your own.",
    },
    TOO_MANY_SUBSCRIPTIONS: { description: 'The token already holds 20 live subscriptions on this server; end one first (`limit` tells the cap).' },
  } satisfies Record<Exclude<AppError['code'], 'UNAUTHENTICATED'>, { description: string }>,
});

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'A failure the client can fix; every error member of a mutation result implements it.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'A sentence for people explaining what went wrong and what to do.' }),
    code: t.field({
      type: ErrorCode,
      description: 'The kind of failure, for programs.',
      resolve: (error) => error.code as Exclude<AppError['code'], 'UNAUTHENTICATED'>,
    }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'An input field is wrong; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The input field at fault, such as `address` or `listMembers[3]`.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The object does not exist in your master account; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The input field holding the ID that was not found.' }),
  }),
});

builder.objectType(AddressTakenError, {
  name: 'AddressTakenError',
  description: 'The address is not free; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AddressTakenError,
  fields: (t) => ({ address: t.exposeString('address', { description: 'The address, lowercased.' }) }),
});

builder.objectType(AddressReservedError, {
  name: 'AddressReservedError',
  description: 'The address is reserved for the domain administrator; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AddressReservedError,
  fields: (t) => ({ address: t.exposeString('address', { description: 'The address, lowercased.' }) }),
});

builder.objectType(DomainNotVerifiedError, {
  name: 'DomainNotVerifiedError',
  description: 'The domain is not open to your master account; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof DomainNotVerifiedError,
  fields: (t) => ({ domain: t.exposeString('domain', { description: 'The domain of the rejected address.' }) }),
});

builder.objectType(UpgradeRequiredError, {
  name: 'UpgradeRequiredError',
  description: "The owner's plan is FREE, which does not include the admin console; nothing was changed.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof UpgradeRequiredError,
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'Your role does not allow this, or the object is protected; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ForbiddenError,
});

builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  description:
    'The address or password is wrong (the two cases answer alike), or a second-factor code is wrong or used, or a log-in challenge is unknown, expired or used; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidCredentialsError,
});

builder.objectType(DomainTakenError, {
  name: 'DomainTakenError',
  description: 'Another master account owns the domain; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof DomainTakenError,
  fields: (t) => ({ domain: t.exposeString('domain', { description: 'The domain, in ASCII form.' }) }),
});

builder.objectType(DomainInUseError, {
  name: 'DomainInUseError',
  description: 'Addresses still use the domain; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof DomainInUseError,
  fields: (t) => ({
    domain: t.exposeString('domain', { description: 'The domain, in ASCII form.' }),
    addressCount: t.exposeInt('addressCount', { description: 'How many addresses (users and aliases) still use it.' }),
  }),
});

builder.objectType(AliasLimitReachedError, {
  name: 'AliasLimitReachedError',
  description: "The user's plan allows no more aliases; nothing was changed.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AliasLimitReachedError,
  fields: (t) => ({ limit: t.exposeInt('limit', { description: "The number of aliases the user's plan allows." }) }),
});

builder.objectType(VerificationFailedError, {
  name: 'VerificationFailedError',
  description: 'The domain could not be verified; publish `verificationRecord` in DNS and try again.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof VerificationFailedError,
});

builder.objectType(GroupNameTakenError, {
  name: 'GroupNameTakenError',
  description: 'Another group of your master account has this name; nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof GroupNameTakenError,
  fields: (t) => ({ name: t.exposeString('groupName', { description: 'The name asked for, as given (trimmed).' }) }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description:
    'Too many log-ins failed for this address or from this client, so the attempt was refused without checking the password (even the right one); try again after `retryAfter`.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitedError,
  fields: (t) => ({
    retryAfter: t.expose('retryAfter', { type: 'DateTime', description: 'The earliest instant a new attempt is considered.' }),
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', {
      description: 'The same wait in whole seconds from this attempt (at least 1), like the HTTP Retry-After header.',
    }),
  }),
});

builder.objectType(SecondFactorRequiredError, {
  name: 'SecondFactorRequiredError',
  description: 'A second factor is needed first (your own confirmed one, before you require them of others); nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof SecondFactorRequiredError,
});

/** The errors every console mutation can return, besides its own. */
export const CONSOLE_ERRORS = [ValidationError, NotFoundError, UpgradeRequiredError, ForbiddenError];
