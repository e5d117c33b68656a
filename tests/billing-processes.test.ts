import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Db } from '../server/db/client.js';
import { ledgerEntries, users } from '../server/db/tables.js';
import { addDeposit, runBilling } from '../server/domain/billing.js';
import { signUp } from '../server/domain/accounts.js';
import { authenticate } from '../server/domain/tokens.js';
import { createUser } from '../server/domain/users.js';
import type { Viewer } from '../server/domain/viewer.js';
import { createFreshDatabase } from './fresh-database.js';
import { MAIL_DOMAIN, PASSWORD, startApp, unique } from './harness.js';
import { runBillingCommand, startServer, type ServerProcess } from './process.js';
import { until } from './until.js';

const databaseUrl = process.env.DATABASE_URL;
const app = await startApp();

const DAY = 24 * 60 * 60 * 1000;
const USERS = 50;
/** Runs 61 days after the accounts were created find two periods of each due: two rounds of renewals. */
const PERIODS_DUE = 2;
const PRICES = { ENTRY: 250, PRO: 750 };

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailadmin-billing-processes-'));
  tempDirs.push(dir);
  return dir;
}

interface Seeded {
  masterAccountId: string;
  userIds: string[];
  /** When the accounts were created, each charged its first period from then. */
  createdAt: number;
}

/**
 * A fresh master account with 1,000.00 EUR and USERS paid accounts (ENTRY and PRO in turn), all
 * created at `createdAt` through the domain functions, which take the instant as an argument.
 */
async function seed(db: Db, createdAt: number): Promise<Seeded> {
  const now = new Date(createdAt);
  const session = await signUp(
    db,
    MAIL_DOMAIN,
    { organizationName: unique('billing-race'), ownerAddress: `${unique('owner')}@${MAIL_DOMAIN}`, ownerDisplayName: 'Owner', password: PASSWORD, plan: 'ENTRY' },
    now,
  );
  // The session lasts 30 days from `now`, which may lie in the past: authenticate at `now` too.
  const viewer: Viewer | null = await authenticate(db, session.token, now);
  if (!viewer) throw new Error('the new session did not authenticate');
  await addDeposit(db, viewer, { amount: '1000.00', idempotencyKey: unique('seed') }, now);
  const userIds: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const input = { address: `${unique('race')}@${MAIL_DOMAIN}`, displayName: 'Race', password: PASSWORD, plan: i % 2 ? ('PRO' as const) : ('ENTRY' as const), kind: 'PERSON' as const };
    userIds.push((await createUser(db, viewer, MAIL_DOMAIN, input, now)).user.id);
  }
  return { masterAccountId: viewer.masterAccountId, userIds, createdAt };
}

/**
 * Every period of every seeded account was charged exactly once: its first at creation and
 * `periods` renewals after it, 30 days apart; and the ledger adds up: each balance-after is the sum
 * of the entries up to it, and the balance is what the deposit minus the charges leaves.
 */
async function expectChargedOnce(db: Db, seeded: Seeded, periods: number): Promise<void> {
  const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.masterAccountId, seeded.masterAccountId)).orderBy(asc(ledgerEntries.seq));
  let running = 0;
  for (const entry of entries) {
    running += entry.amountCents;
    expect(entry.balanceAfterCents, `balance after entry ${entry.seq}`).toBe(running);
  }
  const expectedStarts = Array.from({ length: periods + 1 }, (_, k) => seeded.createdAt + k * 30 * DAY);
  seeded.userIds.forEach((userId, i) => {
    const starts = entries
      .filter((entry) => entry.kind === 'CHARGE' && entry.userId === userId)
      .map((entry) => entry.periodStart?.getTime() ?? Number.NaN)
      .sort((a, b) => a - b);
    expect(starts, `the periods charged for user ${i}`).toEqual(expectedStarts);
  });
  expect(entries.filter((entry) => entry.kind !== 'CHARGE' && entry.kind !== 'DEPOSIT')).toEqual([]);
  const charges = seeded.userIds.reduce((sum, _, i) => sum + (i % 2 ? PRICES.PRO : PRICES.ENTRY), 0) * (periods + 1);
  expect(running).toBe(100_000 - charges);
  const renewed = await db.select({ paidThrough: users.paidThrough }).from(users).where(eq(users.masterAccountId, seeded.masterAccountId));
  const paidThrough = seeded.createdAt + (periods + 1) * 30 * DAY;
  expect(renewed.filter((user) => user.paidThrough !== null).map((user) => user.paidThrough?.getTime())).toEqual(seeded.userIds.map(() => paidThrough));
}

/** Starts `npm run billing`'s command in a child process; resolves with the JSON line it prints. */
const startBillingProcess = (env: Record<string, string>, asOf: number, masterAccountId?: string) =>
  runBillingCommand(env, asOf, masterAccountId ? [masterAccountId] : []);

/**
 * Holds a master account's row locked FOR UPDATE in a transaction of its own, so billing runs
 * started meanwhile stop inside their transactions: at the account lock a run takes, or, in a run
 * that took none, at the foreign-key check of its first ledger entry (KEY SHARE on the same row).
 * `release` lets them go once `waiters` sessions are blocked behind it. Runs released together are
 * in flight at the same time for certain, instead of overlapping only if their start-up times
 * happen to match.
 */
async function holdAccountLock(url: string, masterAccountId: string) {
  const holder = new pg.Client({ connectionString: url });
  const observer = new pg.Client({ connectionString: url });
  await holder.connect();
  await observer.connect();
  await holder.query('begin');
  await holder.query('select id from master_accounts where id = $1 for update', [masterAccountId]);
  const holderPid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
  return {
    async release(waiters: number) {
      try {
        await until(`${waiters} billing runs to wait for the account lock`, async () => {
          // The first run waits for the holder; later ones queue behind the first for the row.
          const blocked = await observer.query<{ n: number }>(
            `with recursive waiting(pid) as (
               select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))
               union
               select a.pid from pg_stat_activity a join waiting w on w.pid = any(pg_blocking_pids(a.pid))
             ) select count(*)::int as n from waiting`,
            [holderPid],
          );
          return blocked.rows[0].n >= waiters ? true : undefined;
        }, 60_000);
      } finally {
        await holder.query('commit');
        await holder.end();
        await observer.end();
      }
    },
  };
}

describe('billing runs racing', () => {
  it('two billing runs started at the same moment in two processes against one database charge each renewal once', async () => {
    const seeded = await seed(app.database.db, Date.now());
    const asOf = seeded.createdAt + PERIODS_DUE * 30 * DAY + 60_000;
    let charged: number[];
    if (databaseUrl) {
      // Two processes, two connection pools, one PostgreSQL; both are released at once from the
      // same point of their billing transactions (see holdAccountLock).
      const lock = await holdAccountLock(databaseUrl, seeded.masterAccountId);
      const runs = Promise.all([0, 1].map(() => startBillingProcess({ DATABASE_URL: databaseUrl }, asOf, seeded.masterAccountId)));
      // A run that fails early is reported by the `await runs` below, not as an unhandled rejection.
      runs.catch(() => undefined);
      await lock.release(2);
      charged = (await runs).map((output) => output.charged);
    } else {
      // PGlite lives inside one process and has one connection, so two processes cannot share it,
      // and these two calls, started together, queue for that connection: what this proves here is
      // that the second transaction finds nothing left to charge. The proof across processes and
      // truly concurrent transactions is the PostgreSQL run of this test.
      const only = { masterAccountIds: [seeded.masterAccountId] };
      const runs = await Promise.all([runBilling(app.database.db, new Date(asOf), only), runBilling(app.database.db, new Date(asOf), only)]);
      charged = runs.map((run) => run.charged);
    }
    expect(charged.reduce((sum, n) => sum + n, 0)).toBe(USERS * PERIODS_DUE);
    await expectChargedOnce(app.database.db, seeded, PERIODS_DUE);
  }, 120_000);

  it('a second run for the same instant, after the first, charges nothing', async () => {
    // The real command line on both databases: on PGlite it gets a data directory of its own,
    // seeded here and closed before the command opens it.
    const dataDir = databaseUrl ? null : tempDir();
    const database: Database = dataDir ? await openDatabase({ dataDir }) : app.database;
    const env: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '', DATA_DIR: dataDir ?? '' };
    const seeded = await seed(database.db, Date.now());
    if (dataDir) await database.close();
    const asOf = seeded.createdAt + PERIODS_DUE * 30 * DAY + 60_000;

    const first = await startBillingProcess(env, asOf, seeded.masterAccountId);
    const second = await startBillingProcess(env, asOf, seeded.masterAccountId);
    expect([first.charged, second.charged]).toEqual([USERS * PERIODS_DUE, 0]);
    expect(second.pastDue).toBe(0);

    const check = dataDir ? await openDatabase({ dataDir }) : app.database;
    try {
      await expectChargedOnce(check.db, seeded, PERIODS_DUE);
    } finally {
      if (dataDir) await check.close();
    }
  }, 120_000);

  it('the billing timers of two server processes on one database charge each renewal once', async () => {
    // The timer bills every master account of its database, so the servers get a database of
    // their own (a fresh PostgreSQL database, or a PGlite directory) and cannot charge the tenants
    // of other test files. The accounts are created 61 days ago, so the timer's "now" finds two
    // periods of each due.
    const fresh = databaseUrl ? await createFreshDatabase(databaseUrl, 'mailadmin_billing_timers') : null;
    const dataDir = fresh ? null : tempDir();
    const servers: ServerProcess[] = [];
    try {
      const database = await openDatabase(fresh ? { databaseUrl: fresh.url } : { dataDir: dataDir ?? '' });
      let seeded: Seeded;
      try {
        seeded = await seed(database.db, Date.now() - (PERIODS_DUE * 30 + 1) * DAY);
      } finally {
        await database.close();
      }
      const env = {
        ...(fresh ? { DATABASE_URL: fresh.url } : { DATABASE_URL: '', DATA_DIR: dataDir ?? '' }),
        BILLING_INTERVAL_MS: '50',
        // The first server's run waits at the held lock for as long as the second takes to start.
        DB_STATEMENT_TIMEOUT_MS: '0',
      };
      if (fresh) {
        // Both timers are held at the account lock until each server has a run waiting there.
        const lock = await holdAccountLock(fresh.url, seeded.masterAccountId);
        servers.push(...(await Promise.all([startServer(env), startServer(env)])));
        await lock.release(2);
      } else {
        // PGlite: one process owns a data directory, so one server ticks alone; the two-process
        // proof is the PostgreSQL run.
        servers.push(await startServer(env));
      }
      const logs = servers.map((server) => server.lines);
      const chargedByRuns = () => logs.flat().reduce((sum, line) => sum + (line.msg === 'billing run' ? Number(line.charged) : 0), 0);
      await until('the timers to charge the renewals', async () => (chargedByRuns() >= USERS * PERIODS_DUE ? true : undefined));
      // More ticks, on every server, find nothing left to charge.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const server of servers) {
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      }
      servers.length = 0;
      expect(chargedByRuns()).toBe(USERS * PERIODS_DUE);
      // A run that failed (say, on the unique index, because another replica charged first) and was
      // retried by the next tick would also end with every renewal charged once: it must not fail.
      expect(logs.flat().filter((line) => line.msg === 'billing run failed')).toEqual([]);

      const check = await openDatabase(fresh ? { databaseUrl: fresh.url } : { dataDir: dataDir ?? '' });
      try {
        await expectChargedOnce(check.db, seeded, PERIODS_DUE);
      } finally {
        await check.close();
      }
    } finally {
      for (const server of servers) {
        server.child.kill('SIGTERM');
        await server.exited;
      }
      await fresh?.drop();
    }
  }, 120_000);
});
