import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createPubSub } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Database } from './db/client.js';
import { ledgerEntries, lowBalanceNotices } from './db/tables.js';
import type { LedgerEntryRow, MoneyEvents, NoticeRow } from './domain/billing.js';

/** The rows each event carries to its subscribers. */
export interface EventRows {
  ledgerEntryAdded: LedgerEntryRow;
  lowBalance: NoticeRow;
}
export type EventName = keyof EventRows;

/** Events pushed to subscribers, by master account. */
export interface Events {
  /** Announces a committed change; call it only after the transaction that made `row` commits. */
  publish<Name extends EventName>(name: Name, masterAccountId: string, row: EventRows[Name]): void;
  /** The events of one master account, as they are published on any replica. */
  subscribe<Name extends EventName>(name: Name, masterAccountId: string): AsyncIterable<EventRows[Name]>;
  /**
   * Whether, as this process last learnt, another listener hears what it publishes: another
   * replica, or another Events of this process on the same database. Without one, publish tells
   * this process's subscribers only, and the database nothing.
   */
  othersListening(): boolean;
  /** Sends what is still queued and stops listening. */
  close(): Promise<void>;
}

/** Where subscribers of this process wait; both kinds of Events deliver through it. */
function localPubSub() {
  const pubsub = createPubSub<{ [Name in EventName]: [masterAccountId: string, row: EventRows[Name]] }>();
  return {
    publish<Name extends EventName>(name: Name, masterAccountId: string, row: EventRows[Name]): void {
      // The union of the per-name argument lists does not narrow on a generic name; the mapped
      // type above ties them together, so this call is the one the type allows.
      (pubsub.publish as (name: EventName, masterAccountId: string, row: EventRows[EventName]) => void)(name, masterAccountId, row);
    },
    subscribe<Name extends EventName>(name: Name, masterAccountId: string): AsyncIterable<EventRows[Name]> {
      return (pubsub.subscribe as (name: EventName, masterAccountId: string) => AsyncIterable<EventRows[Name]>)(name, masterAccountId);
    },
  };
}

/** Events inside this process only: what the in-process tests use (yoga.fetch, one database handle). */
export function createEvents(): Events {
  const local = localPubSub();
  return { publish: local.publish, subscribe: local.subscribe, othersListening: () => false, close: async () => undefined };
}

/** The NOTIFY channel every replica listens on. */
export const EVENTS_CHANNEL = 'mailadmin_events';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more (the default block size). */
export const NOTIFY_PAYLOAD_LIMIT = 7999;
/**
 * What a process's Events NOTIFYs when its listener stands (at start and after a reconnection),
 * if another already listens: `{"hello":"<origin>"}`, so the others learn that it listens too.
 */
const HELLO = '{"hello":';
/** How often a process asks the database whether others still listen: they may have stopped. */
const PEERS_RECHECK_MS = 30_000;
/** Notifications per statement, so a billing run's thousands of events do not make one huge statement. */
const NOTIFY_BATCH = 500;

/** Dates travel as ISO strings inside the JSON payload. */
type Wire<Row> = { [Key in keyof Row]: Row[Key] extends Date ? string : Row[Key] extends Date | null ? string | null : Row[Key] };

/**
 * One notification: the process that sent it (first, so its own listener can tell at a glance),
 * the event, its master account, and the row itself, or only its id when the row's JSON would not
 * fit in a NOTIFY payload (the listener then loads it).
 */
type Payload =
  | { event: 'ledgerEntryAdded'; masterAccountId: string; row: Wire<LedgerEntryRow> }
  | { event: 'lowBalance'; masterAccountId: string; row: Wire<NoticeRow> }
  | { event: EventName; masterAccountId: string; id: string };

/** The start of every payload `origin` sends. */
const sentBy = (origin: string) => `{"origin":${JSON.stringify(origin)},`;

function encode<Name extends EventName>(origin: string, name: Name, masterAccountId: string, row: EventRows[Name], limit: number): string {
  const inline = JSON.stringify({ origin, event: name, masterAccountId, row });
  if (Buffer.byteLength(inline, 'utf8') <= limit) return inline;
  return JSON.stringify({ origin, event: name, masterAccountId, id: row.id });
}

const instant = (value: string | null): Date | null => (value === null ? null : new Date(value));

function reviveEntry(row: Wire<LedgerEntryRow>): LedgerEntryRow {
  return {
    ...row,
    periodStart: instant(row.periodStart),
    periodEnd: instant(row.periodEnd),
    createdAt: new Date(row.createdAt),
  };
}

function reviveNotice(row: Wire<NoticeRow>): NoticeRow {
  return { ...row, createdAt: new Date(row.createdAt) };
}

function parsePayload(text: string): Payload {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new Error('the payload is not an object');
  const { event, masterAccountId, row, id } = value as Record<string, unknown>;
  if (event !== 'ledgerEntryAdded' && event !== 'lowBalance') throw new Error(`unknown event ${String(event)}`);
  if (typeof masterAccountId !== 'string') throw new Error('the payload names no master account');
  if (typeof id === 'string') return { event, masterAccountId, id };
  if (typeof row !== 'object' || row === null) throw new Error('the payload carries neither a row nor an id');
  // The payload came from encode() on some replica: the row has the shape of its event.
  return event === 'ledgerEntryAdded'
    ? { event, masterAccountId, row: row as Wire<LedgerEntryRow> }
    : { event, masterAccountId, row: row as Wire<NoticeRow> };
}

export interface ConnectEventsOptions {
  database: Database;
  logger: Logger;
  /** Rows whose JSON is longer travel as their id; lowered by tests to take that path. */
  payloadLimit?: number;
}

/**
 * Events shared by every process on one database: `publish` hands the event to this process's
 * subscribers and sends a NOTIFY, and each process's LISTEN hears the other processes'
 * notifications and hands them to its subscribers (its own it skips: they have been delivered).
 * So every replica's subscribers hear every replica's events, in the order each replica sent them.
 * On PostgreSQL the listener has a connection of its own and reconnects when it drops; what is
 * published while it is away is lost to that replica's subscribers (clients re-read on reconnect).
 * On PGlite one process owns the database and hears its own notifications.
 * A process that no other listener hears (see greet) sends no NOTIFY and no statement at all: a
 * NOTIFY makes its transaction flush a commit record and wait for every other notifying commit,
 * which cost a single replica a quarter of its deposits' throughput for events no one heard.
 */
export async function connectEvents({ database, logger, payloadLimit = NOTIFY_PAYLOAD_LIMIT }: ConnectEventsOptions): Promise<Events> {
  const local = localPubSub();
  const origin = randomUUID();
  const own = sentBy(origin);
  let queued: string[] = [];
  /** Set while notifications are on their way; what is published meanwhile goes in the next statement. */
  let sending: Promise<void> | undefined;
  let delivering: Promise<void> = Promise.resolve();
  const hello = `${HELLO}${JSON.stringify(origin)}}`;
  /** Whether another listener stood when last learnt: by asking the database, or from its hello. */
  let peers = false;
  /** Hellos heard so far: an answer from the database asked before one does not undo what it taught. */
  let hellos = 0;
  let closed = false;

  /** Asks the database whether another listener stands. */
  async function learnPeers(): Promise<void> {
    const heardBefore = hellos;
    try {
      const others = await listener.othersListening();
      if (hellos === heardBefore) peers = others;
    } catch (error) {
      // A check that ran into close() has nothing left to decide.
      if (closed) return;
      // Unsure, so notify: the NOTIFY statement itself still asks (Listener.notifyOthers).
      peers = true;
      logger.warn({ err: error }, 'could not learn whether other replicas listen for events; notifying them');
    }
  }

  /**
   * Learns whether others listen, and tells them this process does. A replica that starts after
   * this one learns of it by asking, and this one learns of it by its hello, which the newcomer
   * sends before it serves anyone. What is left open: an event published here after the
   * newcomer's first subscriber came and before this process read the hello from its listener's
   * socket (on its event loop's next turn after the NOTIFY's commit). Starting to serve takes the
   * newcomer far longer than that.
   */
  async function greet(): Promise<void> {
    await learnPeers();
    if (!peers) return;
    try {
      await listener.notifyOthers([hello]);
    } catch (error) {
      logger.warn({ err: error }, 'could not tell other replicas that this one listens for events');
    }
  }

  /**
   * Sends what is queued, in publish order, one statement at a time, until nothing is: events
   * published while a statement is on its way wait for it and go together in the next. Under
   * load that makes one NOTIFY of many events, where one per event would make each notifying
   * commit wait for the last (PostgreSQL serializes them).
   */
  function send(): Promise<void> {
    if (!sending && queued.length > 0) sending = drain();
    return sending ?? Promise.resolve();
  }

  /**
   * Runs until nothing is queued. It always waits for a statement before it ends, so `sending` is
   * set before it is cleared, and it is cleared in the same job that finds the queue empty: a
   * publish after that starts a new one.
   */
  async function drain(): Promise<void> {
    try {
      while (queued.length > 0) {
        const payloads = queued;
        queued = [];
        for (let start = 0; start < payloads.length; start += NOTIFY_BATCH) {
          const batch = payloads.slice(start, start + NOTIFY_BATCH);
          try {
            await listener.notifyOthers(batch);
          } catch (error) {
            logger.error({ err: error, events: batch.length }, 'events could not be sent to subscribers');
          }
        }
      }
    } finally {
      sending = undefined;
    }
  }

  async function load(payload: Payload & { id: string }): Promise<EventRows[EventName] | undefined> {
    if (payload.event === 'ledgerEntryAdded') {
      const [row] = await database.db.select().from(ledgerEntries).where(eq(ledgerEntries.id, payload.id));
      return row;
    }
    const [row] = await database.db.select().from(lowBalanceNotices).where(eq(lowBalanceNotices.id, payload.id));
    return row;
  }

  async function deliver(text: string): Promise<void> {
    const payload = parsePayload(text);
    if ('id' in payload) {
      const row = await load(payload);
      // A row of another master account never reaches this one's subscribers, whatever the payload says.
      if (row?.masterAccountId !== payload.masterAccountId) throw new Error(`${payload.event} ${payload.id} is not loadable`);
      local.publish(payload.event, payload.masterAccountId, row);
    } else if (payload.event === 'ledgerEntryAdded') {
      local.publish('ledgerEntryAdded', payload.masterAccountId, reviveEntry(payload.row));
    } else {
      local.publish('lowBalance', payload.masterAccountId, reviveNotice(payload.row));
    }
  }

  const listener = await database.listen(
    EVENTS_CHANNEL,
    (text) => {
      if (text.startsWith(own)) return;
      if (text.startsWith(HELLO)) {
        if (text !== hello) {
          hellos++;
          peers = true;
        }
        return;
      }
      // One at a time, so a row loaded by id does not overtake the events sent after it.
      delivering = delivering.then(() =>
        deliver(text).catch((error: unknown) => logger.error({ err: error }, 'an event could not be delivered')),
      );
    },
    {
      lost: (error) => logger.warn({ err: error }, 'event listener disconnected; reconnecting (events until then are missed)'),
      restored: () => {
        logger.info('event listener reconnected');
        // Replicas may have come, or stopped hearing of this one, while it was away.
        void greet();
      },
    },
  );
  await greet();
  const recheck = setInterval(() => void learnPeers(), PEERS_RECHECK_MS);
  // The check alone must not keep a process alive.
  recheck.unref();

  return {
    publish(name, masterAccountId, row) {
      local.publish(name, masterAccountId, row);
      if (!peers) return;
      queued.push(encode(origin, name, masterAccountId, row, payloadLimit));
      // After the promise jobs now queued, so the events a request publishes go together.
      if (queued.length === 1 && !sending) queueMicrotask(() => void send());
    },
    subscribe: local.subscribe,
    othersListening: () => peers,
    async close() {
      closed = true;
      clearInterval(recheck);
      await send();
      await listener.stop();
      await delivering;
    },
  };
}

/** Publishes what a committed money move produced. */
export function publishMoneyEvents(events: Events, moved: MoneyEvents): void {
  for (const entry of moved.entries) events.publish('ledgerEntryAdded', entry.masterAccountId, entry);
  for (const notice of moved.notices) events.publish('lowBalance', notice.masterAccountId, notice);
}
