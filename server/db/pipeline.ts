import { sql } from 'drizzle-orm';
import { NodePgSession, NodePgTransaction, type NodePgSessionOptions } from 'drizzle-orm/node-postgres';
import type { PgDialect, PgTransactionConfig } from 'drizzle-orm/pg-core';
import pg from 'pg';
import Result from 'pg/lib/result.js';
import pgUtils from 'pg/lib/utils.js';
import type { Db } from './client.js';

/*
 * Round trips to PostgreSQL, not statements, are what a transaction's time goes to here: on this
 * kind of machine each write to the socket costs the server about a tenth of a millisecond, and
 * each answer a wake-up. The pool's clients therefore run in pg's pipeline mode (a statement is
 * sent without waiting for the answer to the one before), and what a client is asked in one tick
 * leaves in one write. PostgreSQL still runs the statements one after another, in the order they
 * were sent, each with its own Sync and, in READ COMMITTED, its own snapshot: a read sent right
 * behind a row lock runs once the lock is held and sees what its last holder committed. A
 * transaction that needs no answer before its last statement (a lock, then the change) goes
 * further: its statements share one Sync (inOneWrite), so PostgreSQL answers it once, with no
 * BEGIN or COMMIT to run, as it would answer a single statement.
 */

/** Clients a PipelinedSession transaction holds: the only ones that are sent several statements at once. */
const inTransaction = new WeakSet<pg.PoolClient>();

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
    const gathered = gathering.get(client);
    if (gathered) return gather(client, gathered, query, config, values, callback, onWrite);
    if (!inTransaction.has(client)) return query(config, values, callback);
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

/** A statement of a one-write transaction, waiting for the end of its tick. */
interface Gathered {
  config: pg.QueryConfig & { rowMode?: string };
  values: unknown[];
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/** What a one-write transaction's statements are, by the client it holds: those gathered so far, until they are sent. */
interface Gathering {
  statements: Gathered[];
  /** Set when the transaction ended before its statements left: they never will. */
  abandoned?: boolean;
  /** Told how the statements went out. */
  onSent: ((form: OneWriteForm) => void) | undefined;
  /** Set once they have been sent: settles when PostgreSQL has answered them all. */
  sent?: Promise<void>;
}

/** How a one-write transaction's statements went out: with a single Sync, or (not all prepared yet) between BEGIN and COMMIT. */
export type OneWriteForm = 'one sync' | 'begin and commit';

/** Clients that a one-write transaction holds (PipelinedSession.inOneWrite). */
const gathering = new WeakMap<pg.PoolClient, Gathering>();

/** pg's connection, with the statement names it has prepared, which @types/pg leaves out. */
type PreparingConnection = pg.Connection & { parsedStatements: Record<string, string | undefined> };

/**
 * Statements sent with one Sync after the last, where pg sends a Sync after each: PostgreSQL runs
 * them one after another in one implicit transaction, which the Sync commits, or rolls back as a
 * whole when one fails (it then skips the rest). So a transaction of a lock and a statement is one
 * message sequence, with no BEGIN or COMMIT and one answer at the end, as a single statement would
 * be. Each statement still takes its snapshot when PostgreSQL reaches it: behind a lock, once the
 * lock is held. Only statements prepared on the connection already come this way (see
 * PipelinedSession.inOneWrite), so a failed Parse never leaves pg's list of prepared statements wrong.
 * It is a pg Query so that pg's pipeline mode accepts it; pg hands it the answers as to a Query.
 */
class StatementBatch extends pg.Query {
  private current = 0;
  private readonly results: Result[];
  private failure: unknown = null;

  constructor(private readonly statements: Gathered[]) {
    // A text of its own, which pg never sends: submit below sends the statements'.
    super({ text: '' });
    this.results = statements.map(({ config }) => new Result(config.rowMode, config.types));
    // pg declares submit as a property; it calls it with the connection once the batch's turn comes.
    this.submit = (connection: pg.Connection) => {
      const stream = connection.stream;
      stream.cork();
      try {
        for (const { config, values } of statements) {
          connection.bind({ statement: config.name, values: values.map((value) => pgUtils.prepareValue(value) ?? null) }, true);
          connection.describe({ type: 'P', name: '' }, true);
          connection.execute({ portal: '' }, true);
        }
        connection.sync();
      } finally {
        stream.uncork();
      }
    };
  }

  handleRowDescription(message: { fields: pg.FieldDef[] }): void {
    this.results[this.current]?.addFields(message.fields);
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    if (this.failure) return;
    const result = this.results[this.current] as Result;
    try {
      result.addRow(result.parseRow(message.fields));
    } catch (error) {
      this.failure = error;
    }
  }

  handleCommandComplete(message: { text: string }): void {
    this.results[this.current]?.addCommandComplete(message);
    this.current++;
  }

  handleEmptyQuery(): void {
    this.current++;
  }

  handleReadyForQuery(): void {
    // PostgreSQL committed, but a row could not be read: each statement fails with that error.
    if (this.failure) return this.statements.forEach((statement) => statement.reject(this.failure));
    this.statements.forEach((statement, i) => statement.resolve(this.results[i] as Result));
  }

  /**
   * PostgreSQL rolled the whole transaction back, or the connection failed (and whether the
   * transaction committed is unknown). The statement it failed at is told first, so that inOrder
   * reports its error.
   */
  handleError(error: unknown): void {
    failAll(this.statements, Math.min(this.current, this.statements.length - 1), error);
  }
}

/** Rejects statement `failed` with `error`, then the others of its transaction, which failed with it. */
function failAll(statements: Gathered[], failed: number, error: unknown): void {
  statements[failed]?.reject(error);
  const undone = new Error('another statement of the same one-write transaction failed', { cause: error });
  statements.forEach((statement, i) => i !== failed && statement.reject(undone));
}

/**
 * Takes a statement of a one-write transaction: the statements given in one tick leave together
 * at its end, through `query`, with one Sync when every one of them is prepared on the
 * connection, else as BEGIN, the statements and COMMIT (the first time on a connection).
 */
function gather(
  client: pg.PoolClient,
  gathered: Gathering,
  query: (config: unknown, values?: unknown) => unknown,
  config: unknown,
  values: unknown,
  callback: unknown,
  onWrite: (() => void) | undefined,
): Promise<Result> {
  if (gathered.sent) throw new Error('a statement was sent on a one-write transaction after its write: it would run outside it');
  if (callback !== undefined || typeof values === 'function') throw new Error('a one-write transaction takes no callbacks');
  const normalized: pg.QueryConfig = typeof config === 'string' ? { text: config } : (config as pg.QueryConfig);
  return new Promise<Result>((resolve, reject) => {
    gathered.statements.push({ config: normalized, values: Array.isArray(values) ? values : (normalized.values ?? []), resolve, reject });
    if (gathered.statements.length > 1) return;
    // After the promise jobs now queued, as in batchWrites: the statements of inOrder all join.
    process.nextTick(() => sendGathered(client, gathered, query, onWrite));
  });
}

/** Sends a one-write transaction's statements (see gather). */
function sendGathered(client: pg.PoolClient, gathered: Gathering, query: (config: unknown, values?: unknown) => unknown, onWrite: (() => void) | undefined): void {
  if (gathered.abandoned) return;
  const { statements } = gathered;
  const answered = statements.map(
    (statement) =>
      new Promise<void>((settle) => {
        const { resolve, reject } = statement;
        statement.resolve = (result) => (resolve(result), settle());
        statement.reject = (error) => (reject(error), settle());
      }),
  );
  gathered.sent = Promise.all(answered).then(() => undefined);
  const prepared = (client.connection as PreparingConnection).parsedStatements;
  const stream = client.connection.stream;
  stream.cork();
  try {
    if (statements.every(({ config: { name } }) => name !== undefined && prepared[name] !== undefined)) {
      void query(new StatementBatch(statements));
      gathered.onSent?.('one sync');
    } else {
      gathered.onSent?.('begin and commit');
      sendAsTransaction(statements, query);
    }
  } catch (error) {
    failAll(statements, 0, error);
  } finally {
    stream.uncork();
  }
  onWrite?.();
}

/**
 * The statements as BEGIN, them and COMMIT: PostgreSQL runs them as an explicit transaction, and
 * a failed one makes it answer the COMMIT with a rollback. Their Parse messages are pg's own, so
 * pg learns what it has prepared. As with one Sync, the answers count only once the COMMIT has:
 * all of them, or none.
 */
function sendAsTransaction(statements: Gathered[], query: (config: unknown, values?: unknown) => unknown): void {
  const sent = [query('begin'), ...statements.map((statement) => query(statement.config, statement.values)), query('commit')];
  const outcomes = sent.map((answer) =>
    (answer as Promise<Result>).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    ),
  );
  void Promise.all(outcomes).then((answers) => {
    const failed = answers.findIndex((answer) => 'error' in answer);
    const failure = answers[failed];
    const commit = answers.at(-1);
    if (failure && 'error' in failure) {
      // The BEGIN (0) or COMMIT (last) failing is told to the first or last statement.
      failAll(statements, Math.min(Math.max(failed - 1, 0), statements.length - 1), failure.error);
    } else if (!commit || !('result' in commit) || commit.result.command !== 'COMMIT') {
      failAll(statements, statements.length - 1, new Error('the transaction did not commit'));
    } else {
      statements.forEach((statement, i) => {
        const answer = answers[i + 1];
        if (answer && 'result' in answer) statement.resolve(answer.result);
      });
    }
  });
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
    private readonly onOneWrite?: (form: OneWriteForm) => void,
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
        await tx.execute(sql`commit`);
        return result;
      } catch (error) {
        await begun;
        await tx.execute(sql`rollback`);
        throw error;
      }
    } finally {
      inTransaction.delete(client);
      client.release();
    }
  }

  /**
   * A transaction that is one write and one answer: `work` sends all its statements before it
   * first waits (as through inOrder), and they go with a single Sync (StatementBatch), so
   * PostgreSQL runs them as one transaction without a BEGIN or COMMIT of its own, and answers once.
   * What work then does with the answers comes after the commit: it may still throw, but not
   * undo. A statement sent after the write throws: it would run outside the transaction. On a
   * connection where a statement is not prepared yet, the statements go as BEGIN, them and COMMIT
   * instead, in one write as well.
   */
  async inOneWrite<T>(work: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const gathered: Gathering = { statements: [], onSent: this.onOneWrite };
    gathering.set(client, gathered);
    try {
      const session = new NodePgSession<Record<string, never>, Record<string, never>>(client, this.pgDialect, undefined, this.sessionOptions);
      const tx = new NodePgTransaction<Record<string, never>, Record<string, never>>(this.pgDialect, session, undefined);
      // So that its statements are the client's, built once (see preparedStatement).
      transactionClients.set(tx, client);
      return await work(tx);
    } finally {
      // Statements work gave before it threw, still waiting for the end of their tick, never leave.
      if (!gathered.sent) {
        gathered.abandoned = true;
        for (const statement of gathered.statements) statement.reject(new Error('the one-write transaction ended before its write'));
      }
      await gathered.sent;
      gathering.delete(client);
      client.release();
    }
  }
}

/** Sessions that run one-write transactions, by the database handle they serve. */
const oneWriteSessions = new WeakMap<object, PipelinedSession>();

/** Makes `db`'s one-write transactions (inOneWrite) run on `session`. */
export function servesOneWrite(db: object, session: PipelinedSession): void {
  oneWriteSessions.set(db, session);
}

/**
 * Runs `work` as a one-write transaction (PipelinedSession.inOneWrite) on a pool of PostgreSQL;
 * elsewhere (PGlite, or a handle that is itself a transaction) as an ordinary transaction.
 */
export function inOneWrite<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  const session = oneWriteSessions.get(db);
  return session ? session.inOneWrite(work) : db.transaction(work);
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
