import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsFolder, openDatabase } from '../server/db/client.js';
import { ledgerEntries } from '../server/db/tables.js';
import type { LedgerEntryRow } from '../server/domain/billing.js';
import { connectEvents, EVENTS_CHANNEL, type Events } from '../server/pubsub.js';
import { createFreshDatabase } from './fresh-database.js';
import { decodeId, PASSWORD, startApp, unique } from './harness.js';
import { startPrivatePostgres } from './private-postgres.js';
import { startServer, type ServerProcess } from './process.js';
import { subscribe } from './sse.js';
import { until } from './until.js';

const databaseUrl = process.env.DATABASE_URL;
const tempDirs: string[] = [];
const launched: ServerProcess[] = [];
afterAll(() => {
  // A test that failed half-way must not leave a server running after the run.
  for (const server of launched) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function launch(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServer(env);
  launched.push(server);
  return server;
}
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailadmin-replicas-'));
  tempDirs.push(dir);
  return dir;
}

const SIGN_UP = `mutation ($input: SignUpInput!) { signUp(input: $input) { ... on SignUpSuccess { token } } }`;
const ADD_DEPOSIT = `mutation ($input: AddDepositInput!) {
  addDeposit(input: $input) { __typename ... on AddDepositSuccess { ledgerEntry { id } } }
}`;
const LEDGER_ENTRY_ADDED = `subscription { ledgerEntryAdded { id kind amount { amount } } }`;

async function signUp(server: ServerProcess): Promise<string> {
  const answer = await server.post(SIGN_UP, {
    input: {
      organizationName: unique('replicas'),
      ownerAddress: `${unique('owner')}@mailadmin.test`,
      ownerDisplayName: 'Owner',
      password: PASSWORD,
      plan: 'ENTRY',
    },
  });
  const token = answer.body.data.signUp?.token;
  if (typeof token !== 'string') throw new Error(`signUp failed: ${JSON.stringify(answer.body)}`);
  return token;
}

async function deposit(server: ServerProcess, token: string, amount: string): Promise<string> {
  const answer = await server.post(ADD_DEPOSIT, { input: { amount, idempotencyKey: unique('deposit') } }, token);
  const entry = answer.body.data.addDeposit?.ledgerEntry as { id?: unknown } | undefined;
  if (typeof entry?.id !== 'string') throw new Error(`addDeposit failed: ${JSON.stringify(answer.body)}`);
  return entry.id;
}

async function stop(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}

describe('replicas', () => {
  // Starts two server processes: seconds each on a busy 2-core machine.
  it('delivers a ledger entry added on one replica to a subscriber on another, also after its listener reconnects', { timeout: 90_000 }, async () => {
    // On PostgreSQL: two processes on one database, the subscriber on A and the deposits on B.
    // On PGlite two processes cannot share a data directory, so one process plays both parts over
    // separate connections (the event still travels through PGlite's NOTIFY); the cross-replica
    // proof is the PostgreSQL run.
    const env: Record<string, string> = databaseUrl ? {} : { DATA_DIR: tempDir() };
    const a = await launch(env);
    const b = databaseUrl ? await launch(env) : a;
    try {
      const token = await signUp(b);
      const subscription = await subscribe(a.url, LEDGER_ENTRY_ADDED, token);
      try {
        const first = await deposit(b, token, '12.34');
        expect(await subscription.next()).toEqual({
          data: { ledgerEntryAdded: { id: first, kind: 'DEPOSIT', amount: { amount: '12.34' } } },
        });

        if (databaseUrl) {
          // Cut A's listening connection as a database restart or a network failure would.
          const admin = new pg.Client({ connectionString: databaseUrl });
          await admin.connect();
          try {
            const listener = `mailadmin-listen-${a.child.pid}-${EVENTS_CHANNEL}`;
            const killed = await admin.query<{ pid: number }>(
              // Materialized, so the filter picks the backend before anything is terminated.
              `with target as materialized (select pid from pg_stat_activity where application_name = $1)
               select pid from target where pg_terminate_backend(pid)`,
              [listener],
            );
            expect(killed.rowCount).toBe(1);
            await until('A to listen again', async () => {
              const again = await admin.query(
                `select 1 from pg_stat_activity where application_name = $1 and pid <> $2 and state = 'idle'`,
                [listener, killed.rows[0]?.pid],
              );
              return again.rowCount === 1 && a.lines.some((line) => line.msg === 'event listener reconnected') ? true : undefined;
            });
            expect(a.lines.some((line) => line.level === 40 && String(line.msg).startsWith('event listener disconnected'))).toBe(true);
          } finally {
            await admin.end();
          }
        }

        const second = await deposit(b, token, '5.00');
        expect(await subscription.next()).toEqual({
          data: { ledgerEntryAdded: { id: second, kind: 'DEPOSIT', amount: { amount: '5.00' } } },
        });
      } finally {
        subscription.close();
      }
    } finally {
      await stop(a);
      if (b !== a) await stop(b);
    }
  });

  it('sends the id of a row too large for a NOTIFY payload, and never delivers a row to another master account', async () => {
    const app = await startApp();
    const logged: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    // Every row is "too large" with a limit of 10 bytes, so every event travels as an id, to the
    // other replica (its own subscribers get the row from the sender itself).
    const byId: Events = await connectEvents({ database: app.database, logger, payloadLimit: 10 });
    const replica: Events = await connectEvents({ database: app.database, logger });
    try {
      // byId learns of the replica from its hello.
      await until('the first to hear of the second', () => (byId.othersListening() ? true : undefined));
      const mine = await app.signUp();
      const theirs = await app.signUp();
      const mineId = decodeId(mine.masterAccountId);
      const theirsId = decodeId(theirs.masterAccountId);
      const [theirEntry] = await app.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.masterAccountId, theirsId));
      const [myEntry] = await app.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.masterAccountId, mineId));
      if (!myEntry || !theirEntry) throw new Error('the harness deposits made no ledger entries');

      const received = replica.subscribe('ledgerEntryAdded', mineId)[Symbol.asyncIterator]();
      const first = received.next();
      app.statements.length = 0;
      // A forged notification naming my master account but another's row: dropped, and logged.
      await app.database.db.execute(
        sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ event: 'ledgerEntryAdded', masterAccountId: mineId, id: theirEntry.id })})`,
      );
      byId.publish('ledgerEntryAdded', mineId, myEntry);
      // The row as loaded from the database again: the same values, dates as dates.
      expect(await first).toEqual({ done: false, value: myEntry });
      // Rows loaded by id: the forged one by both processes (each refusing it), mine by the replica only.
      expect(app.statements.filter((statement) => /^select .* from "ledger_entries"/.test(statement))).toHaveLength(3);
      expect(logged).toContainEqual(expect.objectContaining({ msg: 'an event could not be delivered' }));
      await received.return?.();
    } finally {
      await byId.close();
      await replica.close();
    }
  });

  it("delivers a process's own events to its subscribers once, in order, without reading its own notifications back", async () => {
    const app = await startApp();
    const events = await connectEvents({ database: app.database, logger: pino({ level: 'silent' }) });
    const replica = await connectEvents({ database: app.database, logger: pino({ level: 'silent' }) });
    try {
      await until('the first to hear of the second', () => (events.othersListening() ? true : undefined));
      const tenant = await app.signUp();
      const accountId = decodeId(tenant.masterAccountId);
      const [entry] = await app.database.db.select().from(ledgerEntries).where(eq(ledgerEntries.masterAccountId, accountId));
      if (!entry) throw new Error('the harness deposit made no ledger entry');
      const here = events.subscribe('ledgerEntryAdded', accountId)[Symbol.asyncIterator]();
      const there = replica.subscribe('ledgerEntryAdded', accountId)[Symbol.asyncIterator]();
      const pending = [here.next(), here.next(), there.next(), there.next()];
      const second = { ...entry, description: 'second' };
      events.publish('ledgerEntryAdded', accountId, entry);
      events.publish('ledgerEntryAdded', accountId, second);
      expect(await Promise.all(pending)).toEqual([entry, second, entry, second].map((value) => ({ done: false, value })));
      // Had this process read its own notifications back too, its subscribers would get each twice.
      const third = { ...entry, description: 'third' };
      const next = [here.next(), there.next()];
      events.publish('ledgerEntryAdded', accountId, third);
      expect(await Promise.all(next)).toEqual([third, third].map((value) => ({ done: false, value })));
      await here.return?.();
      await there.return?.();
    } finally {
      await events.close();
      await replica.close();
    }
  });
});

/**
 * On PostgreSQL (DATABASE_URL's server, or a private one when the suite runs on PGlite): a NOTIFY
 * gives its transaction an id and a commit to flush, and PostgreSQL serializes notifying commits,
 * so a process sends none while no other listener could hear it.
 */
describe('events on PostgreSQL', () => {
  it('are not notified while no other listener stands, and are once one does', { timeout: 120_000 }, async () => {
    const privateServer = databaseUrl ? undefined : await startPrivatePostgres();
    const fresh = await createFreshDatabase(databaseUrl ?? privateServer?.url ?? '', 'mailadmin_notify');
    const statements: string[] = [];
    const database = await openDatabase({ databaseUrl: fresh.url, onQuery: (statement) => statements.push(statement) });
    const notifications = () => statements.filter((statement) => statement.includes('pg_notify')).length;
    // A session that hears every notification but is no listener of ours, as psql's LISTEN would be.
    const bystander = new pg.Client({ connectionString: fresh.url });
    const heard: string[] = [];
    try {
      await bystander.connect();
      bystander.on('notification', (message) => heard.push(String(message.payload)));
      await bystander.query(`listen ${EVENTS_CHANNEL}`);
      const logger = pino({ level: 'silent' });
      const row = (description: string): LedgerEntryRow => ({
        id: '00000000-0000-4000-8000-000000000001',
        masterAccountId: '00000000-0000-4000-8000-000000000002',
        seq: 1,
        kind: 'DEPOSIT',
        amountCents: 100,
        balanceAfterCents: 100,
        description,
        userId: null,
        plan: null,
        periodStart: null,
        periodEnd: null,
        idempotencyKey: null,
        createdAt: new Date('2026-12-07T00:00:00Z'),
      });

      // Alone: its own listener and the bystander hear nothing. close() waits for what it sends.
      const alone = await connectEvents({ database, logger });
      expect(alone.othersListening()).toBe(false);
      alone.publish('ledgerEntryAdded', row('alone').masterAccountId, row('alone'));
      await alone.close();
      // Nor does the database do any work for it: no statement was sent.
      expect(notifications()).toBe(0);

      // Another listener (here of this process; another process's is named alike) is heard: the
      // second learns of the first by asking, the first of the second by its hello.
      const sender = await connectEvents({ database, logger });
      expect(sender.othersListening()).toBe(false);
      const other = await connectEvents({ database, logger });
      try {
        expect(other.othersListening()).toBe(true);
        await until('the first to hear of the second', () => (sender.othersListening() ? true : undefined));
        const received = other.subscribe('ledgerEntryAdded', row('heard').masterAccountId)[Symbol.asyncIterator]();
        const next = received.next();
        sender.publish('ledgerEntryAdded', row('heard').masterAccountId, row('heard'));
        expect(await next).toEqual({ done: false, value: row('heard') });
        await received.return?.();
        const events = () => heard.map((payload) => JSON.parse(payload) as { hello?: string; row?: { description: string } }).filter((payload) => !payload.hello);
        await until('the bystander to hear it', async () => (events().length > 0 ? true : undefined));
        // Notifications arrive in commit order: had the first been sent, it would have come first.
        expect(events().map((payload) => payload.row?.description)).toEqual(['heard']);
        // The only other thing it heard: the second's hello.
        expect(heard).toHaveLength(2);

        // The other stops; the sender, not yet told, still sends the statement, which finds no
        // listener and notifies nothing: the marker sent after it is the next thing heard.
        await other.close();
        expect(sender.othersListening()).toBe(true);
        sender.publish('ledgerEntryAdded', row('late').masterAccountId, row('late'));
        await sender.close();
        expect(notifications()).toBe(3);
        await database.db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, 'marker')`);
        await until('the bystander to hear the marker', async () => (heard.length > 2 ? true : undefined));
        expect(heard.slice(2)).toEqual(['marker']);
      } finally {
        await sender.close();
        await other.close();
      }
    } finally {
      await bystander.end();
      await database.close();
      await fresh.drop();
      await privateServer?.dispose();
    }
  });
});

describe('migrations', () => {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };

  // Starts two server processes: seconds each on a busy 2-core machine.
  it('are applied once when replicas start at once on a fresh database', { timeout: 90_000 }, async () => {
    if (databaseUrl) {
      const fresh = await createFreshDatabase(databaseUrl, 'mailadmin_migrate');
      try {
        const env = { DATABASE_URL: fresh.url };
        // Settled, not all: when one fails to start, the other is still waited for and stopped.
        const started = await Promise.allSettled([launch(env), launch(env)]);
        const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
        try {
          for (const result of started) if (result.status === 'rejected') throw result.reason;
          for (const server of servers) expect((await fetch(`${server.url}/health`)).status).toBe(200);
          const check = new pg.Client({ connectionString: fresh.url });
          await check.connect();
          try {
            const applied = await check.query<{ hash: string }>('select hash from drizzle.__drizzle_migrations');
            expect(applied.rows).toHaveLength(journal.entries.length);
            expect(new Set(applied.rows.map((row) => row.hash)).size).toBe(journal.entries.length);
          } finally {
            await check.end();
          }
        } finally {
          for (const server of servers) await stop(server);
        }
      } finally {
        await fresh.drop();
      }
      return;
    }
    // PGlite: one process owns a data directory, so there is nothing concurrent to prove here (the
    // PostgreSQL run proves that); a first start migrates a fresh directory and a restart adds nothing.
    const dataDir = tempDir();
    for (let start = 0; start < 2; start++) {
      const server = await launch({ DATA_DIR: dataDir });
      try {
        expect((await fetch(`${server.url}/health`)).status).toBe(200);
      } finally {
        await stop(server);
      }
    }
    const check = await PGlite.create(dataDir);
    try {
      const applied = await check.query<{ hash: string }>('select hash from drizzle.__drizzle_migrations');
      expect(applied.rows).toHaveLength(journal.entries.length);
    } finally {
      await check.close();
    }
  });
});
