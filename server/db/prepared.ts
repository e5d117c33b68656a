import type { Db } from './client.js';

/**
 * A query built once per database handle instead of on every call. Building a Drizzle query costs
 * more CPU than a small indexed lookup takes in PostgreSQL, so the statements every request runs
 * are built once, and, being named, also parsed once per connection by PostgreSQL.
 */
export function preparedStatement<Prepared>(build: (db: Db) => Prepared): (db: Db) => Prepared {
  const byDatabase = new WeakMap<Db, Prepared>();
  return (db) => {
    let prepared = byDatabase.get(db);
    if (!prepared) {
      prepared = build(db);
      byDatabase.set(db, prepared);
    }
    return prepared;
  };
}

/**
 * Like preparedStatement, one query per key: for the few shapes a query takes (a list's sort
 * orders, say). Keys must come from a fixed set, never from a client's values.
 */
export function preparedStatements<Key extends string, Prepared>(build: (db: Db, key: Key) => Prepared): (db: Db, key: Key) => Prepared {
  const byDatabase = new WeakMap<Db, Map<Key, Prepared>>();
  return (db, key) => {
    let byKey = byDatabase.get(db);
    if (!byKey) {
      byKey = new Map();
      byDatabase.set(db, byKey);
    }
    let prepared = byKey.get(key);
    if (!prepared) {
      prepared = build(db, key);
      byKey.set(key, prepared);
    }
    return prepared;
  };
}
