import { and, count, eq, ilike, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { countOverAll, keysetPage, totalOf, orderOf, splitTotal, type PageArgs, type SortKey } from '../db/pagination.js';
import { preparedStatement, preparedStatements } from '../db/prepared.js';
import { addresses, users } from '../db/tables.js';
import { ValidationError } from './errors.js';
import type { Plan } from './plans.js';
import { columnsOf, primaryAddress, usersWith, type AccountKind, type UserRow, type UserStatus } from './users.js';

/**
 * The directory of a master account's users: pages in any order, filtered and searched, counted.
 * (The rows themselves, and the changes to them, are users.ts'.)
 */

/** Users whose shown status (see userColumns) is `status`. */
function statusIs(status: UserStatus): SQL | undefined {
  if (status === 'SUSPENDED') return isNotNull(users.suspendedAt);
  return and(isNull(users.suspendedAt), eq(users.status, status));
}

export interface UserFilter {
  plan?: Plan | null;
  status?: UserStatus | null;
  kind?: AccountKind | null;
  search?: string | null;
}
export type UserOrderField = 'ADDRESS' | 'DISPLAY_NAME' | 'CREATED_AT' | 'PLAN';
export interface UserOrder {
  field: UserOrderField;
  direction: 'ASC' | 'DESC';
}

const SORT_KEYS: Record<UserOrderField, (row: UserRow) => string | Date> = {
  ADDRESS: (row) => row.address,
  DISPLAY_NAME: (row) => row.displayName,
  CREATED_AT: (row) => row.createdAt,
  PLAN: (row) => row.plan,
};
const SORT_COLUMNS: Record<UserOrderField, SortKey> = {
  ADDRESS: { column: addresses.address, cast: 'text' },
  DISPLAY_NAME: { column: users.displayName, cast: 'text' },
  CREATED_AT: { column: users.createdAt, cast: 'timestamptz' },
  PLAN: { column: users.plan, cast: 'plan' },
};

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const sortKeysOf = (field: UserOrderField): SortKey[] => [SORT_COLUMNS[field], { column: users.id, cast: 'uuid' }];
type UserOrderKey = `${UserOrderField} ${'ASC' | 'DESC'}`;

/** Which first page: its order, and whether the rows bring their aliases. */
type FirstPageKey = `${UserOrderKey} ${'aliases' | 'plain'}`;
const parseKey = (key: FirstPageKey) => key.split(' ') as [UserOrderField, 'ASC' | 'DESC', 'aliases' | 'plain'];

/** The first page of an account's users in one order, unfiltered, as listUsers' fetch would read it. */
const firstUsersPage = preparedStatements((db, key: FirstPageKey) => {
  const [field, direction, aliases] = parseKey(key);
  return usersWith(db, columnsOf(aliases === 'aliases'))
    .where(eq(users.masterAccountId, sql.placeholder('masterAccountId')))
    .orderBy(...orderOf(sortKeysOf(field), direction === 'ASC'))
    .limit(sql.placeholder('limit'))
    .prepare(`mailadmin_users_first_${field}_${direction}_${aliases}`.toLowerCase());
});

/** A first page forward in one order, with the length of the list in each row (`total`). */
function firstUsersCounted(db: Db, where: SQL | undefined, total: SQL<number>, key: FirstPageKey) {
  const [field, direction, aliases] = parseKey(key);
  return usersWith(db, { ...columnsOf(aliases === 'aliases'), total })
    .where(where)
    .orderBy(...orderOf(sortKeysOf(field), direction === 'ASC'));
}

/** The users a filter matches, counted as listed: each with its primary address. */
const countMatching = (db: Db, where: SQL | undefined) => db.select({ n: count() }).from(users).innerJoin(addresses, primaryAddress).where(where);

/**
 * All users of an account. Every user row has exactly one primary address (made with the user,
 * released only by the transaction that deletes the user, at most one by a unique index), so the
 * join of the list is left out and the count reads the users' index alone.
 */
const countAll = (db: Db) => db.select({ n: count() }).from(users).where(eq(users.masterAccountId, sql.placeholder('masterAccountId')));

/** The unfiltered first page counted, built once per order. */
const firstUsersPageCounted = preparedStatements((db, key: FirstPageKey) =>
  firstUsersCounted(db, eq(users.masterAccountId, sql.placeholder('masterAccountId')), totalOf(countAll(db)), key)
    .limit(sql.placeholder('limit'))
    .prepare(`mailadmin_users_first_counted_${key.replaceAll(' ', '_')}`.toLowerCase()),
);

const countAllUsers = preparedStatement((db) => countAll(db).prepare('mailadmin_users_count'));

export async function listUsers(
  db: Db,
  masterAccountId: string,
  args: PageArgs,
  filter: UserFilter | null | undefined,
  order: UserOrder | null | undefined,
  /** Whether the client asks for totalCount. */
  wantsTotal = false,
  /** Whether the client shows the users' aliases: the rows then bring them (see aliasesOf). */
  withAliases = false,
) {
  const conditions: (SQL | undefined)[] = [eq(users.masterAccountId, masterAccountId)];
  if (filter?.plan) conditions.push(eq(users.plan, filter.plan));
  if (filter?.status) conditions.push(statusIs(filter.status));
  if (filter?.kind) conditions.push(eq(users.kind, filter.kind));
  const search = filter?.search?.trim();
  // PostgreSQL text cannot hold NUL, so the pattern could not even be sent.
  if (search?.includes('\u0000')) throw new ValidationError('filter.search', 'must not contain a NUL character');
  if (search) {
    const pattern = `%${escapeLike(search.toLowerCase())}%`;
    conditions.push(or(ilike(addresses.address, pattern), ilike(users.displayName, pattern)));
  }
  const unfiltered = conditions.length === 1;
  const base = and(...conditions);
  const field = order?.field ?? 'CREATED_AT';
  const direction = order?.direction ?? 'ASC';
  const pageKey: FirstPageKey = `${field} ${direction} ${withAliases ? 'aliases' : 'plain'}`;
  const sortValue = SORT_KEYS[field];
  return keysetPage<UserRow>({
    args,
    keys: sortKeysOf(field),
    descending: direction === 'DESC',
    cursorOf: (row) => [sortValue(row), row.id],
    fetch: (after, orderBy, limit) =>
      usersWith(db, columnsOf(withAliases))
        .where(and(base, after))
        .orderBy(...orderBy)
        .limit(limit),
    ...(unfiltered ? { fetchFirst: (limit: number) => firstUsersPage(db, pageKey).execute({ masterAccountId, limit }) } : {}),
    ...(wantsTotal
      ? {
          fetchFirstCounted: async (limit: number) =>
            splitTotal(
              unfiltered
                ? await firstUsersPageCounted(db, pageKey).execute({ masterAccountId, limit })
                : await firstUsersCounted(db, base, countOverAll(), pageKey).limit(limit),
            ),
        }
      : {}),
    count: async () => {
      const [row] = unfiltered
        ? await countAllUsers(db).execute({ masterAccountId })
        : await countMatching(db, base);
      return row?.n ?? 0;
    },
  });
}
