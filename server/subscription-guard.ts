import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Logger } from 'pino';
import type { Db } from './db/client.js';
import { literally } from './db/prepared.js';
import { apiTokens, users } from './db/tables.js';
import { TooManySubscriptionsError } from './domain/errors.js';
import { tokenWorksAt } from './domain/tokens.js';
import { hasConsoleAccess, type Plan } from './domain/plans.js';
import type { UserRole, Viewer } from './domain/viewer.js';

/** Live subscriptions one token may hold in one process (README, Limits). */
export const MAX_SUBSCRIPTIONS_PER_TOKEN = 20;
/** How often the tokens of live subscriptions are checked against the database. */
export const SUBSCRIPTION_RECHECK_MS = 1000;

/** What a subscription needs of its token's user, beyond a token that works with READ. */
export type Requirement = 'member' | 'admin';

interface Live {
  requirement: Requirement;
  end(): void;
}

interface Watched {
  tokenId: string;
  masterAccountId: string;
  subscriptions: Set<Live>;
  /** When the database last said the token works (ms); 0 when something may have changed since. */
  verifiedAt: number;
  /** Counts invalidations, so a check that overlapped one does not vouch for the token. */
  changes: number;
  role: UserRole;
  ownerPlan: Plan;
}

const owners = alias(users, 'owners');

/** What the tokens of `tokenIds` still resolve to at `now`: those that work, with their user's role. */
async function checkTokens(db: Db, tokenIds: string[], now: Date) {
  return db
    .select({ tokenId: apiTokens.id, role: users.role, ownerPlan: owners.plan })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(owners, and(eq(owners.masterAccountId, users.masterAccountId), literally(eq(owners.role, 'OWNER'))))
    .where(
      and(
        inArray(apiTokens.id, tokenIds),
        tokenWorksAt(sql`${now.toISOString()}::timestamptz`),
        isNull(users.suspendedAt),
      ),
    );
}

function allows(watched: Pick<Watched, 'role' | 'ownerPlan'>, requirement: Requirement): boolean {
  if (requirement === 'member') return true;
  return (watched.role === 'OWNER' || watched.role === 'ADMIN') && hasConsoleAccess(watched.ownerPlan);
}

/**
 * Ends live subscriptions whose token stopped working: revoked, logged out, its session ended, its
 * user suspended, deleted, or demoted below what the subscription needs, on whichever replica that
 * happened. Every second (while any subscription lives) one statement checks every token this
 * process streams to; the token cache's invalidations (any change to a token, user or master
 * account) mark their account's tokens unchecked at once. An event is delivered only while its
 * token was found working within the last second and nothing has changed since, else the check
 * runs first: an event never reaches a token known to be revoked, and at most the NOTIFY's latency
 * separates a revocation from the end of delivery.
 */
export class SubscriptionGuard {
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private queued: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly options: { recheckMs?: number; maxPerToken?: number; logger?: Logger } = {},
  ) {}

  private get recheckMs(): number {
    return this.options.recheckMs ?? SUBSCRIPTION_RECHECK_MS;
  }

  /**
   * Opens `open()`'s stream for `viewer`, ended when its token stops working. Refuses the
   * subscription past the per-token cap before `open` is called.
   */
  watch<T>(viewer: Viewer, requirement: Requirement, open: () => AsyncIterable<T>, now: Date): AsyncIterable<T> {
    const max = this.options.maxPerToken ?? MAX_SUBSCRIPTIONS_PER_TOKEN;
    const existing = this.watched.get(viewer.tokenId);
    if (existing && existing.subscriptions.size >= max) throw new TooManySubscriptionsError(max);
    const watched: Watched = existing ?? {
      tokenId: viewer.tokenId,
      masterAccountId: viewer.masterAccountId,
      subscriptions: new Set(),
      // The request's own authentication just vouched for it.
      verifiedAt: now.getTime(),
      changes: 0,
      role: viewer.role,
      ownerPlan: viewer.ownerPlan,
    };
    this.watched.set(viewer.tokenId, watched);
    const source = open()[Symbol.asyncIterator]();
    let ended = false;
    let wake: (() => void) | null = null;
    const endedSignal = new Promise<IteratorReturnResult<undefined>>((resolve) => {
      wake = () => resolve({ done: true, value: undefined });
    });
    const finish = () => {
      if (ended) return;
      ended = true;
      watched.subscriptions.delete(live);
      if (watched.subscriptions.size === 0 && this.watched.get(watched.tokenId) === watched) this.watched.delete(watched.tokenId);
      wake?.();
      // Ending the source is all that is wanted; should that fail, no one is waiting to hear it.
      Promise.resolve(source.return?.()).catch(() => undefined);
      this.schedule();
    };
    const live: Live = { requirement, end: finish };
    watched.subscriptions.add(live);
    this.schedule();

    const iterator: AsyncIterator<T> = {
      next: async () => {
        for (;;) {
          if (ended) return { done: true, value: undefined };
          const next = await Promise.race([source.next(), endedSignal]);
          if (next.done) {
            finish();
            return { done: true, value: undefined };
          }
          // The event waits for a check when the token's last one is stale.
          if (!(await this.vouch(watched, requirement))) {
            finish();
            return { done: true, value: undefined };
          }
          if (ended) return { done: true, value: undefined };
          return next;
        }
      },
      return: async () => {
        finish();
        return { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }

  /** Something of this master account changed (a token-cache invalidation): check its tokens now. */
  invalidate(masterAccountId: string | '*'): void {
    let any = false;
    for (const watched of this.watched.values()) {
      if (masterAccountId === '*' || watched.masterAccountId === masterAccountId) {
        watched.verifiedAt = 0;
        watched.changes++;
        any = true;
      }
    }
    if (any) void this.check();
  }

  /** How many subscriptions live in this process. */
  get size(): number {
    let n = 0;
    for (const watched of this.watched.values()) n += watched.subscriptions.size;
    return n;
  }

  /** Ends every subscription and the timer (shutdown). */
  close(): void {
    for (const watched of [...this.watched.values()]) for (const live of [...watched.subscriptions]) live.end();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Whether an event may go out to a subscription of `watched` now, checking first if need be. */
  private async vouch(watched: Watched, requirement: Requirement): Promise<boolean> {
    // A check already under way may have started before the last change: then the next one decides.
    for (let tries = 0; tries < 2 && Date.now() - watched.verifiedAt >= this.recheckMs; tries++) await this.check();
    return this.watched.get(watched.tokenId) === watched && watched.verifiedAt > 0 && allows(watched, requirement);
  }

  private schedule(): void {
    if (this.watched.size === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check().finally(() => this.schedule());
    }, this.recheckMs);
    // A process with nothing else to do may exit; shutdown closes subscriptions itself.
    this.timer.unref();
  }

  /** One statement for every watched token; ends the subscriptions of those that stopped working. */
  private check(): Promise<void> {
    if (!this.checking) {
      this.checking = this.runCheck().finally(() => {
        this.checking = null;
      });
      return this.checking;
    }
    // One more check after the one in flight, shared by everyone who asks meanwhile.
    this.queued ??= this.checking.then(() => {
      this.queued = null;
      return this.check();
    });
    return this.queued;
  }

  private async runCheck(): Promise<void> {
    const snapshot = [...this.watched.values()];
    if (snapshot.length === 0) return;
    const startedAt = Date.now();
    const changes = snapshot.map((watched) => watched.changes);
    let rows: Awaited<ReturnType<typeof checkTokens>>;
    try {
      rows = await checkTokens(this.db, snapshot.map((watched) => watched.tokenId), new Date(startedAt));
    } catch (error) {
      // Without an answer nothing is vouched for: events wait for the next check that succeeds.
      this.options.logger?.warn({ err: error }, 'subscription token check failed');
      return;
    }
    const working = new Map(rows.map((row) => [row.tokenId, row]));
    snapshot.forEach((watched, i) => {
      const row = working.get(watched.tokenId);
      if (row) {
        watched.role = row.role;
        watched.ownerPlan = row.ownerPlan;
        // An invalidation heard during the check leaves the token unchecked.
        if (watched.changes === changes[i]) watched.verifiedAt = startedAt;
      }
      for (const live of [...watched.subscriptions]) if (!row || !allows(watched, live.requirement)) live.end();
    });
  }
}
