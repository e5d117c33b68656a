import { createServer } from 'node:http';
import { loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { createLogger, requestIdFrom, type RequestContext } from './logger.js';
import { createMetrics, metricsAuthorized } from './metrics.js';
import { runBilling } from './domain/billing.js';
import { connectEvents, publishMoneyEvents } from './pubsub.js';
import { createHttpHandler } from './http.js';
import { buildYoga } from './yoga.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);

const database = await openDatabase({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  connectTimeoutMs: config.dbConnectTimeoutMs,
  statementTimeoutMs: config.dbStatementTimeoutMs,
});
logger.info(
  { database: database.driver, ...(database.driver === 'pglite' ? { dataDir: config.dataDir } : {}) },
  'database ready, migrations applied',
);

// Through the database's LISTEN/NOTIFY, so subscribers on any replica hear every replica's events.
const events = await connectEvents({ database, logger });
const metrics = createMetrics({ poolStats: () => database.poolStats() });
const yoga = buildYoga({ database, config, logger, events });
const handle = createHttpHandler(yoga, { onError: (error) => logger.error({ err: error }, 'the request handler failed') });

/**
 * The billing job on a timer. Several replicas may run it at once: the database makes each
 * renewal charged once, so the timer needs no leader.
 */
let billing: Promise<void> | undefined;
const billingTimer =
  config.billingIntervalMs > 0
    ? setInterval(() => {
        // A run still going when the next tick comes is left to finish; the tick is skipped.
        if (billing) return;
        const started = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
        billing = runBilling(database.db, new Date())
          .then((result) => {
            metrics.observeBilling({ seconds: seconds(), ok: true, charged: result.charged });
            publishMoneyEvents(events, result.events);
            if (result.charged + result.pastDue + result.downgradedToPending + result.downgradedUnpaid > 0) {
              logger.info({ ...result, events: undefined }, 'billing run');
            }
          })
          .catch((error: unknown) => {
            metrics.observeBilling({ seconds: seconds(), ok: false, charged: 0 });
            logger.error({ err: error }, 'billing run failed');
          })
          .finally(() => {
            billing = undefined;
          });
      }, config.billingIntervalMs)
    : undefined;

const server = createServer((request, response) => {
  const started = process.hrtime.bigint();
  const header = request.headers['x-request-id'];
  const context: RequestContext = {
    requestId: requestIdFrom(typeof header === 'string' ? header : undefined),
    operationName: null,
    graphql: false,
    errorCodes: [],
  };
  // Set before Yoga writes its headers; Node merges the two.
  response.setHeader('x-request-id', context.requestId);
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  response.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.observeRequest({ path, status: response.statusCode, seconds, context });
    logger.info(
      {
        requestId: context.requestId,
        method: request.method,
        path: request.url,
        ...(context.graphql ? { operation: context.operationName } : {}),
        status: response.statusCode,
        durationMs: seconds * 1e3,
      },
      'request',
    );
  });
  if (path === '/metrics' && request.method === 'GET') {
    if (!metricsAuthorized(request.headers.authorization, config.metricsToken)) {
      response.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"' }).end();
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        logger.error({ requestId: context.requestId, err: error }, 'metrics could not be rendered');
        response.writeHead(500).end();
      },
    );
    return;
  }
  // The request context goes along as Yoga's server context: its plugins fill it in and log with it.
  handle(request, response, { requestContext: context });
});

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ host: config.host, port }, `serving GraphQL and GraphiQL at http://localhost:${port}/graphql`);
});

/**
 * How long the rest of a shutdown (the billing run, the event listener, the database) may take
 * after the grace period. Should a step wait on something that never ends (a statement with no
 * timeout blocked behind a lock, say), the process exits anyway, with 1, so that whatever runs it
 * restarts it instead of waiting for ever.
 */
const SHUTDOWN_FINISH_MS = 5_000;

let stopping = false;
/** Stops taking connections, lets requests in flight finish, then closes the database. */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: draining requests in flight');
  setTimeout(() => {
    logger.error({ signal, afterMs: config.shutdownGraceMs + SHUTDOWN_FINISH_MS }, 'shutdown did not finish in time: exiting');
    process.exit(1);
  }, config.shutdownGraceMs + SHUTDOWN_FINISH_MS).unref();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Subscriptions stream until the client leaves; after the grace period they are cut, and
    // their clients reconnect to another replica.
    setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs).unref();
  });
  clearInterval(billingTimer);
  await billing;
  await yoga.dispose();
  // Sends the events of the last requests before the database closes.
  await events.close();
  await database.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
