import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { loginThrottles } from '../db/tables.js';
import { RateLimitedError } from './errors.js';

/**
 * Log-in throttling, kept in the database so every replica sees the same counters.
 *
 * Each attempt is counted under up to three keys, each with its own number of free failures:
 * - ADDRESS_CLIENT, one address from one client: 5. This is the one a guesser meets first, and it
 *   is theirs alone: the owner logging in from another client does not share it.
 * - CLIENT, any address from one client: 20, against one client trying a few passwords on many
 *   addresses. A success does not reset it (an attacker could log in to an account of their own
 *   to wipe it); it only takes back that attempt's own count.
 * - ADDRESS, one address from every client: 50, against guessing spread over many clients. It is
 *   the only key one client shares with the owner, so it is set above what one client can reach
 *   in a window: ADDRESS_CLIENT lets one client count at most about 15 failures an hour, and a
 *   window of ADDRESS spans at most two of its windows.
 *
 * A key's failures count within a window of one hour from its first failure, then start again.
 * Once a key has as many failures as it allows free, each further failure blocks it for 15 s,
 * then 30 s, 1 min... doubling up to 15 min. A blocked key refuses attempts before their password
 * is checked, so the right password is refused too (answering it would tell a guesser which guess
 * was right) and refused attempts cost no hashing and count nothing: hammering a blocked key does
 * not prolong its block, and nobody is locked out for longer than one block at a time.
 *
 * An attempt counts as a failure before its password is checked, and the count is taken back when
 * the password is right, so a burst of concurrent guesses cannot all pass before the first of them
 * is counted. A right password deletes the ADDRESS_CLIENT and ADDRESS counters of its address.
 * Unknown addresses are counted like known ones, so RATE_LIMITED does not tell which exist.
 *
 * A client is its IP address, an IPv6 client its /64 (one subscriber's network); a request with
 * no known client (an in-process call) is counted under ADDRESS only.
 */
export const LOGIN_THROTTLE = {
  windowMs: 60 * 60_000,
  firstBlockMs: 15_000,
  maxBlockMs: 15 * 60_000,
  freeFailures: { ADDRESS_CLIENT: 5, CLIENT: 20, ADDRESS: 50 },
} as const;

type Scope = keyof typeof LOGIN_THROTTLE.freeFailures;

interface Key {
  scope: Scope;
  subject: string;
}

/** The keys an attempt was counted under, and the block its own count set on its client. */
export interface CountedAttempt {
  keys: Key[];
  clientBlockSet: Date | null;
}

/** The eight groups of an IPv6 address, with `::` and a trailing IPv4 part expanded. */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The key of a client: an IPv4 address as it is (also when mapped into IPv6), an IPv6 address by
 * its /64, since one subscriber gets a whole /64 and could otherwise rotate through it.
 */
export function clientKey(ip: string | null): string | null {
  if (!ip) return null;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return null;
  const groups = ipv6Groups(ip);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** A duration in SQL; the cast keeps PostgreSQL from guessing the parameter's type. */
function millis(value: number | SQL) {
  return sql`(${value})::float8 * interval '1 millisecond'`;
}

/**
 * The address as a key. No address is longer than 254 characters, so a longer one is a guess at
 * nothing; it is keyed by its hash to keep keys within what an index entry can hold.
 */
function addressKey(address: string): string {
  return address.length <= 320 ? address : `sha256:${createHash('sha256').update(address).digest('hex')}`;
}

function keysOf(rawAddress: string, client: string | null): Key[] {
  const address = addressKey(rawAddress);
  const keys: Key[] = [{ scope: 'ADDRESS', subject: address }];
  if (client) keys.push({ scope: 'CLIENT', subject: client }, { scope: 'ADDRESS_CLIENT', subject: `${address} ${client}` });
  return keys;
}

function matching(keys: Key[]) {
  return or(...keys.map((key) => and(eq(loginThrottles.scope, key.scope), eq(loginThrottles.subject, key.subject))));
}

/**
 * Refuses the attempt with RateLimitedError while any of its keys is blocked; otherwise counts it
 * as a failure under all of them at once, blocking those it takes past their free failures.
 */
export async function countLogInAttempt(db: Db, address: string, ip: string | null, now: Date): Promise<CountedAttempt> {
  const keys = keysOf(address, clientKey(ip));
  const at = now.toISOString();
  const blocks = await db.select({ blockedUntil: loginThrottles.blockedUntil }).from(loginThrottles).where(matching(keys));
  const latest = blocks.reduce<Date | null>((max, row) => (row.blockedUntil && (!max || row.blockedUntil > max) ? row.blockedUntil : max), null);
  if (latest && latest > now) throw new RateLimitedError(latest, now);

  const clientBlockSet = await db.transaction(async (tx) => {
    let clientBlock: Date | null = null;
    // Always in the same order, so concurrent attempts lock the rows without deadlocking.
    for (const key of keys) {
      const free = LOGIN_THROTTLE.freeFailures[key.scope];
      const expired = sql`${loginThrottles.windowStartedAt} <= ${at}::timestamptz - ${millis(LOGIN_THROTTLE.windowMs)}`;
      const failures = sql`(case when ${expired} then 1 else ${loginThrottles.failures} + 1 end)`;
      const beyond = sql`least(${failures} - ${free}::int, 30)`;
      // 15 s after the last free failure, doubling with each further one up to the cap; the
      // exponent is bounded so the arithmetic never overflows, whatever the count.
      const wait = sql`least(${LOGIN_THROTTLE.maxBlockMs}::float8, ${LOGIN_THROTTLE.firstBlockMs}::float8 * power(2, ${beyond}))`;
      const blockedUntil = sql`case when ${failures} >= ${free}::int then ${at}::timestamptz + ${millis(wait)} end`;
      const [counted] = await tx
        .insert(loginThrottles)
        .values({
          ...key,
          failures: 1,
          windowStartedAt: now,
          blockedUntil: free <= 1 ? new Date(now.getTime() + LOGIN_THROTTLE.firstBlockMs) : null,
        })
        .onConflictDoUpdate({
          target: [loginThrottles.scope, loginThrottles.subject],
          set: {
            failures,
            windowStartedAt: sql`case when ${expired} then ${at}::timestamptz else ${loginThrottles.windowStartedAt} end`,
            blockedUntil,
          },
          // A key blocked since the check above (by a concurrent attempt) is not counted again.
          setWhere: sql`${loginThrottles.blockedUntil} is null or ${loginThrottles.blockedUntil} <= ${at}::timestamptz`,
        })
        .returning({ blockedUntil: loginThrottles.blockedUntil });
      if (!counted) {
        const [row] = await tx.select({ blockedUntil: loginThrottles.blockedUntil }).from(loginThrottles).where(matching([key]));
        // Thrown inside the transaction, so the keys counted before this one are not counted either.
        throw new RateLimitedError(row?.blockedUntil ?? new Date(now.getTime() + LOGIN_THROTTLE.firstBlockMs), now);
      }
      if (key.scope === 'CLIENT') clientBlock = counted.blockedUntil;
    }
    return clientBlock;
  });

  // Counters whose window has ended and whose block has passed mean nothing; a few go each time.
  await db.execute(sql`
    delete from ${loginThrottles} where (scope, subject) in (
      select scope, subject from ${loginThrottles}
      where window_started_at <= ${at}::timestamptz - ${millis(LOGIN_THROTTLE.windowMs)}
        and (blocked_until is null or blocked_until <= ${at}::timestamptz)
      limit 100 for update skip locked
    )`);
  return { keys, clientBlockSet };
}

/**
 * The password was right: forgets the failures of its address (from this client and from all),
 * and takes back this attempt's count on its client, lifting the block only if this attempt set it.
 */
export async function forgetLogInFailures(db: Db, attempt: CountedAttempt): Promise<void> {
  const ofAddress = attempt.keys.filter((key) => key.scope !== 'CLIENT');
  await db.delete(loginThrottles).where(matching(ofAddress));
  const client = attempt.keys.find((key) => key.scope === 'CLIENT');
  if (!client) return;
  const mine = attempt.clientBlockSet?.toISOString() ?? null;
  await db
    .update(loginThrottles)
    .set({
      failures: sql`greatest(${loginThrottles.failures} - 1, 0)`,
      blockedUntil: sql`case when ${loginThrottles.blockedUntil} = ${mine}::timestamptz then null else ${loginThrottles.blockedUntil} end`,
    })
    .where(matching([client]));
}
