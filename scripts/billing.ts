import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/db/client.js';
import { runBilling } from '../server/domain/billing.js';
import { createLogger } from '../server/logger.js';
import { connectEvents, publishMoneyEvents } from '../server/pubsub.js';

/**
 * `npm run billing -- --as-of <ISO instant> [--master-account <uuid> ...]`: charges every renewal
 * due up to that instant, once; `--master-account` limits the run to some master accounts.
 * Its charges and low-balance notices reach the subscribers of every server on the same PostgreSQL.
 */
const { values } = parseArgs({
  options: { 'as-of': { type: 'string' }, 'master-account': { type: 'string', multiple: true } },
});
const asOf = values['as-of'] ? new Date(values['as-of']) : new Date();
if (Number.isNaN(asOf.getTime())) {
  process.stderr.write(`--as-of must be an ISO 8601 instant, got "${values['as-of']}"\n`);
  process.exit(2);
}

const config = loadConfig();
let statements = 0;
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, onQuery: () => statements++ });
const events = await connectEvents({ database, logger: createLogger(config.logLevel) });
try {
  const started = process.hrtime.bigint();
  const masterAccountIds = values['master-account'];
  const result = await runBilling(database.db, asOf, masterAccountIds ? { masterAccountIds } : {});
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  publishMoneyEvents(events, result.events);
  process.stdout.write(
    `${JSON.stringify({
      asOf: asOf.toISOString(),
      charged: result.charged,
      pastDue: result.pastDue,
      downgradedAtRenewal: result.downgradedToPending,
      downgradedUnpaid: result.downgradedUnpaid,
      lowBalanceNotices: result.events.notices.length,
      statements,
      durationMs,
    })}\n`,
  );
} finally {
  await events.close();
  await database.close();
}
