import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { load } from './load.js';
import { startServer } from './processes.js';
import { FULL_SIZE, tenants } from './seed.js';
import { WORKLOADS, type Call, type ServerName } from './workloads.js';

/**
 * Where each server's requests spend CPU: milliseconds per request in the server process, in
 * PostgreSQL's processes and in the load generator, read from /proc around a load run. Throughput
 * on this 2-CPU machine is bounded by their sum, so this tells which part to make cheaper.
 * `floor` is `{ __typename }` without a token: what the HTTP and GraphQL layers cost by themselves.
 * Mutations write new rows under a fresh run id, as in the benchmark. Run after `npm run bench`
 * has seeded the database:
 *   node --import tsx cpu.ts W4,W1,floor [ours,limit,peer] [seconds]
 */
const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/mailadmin_bench';
const names = (process.argv[2] ?? 'W4,W1,floor').split(',');
const servers = (process.argv[3] ?? 'ours,limit,peer').split(',') as ServerName[];
const seconds = Number(process.argv[4] ?? 5);
const SCRIPTS: Record<ServerName, string> = { ours: 'server/main.ts', limit: 'servers/limit.ts', peer: 'servers/postgraphile.ts' };

const ticksPerSecond = Number(execSync('getconf CLK_TCK').toString());
/** CPU seconds a process and its waited-for children have used. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0) / ticksPerSecond;
  } catch {
    return 0; // A PostgreSQL backend that ended during the run.
  }
}
const pids = (pattern: string, user?: string) =>
  execSync(`pgrep ${user ? `-u ${user}` : ''} -f '${pattern}' || true`).toString().trim().split('\n').filter(Boolean).map(Number);
const postgresSeconds = () => pids('postgres', 'postgres').reduce((sum, pid) => sum + cpuSeconds(pid), 0);

const source = { tenants: tenants(FULL_SIZE), runId: `cpu${Date.now().toString(36)}` };
const FLOOR: Call = { body: JSON.stringify({ query: '{ __typename }' }), token: '' };

for (const server of servers) {
  const running = await startServer(server, { databaseUrl: url, poolSize: 10 });
  try {
    const [pid] = pids(SCRIPTS[server]);
    if (!pid) throw new Error(`no process of ${server}`);
    for (const name of names) {
      // The limit answers only the workloads' operations.
      if (name === 'floor' && server === 'limit') continue;
      const workload = WORKLOADS.find((w) => w.name === name);
      if (name !== 'floor' && !workload) throw new Error(`cpu takes W1, W2, W3, W4, W5a, W5b or floor, not ${name}`);
      let i = 0;
      const next = () => (workload ? workload.call(server, source, i++) : FLOOR);
      const ok = (body: string) => !body.includes('"errors"');
      await load({ port: running.port, connections: 10, seconds: 2, next, ok });
      const [server0, postgres0, load0] = [cpuSeconds(pid), postgresSeconds(), process.cpuUsage()];
      const result = await load({ port: running.port, connections: 10, seconds, next, ok });
      const [server1, postgres1, load1] = [cpuSeconds(pid), postgresSeconds(), process.cpuUsage(load0)];
      const perRequest = (cpu: number) => ((1000 * cpu) / result.requests).toFixed(3);
      process.stdout.write(
        `${server.padEnd(6)}${name.padEnd(6)}${String(Math.round(result.requestsPerSecond)).padStart(6)} req/s   CPU ms per request: ` +
          `server ${perRequest(server1 - server0)}  postgres ${perRequest(postgres1 - postgres0)}  load generator ${perRequest((load1.user + load1.system) / 1e6)}\n`,
      );
    }
  } finally {
    await running.stop();
  }
}
