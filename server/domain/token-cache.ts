import type { Logger } from 'pino';
import type { Database } from '../db/client.js';
import type { Authenticated } from './tokens.js';

/** The NOTIFY channel of drizzle/0006_token_cache_invalidation.sql; its payload is a master account id or '*'. */
export const TOKEN_CACHE_CHANNEL = 'mailadmin_token_cache';
/** Tokens remembered at most: a few MB, and every token of a busy replica's clients. */
export const TOKEN_CACHE_CAPACITY = 10_000;
/**
 * How long an entry is trusted without a notification. Notifications arrive within milliseconds
 * and none is lost while the listening connection stands (when it falls, the cache empties and
 * stays off); this bounds what a bug in that chain could cost.
 */
export const TOKEN_CACHE_TTL_MS = 60_000;

export interface CachedToken {
  authenticated: Authenticated;
  /** The same, marked as coming from the cache (see Authenticated.cached). */
  cachedAuthenticated: Authenticated;
  expiresAt: number | null;
  /** When the token was last marked used in the database, in ms. */
  lastUsedAt: number | null;
  cachedAt: number;
}

/**
 * What bearer tokens resolved to, so most requests skip the token lookup: on the benchmark's
 * one-user query that lookup was half the request's statements. An entry is used only while the
 * process listens for the database's invalidations and only within TOKEN_CACHE_TTL_MS; expiry is
 * checked against the entry on every use. Unknown tokens are never cached (a flood of made-up
 * tokens cannot fill it, and a token made a moment ago works at once).
 *
 * A lookup that started before an invalidation could read the old row and store it after the
 * invalidation: each invalidation bumps a generation, and a lookup stores its row only if the
 * generation is still the one it started with.
 */
export class TokenCache {
  private readonly entries = new Map<string, CachedToken>();
  private current = 0;
  private listening = false;

  constructor(
    private readonly capacity = TOKEN_CACHE_CAPACITY,
    private readonly ttlMs = TOKEN_CACHE_TTL_MS,
  ) {}

  /** The entry of a token hash still good at `now`, if any. */
  get(tokenHash: string, now: number): CachedToken | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (now - entry.cachedAt >= this.ttlMs || (entry.expiresAt !== null && entry.expiresAt <= now)) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry;
  }

  /** Taken before a lookup and handed to `set` with its result. */
  generation(): number {
    return this.current;
  }

  set(tokenHash: string, entry: CachedToken, generation: number): void {
    if (!this.listening || generation !== this.current) return;
    this.entries.delete(tokenHash);
    this.entries.set(tokenHash, entry);
    // Maps keep insertion order: the first key is the entry stored longest ago.
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  /** Forgets every token of one master account. */
  invalidate(masterAccountId: string): void {
    this.current++;
    for (const [tokenHash, entry] of this.entries) {
      if (entry.authenticated.viewer.masterAccountId === masterAccountId) this.entries.delete(tokenHash);
    }
  }

  clear(): void {
    this.current++;
    this.entries.clear();
  }

  /** Whether invalidations are heard; without them nothing is cached. */
  setListening(listening: boolean): void {
    this.listening = listening;
    this.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Starts listening for invalidations (in the background: the cache stays off until the LISTEN
 * stands) and returns the function that stops. A database that cannot listen leaves the cache off.
 */
export function listenForTokenChanges(
  database: Database,
  cache: TokenCache,
  logger?: Logger,
  /** Also told of each invalidation: a master account id, or '*' for all. */
  onChange?: (masterAccountId: string) => void,
  /** Fault injection (config.ts, tokenCacheNotifyDelayMs): acts on each notification this much later. */
  delayMs = 0,
): () => Promise<void> {
  const apply = (payload: string) => {
    if (payload === '*') cache.clear();
    else cache.invalidate(payload);
    onChange?.(payload);
  };
  const onPayload = delayMs > 0 ? (payload: string) => void setTimeout(() => apply(payload), delayMs) : apply;
  const stop = database
    .listen(TOKEN_CACHE_CHANNEL, onPayload, {
      lost: (error) => {
        cache.setListening(false);
        logger?.warn({ err: error }, 'token cache listener disconnected; tokens are looked up on every request until it is back');
      },
      restored: () => cache.setListening(true),
    })
    .then(
      (listener) => {
        cache.setListening(true);
        return () => listener.stop();
      },
      (error: unknown) => {
        logger?.warn({ err: error }, 'token cache off: cannot listen for invalidations');
        return async () => undefined;
      },
    );
  return async () => {
    cache.setListening(false);
    // A database closed first has ended the LISTEN with it.
    await (await stop)().catch(() => undefined);
  };
}
