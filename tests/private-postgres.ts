import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own, in a temporary directory on a free loopback port, so a
 * test can stop, restart or freeze it without touching the PostgreSQL other test files share.
 */
export interface PrivatePostgres {
  port: number;
  /** A connection string for its `postgres` database (trust authentication, user postgres). */
  url: string;
  start(): Promise<void>;
  /** `fast` ends every session as an administrator's restart does; `immediate` as a crash does. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /**
   * Suspends (SIGSTOP) the postmaster: the kernel still completes TCP handshakes on its port, but
   * nothing answers, as with a hung server or a half-open network path. Sessions already open
   * keep their own processes and still answer.
   */
  freeze(): void;
  thaw(): void;
  /** Brings it back to serving, whatever state a failed test left it in. */
  recover(): Promise<void>;
  /** Stops the server (whatever its state) and deletes its files. */
  dispose(): Promise<void>;
}

/** Debian and Ubuntu keep the server binaries outside PATH, one directory per major version. */
function binDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'mailadmin-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  // PostgreSQL refuses to run as root: there, its commands run as the postgres system user,
  // who must own the directory.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const pgCommand = async (name: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, name), ...args]] : [join(bin, name), args];
    try {
      await run(file, argv, { timeout: 60_000 });
    } catch (error) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
      throw new Error(`${name} ${args.join(' ')} failed: ${String(error)}\n${log}`, { cause: error });
    }
  };

  const port = await freePort();
  await pgCommand('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '--no-instructions', '-E', 'UTF8']);
  // fsync off: nothing here must survive a crash of the machine, only of processes.
  const serverOptions = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;

  let frozen = false;
  const postmasterPid = () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const instance: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => pgCommand('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-o', serverOptions, 'start']),
    stop: (mode = 'fast') => pgCommand('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']),
    freeze() {
      process.kill(postmasterPid(), 'SIGSTOP');
      frozen = true;
    },
    thaw() {
      process.kill(postmasterPid(), 'SIGCONT');
      frozen = false;
    },
    async recover() {
      if (frozen) instance.thaw();
      if (!existsSync(join(dataDir, 'postmaster.pid'))) await instance.start();
    },
    async dispose() {
      try {
        if (frozen) instance.thaw();
        if (existsSync(join(dataDir, 'postmaster.pid'))) await instance.stop('immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    await instance.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return instance;
}
