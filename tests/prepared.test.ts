import { and, count, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { preparedStatement } from '../server/db/prepared.js';
import { addresses, ledgerEntries, users } from '../server/db/tables.js';
import type { Db } from '../server/db/client.js';
import { decodeId, startApp } from './harness.js';

const app = await startApp();
const db = app.database.db;

/** Every kind of value a prepared select decodes: enums, arrays, instants, nulls, counts, JSON, bigints. */
const select = (from: Db) =>
  from
    .select({
      id: users.id,
      address: addresses.address,
      kind: users.kind,
      plan: users.plan,
      pendingPlan: users.pendingPlan,
      listMembers: users.listMembers,
      paidThrough: users.paidThrough,
      createdAt: users.createdAt,
      entries: sql<number>`(select ${count()} from ${ledgerEntries} where ${ledgerEntries.masterAccountId} = ${users.masterAccountId})`.mapWith(Number),
      held: sql<{ address: string; at: string }[]>`(select json_agg(json_build_object('address', a.address, 'at', a.created_at)) from addresses a where a.user_id = ${users.id})`,
      seq: sql<number>`(select max(${ledgerEntries.seq}) from ${ledgerEntries} where ${ledgerEntries.masterAccountId} = ${users.masterAccountId})`.mapWith(Number).as('seq'),
    })
    .from(users)
    .innerJoin(addresses, and(eq(addresses.userId, users.id), eq(addresses.kind, 'PRIMARY')))
    .where(eq(users.masterAccountId, sql.placeholder('account')));

const prepared = preparedStatement((from) => select(from).prepare('mailadmin_test_mapped_rows'));

describe('prepared selects', () => {
  it("map their rows into the objects Drizzle's own mapping makes", async () => {
    const tenant = await app.signUp();
    await app.createUser(tenant, { plan: 'FREE' });
    const account = decodeId(tenant.masterAccountId);
    const mapped = await prepared(db).execute({ account });
    const drizzles = await select(db).execute({ account });
    expect(mapped).toHaveLength(2);
    expect(mapped).toEqual(drizzles);
    for (const row of mapped) {
      expect(row.createdAt).toBeInstanceOf(Date);
      expect(Object.keys(row)).toEqual(['id', 'address', 'kind', 'plan', 'pendingPlan', 'listMembers', 'paidThrough', 'createdAt', 'entries', 'held', 'seq']);
    }
    expect(mapped.map((row) => typeof row.entries)).toEqual(['number', 'number']);
    expect(mapped.some((row) => row.paidThrough === null)).toBe(true);
  });
});
