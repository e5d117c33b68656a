import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ServerName } from './workloads.js';

export const benchDir = fileURLToPath(new URL('.', import.meta.url));
export const rootDir = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));

/** Node's arguments in `npm start` (`node <flags> server/main.ts`), run here without npm's wrapper process. */
function startArguments(): string[] {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const [program, ...args] = manifest.scripts.start.split(/\s+/);
  if (program !== 'node' || args.at(-1) !== 'server/main.ts') throw new Error(`npm start is not \`node ... server/main.ts\`: ${manifest.scripts.start}`);
  return args;
}

export const PORTS: Record<ServerName, number> = { ours: 4710, limit: 4711, peer: 4712 };

export interface Running {
  name: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** PostgreSQL, or undefined for ours on PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir?: string;
  poolSize: number;
}

/** The command line of each server, as it runs in production. */
function command(server: ServerName, options: StartOptions): { args: string[]; cwd: string; env: NodeJS.ProcessEnv } {
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PORT: String(PORTS[server]), POOL_SIZE: String(options.poolSize) };
  delete base.DATABASE_URL;
  const db = options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {};
  if (server === 'ours') {
    // BENCH_PROFILE_DIR: a CPU profile of ours under load, written there when it stops.
    const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
    return {
      args: [...profile, ...startArguments()],
      cwd: rootDir,
      env: { ...base, ...db, HOST: '127.0.0.1', LOG_LEVEL: 'warn', BILLING_INTERVAL_MS: '0', ...(options.dataDir ? { DATA_DIR: options.dataDir } : {}) },
    };
  }
  if (server === 'limit') return { args: ['--import', tsx, 'servers/limit.ts'], cwd: benchDir, env: { ...base, ...db } };
  return { args: ['--require', './servers/with-resolvers.cjs', '--import', tsx, 'servers/postgraphile.ts'], cwd: benchDir, env: { ...base, ...db } };
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server on ${port} exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      await response.text();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`server on ${port} did not answer within 60 s:\n${output()}`);
}

export async function startServer(server: ServerName, options: StartOptions): Promise<Running> {
  const { args, cwd, env } = command(server, options);
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  await waitForPort(PORTS[server], child, () => output);
  return {
    name: server,
    port: PORTS[server],
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
