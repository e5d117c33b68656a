import pg from 'pg';

/** What a listener tells its owner about its connection. */
export interface ListenObserver {
  /** The connection broke (or could not be made again): notifications until `restored` are lost. */
  lost(error: unknown): void;
  /** A new connection listens again. */
  restored(): void;
}

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5_000;

/**
 * LISTENs on `channel` over a connection of its own, outside the pool: a pooled connection would
 * go back to the pool and stop hearing, and LISTEN holds the session for as long as it runs.
 * When the connection drops (a database restart, a terminated backend), it connects again with
 * backoff, 0.1 s doubling up to 5 s, until the returned function stops it.
 * `applicationName` shows in pg_stat_activity, so operators (and tests) can find the session.
 */
export async function listenPostgres(
  connectionString: string,
  channel: string,
  applicationName: string,
  connectTimeoutMs: number,
  onPayload: (payload: string) => void,
  observer: ListenObserver,
): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | undefined;
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
    try {
      await client.connect();
      await client.query(`listen ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    if (stopped) {
      await client.end();
      return;
    }
    current = client;
    delay = FIRST_RETRY_MS;
  }

  /** Forgets a broken connection (once, whichever of 'error' and 'end' comes first) and retries. */
  function drop(client: pg.Client, error: unknown): void {
    if (current !== client) return;
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
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const client = current;
    current = undefined;
    await client?.end();
  };
}
