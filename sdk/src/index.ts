export { createClient, type ClientOptions, type Connection, type Document, type MailadminClient, type RetryOptions } from './client.js';
export { ForbiddenError, MailadminError, NetworkError, ServerError, UnauthenticatedError } from './errors.js';
export { graphql } from './generated/gql.js';
export * from './generated/graphql.js';
