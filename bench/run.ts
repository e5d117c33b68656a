import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase } from '../server/db/client.js';
import { barChart } from './chart.js';
import { load, median, type LoadResult } from './load.js';
import { benchDir, startServer, type Running } from './processes.js';
import { FULL_SIZE, prepareDatabase, seedInto, tenants, type SeedSize } from './seed.js';
import { countStatements, type StatementCount } from './statements.js';
import { SERVERS, WORKLOADS, type CallSource, type ServerName, type Workload, type WorkloadName } from './workloads.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string, fallback: number) => {
  const index = args.indexOf(name);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const SECONDS = option('--seconds', quick ? 2 : 5);
const WARMUP_SECONDS = option('--warmup', quick ? 1 : 3);
const ROUNDS = option('--rounds', quick ? 3 : 5);
const CONNECTIONS = 10;
const POOL_SIZE = 10;
const withPglite = !args.includes('--no-pglite');
const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/mailadmin_bench';
// The PGlite comparison seeds a tenth of the data set: PGlite seeds and runs single-threaded.
const PGLITE_SIZE: SeedSize = { ...FULL_SIZE, tenants: 20 };

const log = (line: string) => process.stdout.write(`${line}\n`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

const source: CallSource = { tenants: tenants(FULL_SIZE), runId: Date.now().toString(36) };
/** A running number per server and workload: across rounds, so every mutation writes new values. */
const counters = new Map<string, number>();
function nextCall(server: ServerName, workload: Workload, callSource = source) {
  const key = `${server} ${workload.name}`;
  const i = counters.get(key) ?? 0;
  counters.set(key, i + 1);
  return workload.call(server, callSource, i);
}

const okFor = (server: ServerName, workload: Workload) => (body: string) => {
  if (body.includes('"errors"')) return false;
  if (!workload.mutation) return true;
  return server === 'peer' ? body.includes('"result":{') : body.includes('Success"');
};

async function post(port: number, call: { body: string; token: string }): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${call.token}` },
    body: call.body,
  });
  return response.json();
}

/** Asks each server the same questions (three tenants each) and fails unless the normalised answers agree. */
async function checkAnswers(): Promise<void> {
  const answers = new Map<string, unknown>();
  for (const server of SERVERS) {
    const running = await startServer(server, { databaseUrl: DATABASE_URL, poolSize: POOL_SIZE });
    try {
      for (const workload of WORKLOADS) {
        for (const i of [3, 77, 150]) {
          const call = workload.mutation ? nextCall(server, workload) : workload.call(server, source, i);
          const json = await post(running.port, call);
          let normalised: unknown;
          try {
            normalised = workload.normalise(server, json);
          } catch (error) {
            throw new Error(`${server} ${workload.name}: ${String(error)}`);
          }
          answers.set(`${server} ${workload.name} ${i}`, normalised);
        }
      }
    } finally {
      await running.stop();
    }
  }
  for (const workload of WORKLOADS) {
    for (const i of [3, 77, 150]) {
      const reference = answers.get(`ours ${workload.name} ${i}`);
      for (const server of ['limit', 'peer'] as const) {
        const other = answers.get(`${server} ${workload.name} ${i}`);
        if (!isDeepStrictEqual(reference, other)) {
          throw new Error(
            `ANSWERS DIFFER: ${workload.name} from ${server} is not ours' answer\nours: ${JSON.stringify(reference)}\n${server}: ${JSON.stringify(other)}`,
          );
        }
      }
    }
  }
  log(`answers checked: the three servers agree on ${WORKLOADS.length} workloads x 3 tenants (${elapsed()})`);
}

async function warmUp(running: Running, server: ServerName, callSource = source, workloads = WORKLOADS) {
  for (const workload of workloads) {
    await load({ port: running.port, connections: CONNECTIONS, seconds: WARMUP_SECONDS, next: () => nextCall(server, workload, callSource), ok: okFor(server, workload) });
  }
}

type Samples = Map<string, LoadResult[]>;

async function rounds(): Promise<Samples> {
  const samples: Samples = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, workload] of WORKLOADS.entries()) {
      // A workload's three servers run back to back, each started afresh and warmed on that
      // workload, so a slow spell of this shared machine (its throughput drifts by a third within
      // minutes) falls on all three rather than on one. The order rotates with the round and the
      // workload, so no server always runs first.
      const order = SERVERS.map((_, i) => SERVERS[(i + round + index) % SERVERS.length] as ServerName);
      for (const server of order) {
        const running = await startServer(server, { databaseUrl: DATABASE_URL, poolSize: POOL_SIZE });
        try {
          await warmUp(running, server, source, [workload]);
          const result = await load({
            port: running.port,
            connections: CONNECTIONS,
            seconds: SECONDS,
            next: () => nextCall(server, workload),
            ok: okFor(server, workload),
          });
          const key = `${server} ${workload.name}`;
          samples.set(key, [...(samples.get(key) ?? []), result]);
        } finally {
          await running.stop();
        }
      }
    }
    log(`round ${round + 1}/${ROUNDS} done (${elapsed()})`);
  }
  return samples;
}

interface Summary {
  workload: WorkloadName;
  title: string;
  servers: Record<ServerName, { rps: number; p50: number; p99: number; rounds: number[] }>;
}

function summarise(samples: Samples): Summary[] {
  return WORKLOADS.map((workload) => {
    const entry = (server: ServerName) => {
      const runs = samples.get(`${server} ${workload.name}`) ?? [];
      return {
        rps: median(runs.map((r) => r.requestsPerSecond)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        rounds: runs.map((r) => Math.round(r.requestsPerSecond)),
      };
    };
    return { workload: workload.name, title: workload.title, servers: { ours: entry('ours'), limit: entry('limit'), peer: entry('peer') } };
  });
}

const TARGETS: Partial<Record<WorkloadName, { peer?: number; limit?: number }>> = {
  W1: { peer: 1.5, limit: 0.7 },
  W4: { peer: 1.2 },
  W5a: { peer: 1.0 },
  W5b: { peer: 1.0 },
};

function pad(text: string | number, width: number, right = false) {
  const value = String(text);
  return right ? value.padStart(width) : value.padEnd(width);
}

function printTable(summary: Summary[]) {
  log('');
  log(`Median of ${ROUNDS} rounds, ${SECONDS} s each, ${CONNECTIONS} connections, pool ${POOL_SIZE}; latency in ms (p50 / p99)`);
  log(
    `${pad('workload', 22)}${pad('ours req/s', 12, true)}${pad('limit req/s', 13, true)}${pad('peer req/s', 12, true)}` +
      `${pad('ours/limit', 12, true)}${pad('ours/peer', 11, true)}   ${pad('ours p50/p99', 14)}${pad('limit p50/p99', 15)}${pad('peer p50/p99', 14)}targets`,
  );
  for (const row of summary) {
    const { ours, limit, peer } = row.servers;
    const target = TARGETS[row.workload];
    const verdicts: string[] = [];
    if (target?.peer) verdicts.push(`${ours.rps / peer.rps >= target.peer ? 'MET' : 'MISSED'} >=${target.peer}x peer`);
    if (target?.limit) verdicts.push(`${ours.rps / limit.rps >= target.limit ? 'MET' : 'MISSED'} >=${target.limit}x limit`);
    log(
      `${pad(`${row.workload} ${row.title}`, 22)}${pad(Math.round(ours.rps), 12, true)}${pad(Math.round(limit.rps), 13, true)}${pad(Math.round(peer.rps), 12, true)}` +
        `${pad((ours.rps / limit.rps).toFixed(2), 12, true)}${pad((ours.rps / peer.rps).toFixed(2), 11, true)}   ` +
        `${pad(`${ours.p50}/${ours.p99}`, 14)}${pad(`${limit.p50}/${limit.p99}`, 15)}${pad(`${peer.p50}/${peer.p99}`, 14)}${verdicts.join(', ')}`,
    );
  }
}

function printStatements(counts: StatementCount[]) {
  log('');
  log('SQL statements per request, ours (begin/commit included):');
  for (const count of counts) log(`  ${pad(count.workload, 5)}${pad(count.variant, 38)}${count.statements}`);
  // Ordered from the smallest pages to the largest: a larger page may save a count (a page that
  // holds the whole list is its own count) but must never cost a statement more.
  for (const workload of ['W1', 'W2'] as const) {
    const ofWorkload = counts.filter((c) => c.workload === workload);
    const [smaller, larger] = ofWorkload.filter((c) => c.variant !== 'as benchmarked');
    const benchmarked = ofWorkload.find((c) => c.variant === 'as benchmarked');
    const bySize = [smaller, benchmarked, larger].map((c) => c?.statements ?? Number.NaN);
    if (bySize.some((n, i) => Number.isNaN(n) || (i > 0 && n > (bySize[i - 1] ?? 0)))) {
      throw new Error(`${workload}: the number of statements grows with the page size: ${bySize.join(', ')}`);
    }
  }
  log('  W1 and W2: larger pages never cost more statements');
}

/** Seeds a PGlite data directory with the application's migrations and the same seed SQL, smaller. */
async function preparePglite(dataDir: string): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  const database = await openDatabase({ dataDir });
  try {
    await seedInto({ query: (statement) => database.db.execute(sql.raw(statement)) }, PGLITE_SIZE);
    await database.db.execute(sql`analyze`);
  } finally {
    await database.close();
  }
}

interface ModeResult {
  mode: 'postgres' | 'pglite';
  workload: WorkloadName;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
}

/** Ours on PostgreSQL and on PGlite (same data size), W1 and W4, at 1 and 10 connections. */
async function pgliteComparison(): Promise<ModeResult[]> {
  const dataDir = join(benchDir, '.pglite-data');
  const url = new URL(DATABASE_URL);
  url.pathname = `${url.pathname}_small`;
  const smallUrl = url.toString();
  const small: CallSource = { tenants: tenants(PGLITE_SIZE), runId: source.runId };
  const t0 = Date.now();
  await preparePglite(dataDir);
  log(`PGlite data dir seeded with ${PGLITE_SIZE.tenants} tenants in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await prepareDatabase(smallUrl, PGLITE_SIZE, log);
  const results: ModeResult[] = [];
  const workloads = WORKLOADS.filter((w) => w.name === 'W1' || w.name === 'W4');
  for (const mode of ['postgres', 'pglite'] as const) {
    const running = await startServer('ours', mode === 'postgres' ? { databaseUrl: smallUrl, poolSize: POOL_SIZE } : { databaseUrl: undefined, dataDir, poolSize: POOL_SIZE });
    try {
      await warmUp(running, 'ours', small, workloads);
      for (const workload of workloads) {
        for (const connections of [1, 10]) {
          const runs: LoadResult[] = [];
          for (let round = 0; round < (quick ? 1 : 2); round++) {
            runs.push(await load({ port: running.port, connections, seconds: SECONDS, next: () => nextCall('ours', workload, small), ok: okFor('ours', workload) }));
          }
          results.push({
            mode,
            workload: workload.name,
            connections,
            rps: median(runs.map((r) => r.requestsPerSecond)),
            p50: median(runs.map((r) => r.p50)),
            p99: median(runs.map((r) => r.p99)),
          });
        }
      }
    } finally {
      await running.stop();
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
  log('');
  log(`Ours on PostgreSQL vs PGlite (${PGLITE_SIZE.tenants} tenants, ${PGLITE_SIZE.tenants * PGLITE_SIZE.usersPerTenant} users in both):`);
  for (const workload of ['W1', 'W4'] as const) {
    for (const connections of [1, 10]) {
      const pgResult = results.find((r) => r.mode === 'postgres' && r.workload === workload && r.connections === connections);
      const lite = results.find((r) => r.mode === 'pglite' && r.workload === workload && r.connections === connections);
      if (!pgResult || !lite) continue;
      log(
        `  ${workload} c=${pad(connections, 2)}  postgres ${pad(Math.round(pgResult.rps), 6, true)} req/s (p50 ${pgResult.p50} ms)   ` +
          `pglite ${pad(Math.round(lite.rps), 6, true)} req/s (p50 ${lite.p50} ms)   pglite/postgres ${(lite.rps / pgResult.rps).toFixed(2)}`,
      );
    }
  }
  return results;
}

async function applyPeerSchema(): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(readFileSync(join(benchDir, 'servers', 'peer.sql'), 'utf8'));
  } finally {
    await client.end();
  }
}

async function main() {
  log(`mailadmin benchmark${quick ? ' (quick)' : ''}: ${cpus().length} CPUs, Node ${process.version}, database ${new URL(DATABASE_URL).pathname.slice(1)}`);
  await prepareDatabase(DATABASE_URL, FULL_SIZE, log);
  await applyPeerSchema();
  const counts = await countStatements(DATABASE_URL, source);
  printStatements(counts);
  await checkAnswers();
  const summary = summarise(await rounds());
  printTable(summary);
  const modes = withPglite ? await pgliteComparison() : [];

  const resultsDir = join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const report = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    settings: { quick, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, rounds: ROUNDS, connections: CONNECTIONS, poolSize: POOL_SIZE, size: FULL_SIZE },
    summary,
    statements: counts.map(({ workload, variant, statements }) => ({ workload, variant, statements })),
    pglite: modes,
  };
  writeFileSync(join(resultsDir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const svg = barChart(
    summary.map((row) => ({ workload: row.workload, title: row.title, rps: { ours: row.servers.ours.rps, limit: row.servers.limit.rps, peer: row.servers.peer.rps } })),
    `${FULL_SIZE.tenants} tenants, ${CONNECTIONS} connections, median of ${ROUNDS} rounds of ${SECONDS} s, ${cpus().length} CPUs shared by load, server and PostgreSQL`,
  );
  writeFileSync(join(resultsDir, 'latest.svg'), svg);
  log('');
  log(`wrote bench/results/${stamp}.json, bench/results/latest.json and bench/results/latest.svg (${elapsed()} in all)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
