import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { Logger } from 'drizzle-orm/logger';
import { drizzle as drizzlePg, NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { DEFAULT_DB_CONNECT_TIMEOUT_MS } from '../config.js';
import { autoPrepare, StatementNames } from './autoprepare.js';
import { heardByAnother, listenPostgres, notifyStatement, type ListenObserver } from './listen.js';
import { batchWrites, PipelinedSession, servesOneWrite, shareConnections, type OneWriteForm } from './pipeline.js';

/** The database as every query sees it: the same type whichever driver is underneath. */
export type Db = PgDatabase<PgQueryResultHKT>;

export interface Database {
  db: Db;
  driver: 'pglite' | 'postgres';
  /** Resolves when the database answers a trivial query; used by /health. */
  ping(): Promise<void>;
  /**
   * Calls `onPayload` with each NOTIFY on `channel` until the listener stops. On PostgreSQL this
   * holds a connection of its own, outside the pool, reconnecting when it drops.
   */
  listen(channel: string, onPayload: (payload: string) => void, observer: ListenObserver): Promise<Listener>;
  /** The connection pool's state for metrics; null on PGlite, which is one in-process connection. */
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}

/** A channel this process listens on, and tells the other listeners on. */
export interface Listener {
  /** Ends the LISTEN (on PostgreSQL, with its session). */
  stop(): Promise<void>;
  /**
   * NOTIFYs each of `payloads` on the channel, in order, in one statement, when another listener
   * can hear them: on PostgreSQL a session of another listener (this process's or another's), on
   * PGlite another listener of this process. With none, nothing is notified. A NOTIFY is dear in
   * PostgreSQL: it gives its transaction an id and a commit record to flush, and PostgreSQL makes
   * notifying commits wait for one another.
   */
  notifyOthers(payloads: readonly string[]): Promise<void>;
  /** Whether another listener on the channel stands now: notifyOthers would notify. */
  othersListening(): Promise<boolean>;
}

export interface PoolStats {
  /** Connections open, busy or idle. */
  total: number;
  idle: number;
  /** Queries waiting for a connection because all are busy. */
  waiting: number;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL connection string; without one, PGlite is used. */
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files; `memory://` keeps them in memory. */
  dataDir?: string;
  /** Called with every SQL statement the application runs (tests count them). */
  onQuery?: (query: string) => void;
  /** PostgreSQL: called with every write of a transaction's statements or of reads sent together, which may carry several (tests count round trips). */
  onWrite?: () => void;
  /** PostgreSQL: called with how each one-write transaction went out (pipeline.ts; tests check which). */
  onOneWrite?: (form: OneWriteForm) => void;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  poolSize?: number;
  /** PostgreSQL: how long opening a connection (pooled, for migrations or for LISTEN) may take before it fails. */
  connectTimeoutMs?: number;
  /**
   * PostgreSQL: `statement_timeout` of every pooled connection; 0 or unset means no limit. PGlite
   * ignores it: it runs statements to the end on the caller's thread, with no timer to cancel them.
   */
  statementTimeoutMs?: number;
}

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { onQuery } = options;
  const logger: Logger | undefined = onQuery ? { logQuery: (query) => onQuery(query) } : undefined;
  const shouldMigrate = options.migrate ?? true;

  if (options.databaseUrl) {
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_DB_CONNECT_TIMEOUT_MS;
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      // See pipeline.ts: a transaction's statements that need no answer in between go together.
      pipeline: true,
      // Without a bound, a database that accepts TCP but never answers would hang every request.
      connectionTimeoutMillis: connectTimeoutMs,
      // Sent with each connection's start-up, so every statement of the pool has the limit;
      // pg leaves 0 out, which keeps the database's own setting (by default, no limit).
      statement_timeout: options.statementTimeoutMs ?? 0,
      // Statements are prepared once per connection (autoPrepare); a generic plan lets PostgreSQL
      // also plan each once, where its default keeps re-planning those whose generic plan it
      // estimates dearer, as it did the token lookup on every request.
      options: withOption(options.databaseUrl, '-c plan_cache_mode=force_generic_plan'),
    });
    // A connection lost to a database restart must not crash the process. The pool reports it
    // for idle clients; a client checked out (say, between two statements of a transaction) has
    // no listener of the pool's and would throw, so each client gets its own. Its next statement
    // then fails, which the request reports, and on release the pool discards it.
    pool.on('error', () => undefined);
    const names = new StatementNames();
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
      // Named first, so a one-write transaction (pipeline.ts) knows which statements are prepared.
      batchWrites(client, options.onWrite);
      autoPrepare(client, names);
    });
    // Statements outside transactions go several to a connection, in one write (pipeline.ts).
    const sharing = shareConnections(pool, options.onWrite);
    const dialect = new PgDialect();
    const session = new PipelinedSession(pool, dialect, { logger }, options.onOneWrite);
    const db = new NodePgDatabase(dialect, session, undefined);
    servesOneWrite(db, session);
    if (shouldMigrate) await migrateLocked(options.databaseUrl, connectTimeoutMs);
    const databaseUrl = options.databaseUrl;
    // Listening sessions still open when the database closes end with it, so a caller that forgot
    // one does not keep the process alive.
    const listening = new Set<Listener>();
    return {
      db,
      driver: 'postgres',
      ping: async () => {
        await pool.query('select 1');
      },
      listen: async (channel, onPayload, observer) => {
        // One listening session per channel, each named after it, so an operator can tell them apart.
        const session = await listenPostgres(databaseUrl, channel, connectTimeoutMs, onPayload, observer);
        const listener: Listener = {
          stop: async () => {
            listening.delete(listener);
            await session.stop();
          },
          notifyOthers: async (payloads) => {
            await db.execute(notifyStatement(channel, payloads, heardByAnother(channel, session.backendPid())));
          },
          othersListening: async () => {
            const result = await db.execute<{ heard: boolean }>(sql`select ${heardByAnother(channel, session.backendPid())} as heard`);
            return result.rows[0]?.heard === true;
          },
        };
        listening.add(listener);
        return listener;
      },
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount + sharing() }),
      close: async () => {
        await Promise.all([...listening].map((listener) => listener.stop()));
        await pool.end();
      },
    };
  }

  const dataDir = options.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  // The listeners of this database and their channels: in PGlite, all of them are in this process.
  const listening = new Map<Listener, string>();
  const db = drizzlePglite({ client, logger });
  if (shouldMigrate) await migratePglite(db, { migrationsFolder });
  return {
    db,
    driver: 'pglite',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    // One process owns a PGlite database, so its own listeners are all there is to hear.
    listen: async (channel, onPayload) => {
      const unlisten = await client.listen(channel, onPayload);
      const others = () => [...listening].some(([other, on]) => other !== listener && on === channel);
      const listener: Listener = {
        stop: async () => {
          listening.delete(listener);
          await unlisten();
        },
        notifyOthers: async (payloads) => {
          if (others()) await db.execute(notifyStatement(channel, payloads));
        },
        othersListening: async () => others(),
      };
      listening.set(listener, channel);
      return listener;
    },
    poolStats: () => null,
    close: () => client.close(),
  };
}

/** The connection string's own `options` (if any) followed by `option`. */
function withOption(databaseUrl: string, option: string): string {
  let own: string | null = null;
  try {
    own = new URL(databaseUrl).searchParams.get('options');
  } catch {
    // Not a URL: pg reads no options from it either.
  }
  return own ? `${own} ${option}` : option;
}

/** Any 64-bit number no other code of this database locks with: "mailadmin" in ASCII. */
const MIGRATION_LOCK_KEY = 0x6d61696c61646d69n;

/**
 * Runs the migrations while holding a session advisory lock on a connection of its own, so
 * replicas starting at once apply them one after another: the first applies them, the others
 * then find nothing pending. The lock goes with the connection if the process dies mid-way.
 * The migrations run on that same connection, which has no statement_timeout: building an index
 * on a large table may rightly take longer than any request should.
 */
async function migrateLocked(connectionString: string, connectTimeoutMs: number): Promise<void> {
  const lock = new pg.Client({
    connectionString,
    application_name: `mailadmin-migrate-${process.pid}`,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await migratePg(drizzlePg({ client: lock }), { migrationsFolder });
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
  } finally {
    await lock.end();
  }
}

/** The SQLSTATE of a database error, looking through the wrappers drivers and Drizzle add. */
export function sqlState(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Object; depth++) {
    const code: unknown = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
