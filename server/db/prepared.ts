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
