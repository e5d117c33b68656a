import { IncomingMessage } from 'node:http';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { getNamedType, getOperationAST, GraphQLError, isInputObjectType, Kind, typeFromAST, type ExecutionArgs, type OperationDefinitionNode } from 'graphql';
import { createYoga, isAsyncIterable, maskError as maskUnexpected, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { ServerContext } from './logger.js';
import type { Config } from './config.js';
import { createContext, type Context } from './context.js';
import type { Database } from './db/client.js';
import { createDnsLookup } from './domain/dns.js';
import { useRequestObservation } from './metrics.js';
import { createEvents, type Events } from './pubsub.js';
import { listenForTokenChanges, TokenCache } from './domain/token-cache.js';
import { authenticateWithAccount } from './domain/tokens.js';
import { AppError, UnauthenticatedError } from './domain/errors.js';
import { hasConsoleAccess } from './domain/plans.js';
import { secondFactorMissing, type SecondFactorPolicy } from './domain/second-factor.js';
import { isAdmin, type Viewer } from './domain/viewer.js';
import { SubscriptionGuard } from './subscription-guard.js';
import { CSRF_HEADER, MAX_REQUEST_BODY_BYTES, useQueryLimits, useRequestBodyLimit } from './limits.js';
import { useSecondFactorGate } from './second-factor-gate.js';
import { schema } from './schema/index.js';

const DEFAULT_QUERY = `# Welcome to the mailadmin API.
#
# 1. Run the signUp mutation below (no token needed); it answers with a session token.
# 2. Open "Headers" at the bottom and add:  { "Authorization": "Bearer <that token>" }
# 3. Run the Viewer query, then explore the Docs pane on the left: every field is described.
#
# Integrations use API tokens from createApiToken instead of a session.

mutation SignUp {
  signUp(input: {
    organizationName: "Example Family"
    ownerAddress: "ada@mailadmin.test"
    ownerDisplayName: "Ada Lovelace"
    password: "a long passphrase"
    plan: ENTRY
  }) {
    __typename
    ... on SignUpSuccess { token viewer { user { id address } } }
    ... on Error { code message }
  }
}

query Viewer {
  viewer {
    scopes
    user { address displayName plan role }
    masterAccount {
      name
      consoleAccess
      users(first: 20) {
        totalCount
        edges { node { id address displayName plan status role } }
      }
    }
  }
}
`;

/** The error each unexpected one was masked from, for its log line (see useErrorLogging). */
const unmasked = new WeakMap<Error, unknown>();

/**
 * Expected failures keep their message and gain `extensions.code` (and `field` for validation);
 * anything else is masked as "Unexpected error." so internals never reach a client.
 */
function maskError(error: unknown, message: string, isDev?: boolean): Error {
  if (error instanceof AppError) return new GraphQLError(error.message, { originalError: error });
  if (error instanceof GraphQLError && isExpected(error)) return error;
  const masked = maskUnexpected(error, message, isDev);
  unmasked.set(masked, error);
  return masked;
}

/** Failures the API means to report (GraphQL copies an AppError's `extensions`, code included). */
function isExpected(error: unknown): boolean {
  if (error instanceof AppError) return true;
  if (!(error instanceof GraphQLError)) return false;
  return error.originalError ? error.originalError instanceof AppError : true;
}

/**
 * Yoga's own lines. Its log of each error it masks is left out: useErrorLogging writes that line,
 * with the request's id, which Yoga's logger has no way to know.
 */
function yogaLogger(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug({ args }, 'yoga'),
    info: (...args: unknown[]) => logger.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => logger.warn({ args }, 'yoga'),
    error: () => undefined,
  };
}

/**
 * Logs the errors of each answer under its request's id: an AppError (the client's business) at
 * debug, an error masked as unexpected at error, with what it masked.
 */
function useErrorLogging(logger: Logger): Plugin<object, ServerContext> {
  return {
    onResultProcess({ result, serverContext }) {
      if (Symbol.asyncIterator in result) return;
      const requestId = serverContext.requestContext?.requestId;
      for (const one of Array.isArray(result) ? result : [result]) {
        for (const error of one.errors ?? []) {
          if (error.originalError instanceof AppError) logger.debug({ requestId, err: error.originalError }, 'expected error');
          else if (unmasked.has(error)) logger.error({ requestId, err: unmasked.get(error) }, 'unexpected error');
        }
      }
    },
  };
}

/** `/health` answers 200 only when the database answers, so a load balancer can route around us. */
function useDatabaseHealth(database: Database): Plugin {
  return {
    async onRequest({ url, endResponse }) {
      if (url.pathname !== '/health') return;
      try {
        await database.ping();
        endResponse(Response.json({ status: 'ok', database: database.driver }));
      } catch {
        endResponse(Response.json({ status: 'unavailable', database: database.driver }, { status: 503 }));
      }
    },
  };
}

/**
 * A GET request whose `variables` or `extensions` parameter is not JSON is the client's mistake:
 * yoga's parser lets the SyntaxError escape, which would be masked as a 500.
 */
function useMalformedParamsAreBadRequests(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new GraphQLError('The request\'s `variables` or `extensions` parameter is not valid JSON.', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      });
    },
  };
}

/**
 * graphql-jit 0.8 coerces a variable of an input object type without the defaults of its fields
 * (CreateUserInput's `kind` comes out missing and the request is refused), so an operation with
 * such a variable runs on graphql-js; input objects written in the document are not affected.
 */
function jitCanRun({ schema, document, operationName }: ExecutionArgs): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation) return false;
  return (operation.variableDefinitions ?? []).every((variable) => {
    const type = typeFromAST(schema, variable.type);
    return type !== undefined && !isInputObjectType(getNamedType(type));
  });
}

/**
 * A subscription asked for with an Accept header no stream can answer (only JSON, say) gets 406
 * from Yoga, which leaves the subscription it already opened running: its listener would wait for
 * events for ever, one more per such request. This ends it. (Yoga's result processors choose
 * before any plugin's hook runs, so here the choice is known.)
 */
function useEndUnansweredSubscriptions(): Plugin {
  return {
    onResultProcess({ result, resultProcessor }) {
      if (resultProcessor || !isAsyncIterable(result)) return;
      // Ending it is all that is wanted; should that fail, no one is waiting to hear it.
      Promise.resolve(result[Symbol.asyncIterator]().return?.()).catch(() => undefined);
    },
  };
}

export interface BuildYogaOptions {
  database: Database;
  config: Config;
  logger?: Logger;
  /** Shared with the billing timer, so its charges reach subscribers too. */
  events?: Events;
  /**
   * The token cache, when config.tokenCache is on; by default a new one. Tests pass their own to
   * model a replica that has not heard of a change yet.
   */
  tokens?: TokenCache;
}

/**
 * Whether each mutation can change what a token resolves to (server/domain/tokens.ts reads the
 * token, its user's role and status, the owner's plan and the master account row). A new mutation
 * must be entered here; tests/token-cache.test.ts fails until it is.
 */
export const MUTATION_CHANGES_AUTHENTICATION: Record<string, boolean> = {
  updateUser: true, // role, status
  changePlan: true, // the owner's plan decides console access
  deleteUser: true,
  revokeApiToken: true,
  logOut: true,
  revokeSessions: true,
  transferOwnership: true, // two roles
  setLowBalanceThreshold: true, // a column of the master account row
  setSecondFactorPolicy: true, // the master account row, and who must have a second factor
  confirmSecondFactor: true, // the viewer's second factor, which the policy may require
  disableSecondFactor: true, // the same, and a reset ends the user's sessions
  // A secret not yet confirmed is not read by the token lookup.
  enrollSecondFactor: false,
  // Billing renewals never touch the owner and never suspend anyone.
  addDeposit: false,
  addAlias: false,
  removeAlias: false,
  addDomain: false,
  removeDomain: false,
  verifyDomain: false,
  addGroupMembers: false,
  removeGroupMembers: false,
  createGroup: false,
  updateGroup: false,
  deleteGroup: false,
  createResource: false,
  deleteResource: false,
  shareResource: false,
  unshareResource: false,
  // A new token, user or account: nothing cached can be about it yet.
  createApiToken: false,
  createUser: false,
  logIn: false,
  completeLogIn: false,
  signUp: false,
};

/**
 * Mutations that check their token inside their own one-write transaction, instead of in a lookup
 * of its own before they run (useWritesAuthorisedByDatabase): given a viewer with
 * `authorizeInWrite`, each sends mailadmin_authorize_write as the first statement of each of its
 * writes (domain/write-authorization.ts), so a cached token costs them no round trip. Each needs
 * an administrator with console access (assertAdmin), which that check confirms. A member must
 * really check: tests/write-authorization.test.ts calls each with a revoked token, and fails for a
 * member it has no call for.
 */
export const AUTHORISED_IN_TRANSACTION: ReadonlySet<string> = new Set(['addDeposit', 'addAlias']);

/** Whether an operation may change what its master account's tokens resolve to. */
function mayChangeAuthentication(operation: OperationDefinitionNode): boolean {
  // A fragment on Mutation is rare: it is not looked into, and counts as a change.
  return operation.selectionSet.selections.some(
    (selection) => selection.kind !== Kind.FIELD || MUTATION_CHANGES_AUTHENTICATION[selection.name.value] !== false,
  );
}

/**
 * The token cache's own invalidations reach this process a moment after a commit, so a mutation
 * that can change a token's outcome also forgets its master account's tokens itself before
 * answering: a client that revokes a token or suspends a user and sends the next request at once
 * finds the change in force. (Any other change still reaches the cache through the triggers.)
 */
function useTokenCache(database: Database, tokens: TokenCache, config: Config, logger: Logger | undefined, subscriptions: SubscriptionGuard): Plugin<Context> {
  const stopListening = listenForTokenChanges(
    database,
    tokens,
    logger,
    (masterAccountId) => subscriptions.invalidate(masterAccountId),
    config.tokenCacheNotifyDelayMs,
  );
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      const viewer = (args.contextValue as Context).viewer;
      if (operation?.operation !== 'mutation' || !viewer || !mayChangeAuthentication(operation)) return;
      return { onExecuteDone: () => tokens.invalidate(viewer.masterAccountId) };
    },
    onDispose: () => stopListening(),
  };
}

/**
 * Whether every root field of a mutation checks its token in its own transaction, and the cached
 * viewer would be let through by what they ask of it: an administrator with console access whom no
 * second factor is missing. A cached viewer they would refuse is looked up afresh instead, so that
 * a refusal is never the cache's (a user promoted a moment ago on another replica is let through).
 */
function authorisedInTransaction(operation: OperationDefinitionNode, viewer: Viewer, policy: SecondFactorPolicy | null): boolean {
  // A fragment on Mutation is rare: it is not looked into, and is looked up separately.
  const fields = operation.selectionSet.selections;
  if (!fields.every((selection) => selection.kind === Kind.FIELD && AUTHORISED_IN_TRANSACTION.has(selection.name.value))) return false;
  return isAdmin(viewer) && hasConsoleAccess(viewer.ownerPlan) && !(policy !== null && secondFactorMissing(viewer, policy));
}

/**
 * Writes are authorised by the database, not by a cache: a mutation whose viewer came from this
 * process's token cache looks its token up again before it runs. Another replica may have revoked
 * the token, suspended, deleted or demoted its user a moment ago, and this process hears of it
 * only when the NOTIFY arrives. Reads may lag by that notification (README, Replicas). The
 * mutations of AUTHORISED_IN_TRANSACTION check the token in their own write instead, with no
 * round trip of their own: their viewer is marked `authorizeInWrite`, on a copy, since the
 * cache's viewer is every request's of that token.
 */
function useWritesAuthorisedByDatabase(database: Database): Plugin<Context> {
  /** The separate lookup, for mutations that do not check their token in their own write. */
  async function lookUpAgain(context: Context, token: string, stop: (result: { errors: GraphQLError[] }) => void): Promise<void> {
    const fresh = await authenticateWithAccount(database.db, token, context.now);
    if (!fresh) {
      const error = new UnauthenticatedError('The bearer token is unknown, expired or revoked.');
      stop({ errors: [new GraphQLError(error.message, { originalError: error, extensions: error.extensions })] });
      return;
    }
    context.viewer = fresh.viewer;
    context.secondFactorPolicy = fresh.masterAccount.secondFactorPolicy;
    context.cachedToken = null;
  }
  return {
    // Not async: a promise from every request's hook would send queries down envelop's
    // asynchronous path too; only a mutation that looks its token up again waits.
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context;
      const token = context.cachedToken;
      if (token === null || !context.viewer) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      if (authorisedInTransaction(operation, context.viewer, context.secondFactorPolicy)) {
        context.viewer = { ...context.viewer, authorizeInWrite: true };
        return;
      }
      return lookUpAgain(context, token, setResultAndStopExecution);
    },
  };
}

export function buildYoga({ database, config, logger, events, tokens: cache }: BuildYogaOptions): YogaServerInstance<ServerContext, Context> {
  const tokens = config.tokenCache ? (cache ?? new TokenCache()) : undefined;
  const subscriptions = new SubscriptionGuard(database.db, { logger });
  const services = {
    db: database.db,
    config,
    dns: createDnsLookup(config.dnsServers),
    events: events ?? createEvents(),
    subscriptions,
    tokens,
  };
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/yoga-health',
    landingPage: false,
    // Over a socket (main.ts) the Node request comes along and tells the peer; yoga.fetch has none.
    context: (initial) =>
      createContext(services, initial.request, 'req' in initial && initial.req instanceof IncomingMessage ? initial.req.socket.remoteAddress : undefined),
    maskedErrors: { maskError, isDev: false },
    logging: logger ? yogaLogger(logger) : false,
    // GraphiQL with its scripts and styles inside the page: the default loads them from a CDN.
    renderGraphiQL,
    graphiql: { title: 'mailadmin API', defaultQuery: DEFAULT_QUERY, additionalHeaders: { [CSRF_HEADER]: 'graphiql' } },
    // One operation per request: a batch would multiply every per-operation limit.
    batching: false,
    // useRequestBodyLimit below enforces the limit at less cost.
    maxRequestBodySize: false,
    plugins: [
      useRequestBodyLimit(MAX_REQUEST_BODY_BYTES),
      useRequestObservation(),
      ...(logger ? [useErrorLogging(logger)] : []),
      useDatabaseHealth(database),
      useMalformedParamsAreBadRequests(),
      useEndUnansweredSubscriptions(),
      ...useQueryLimits({ production: config.production }),
      ...(config.graphqlJit ? [useGraphQlJit({}, { enableIf: jitCanRun })] : []),
      ...(tokens ? [useTokenCache(database, tokens, config, logger, subscriptions), useWritesAuthorisedByDatabase(database)] : []),
      { onDispose: () => subscriptions.close() },
      // Last: after any plugin that looks the token up again for a write.
      useSecondFactorGate(),
    ],
  });
}
