import { createHash } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../server/db/client.js';

/** The size of the data set; `--quick` and the PGlite comparison use a smaller one. */
export interface SeedSize {
  tenants: number;
  /** Users per tenant, the owner included. */
  usersPerTenant: number;
  aliasesPerUser: number;
  groupsPerTenant: number;
  membersPerGroup: number;
  resourcesPerTenant: number;
  sharesPerResource: number;
  ledgerPerTenant: number;
}

/** The data set: 200 tenants, 20,000 users, 40,000 aliases, 2,000 groups, 10,000 resources, 200,000 ledger entries. */
export const FULL_SIZE: SeedSize = {
  tenants: 200,
  usersPerTenant: 100,
  aliasesPerUser: 2,
  groupsPerTenant: 10,
  membersPerGroup: 10,
  resourcesPerTenant: 50,
  sharesPerResource: 2,
  ledgerPerTenant: 1000,
};

export const MAIL_DOMAIN = 'mailadmin.test';

/** What the workloads need to know about one seeded tenant. */
export interface Tenant {
  index: number;
  masterAccountId: string;
  ownerId: string;
  /** A bearer token of the owner with READ, WRITE and BILLING. */
  token: string;
  /** The prefix every user address of the tenant starts with, such as "t017-u0". */
  userPrefix: string;
  /** Ids of the tenant's users other than the owner (PRO and ENTRY, so aliases fit their limit). */
  userIds: string[];
}

const pad3 = (n: number) => String(n).padStart(3, '0');

/** The same deterministic uuid the seed SQL computes with md5(text)::uuid. */
export function seedUuid(text: string): string {
  const hex = createHash('md5').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Tokens are fixed per tenant so a reseeded database and the benchmark agree without a hand-over. */
export function tenantToken(t: number): string {
  return `mat_bench${pad3(t)}${'k'.repeat(34)}`;
}

export function tenants(size: SeedSize): Tenant[] {
  return Array.from({ length: size.tenants }, (_, t) => ({
    index: t,
    masterAccountId: seedUuid(`ma${t}`),
    ownerId: seedUuid(`u${t}-0`),
    token: tenantToken(t),
    userPrefix: `t${pad3(t)}-u0`,
    userIds: Array.from({ length: size.usersPerTenant - 1 }, (_, n) => seedUuid(`u${t}-${n + 1}`)),
  }));
}

/**
 * The seed, set-based: one INSERT ... SELECT over generate_series per table. Ids are md5 uuids of
 * the row's coordinates, so rows reference each other without lookups. The ledger starts with a
 * large deposit and then alternates deposits and charges, each row carrying the running balance,
 * inserted in order so `seq` follows it: the invariant the application keeps.
 */
function seedStatements(s: SeedSize): string[] {
  const T = s.tenants - 1;
  const U = s.usersPerTenant - 1;
  return [
    `insert into master_accounts (id, name, created_at)
     select md5('ma' || t)::uuid, 'Bench tenant ' || lpad(t::text, 3, '0'), timestamptz '2026-01-01' + t * interval '1 minute'
     from generate_series(0, ${T}) t`,
    // The owner (n = 0) is PRO and not paid from the deposit; the others are PRO or ENTRY, paid well ahead,
    // so no renewal falls due while the benchmark deposits money.
    `insert into users (id, master_account_id, display_name, plan, status, role, paid_through, created_at, updated_at)
     select md5('u' || t || '-' || n)::uuid, md5('ma' || t)::uuid,
            case when n = 0 then 'Owner of tenant ' || t else 'Person ' || n || ' of tenant ' || t end,
            (case when n % 2 = 0 then 'PRO' else 'ENTRY' end)::plan, 'ACTIVE',
            (case when n = 0 then 'OWNER' when n < 3 then 'ADMIN' else 'MEMBER' end)::user_role,
            case when n = 0 then null else now() + interval '20 days' end,
            timestamptz '2026-01-01' + (t * ${s.usersPerTenant} + n) * interval '1 second',
            timestamptz '2026-01-01' + (t * ${s.usersPerTenant} + n) * interval '1 second'
     from generate_series(0, ${T}) t, generate_series(0, ${U}) n`,
    `insert into addresses (id, address, master_account_id, user_id, kind, created_at)
     select md5('p' || t || '-' || n)::uuid,
            't' || lpad(t::text, 3, '0') || case when n = 0 then '-owner' else '-u' || lpad((n - 1)::text, 3, '0') end || '@${MAIL_DOMAIN}',
            md5('ma' || t)::uuid, md5('u' || t || '-' || n)::uuid, 'PRIMARY', timestamptz '2026-01-01'
     from generate_series(0, ${T}) t, generate_series(0, ${U}) n`,
    `insert into addresses (id, address, master_account_id, user_id, kind, created_at)
     select md5('a' || t || '-' || n || '-' || a)::uuid,
            'alias' || a || '.t' || lpad(t::text, 3, '0') || 'n' || lpad(n::text, 3, '0') || '@${MAIL_DOMAIN}',
            md5('ma' || t)::uuid, md5('u' || t || '-' || n)::uuid, 'ALIAS', timestamptz '2026-01-02'
     from generate_series(0, ${T}) t, generate_series(0, ${U}) n, generate_series(1, ${s.aliasesPerUser}) a`,
    `insert into groups (id, master_account_id, name, description, created_at)
     select md5('g' || t || '-' || g)::uuid, md5('ma' || t)::uuid, 'Group ' || lpad(g::text, 3, '0'), 'Seeded group', timestamptz '2026-01-03'
     from generate_series(0, ${T}) t, generate_series(0, ${s.groupsPerTenant - 1}) g`,
    `insert into group_members (group_id, user_id, role, added_at)
     select md5('g' || t || '-' || g)::uuid, md5('u' || t || '-' || (1 + (g * ${s.membersPerGroup} + k) % ${U}))::uuid,
            (case when k = 0 then 'MANAGER' else 'MEMBER' end)::group_role, timestamptz '2026-01-04'
     from generate_series(0, ${T}) t, generate_series(0, ${s.groupsPerTenant - 1}) g, generate_series(0, ${s.membersPerGroup - 1}) k`,
    `insert into shared_resources (id, master_account_id, kind, name, owner_id, created_at)
     select md5('r' || t || '-' || r)::uuid, md5('ma' || t)::uuid,
            (array['CALENDAR', 'DOCUMENTS', 'CONTACTS', 'MAILBOX'])[1 + r % 4]::resource_kind,
            'Resource ' || lpad(r::text, 3, '0'), md5('u' || t || '-' || (1 + r % ${U}))::uuid, timestamptz '2026-01-05'
     from generate_series(0, ${T}) t, generate_series(0, ${s.resourcesPerTenant - 1}) r`,
    `insert into resource_shares (resource_id, group_id, permission, created_at)
     select md5('r' || t || '-' || r)::uuid, md5('g' || t || '-' || ((r + k) % ${s.groupsPerTenant}))::uuid,
            (array['READ', 'WRITE', 'MANAGE'])[1 + (r + k) % 3]::share_permission, timestamptz '2026-01-06'
     from generate_series(0, ${T}) t, generate_series(0, ${s.resourcesPerTenant - 1}) r, generate_series(0, ${s.sharesPerResource - 1}) k`,
    `insert into ledger_entries (master_account_id, kind, amount_cents, balance_after_cents, description, user_id, plan,
                                 period_start, period_end, idempotency_key, created_at)
     select account, kind, amount, sum(amount) over (partition by account order by n), description, user_id, plan,
            period_start, period_start + interval '30 days', idempotency_key, created_at
     from (
       select md5('ma' || t)::uuid as account, t, n,
              (case when n % 2 = 1 then 'DEPOSIT' else 'CHARGE' end)::ledger_entry_kind as kind,
              case when n = 1 then 1000000 when n % 2 = 1 then 500 else -750 end::bigint as amount,
              case when n % 2 = 1 then 'Deposit' else 'PRO plan, 30 days' end as description,
              case when n % 2 = 0 then md5('u' || t || '-' || (1 + n % ${U}))::uuid end as user_id,
              case when n % 2 = 0 then 'PRO'::plan end as plan,
              case when n % 2 = 0 then timestamptz '2025-01-01' + n * interval '1 hour' end as period_start,
              case when n % 2 = 1 then 'seed-' || n end as idempotency_key,
              timestamptz '2025-01-01' + n * interval '1 hour' as created_at
       from generate_series(0, ${T}) t, generate_series(1, ${s.ledgerPerTenant}) n
     ) entries
     order by t, n`,
    `insert into api_tokens (master_account_id, user_id, kind, name, token_hash, scopes, created_at)
     select md5('ma' || t)::uuid, md5('u' || t || '-0')::uuid, 'API', 'bench',
            encode(sha256(convert_to('mat_bench' || lpad(t::text, 3, '0') || repeat('k', 34), 'UTF8')), 'hex'),
            array['READ', 'WRITE', 'BILLING']::token_scope[], timestamptz '2026-01-01'
     from generate_series(0, ${T}) t`,
  ];
}

export interface SeedClient {
  query(sql: string): Promise<unknown>;
}

export async function seedInto(client: SeedClient, size: SeedSize): Promise<void> {
  for (const statement of seedStatements(size)) await client.query(statement);
}

/** The maintenance database's URL next to `url`, for CREATE and DROP DATABASE. */
function maintenanceUrl(url: string): { admin: string; name: string } {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  parsed.pathname = '/postgres';
  return { admin: parsed.toString(), name };
}

/**
 * Makes `url`'s database fresh, migrated with the application's own migrations and seeded. A
 * database whose name contains "bench" is dropped and created again; any other one must be empty,
 * so the benchmark never wipes data it did not make.
 */
export async function prepareDatabase(url: string, size: SeedSize, log: (line: string) => void): Promise<void> {
  const { admin, name } = maintenanceUrl(url);
  if (name.includes('bench')) {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      const quoted = `"${name.replaceAll('"', '""')}"`;
      await client.query(`drop database if exists ${quoted} with (force)`);
      await client.query(`create database ${quoted}`);
    } finally {
      await client.end();
    }
  }
  const database = await openDatabase({ databaseUrl: url });
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from master_accounts');
    if (Number(rows[0]?.n ?? 0) > 0) {
      throw new Error(`${name} already holds master accounts: give the benchmark a database whose name contains "bench", or an empty one`);
    }
    const started = Date.now();
    await client.query('begin');
    await seedInto(client, size);
    await client.query('commit');
    await client.query('vacuum analyze');
    log(`seeded ${name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await client.end();
  }
}
