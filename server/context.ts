import { isIP } from 'node:net';
import { typeBrandKey } from '@pothos/core';
import DataLoader from 'dataloader';
import { and, eq, inArray } from 'drizzle-orm';
import type { Config } from './config.js';
import type { Db } from './db/client.js';
import type { PageArgs } from './db/pagination.js';
import { apiTokens, auditEvents, domains, ledgerEntries, masterAccounts } from './db/tables.js';
import { balanceOf, type LedgerEntryRow } from './domain/billing.js';
import { loadAliases, loadAliasesOfUsers, type AliasRow } from './domain/aliases.js';
import type { DnsLookup } from './domain/dns.js';
import type { Events } from './pubsub.js';
import type { SubscriptionGuard } from './subscription-guard.js';
import type { DomainRow } from './domain/domains.js';
import {
  countMembersOfGroups,
  loadAccessOfUsers,
  loadAccessToResources,
  loadGroups,
  loadMembershipsOfUsers,
  loadResources,
  loadSharesOfGroups,
  loadSharesOfResources,
  pageMembersOfGroups,
  type GroupRow,
  type MemberPage,
  type MembershipRow,
  type ResourceAccessRow,
  type ResourceRow,
  type ShareRow,
  type UserAccessRow,
} from './domain/groups.js';
import { UnauthenticatedError } from './domain/errors.js';
import type { TokenCache } from './domain/token-cache.js';
import { authenticateWithAccount } from './domain/tokens.js';
import { loadOwners, loadUsers, type UserRow } from './domain/users.js';
import { loadSessions, type SessionRow } from './domain/sessions.js';
import type { Viewer } from './domain/viewer.js';
import type { SecondFactorPolicy } from './domain/second-factor.js';

export type MasterAccountRow = typeof masterAccounts.$inferSelect;
export type ApiTokenRow = typeof apiTokens.$inferSelect;
export type AuditEventRow = typeof auditEvents.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A DataLoader over rows with uuid keys: ids that are not uuids never reach SQL, and rows come back
 * in the order of the keys with null where a row is missing or hidden.
 */
function rowLoader<Row extends { id: string }>(load: (ids: string[]) => Promise<Row[]>) {
  return new DataLoader<string, Row | null>(async (keys) => {
    const valid = keys.filter(isUuid);
    const rows = valid.length > 0 ? await load(valid) : [];
    const found = new Map(rows.map((row) => [row.id, row]));
    return keys.map((id) => found.get(id) ?? null);
  });
}

/** A DataLoader of lists keyed by one id: one statement for all keys, each key's rows in their order. */
function listLoader<Row>(load: (ids: readonly string[]) => Promise<Row[]>, keyOf: (row: Row) => string) {
  return new DataLoader<string, Row[]>(async (ids) => {
    const rows = await load(ids);
    return ids.map((id) => rows.filter((row) => keyOf(row) === id));
  });
}

/**
 * A page of a nested connection: the parent's id and the page arguments, which may differ per
 * alias, and whether its rows are wanted or only its totalCount.
 */
interface NestedPageKey {
  id: string;
  args: PageArgs;
  rows: boolean;
}

function pageArgsKey(key: Omit<NestedPageKey, 'id'>): string {
  const { args } = key;
  return JSON.stringify([args.first ?? null, args.after ?? null, args.last ?? null, args.before ?? null, key.rows]);
}

/**
 * A DataLoader of nested connection pages: keys with the same page arguments are loaded together,
 * so a page of parents costs one statement whatever its size.
 */
function pageLoader<Page>(load: (ids: string[], args: PageArgs, rows: boolean) => Promise<Page[]>) {
  return new DataLoader<NestedPageKey, Page, string>(
    async (keys) => {
      const batches = new Map<string, { args: PageArgs; rows: boolean; keys: NestedPageKey[] }>();
      for (const key of keys) {
        const batch = batches.get(pageArgsKey(key)) ?? { args: key.args, rows: key.rows, keys: [] };
        batch.keys.push(key);
        batches.set(pageArgsKey(key), batch);
      }
      const pages = new Map<NestedPageKey, Page | Error>();
      await Promise.all(
        [...batches.values()].map(async (batch) => {
          try {
            const loaded = await load(batch.keys.map((key) => key.id), batch.args, batch.rows);
            batch.keys.forEach((key, i) => pages.set(key, loaded[i] ?? new Error(`no page for ${key.id}`)));
          } catch (error) {
            // Bad page arguments (a foreign cursor, first: 0) fail only the fields that sent them.
            batch.keys.forEach((key) => pages.set(key, error instanceof Error ? error : new Error(String(error))));
          }
        }),
      );
      return keys.map((key) => pages.get(key) ?? new Error(`no page for ${key.id}`));
    },
    { cacheKeyFn: (key) => `${key.id} ${pageArgsKey(key)}` },
  );
}

/**
 * Per-request batch loaders bound to one master account, so a row of another tenant reads as
 * missing wherever it is asked for: node(), nodes() or a nested field.
 */
function createLoaders(db: Db, masterAccountId: string) {
  const memberCount = new DataLoader<string, number>(async (groupIds) => {
    const counts = await countMembersOfGroups(db, masterAccountId, groupIds);
    return groupIds.map((id) => counts.get(id) ?? 0);
  });
  return {
    /** Primed by pages of groups, which read each group's count with it. */
    memberCount,
    user: rowLoader<UserRow>((ids) => loadUsers(db, masterAccountId, ids)),
    masterAccount: rowLoader<MasterAccountRow>((ids) =>
      db
        .select()
        .from(masterAccounts)
        .where(and(inArray(masterAccounts.id, ids), eq(masterAccounts.id, masterAccountId))),
    ),
    session: rowLoader<SessionRow & { revokedAt: Date | null }>((ids) => loadSessions(db, masterAccountId, ids)),
    apiToken: rowLoader<ApiTokenRow>((ids) =>
      db
        .select()
        .from(apiTokens)
        .where(and(inArray(apiTokens.id, ids), eq(apiTokens.masterAccountId, masterAccountId))),
    ),
    owner: new DataLoader<string, UserRow>(async (accountIds) => {
      const owners = await loadOwners(db, masterAccountId);
      return accountIds.map((id) => owners.find((owner) => owner.masterAccountId === id) ?? new Error(`no owner of ${id}`));
    }),
    domain: rowLoader<DomainRow>((ids) =>
      db
        .select()
        .from(domains)
        .where(and(inArray(domains.id, ids), eq(domains.masterAccountId, masterAccountId))),
    ),
    alias: rowLoader<AliasRow>((ids) => loadAliases(db, masterAccountId, ids)),
    aliasesOfUser: new DataLoader<string, AliasRow[]>(async (userIds) => {
      const rows = await loadAliasesOfUsers(db, masterAccountId, userIds);
      return userIds.map((id) => rows.filter((row) => row.userId === id));
    }),
    ledgerEntry: rowLoader<LedgerEntryRow>((ids) =>
      db
        .select()
        .from(ledgerEntries)
        .where(and(inArray(ledgerEntries.id, ids), eq(ledgerEntries.masterAccountId, masterAccountId))),
    ),
    balance: new DataLoader<string, number>(async (accountIds) =>
      Promise.all(accountIds.map((id) => (id === masterAccountId ? balanceOf(db, id) : 0))),
    ),
    auditEvent: rowLoader<AuditEventRow>((ids) =>
      db
        .select()
        .from(auditEvents)
        .where(and(inArray(auditEvents.id, ids), eq(auditEvents.masterAccountId, masterAccountId))),
    ),
    group: rowLoader<GroupRow>((ids) => loadGroups(db, masterAccountId, ids)),
    resource: rowLoader<ResourceRow>((ids) => loadResources(db, masterAccountId, ids)),
    membersOfGroup: pageLoader<MemberPage>((ids, args, rows) =>
      pageMembersOfGroups(db, masterAccountId, ids, args, (id) => memberCount.load(id), rows),
    ),
    membershipsOfUser: listLoader<MembershipRow>((ids) => loadMembershipsOfUsers(db, masterAccountId, ids), (row) => row.userId),
    sharesOfGroup: listLoader<ShareRow>((ids) => loadSharesOfGroups(db, masterAccountId, ids), (row) => row.groupId),
    sharesOfResource: listLoader<ShareRow>((ids) => loadSharesOfResources(db, masterAccountId, ids), (row) => row.resourceId),
    accessOfUser: listLoader<ResourceAccessRow>((ids) => loadAccessOfUsers(db, masterAccountId, ids), (row) => row.userId),
    accessToResource: listLoader<UserAccessRow>((ids) => loadAccessToResources(db, masterAccountId, ids), (row) => row.resourceId),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

export interface Context {
  db: Db;
  config: Config;
  dns: DnsLookup;
  /** Where committed changes are announced to subscriptions. */
  events: Events;
  /** Ends live subscriptions whose token stops working (subscription-guard.ts). */
  subscriptions: SubscriptionGuard;
  /** The instant the request started; every rule in one request sees the same "now". */
  now: Date;
  /** The IP address the request came from (see clientAddress); null for an in-process call. */
  client: string | null;
  /** The User-Agent the request came with (at most 300 characters), shown on the sessions it opens. */
  userAgent: string | null;
  viewer: Viewer | null;
  /** The viewer's master account's policy of second factors, read with the token; null without one. */
  secondFactorPolicy: SecondFactorPolicy | null;
  /**
   * The bearer token when the viewer came from this process's token cache: a mutation looks it up
   * in the database again before it runs, or checks it in its own write (yoga.ts,
   * useWritesAuthorisedByDatabase). Null otherwise.
   */
  cachedToken: string | null;
  /**
   * The loaders of one master account, made on first use and kept for the request. Objects pass
   * their own master account's id, so nested fields never reach outside the tenant of their parent.
   */
  loaders(masterAccountId: string): Loaders;
}

/** A context whose viewer is known; resolvers behind the `signedIn` scope receive this. */
export interface SignedInContext extends Context {
  viewer: Viewer;
}

export function bearerToken(authorization: string | null): string | null {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1] ?? null;
}

/** An address as a proxy may write it: bare, `[v6]`, `[v6]:port` or `v4:port`. */
function bareIp(value: string): string | null {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  const candidate = bracketed?.[1] ?? value.replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
  return isIP(candidate) ? candidate : null;
}

/**
 * The IP address of the client. X-Forwarded-For is anyone's to write, so it is read only when
 * `trustProxy` says that many proxies stand in front: each appends the address it was reached
 * from, so the client is the entry the outermost trusted proxy wrote, `trustProxy` from the end.
 * Entries to its left came from the client itself and are ignored.
 */
export function clientAddress(request: Request, peer: string | undefined, trustProxy: number): string | null {
  if (trustProxy > 0) {
    const chain = (request.headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const written = chain[Math.max(0, chain.length - trustProxy)];
    const ip = written === undefined ? null : bareIp(written);
    if (ip) return ip;
  }
  return peer ? bareIp(peer) : null;
}

export async function createContext(
  services: { db: Db; config: Config; dns: DnsLookup; events: Events; subscriptions: SubscriptionGuard; tokens?: TokenCache },
  request: Request,
  /** The TCP peer's address, when the request came over a socket. */
  peer?: string,
): Promise<Context> {
  const { db } = services;
  const now = new Date();
  const client = clientAddress(request, peer, services.config.trustProxy);
  const token = bearerToken(request.headers.get('authorization'));
  const authenticated = token ? await authenticateWithAccount(db, token, now, services.tokens) : null;
  const cachedToken = authenticated?.cached ? token : null;
  // A token that was sent but is not valid is an error even on fields that need none, so a client
  // with an expired token learns it at once instead of seeing a signed-out view.
  if (token && !authenticated) throw new UnauthenticatedError('The bearer token is unknown, expired or revoked.');
  const viewer = authenticated?.viewer ?? null;
  const byAccount = new Map<string, Loaders>();
  const loaders = (masterAccountId: string) => {
    let found = byAccount.get(masterAccountId);
    if (!found) {
      found = createLoaders(db, masterAccountId);
      byAccount.set(masterAccountId, found);
      // The master account came with the token: `viewer { masterAccount }` reads it from there.
      // Primed when the loaders are first needed: most mutations never need them.
      const masterAccount = authenticated?.masterAccount;
      if (masterAccount?.id === masterAccountId) found.masterAccount.prime(masterAccountId, masterAccount);
    }
    return found;
  };
  const userAgent = request.headers.get('user-agent')?.slice(0, 300) ?? null;
  return {
    db,
    config: services.config,
    dns: services.dns,
    events: services.events,
    subscriptions: services.subscriptions,
    now,
    client,
    userAgent,
    viewer,
    secondFactorPolicy: authenticated?.masterAccount.secondFactorPolicy ?? null,
    cachedToken,
    loaders,
  };
}

/**
 * Loads node()/nodes() lookups from the viewer's own master account only. Each row is branded
 * with its GraphQL type as it arrives: Pothos brands a loaded node only after its whole batch, and
 * a `nodes` list given the same id as a `node` field of the request meanwhile gets the row from
 * Pothos's request cache unbranded, which GraphQL then cannot type.
 */
export function viewerNodes<Row>(
  context: Context,
  type: { name: string },
  pick: (loaders: Loaders) => DataLoader<string, Row | null>,
  ids: readonly string[],
): (Promise<Row | null> | null)[] {
  if (!context.viewer) return ids.map(() => null);
  const loader = pick(context.loaders(context.viewer.masterAccountId));
  return ids.map((id) =>
    loader.load(id).then((row) => {
      // As Pothos's brandWithType does, with the type's name, so its own branding later agrees.
      if (row && typeof row === 'object' && !(typeBrandKey in row)) Object.defineProperty(row, typeBrandKey, { enumerable: false, value: type.name });
      return row;
    }),
  );
}
