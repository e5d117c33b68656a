import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/db/client.js';
import { buildYoga } from '../server/yoga.js';
import { FULL_SIZE, tenants } from './seed.js';
import { WORKLOADS } from './workloads.js';

/**
 * CPU milliseconds per request of one workload (mutations too), ours in-process (yoga.fetch, no HTTP), 10 requests
 * at a time. CPU time rather than wall time, so a busy machine blurs the comparison of two code
 * versions less. Run after `npm run bench` has seeded the database; add --cpu-prof to node for a profile:
 *   node --import tsx profile.ts W1 [seconds]
 */
const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/mailadmin_bench';
const name = process.argv[2] ?? 'W1';
const seconds = Number(process.argv[3] ?? 8);
const workload = WORKLOADS.find((w) => w.name === name);
if (!workload) throw new Error(`profile takes a workload: W1, W2, W3, W4, W5a or W5b, not ${name}`);

const database = await openDatabase({ databaseUrl: url, migrate: false });
const yoga = buildYoga({ database, config: { ...loadConfig({ GRAPHQL_JIT: process.env.GRAPHQL_JIT }), databaseUrl: url } });
// Mutations write new values on every run: a fresh run id keeps their addresses and keys unused.
const source = { tenants: tenants(FULL_SIZE), runId: `profile${Date.now().toString(36)}` };
const send = async (i: number) => {
  const call = workload.call('ours', source, i);
  const response = await yoga.fetch('http://bench/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${call.token}` },
    body: call.body,
  });
  const text = await response.text();
  if (text.includes('"errors"')) throw new Error(text);
};
for (let i = 0; i < 50; i++) await send(i);
const wall = performance.now();
const cpu = process.cpuUsage();
let sent = 0;
while (performance.now() - wall < seconds * 1000) {
  await Promise.all(Array.from({ length: 10 }, (_, k) => send(sent + k)));
  sent += 10;
}
const used = process.cpuUsage(cpu);
process.stdout.write(
  `user ${(used.user / 1000 / sent).toFixed(2)} system ${(used.system / 1000 / sent).toFixed(2)}\n${name}: ${sent} requests, ${(sent / ((performance.now() - wall) / 1000)).toFixed(1)} req/s, ${((used.user + used.system) / 1000 / sent).toFixed(2)} CPU ms per request\n`,
);
await database.close();
