/**
 * Failures of the transport or of GraphQL itself. Typed domain errors (a taken address, too little
 * money...) are never thrown: they come back as members of each mutation's result union.
 */
export class MailadminError extends Error {
  constructor(
    message: string,
    /** The GraphQL operation that failed, such as "CreateUser". */
    readonly operationName: string | undefined,
    /** The code the server gave in `extensions.code`, when it gave one. */
    readonly code?: string,
  ) {
    super(operationName ? `${operationName}: ${message}` : message);
    this.name = new.target.name;
  }
}

/** No token, or one that is unknown, expired or revoked (`UNAUTHENTICATED`). */
export class UnauthenticatedError extends MailadminError {}

/** The token lacks the scope or the role for this operation (`FORBIDDEN`, `UPGRADE_REQUIRED`). */
export class ForbiddenError extends MailadminError {}

/**
 * The owner's policy requires a second factor this session's user has not confirmed
 * (`SECOND_FACTOR_REQUIRED`): until `enrollSecondFactor` and `confirmSecondFactor`, the session can
 * only read `viewer` (who it is) and log out.
 */
export class SecondFactorRequiredError extends MailadminError {}

/** A lookup by ID (a group's members, a user's access) found nothing of your master account. */
export class NotFoundError extends MailadminError {}

/** The server could not be reached, or the connection broke before an answer. */
export class NetworkError extends MailadminError {}

/** The server answered with an error it did not expect, or with something that is not GraphQL. */
export class ServerError extends MailadminError {
  constructor(
    message: string,
    operationName: string | undefined,
    code?: string,
    /** The HTTP status of the answer, when there was one. */
    readonly status?: number,
  ) {
    super(message, operationName, code);
  }
}
