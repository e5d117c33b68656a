import { graphql as generatedGraphql } from './generated/gql.js';
import { TypedDocumentString } from './generated/graphql.js';

export {
  createClient,
  type ClientOptions,
  type Connection,
  type Document,
  type MailadminClient,
  type RetryOptions,
  type Subscription,
} from './client.js';
export {
  ForbiddenError,
  MailadminError,
  NetworkError,
  NotFoundError,
  SecondFactorRequiredError,
  ServerError,
  UnauthenticatedError,
} from './errors.js';
export * from './generated/graphql.js';

/** A document of your own, typed by the result and variables you name. */
type CustomGraphql = <Result, Variables = Record<string, never>>(source: string) => TypedDocumentString<Result, Variables>;

/**
 * Writes a typed document for `client.request()`. The SDK's own operation files come back as
 * codegen typed them; any other document is typed by its type arguments:
 * `graphql<{ viewer: { user: { address: string } } | null }>('query Me { viewer { user { address } } }')`.
 * (The generated function alone knows only the documents it was generated from, and gives an
 * empty object for any other.)
 */
export const graphql = ((source: string) => {
  const known: unknown = (generatedGraphql as (source: string) => unknown)(source);
  return known instanceof TypedDocumentString ? known : new TypedDocumentString(source);
}) as typeof generatedGraphql & CustomGraphql;
