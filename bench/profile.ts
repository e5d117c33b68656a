import { loadConfig } from '../server/config.js';
import { openDatabase } from '../server/db/client.js';
import { buildYoga } from '../server/yoga.js';
import { FULL_SIZE, tenants } from './seed.js';
import { WORKLOADS } from './workloads.js';

/**
 * CPU milliseconds per request of one workload (mutations too), ours in-process (yoga.fetch, no HTTP), 10 requests
 * at a time. CPU time rather than wall time, so a busy machine blurs the comparison of two code
 * versions less. After 3 s of warm-up (V8 is still compiling the hot paths for the first
 * thousand requests or so), it measures rounds of `seconds` and prints each and the least: the
 * least is the steadiest figure to compare two versions by, run alternately. Run after
 * `npm run bench` has seeded the database, with npm start's heap setting; add --cpu-prof to node
 * for a profile:
 *   node --max-semi-space-size=64 --import tsx profile.ts W1 [seconds per round] [rounds]
 */
const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/mailadmin_bench';
const name = process.argv[2] ?? 'W1';
const seconds = Number(process.argv[3] ?? 2.5);
const rounds = Number(process.argv[4] ?? 3);
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
let sent = 0;
/** CPU milliseconds per request over `ms` of requests, and how many were sent per second. */
async function round(ms: number): Promise<{ cpu: number; rate: number }> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  let count = 0;
  while (performance.now() - wall < ms) {
    await Promise.all(Array.from({ length: 10 }, (_, k) => send(sent + k)));
    sent += 10;
    count += 10;
  }
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000 / count, rate: count / ((performance.now() - wall) / 1000) };
}
await round(3000);
const measured: number[] = [];
for (let i = 0; i < rounds; i++) {
  const { cpu, rate } = await round(seconds * 1000);
  measured.push(cpu);
  process.stdout.write(`${name} round ${i + 1}: ${rate.toFixed(1)} req/s, ${cpu.toFixed(3)} CPU ms per request\n`);
}
process.stdout.write(`${name}: least ${Math.min(...measured).toFixed(3)} CPU ms per request\n`);
await database.close();
