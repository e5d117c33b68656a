import type { SQL } from 'drizzle-orm';
import type { Db } from './client.js';
import { connectionOf } from './pipeline.js';

/**
 * A query built once per connection instead of on every call. Building a Drizzle query costs
 * more CPU than a small indexed lookup takes in PostgreSQL, so the statements every request runs
 * are built once, and, being named, also parsed once per connection by PostgreSQL. A transaction
 * is a new handle each time but runs on one of the pool's few clients: its queries are kept per
 * client (see connectionOf), so a mutation's statements are built once too.
 */
export function preparedStatement<Prepared>(build: (db: Db) => Prepared): (db: Db) => Prepared {
  const byConnection = new WeakMap<object, Prepared>();
  return (db) => {
    const connection = connectionOf(db);
    let prepared = byConnection.get(connection);
    if (!prepared) {
      prepared = build(db);
      byConnection.set(connection, prepared);
    }
    return prepared;
  };
}

/**
 * Like preparedStatement, one query per key: for the few shapes a query takes (a list's sort
 * orders, say). Keys must come from a fixed set, never from a client's values.
 */
export function preparedStatements<Key extends string, Prepared>(build: (db: Db, key: Key) => Prepared): (db: Db, key: Key) => Prepared {
  const byConnection = new WeakMap<object, Map<Key, Prepared>>();
  return (db, key) => {
    const connection = connectionOf(db);
    let byKey = byConnection.get(connection);
    if (!byKey) {
      byKey = new Map();
      byConnection.set(connection, byKey);
    }
    let prepared = byKey.get(key);
    if (!prepared) {
      prepared = build(db, key);
      byKey.set(key, prepared);
    }
    return prepared;
  };
}

/**
 * A condition on a fixed value of the code (an enum member such as 'PRIMARY'), with the value
 * written into the statement's text instead of sent as a parameter. Every statement is prepared,
 * and after five runs PostgreSQL may keep one generic plan for all parameter values. In such a
 * plan a parameter hides that the condition is the one of a partial index (`where kind =
 * 'DEPOSIT'`) and how rare the value is: the deposit-by-key lookup scanned every ledger entry of
 * the account (6.5 ms) instead of one index entry (0.05 ms). Only for the code's own constants,
 * never for a client's values: each distinct text is a statement of its own.
 */
export function literally(condition: SQL): SQL {
  return condition.inlineParams();
}
