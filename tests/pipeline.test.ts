import { sql } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { inOneWrite, inOrder } from '../server/db/pipeline.js';
import { planTerms } from '../server/domain/plans.js';
import { decodeId, MAIL_DOMAIN, rowsOf, unique, type Tenant } from './harness.js';
import { startApp } from './harness.js';
import { until } from './until.js';

const app = await startApp();
const databaseUrl = process.env.DATABASE_URL;

const ADD_DEPOSIT = `mutation ($input: AddDepositInput!) { addDeposit(input: $input) { __typename ... on Error { code message } } }`;
const ADD_ALIAS = `mutation ($input: AddAliasInput!) { addAlias(input: $input) { __typename ... on Error { code message } } }`;

async function addDeposit(tenant: Tenant): Promise<string> {
  const result = await app.gql(ADD_DEPOSIT, { input: { amount: '25.00', idempotencyKey: unique('key') } }, tenant.token);
  expect(result.errors).toBeUndefined();
  return String(result.data.addDeposit.__typename);
}

async function addAlias(tenant: Tenant, userId: string): Promise<string> {
  const result = await app.gql(ADD_ALIAS, { input: { userId, address: `${unique('alias')}@${MAIL_DOMAIN}` } }, tenant.token);
  expect(result.errors).toBeUndefined();
  return String(result.data.addAlias.__typename);
}

/** PGlite runs BEGIN and COMMIT itself, out of the statement log; they are left out on both drivers. */
const body = (statements: string[]) => statements.filter((statement) => !/^\s*(begin|commit)\s*$/i.test(statement));

/**
 * The statements, writes and one-write transactions of a call, after one call like it (the token's
 * last-used write stays out). The second call's token comes from the token cache, so its mutation
 * checks the token in its own write, first (mailadmin_authorize_write: tests/write-authorization.test.ts).
 */
async function measure(call: () => Promise<string>, success: string): Promise<{ statements: string[]; writes: number; oneWrites: string[] }> {
  expect(await call()).toBe(success);
  app.statements.length = 0;
  app.writes.count = 0;
  app.oneWrites.length = 0;
  expect(await call()).toBe(success);
  return { statements: [...app.statements], writes: app.writes.count, oneWrites: [...app.oneWrites] };
}

describe('a mutation sends its reads right behind its lock', () => {
  it('deposit: the token check, the account lock, then the entry, which reads the balance, the key and the renewals due itself', async () => {
    const tenant = await app.signUp();
    const { statements } = await measure(() => addDeposit(tenant), 'AddDepositSuccess');
    const kinds = body(statements).map((statement) => {
      if (/mailadmin_authorize_write/.test(statement)) return 'check';
      if (/from "master_accounts".*for no key update/s.test(statement)) return 'lock';
      if (/insert into "ledger_entries"/.test(statement)) return 'entry';
      return statement.slice(0, 60);
    });
    expect(kinds).toEqual(['check', 'lock', 'entry']);
    expect(statements.find((statement) => /insert into "ledger_entries"/.test(statement))).toMatch(/from "users" "u"/);
  });

  it('alias: the token check, the user lock, then the claim, which counts the aliases itself', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'PRO' });
    const statements = body((await measure(() => addAlias(tenant, user.id), 'AddAliasSuccess')).statements);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toMatch(/mailadmin_authorize_write/);
    expect(statements[1]).toMatch(/from "users".*for no key update/s);
    expect(statements[2]).toMatch(/count\(\*\).*insert into "addresses"/s);
  });

  it('alias on an address taken by an ended hold: a second transaction clears the hold before its claim', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'PRO' });
    const address = `${unique('ended')}@${MAIL_DOMAIN}`;
    await app.database.db.execute(
      sql`insert into addresses (address, master_account_id, user_id, kind, released_at)
          values (${address}, ${decodeId(tenant.masterAccountId)}, ${decodeId(user.id)}, 'ALIAS', now() - interval '31 days')`,
    );
    app.statements.length = 0;
    const result = await app.gql(ADD_ALIAS, { input: { userId: user.id, address } }, tenant.token);
    expect(result.data.addAlias.__typename).toBe('AddAliasSuccess');
    const kinds = body(app.statements).map((statement) =>
      /for no key update/.test(statement) ? 'lock' : /delete from "addresses"/.test(statement) ? 'clear' : /insert into "addresses"/.test(statement) ? 'claim' : 'other',
    );
    expect(kinds.filter((kind) => kind !== 'other')).toEqual(['lock', 'claim', 'lock', 'clear', 'claim']);
  });
});

/**
 * Runs `work` with a connection of the test's own, outside the app's pool, for holding locks
 * behind the app's back; whatever it left open is rolled back, and the connection closed.
 */
async function withHolder<T>(work: (holder: pg.Client) => Promise<T>): Promise<T> {
  const holder = new pg.Client({ connectionString: databaseUrl });
  await holder.connect();
  try {
    return await work(holder);
  } finally {
    await holder.query('rollback').catch(() => undefined);
    await holder.end();
  }
}

/**
 * Starts `call` while `holder` holds a lock it needs, and returns once PostgreSQL shows it waiting
 * behind the holder. The answer comes wrapped, so that awaiting this does not wait for it.
 */
async function blockedBehind(holder: pg.Client, what: string, call: () => Promise<string>): Promise<{ inFlight: Promise<string> }> {
  let settled: string | undefined;
  const inFlight = call().then((answer) => (settled = answer));
  await until(`${what} to wait for the holder`, async () => {
    if (settled) throw new Error(`${what} answered without waiting for the lock: ${settled}`);
    const { rows } = await holder.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))');
    return rows[0]?.n ? true : undefined;
  });
  return { inFlight };
}

// PGlite is one in-process connection: no socket to write to and no second session to hold a lock.
if (databaseUrl) describe('on PostgreSQL', () => {
  it('a deposit and an alias each take 1 write with 1 Sync: the token check, the lock and what it reads and changes, no BEGIN or COMMIT', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'PRO' });
    const deposit = await measure(() => addDeposit(tenant), 'AddDepositSuccess');
    expect(deposit.statements).toHaveLength(3);
    expect(deposit.writes).toBe(1);
    expect(deposit.oneWrites).toEqual(['one sync']);
    const alias = await measure(() => addAlias(tenant, user.id), 'AddAliasSuccess');
    expect(alias.statements).toHaveLength(3);
    expect(alias.writes).toBe(1);
    expect(alias.oneWrites).toEqual(['one sync']);
  });

  it('a one-write transaction is all or nothing: a statement that fails undoes the ones before it', async () => {
    const { db } = app.database;
    await db.execute(sql`create table if not exists one_write_probe (id text primary key)`);
    const id = unique('probe');
    // The insert runs, then the division fails; PostgreSQL rolls both back at the Sync.
    const attempt = (divisor: number, key: string) =>
      inOneWrite(db, (tx) =>
        inOrder(
          () => tx.execute(sql`insert into one_write_probe (id) values (${key})`),
          () => tx.execute(sql`select 1 / ${divisor}::int as n`),
        ),
      );
    await attempt(1, `${id}-prepares`);
    app.oneWrites.length = 0;
    const failure = await attempt(0, `${id}-undone`).then(
      () => null,
      (error: unknown) => error as Error,
    );
    // The statement that failed is the one reported.
    expect(failure?.message).toMatch(/select 1 \/ \$1::int/);
    expect(String(failure?.cause)).toMatch(/division by zero/);
    await attempt(1, `${id}-kept`);
    expect(app.oneWrites).toEqual(['one sync', 'one sync']);
    const kept = rowsOf<{ id: string }>(await db.execute(sql`select id from one_write_probe where id like ${`${id}%`} order by id`));
    expect(kept.map((row) => row.id)).toEqual([`${id}-kept`, `${id}-prepares`]);
  });

  it('a one-write transaction goes as BEGIN, its statements and COMMIT where they are not prepared yet, and refuses a statement after its write', async () => {
    const { db } = app.database;
    app.oneWrites.length = 0;
    // A text no other test sends: not prepared on any connection.
    const fresh = unique('fresh');
    const [first] = await inOneWrite(db, (tx) => inOrder(() => tx.execute(sql`select ${fresh}::text as tag`)));
    expect(rowsOf<{ tag: string }>(first)).toEqual([{ tag: fresh }]);
    expect(app.oneWrites).toEqual(['begin and commit']);
    const failure = await inOneWrite(db, async (tx) => {
      await tx.execute(sql`select ${1}::int as n`);
      await tx.execute(sql`select ${2}::int as n`);
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(String((failure as Error | null)?.cause ?? failure)).toMatch(/after its write/);
    // The connection is clean for the next transaction.
    const [again] = await inOneWrite(db, (tx) => inOrder(() => tx.execute(sql`select ${3}::int as n`)));
    expect(rowsOf<{ n: number }>(again)).toEqual([{ n: 3 }]);
  });

  it('a taken address, refused after the COMMIT went out, leaves nothing behind', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'PRO' });
    const other = await app.createUser(tenant, { plan: 'PRO' });
    const address = `${unique('taken')}@${MAIL_DOMAIN}`;
    const first = await app.gql(ADD_ALIAS, { input: { userId: user.id, address } }, tenant.token);
    expect(first.data.addAlias.__typename).toBe('AddAliasSuccess');
    const audit = `select count(*)::int as n from audit_events where master_account_id = $1 and action = 'alias.add'`;
    await withHolder(async (holder) => {
      const before = (await holder.query<{ n: number }>(audit, [decodeId(tenant.masterAccountId)])).rows[0]?.n;
      const second = await app.gql(ADD_ALIAS, { input: { userId: other.id, address } }, tenant.token);
      expect(second.data.addAlias.__typename).toBe('AddressTakenError');
      const after = (await holder.query<{ n: number }>(audit, [decodeId(tenant.masterAccountId)])).rows[0]?.n;
      expect(after).toBe(before);
      const { rows } = await holder.query<{ user_id: string }>('select user_id from addresses where address = $1', [address]);
      expect(rows).toEqual([{ user_id: decodeId(user.id) }]);
      // The connection went back to the pool outside any transaction: the next mutation works.
      expect(await addAlias(tenant, other.id)).toBe('AddAliasSuccess');
    });
  });

  it('the count sent behind the user lock runs once the lock is held, and sees what its holder committed', async () => {
    const tenant = await app.signUp();
    const user = await app.createUser(tenant, { plan: 'ENTRY' });
    const userId = decodeId(user.id);
    const limit = planTerms.ENTRY.aliasLimit;
    // Prepares the alias's statements on the connection, so the request below goes with one Sync.
    expect(await addAlias(tenant, (await app.createUser(tenant, { plan: 'PRO' })).id)).toBe('AddAliasSuccess');
    app.oneWrites.length = 0;
    await withHolder(async (holder) => {
      await holder.query('begin');
      await holder.query('select id from users where id = $1 for no key update', [userId]);
      // The holder fills the user's aliases up to the limit while the request waits behind it.
      for (let i = 0; i < limit; i++) {
        await holder.query(`insert into addresses (address, master_account_id, user_id, kind) values ($1, $2, $3, 'ALIAS')`, [
          `${unique('held')}@${MAIL_DOMAIN}`,
          decodeId(tenant.masterAccountId),
          userId,
        ]);
      }
      const { inFlight } = await blockedBehind(holder, 'the alias request', () => addAlias(tenant, user.id));
      await holder.query('commit');
      // Had the count run on a snapshot from before the lock, it would have seen room for one more.
      expect(await inFlight).toBe('AliasLimitReachedError');
      expect(app.oneWrites).toEqual(['one sync']);
      const { rows } = await holder.query<{ n: number }>(
        `select count(*)::int as n from addresses where user_id = $1 and kind = 'ALIAS' and released_at is null`,
        [userId],
      );
      expect(rows[0]?.n).toBe(limit);
    });
  });

  it('the deposit sent behind the account lock adds to the balance its holder committed', async () => {
    const tenant = await app.signUp();
    const accountId = decodeId(tenant.masterAccountId);
    const latest = `select balance_after_cents::int as cents from ledger_entries where master_account_id = $1 order by seq desc limit 1`;
    // Prepares the deposit's statements on the connection, so the request below goes with one Sync.
    expect(await addDeposit(tenant)).toBe('AddDepositSuccess');
    app.oneWrites.length = 0;
    await withHolder(async (holder) => {
      const before = (await holder.query<{ cents: number }>(latest, [accountId])).rows[0]?.cents ?? 0;
      await holder.query('begin');
      await holder.query('select id from master_accounts where id = $1 for no key update', [accountId]);
      await holder.query(
        `insert into ledger_entries (master_account_id, kind, amount_cents, balance_after_cents, description) values ($1, 'ADJUSTMENT', 700, $2, 'held')`,
        [accountId, before + 700],
      );
      const { inFlight } = await blockedBehind(holder, 'the deposit', () => addDeposit(tenant));
      await holder.query('commit');
      expect(await inFlight).toBe('AddDepositSuccess');
      expect(app.oneWrites).toEqual(['one sync']);
      // Had the entry's statement read the balance on a snapshot from before the lock, it would have
      // left out the holder's 7.00.
      expect((await holder.query<{ cents: number }>(latest, [accountId])).rows[0]?.cents).toBe(before + 700 + 2500);
    });
  });
});

if (databaseUrl) describe('reads outside transactions, on PostgreSQL', () => {
  const { db } = app.database;
  const backendOf = async (query: ReturnType<typeof sql>) => rowsOf<{ pid: number }>(await db.execute(query))[0]?.pid;
  const number = async (n: number) => rowsOf<{ n: number }>(await db.execute(sql`select ${n}::int as n`))[0]?.n;

  it('sent together, share one connection and one write', async () => {
    app.writes.count = 0;
    const pids = await Promise.all([1, 2, 3].map((n) => backendOf(sql`select pg_backend_pid() as pid, ${n}::int as n`)));
    expect(new Set(pids).size).toBe(1);
    expect(app.writes.count).toBe(1);
  });

  it('one failing leaves the others sent with it, and the connection, unharmed', async () => {
    const [failed, answered] = await Promise.allSettled([db.execute(sql`select 1 / ${0}::int as quotient`), number(7)]);
    expect(failed.status).toBe('rejected');
    expect(answered).toEqual({ status: 'fulfilled', value: 7 });
    expect(await number(8)).toBe(8);
  });

  it('do not wait behind a write that waits for a lock: the write keeps a connection to itself', async () => {
    const tenant = await app.signUp();
    const accountId = decodeId(tenant.masterAccountId);
    await withHolder(async (holder) => {
      await holder.query('begin');
      await holder.query('select id from master_accounts where id = $1 for update', [accountId]);
      // `then` sends it now: a Drizzle query waits for it.
      const write = db.execute(sql`update master_accounts set name = name where id = ${accountId}`).then(() => 'written');
      // Sent in the same turn, right behind the write; had it shared the write's connection, it
      // would have waited for the holder, which lets go only after a while.
      let released = false;
      const release = setTimeout(() => void holder.query('commit').then(() => (released = true)), 3000);
      expect(await number(5)).toBe(5);
      expect(released).toBe(false);
      clearTimeout(release);
      await holder.query('commit');
      expect(await write).toBe('written');
    });
  });

  it('the account overview sends its three reads in one write', async () => {
    const tenant = await app.signUp();
    await app.createUser(tenant, { plan: 'PRO' });
    const overview = `{ viewer { masterAccount { id
      users(first: 20) { totalCount edges { node { id address aliases { address } } } }
      groups(first: 10) { totalCount edges { node { id members { totalCount } } } }
      resources(first: 10) { totalCount edges { node { id } } } } } }`;
    expect((await app.gql(overview, {}, tenant.token)).errors).toBeUndefined();
    app.statements.length = 0;
    app.writes.count = 0;
    expect((await app.gql(overview, {}, tenant.token)).errors).toBeUndefined();
    expect(app.statements).toHaveLength(3);
    expect(app.writes.count).toBe(1);
  });
});
