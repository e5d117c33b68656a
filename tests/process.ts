import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Every JSON log line the server printed so far. */
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** POSTs a GraphQL document over HTTP and returns the status and parsed body. */
  post(query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; body: PostBody }>;
}

export interface PostBody {
  data: Record<string, Record<string, unknown> & { __typename?: string }>;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * Starts the server as `npm start` does (`node --import tsx server/main.ts`, without its V8 heap
 * setting), on a free loopback port, with `env` added to this process's environment, and waits
 * until it listens.
 */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    // No billing timer unless a test asks for one: on a shared PostgreSQL it would charge every
    // other test's accounts behind their backs.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', BILLING_INTERVAL_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A test worker that ends without stopping its server must not leave it running.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  child.once('exit', () => process.off('exit', orphan));
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        if (typeof line.port === 'number') resolve(`http://127.0.0.1:${line.port}`);
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)));
  });
  async function post(query: string, variables: Record<string, unknown> = {}, token?: string) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as PostBody };
  }
  return { child, url, lines, exited, post };
}

/** What `npm run billing` prints: one JSON line with the run's counts. */
export interface BillingOutput {
  asOf: string;
  charged: number;
  pastDue: number;
  downgradedAtRenewal: number;
  downgradedUnpaid: number;
}

/**
 * Runs `npm run billing`'s command (`tsx scripts/billing.ts`) in a child process as of `asOf`,
 * for some master accounts (none: all), with `env` added; resolves with the JSON line it prints.
 */
export function runBillingCommand(env: Record<string, string>, asOf: number, masterAccountIds: readonly string[] = []): Promise<BillingOutput> {
  const args = ['tsx', 'scripts/billing.ts', '--as-of', new Date(asOf).toISOString(), ...masterAccountIds.flatMap((id) => ['--master-account', id])];
  const child = spawn('npx', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the billing run exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.trim()) as BillingOutput);
    });
  });
}
