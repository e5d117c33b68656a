import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/db/client.js';
import { buildYoga } from '../server/yoga.js';
import { W1_PAGE, WORKLOADS, type CallSource, type WorkloadName } from './workloads.js';

export interface StatementCount {
  workload: WorkloadName;
  /** The page sizes asked for, when the workload was run with other sizes than its own. */
  variant: string;
  statements: number;
  /** The SQL of each statement, for the limit server and for EXPLAIN. */
  sql: string[];
}

/** W1 and W2 again with other page sizes: the number of statements must stay the same. */
const PAGE_VARIANTS: { workload: WorkloadName; variant: string; rewrite: (query: string) => string }[] = [
  { workload: 'W1', variant: 'users 5, groups 2, resources 2', rewrite: (q) => q.replace(`users(first: ${W1_PAGE})`, 'users(first: 5)').replace('groups(first: 10)', 'groups(first: 2)').replace('resources(first: 10)', 'resources(first: 2)') },
  { workload: 'W1', variant: 'users 100, groups 10, resources 50', rewrite: (q) => q.replace(`users(first: ${W1_PAGE})`, 'users(first: 100)').replace('resources(first: 10)', 'resources(first: 50)') },
  { workload: 'W2', variant: 'first 5', rewrite: (q) => q.replace('first: 50', 'first: 5') },
  { workload: 'W2', variant: 'first 100', rewrite: (q) => q.replace('first: 50', 'first: 100') },
];

/**
 * Counts the SQL statements each workload costs ours, through the application built exactly as
 * main.ts builds it, with the database layer's onQuery hook. Each request runs once first so a
 * token's once-a-minute last-used write does not land in the count.
 */
export async function countStatements(databaseUrl: string, source: CallSource): Promise<StatementCount[]> {
  const seen: string[] = [];
  const database = await openDatabase({ databaseUrl, migrate: false, onQuery: (query) => seen.push(query) });
  const config = { ...loadConfig({}), databaseUrl, billingIntervalMs: 0 };
  const yoga = buildYoga({ database, config });
  const post = async (payload: string, token: string) => {
    const response = await yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: payload,
    });
    const json: unknown = await response.json();
    if (JSON.stringify(json).includes('"errors"')) throw new Error(`statement count: ${payload.slice(0, 80)} answered ${JSON.stringify(json)}`);
  };
  const measure = async (payload: string, token: string) => {
    await post(payload, token);
    seen.length = 0;
    await post(payload, token);
    return [...seen];
  };
  const counts: StatementCount[] = [];
  try {
    // The token cache caches nothing until its LISTEN stands (it starts with the server): wait for
    // that, as a running server has long done, so no count includes a token lookup a warm server skips.
    const probe = source.tenants[0];
    for (let tries = 0; probe && tries < 100; tries++) {
      seen.length = 0;
      await post(JSON.stringify({ query: '{ viewer { scopes } }' }), probe.token);
      if (seen.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const workload of WORKLOADS) {
      // Mutations get fresh values for both requests, of the same tenant (a round later): the
      // second one is the one counted.
      const first = workload.call('ours', source, 900_001);
      await post(first.body, first.token);
      seen.length = 0;
      const call = workload.call('ours', source, workload.mutation ? 900_001 + source.tenants.length : 900_001);
      await post(call.body, call.token);
      const sql = workload.mutation ? [...seen] : await measure(call.body, call.token);
      counts.push({ workload: workload.name, variant: 'as benchmarked', statements: sql.length, sql });
    }
    for (const variant of PAGE_VARIANTS) {
      const workload = WORKLOADS.find((w) => w.name === variant.workload);
      if (!workload) continue;
      const call = workload.call('ours', source, 900_001);
      const parsed = JSON.parse(call.body) as { query: string; operationName: string; variables: unknown };
      const payload = JSON.stringify({ ...parsed, query: variant.rewrite(parsed.query) });
      const sql = await measure(payload, call.token);
      counts.push({ workload: variant.workload, variant: variant.variant, statements: sql.length, sql });
    }
  } finally {
    await database.close();
  }
  return counts;
}
