import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';

/** What a listener tells its owner about its connection. */
export interface ListenObserver {
  /** The connection broke (or could not be made again): notifications until `restored` are lost. */
  lost(error: unknown): void;
  /** A new connection listens again. */
  restored(): void;
}

/** A LISTEN that stands (reconnecting as needed) until stopped. */
export interface Listening {
  stop(): Promise<void>;
  /** The backend process of the listening session; undefined while it reconnects. */
  backendPid(): number | undefined;
}

/** What every listening session's name starts with; the rest is the process id and the channel. */
const LISTENER_PREFIX = 'mailadmin-listen-';
/** PostgreSQL cuts application names to 63 bytes (NAMEDATALEN - 1). */
const APPLICATION_NAME_MAX = 63;

/**
 * The application name of this process's sessions listening on `channel`: shown in
 * pg_stat_activity, so operators (and tests) can find them, and how heardByAnother finds every
 * process's listeners. A name PostgreSQL would cut short could not be found so: refused.
 */
export function listenerName(channel: string): string {
  const name = `${LISTENER_PREFIX}${process.pid}-${channel}`;
  if (Buffer.byteLength(name) > APPLICATION_NAME_MAX) throw new Error(`the listening session's name ${name} is longer than PostgreSQL keeps`);
  return name;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * True, in SQL, when a session of this database other than `ownPid` listens on `channel`: a
 * listenerName session of any process. Every replica connects as the same role, so it sees the
 * others' application names in pg_stat_activity.
 */
export function heardByAnother(channel: string, ownPid: number | undefined): SQL {
  const name = `^${escapeRegExp(LISTENER_PREFIX)}[0-9]+-${escapeRegExp(channel)}$`;
  return sql`exists (select from pg_stat_activity where datname = current_database() and pid <> ${ownPid ?? 0} and application_name ~ ${name})`;
}

/**
 * One statement that NOTIFYs each of `payloads` on `channel`, in order, when `when` holds: one
 * transaction, so its notifications arrive together, and the same text whatever the payloads, so
 * it is prepared once per connection.
 */
export function notifyStatement(channel: string, payloads: readonly string[], when: SQL = sql`true`): SQL {
  return sql`select pg_notify(${channel}, payload) from unnest(${sql.param(payloads)}::text[]) as payload where ${when}`;
}

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5_000;

/**
 * LISTENs on `channel` over a connection of its own, outside the pool: a pooled connection would
 * go back to the pool and stop hearing, and LISTEN holds the session for as long as it runs.
 * When the connection drops (a database restart, a terminated backend), it connects again with
 * backoff, 0.1 s doubling up to 5 s, until stopped. Its session is named listenerName(channel).
 */
export async function listenPostgres(
  connectionString: string,
  channel: string,
  connectTimeoutMs: number,
  onPayload: (payload: string) => void,
  observer: ListenObserver,
): Promise<Listening> {
  const applicationName = listenerName(channel);
  let stopped = false;
  let current: { client: pg.Client; pid: number } | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = FIRST_RETRY_MS;

  async function connect(): Promise<void> {
    const client = new pg.Client({
      connectionString,
      application_name: applicationName,
      connectionTimeoutMillis: connectTimeoutMs,
      keepAlive: true,
    });
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
    });
    client.on('error', (error) => drop(client, error));
    client.on('end', () => drop(client, new Error('the listening connection ended')));
    let pid: number;
    try {
      await client.connect();
      await client.query(`listen ${client.escapeIdentifier(channel)}`);
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      pid = rows[0]?.pid ?? 0;
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      await client.end();
      return;
    }
    current = { client, pid };
    delay = FIRST_RETRY_MS;
  }

  /** Forgets a broken connection (once, whichever of 'error' and 'end' comes first) and retries. */
  function drop(client: pg.Client, error: unknown): void {
    if (current?.client !== client) return;
    current = undefined;
    client.end().catch(() => undefined);
    if (stopped) return;
    observer.lost(error);
    scheduleRetry();
  }

  function scheduleRetry(): void {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => {
          if (!stopped) observer.restored();
        },
        (error: unknown) => {
          observer.lost(error);
          scheduleRetry();
        },
      );
    }, delay);
    delay = Math.min(delay * 2, LAST_RETRY_MS);
  }

  await connect();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      const listening = current;
      current = undefined;
      await listening?.client.end();
    },
    backendPid: () => current?.pid,
  };
}
