import { GraphQLError } from 'graphql';
import { createYoga, maskError as maskUnexpected, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createContext, type Context } from './context.js';
import type { Database } from './db/client.js';
import { createDnsLookup } from './domain/dns.js';
import { createEvents, type Events } from './pubsub.js';
import { AppError } from './domain/errors.js';
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

/**
 * Expected failures keep their message and gain `extensions.code` (and `field` for validation);
 * anything else is masked as "Unexpected error." so internals never reach a client.
 */
function maskError(error: unknown, message: string, isDev?: boolean): Error {
  if (error instanceof AppError) return new GraphQLError(error.message, { originalError: error });
  if (error instanceof GraphQLError && isExpected(error)) return error;
  return maskUnexpected(error, message, isDev);
}

/** Failures the API means to report (GraphQL copies an AppError's `extensions`, code included). */
function isExpected(error: unknown): boolean {
  if (error instanceof AppError) return true;
  if (!(error instanceof GraphQLError)) return false;
  return error.originalError ? error.originalError instanceof AppError : true;
}

/** Yoga logs every error it masks; expected ones are the client's business and go to debug. */
function yogaLogger(logger: Logger) {
  return {
    debug: (...args: unknown[]) => logger.debug({ args }, 'yoga'),
    info: (...args: unknown[]) => logger.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => logger.warn({ args }, 'yoga'),
    error: (error: unknown, ...args: unknown[]) =>
      isExpected(error) ? logger.debug({ err: error }, 'expected error') : logger.error({ err: error, args }, 'unexpected error'),
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

export interface BuildYogaOptions {
  database: Database;
  config: Config;
  logger?: Logger;
  /** Shared with the billing timer, so its charges reach subscribers too. */
  events?: Events;
}

export function buildYoga({ database, config, logger, events }: BuildYogaOptions): YogaServerInstance<object, Context> {
  const services = { db: database.db, config, dns: createDnsLookup(config.dnsServers), events: events ?? createEvents() };
  return createYoga<object, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/yoga-health',
    landingPage: false,
    context: ({ request }) => createContext(services, request),
    maskedErrors: { maskError, isDev: false },
    logging: logger ? yogaLogger(logger) : false,
    graphiql: { title: 'mailadmin API', defaultQuery: DEFAULT_QUERY },
    plugins: [useDatabaseHealth(database)],
  });
}
