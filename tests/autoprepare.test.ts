import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatementNames, withStatementName } from '../server/db/autoprepare.js';
import { openDatabase, type Database } from '../server/db/client.js';
import { masterAccounts } from '../server/db/tables.js';
import { createFreshDatabase, type FreshDatabase } from './fresh-database.js';
import { rowsOf } from './harness.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';

describe('statement names', () => {
  it('gives one text one name, and stops naming at its capacity', () => {
    const names = new StatementNames(2);
    const first = names.nameOf('select $1');
    expect(first).toMatch(/^mailadmin_auto_\d+$/);
    expect(names.nameOf('select $1')).toBe(first);
    const second = names.nameOf('select $1, $2');
    expect(second).not.toBe(first);
    expect(names.nameOf('select $1, $2, $3')).toBeUndefined();
    expect(names.size).toBe(2);
    // Names given before the cap keep working after it.
    expect(names.nameOf('select $1')).toBe(first);
  });

  it('names parametrised statements only, and leaves named ones and cursors alone', () => {
    const names = new StatementNames();
    expect(withStatementName({ text: 'select $1' }, [1], names)).toMatchObject({ text: 'select $1', name: expect.stringMatching(/^mailadmin_auto_/) });
    expect(withStatementName({ text: 'select $1', values: [1] }, undefined, names)).toHaveProperty('name');
    // Without parameters a text may hold several statements: the simple protocol must run it.
    const plain = { text: 'begin; select 1; commit' };
    expect(withStatementName(plain, [], names)).toBe(plain);
    expect(withStatementName(plain, undefined, names)).toBe(plain);
    expect(withStatementName('select 1', undefined, names)).toBe('select 1');
    const named = { text: 'select $1', name: 'mine' };
    expect(withStatementName(named, [1], names)).toBe(named);
    const cursor = { text: 'select $1', submit: () => undefined };
    expect(withStatementName(cursor, [1], names)).toBe(cursor);
  });
});

/**
 * On PostgreSQL (DATABASE_URL's server, or a private one when the suite runs on PGlite): a query
 * the application runs twice is parsed once and planned once on its connection.
 */
describe('automatic preparation on PostgreSQL', () => {
  let privateServer: PrivatePostgres | undefined;
  let fresh: FreshDatabase;
  let database: Database;

  beforeAll(async () => {
    let serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      privateServer = await startPrivatePostgres();
      serverUrl = privateServer.url;
    }
    fresh = await createFreshDatabase(serverUrl, 'mailadmin_autoprepare');
    // One connection, so the statements and the view of them share a session.
    database = await openDatabase({ databaseUrl: fresh.url, poolSize: 1 });
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await fresh?.drop();
    await privateServer?.dispose();
  });

  it('prepares a parametrised statement once and reuses its generic plan', async () => {
    const query = () => database.db.select({ id: masterAccounts.id }).from(masterAccounts).where(eq(masterAccounts.name, 'nobody'));
    const text = query().toSQL().sql;
    for (let i = 0; i < 7; i++) await query();
    const rows = rowsOf(await database.db.execute(sql`select name, generic_plans::int, custom_plans::int from pg_prepared_statements where statement = ${text}`));
    expect(rows).toEqual([{ name: expect.stringMatching(/^mailadmin_auto_\d+$/), generic_plans: 7, custom_plans: 0 }]);
  });

  it('leaves a statement without parameters unprepared', async () => {
    await database.db.execute(sql.raw('select count(*) from master_accounts'));
    const rows = rowsOf(await database.db.execute(sql`select name from pg_prepared_statements where statement = 'select count(*) from master_accounts'`));
    expect(rows).toEqual([]);
  });
});
