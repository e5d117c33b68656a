import { createServer } from 'node:http';
import { loadConfig } from './config.js';
import { openDatabase } from './db/client.js';
import { createLogger } from './logger.js';
import { runBilling } from './domain/billing.js';
import { createEvents, publishMoneyEvents } from './pubsub.js';
import { buildYoga } from './yoga.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);

const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
logger.info(
  { database: database.driver, ...(database.driver === 'pglite' ? { dataDir: config.dataDir } : {}) },
  'database ready, migrations applied',
);

const events = createEvents();
const yoga = buildYoga({ database, config, logger, events });

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
        billing = runBilling(database.db, new Date())
          .then((result) => {
            publishMoneyEvents(events, result.events);
            if (result.charged + result.pastDue + result.downgradedToPending + result.downgradedUnpaid > 0) {
              logger.info({ ...result, events: undefined }, 'billing run');
            }
          })
          .catch((error: unknown) => logger.error({ err: error }, 'billing run failed'))
          .finally(() => {
            billing = undefined;
          });
      }, config.billingIntervalMs)
    : undefined;

const server = createServer((request, response) => {
  const started = process.hrtime.bigint();
  response.once('finish', () => {
    logger.info(
      {
        method: request.method,
        path: request.url,
        status: response.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      },
      'request',
    );
  });
  void yoga.handle(request, response);
});

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ host: config.host, port }, `serving GraphQL and GraphiQL at http://localhost:${port}/graphql`);
});

let stopping = false;
/** Stops taking connections, lets requests in flight finish, then closes the database. */
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: draining requests in flight');
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  clearInterval(billingTimer);
  await billing;
  await yoga.dispose();
  await database.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
