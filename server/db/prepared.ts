import { Column, is, SQL, Subquery } from 'drizzle-orm';
import type { Db } from './client.js';
import { connectionOf } from './pipeline.js';

interface Decoder {
  mapFromDriverValue(value: unknown): unknown;
}

/** What Drizzle keeps of a prepared select: its columns in order, and how it maps rows. */
interface PreparedInternals {
  fields?: { path: string[]; field: unknown }[];
  customResultMapper?: (rows: unknown[][]) => unknown;
}

/** An SQL expression's decoder (`mapWith`), which Drizzle keeps out of its published types. */
const decoderIn = (expression: unknown): Decoder => (expression as { decoder: Decoder }).decoder;

/** How Drizzle decodes a selected column (as its mapResultRow does, for each value of each row). */
function decoderOf(field: unknown): Decoder {
  if (is(field, Column)) return field;
  if (is(field, SQL)) return decoderIn(field);
  if (is(field, Subquery)) return decoderIn(field._.sql);
  return decoderIn((field as SQL.Aliased).sql);
}

/**
 * Drizzle maps each row by looking up, for every value, what kind of column it came from and the
 * path it goes to. A prepared select has fixed columns, so that is worked out once here and each
 * row is a loop over decoders: the same objects, at a fraction of the CPU (the account overview's
 * pages map 40 rows). Only flat selects (Drizzle nulls the objects of outer joins only in nested
 * ones); any other keeps Drizzle's mapper.
 */
function mapRowsOnce<Prepared>(prepared: Prepared): Prepared {
  const internals = prepared as PreparedInternals;
  const fields = internals.fields;
  if (!fields || internals.customResultMapper || fields.some(({ path }) => path.length !== 1)) return prepared;
  const keys = fields.map(({ path }) => path[0] as string);
  const decoders = fields.map(({ field }) => decoderOf(field));
  internals.customResultMapper = (rows) =>
    rows.map((row) => {
      const mapped: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const raw = row[i];
        mapped[keys[i] as string] = raw === null ? null : (decoders[i] as Decoder).mapFromDriverValue(raw);
      }
      return mapped;
    });
  return prepared;
}

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
      prepared = mapRowsOnce(build(db));
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
      prepared = mapRowsOnce(build(db, key));
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
