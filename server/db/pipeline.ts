import { sql, type SQL } from 'drizzle-orm';
import { NodePgSession, NodePgTransaction, type NodePgSessionOptions } from 'drizzle-orm/node-postgres';
import type { PgDialect, PgTransactionConfig } from 'drizzle-orm/pg-core';
import pg from 'pg';

/*
 * Round trips to PostgreSQL, not statements, are what a transaction's time goes to here: on this
 * kind of machine each write to the socket costs the server about a tenth of a millisecond, and
 * each answer a wake-up. The pool's clients therefore run in pg's pipeline mode (a statement is
 * sent without waiting for the answer to the one before), and what a client is asked in one tick
 * leaves in one write. PostgreSQL still runs the statements one after another, in the order they
 * were sent, each with its own Sync and, in READ COMMITTED, its own snapshot: a read sent right
 * behind a row lock runs once the lock is held and sees what its last holder committed.
 */

/** Clients a PipelinedSession transaction holds: the only ones that are sent several statements at once. */
const inTransaction = new WeakSet<pg.PoolClient>();
/** Clients whose transaction's COMMIT has been sent by commitWith: nothing more may follow it. */
const finished = new WeakSet<pg.PoolClient>();

/**
 * Makes the statements a transaction gives `client` in one tick leave in one write: the socket is
 * corked at the first and uncorked once the tick's work is done. `onWrite` is told of each such
 * write. A statement outside a transaction is written as it comes: reads are gathered before
 * they reach a client (shareConnections), and a write outside a transaction has the client to
 * itself, where the tick's wait would only cost it.
 */
export function batchWrites(client: pg.PoolClient, onWrite?: () => void): void {
  const stream = client.connection.stream;
  const query: (config: unknown, values?: unknown, callback?: unknown) => unknown = client.query.bind(client);
  let corked = false;
  const flush = () => {
    corked = false;
    stream.uncork();
    onWrite?.();
  };
  const batched = (config: unknown, values?: unknown, callback?: unknown) => {
    if (!inTransaction.has(client)) return query(config, values, callback);
    // It would run outside any transaction, on a connection the transaction still holds.
    if (finished.has(client)) throw new Error('a statement was sent on a transaction after its commitWith');
    if (!corked) {
      corked = true;
      stream.cork();
      // After the promise jobs now queued: the statements a transaction's callback sends before
      // it first waits for an answer all go together.
      process.nextTick(flush);
    }
    return query(config, values, callback);
  };
  Object.assign(client, { query: batched });
}

/** The pool client each open transaction runs on. */
const transactionClients = new WeakMap<object, pg.PoolClient>();

/**
 * What a handle's statements run on: the pool client of a transaction begun by PipelinedSession,
 * else the handle itself. A query built on a transaction runs on its client, and can run again on
 * a later transaction that holds the same client.
 */
export function connectionOf(db: object): object {
  return transactionClients.get(db) ?? db;
}

/**
 * Drizzle's session over a pool, but a transaction's BEGIN does not wait for its answer: it goes
 * out in one write with the first statements of the transaction, which PostgreSQL runs after it.
 * A BEGIN can only fail on a connection that is gone, and then so does everything sent behind it.
 * The transaction is still checked to have begun before it commits.
 */
export class PipelinedSession extends NodePgSession<Record<string, never>, Record<string, never>> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly pgDialect: PgDialect,
    private readonly sessionOptions: NodePgSessionOptions,
  ) {
    super(pool, pgDialect, undefined, sessionOptions);
  }

  override async transaction<T>(
    transaction: (tx: NodePgTransaction<Record<string, never>, Record<string, never>>) => Promise<T>,
    config?: PgTransactionConfig,
  ): Promise<T> {
    // Isolation levels and the like are never asked for; should one be, drizzle's own path serves it.
    if (config) return super.transaction(transaction, config);
    const client = await this.pool.connect();
    inTransaction.add(client);
    try {
      const session = new NodePgSession<Record<string, never>, Record<string, never>>(client, this.pgDialect, undefined, this.sessionOptions);
      const tx = new NodePgTransaction<Record<string, never>, Record<string, never>>(this.pgDialect, session, undefined);
      transactionClients.set(tx, client);
      // `then` sends the statement now, ahead of anything the callback sends.
      const begun = tx.execute(sql`begin`).then(
        () => null,
        (error: unknown) => error,
      );
      try {
        const result = await transaction(tx);
        const failed = await begun;
        if (failed) throw failed;
        if (!finished.has(client)) await tx.execute(sql`commit`);
        return result;
      } catch (error) {
        await begun;
        // After commitWith the COMMIT has ended the transaction, by committing or, if a statement
        // failed, by rolling back: there is nothing left to roll back.
        if (!finished.has(client)) await tx.execute(sql`rollback`);
        throw error;
      }
    } finally {
      inTransaction.delete(client);
      finished.delete(client);
      client.release();
    }
  }
}

/**
 * Runs a transaction's last statement with the COMMIT right behind it, in the same write: one
 * round trip less. Nothing may be sent on `tx` after it: such a statement throws. If the statement fails, PostgreSQL has
 * aborted the transaction and answers the COMMIT with a rollback, so nothing is kept; a failing
 * COMMIT fails the call. The caller may still throw on what the statement answered (a taken
 * address, say) only if everything the transaction did before is harmless to keep. On PGlite the
 * transaction commits when its callback returns, as ever.
 */
export async function commitWith<T>(tx: object & { execute: (query: SQL) => PromiseLike<unknown> }, last: () => PromiseLike<T>): Promise<T> {
  const client = transactionClients.get(tx);
  if (!client) return last();
  const sent = inOrder(last, () => tx.execute(sql`commit`));
  // Both are on their way: anything the caller sends from here on is refused (see batchWrites).
  finished.add(client);
  const [result] = await sent;
  return result;
}

/**
 * Sends statements at once, in the order given, and waits for all their answers: on PostgreSQL
 * they leave in one write and run one after another, so a read placed after a lock reads what the
 * lock protects. Each step is a function, called in turn, because a Drizzle query is sent only when
 * its `then` is called (Promise.all would send it a tick late, behind any async function's query)
 * and an async function sends its first statement as soon as it is called, as long as it does not
 * await a Drizzle query first (`await query` calls `then` a promise job later; `query.execute()`
 * sends at once).
 */
export function inOrder<T extends readonly unknown[]>(...steps: { [K in keyof T]: () => PromiseLike<T[K]> }): Promise<T> {
  const sent = steps.map((step) => new Promise((resolve, reject) => step().then(resolve, reject)));
  // Array.prototype.map cannot carry a tuple's element types; the answers keep their places.
  return Promise.all(sent) as unknown as Promise<T>;
}

/** A SELECT that takes no row lock: the only statements that never wait behind another session's. */
function isPlainRead(text: string): boolean {
  return /^\s*select\b/i.test(text) && !/\bfor\s+(update|no\s+key\s+update|share|key\s+share)\b/i.test(text);
}

/** Statements one write may carry outside transactions: enough to empty a busy pool's backlog, few enough that none waits long behind the others. */
const MAX_SHARED_STATEMENTS = 32;

interface Waiting {
  config: unknown;
  values: unknown;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Makes the pool's reads outside transactions share connections: those sent in one turn of
 * the event loop (from one request or several), and any sent while they wait for a free
 * connection, leave together in one write on one connection, each with its own Sync. PostgreSQL
 * runs them one after another, each as its own implicit transaction, so one failing leaves the
 * others be. Every write to the socket costs this process a system call and PostgreSQL a wake-up,
 * which is what a read-only request spent most of its time on when each of its statements took a
 * connection and a write of its own. A read sent behind a slow one waits for it; the cap on a
 * write's statements bounds how many do. Writes, and reads that lock rows, keep a connection to
 * themselves: they may wait for another session's lock. Returns how many reads wait for a connection.
 */
export function shareConnections(pool: pg.Pool, onWrite?: () => void): () => number {
  let open: Waiting[] | undefined;
  let waiting = 0;
  const send = (batch: Waiting[], client: pg.PoolClient) => {
    waiting -= batch.length;
    const stream = client.connection.stream;
    stream.cork();
    const answers = batch.map((statement) =>
      (client.query(statement.config as pg.QueryConfig, statement.values as unknown[]) as Promise<unknown>).then(
        (result) => statement.resolve(result),
        (error: unknown) => {
          statement.reject(error);
          return error;
        },
      ),
    );
    stream.uncork();
    onWrite?.();
    void Promise.all(answers).then((outcomes) => {
      // An error PostgreSQL answered leaves the connection fine; any other (a dropped socket)
      // makes the pool discard it, as pool.query does.
      const broken = outcomes.find((outcome) => outcome instanceof Error && !(outcome instanceof pg.DatabaseError));
      client.release(broken instanceof Error ? broken : undefined);
    });
  };
  const dispatch = (batch: Waiting[]) => {
    pool.connect((error, client) => {
      // Until it has a connection the batch takes what comes; from here on, a new one starts.
      if (open === batch) open = undefined;
      if (error || !client) {
        waiting -= batch.length;
        for (const statement of batch) statement.reject(error ?? new Error('the pool gave no connection'));
        return;
      }
      send(batch, client);
    });
  };
  const query: (config: unknown, values?: unknown, callback?: unknown) => unknown = pool.query.bind(pool);
  const shared = (config: unknown, values?: unknown, callback?: unknown) => {
    // Callbacks and streams keep pg's own path (the application sends neither), and so does what
    // may wait for a lock: everything sent behind it on its connection would wait too.
    const text = typeof config === 'string' ? config : (config as { text?: unknown }).text;
    if (typeof values === 'function' || callback !== undefined || typeof text !== 'string' || !isPlainRead(text)) {
      return query(config, values, callback);
    }
    return new Promise((resolve, reject) => {
      if (!open || open.length >= MAX_SHARED_STATEMENTS) {
        const batch: Waiting[] = [];
        open = batch;
        // After this turn's I/O callbacks: the statements they send all join.
        setImmediate(() => dispatch(batch));
      }
      open.push({ config: typeof config === 'string' ? { text: config } : config, values, resolve, reject });
      waiting++;
    });
  };
  Object.assign(pool, { query: shared });
  return () => waiting;
}
