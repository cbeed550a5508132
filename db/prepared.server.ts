import type { Db } from "./client.server.ts";
import { inPostgresTx, postgresEngineOf } from "./postgres-engine.server.ts";

/**
 * The connection a drizzle database or transaction runs on: better-sqlite3's handle (a transaction
 * shares the write connection), or on PostgreSQL the session's client (the pool, or inside a
 * transaction the pooled connection it holds).
 */
function connectionOf(db: Db): object {
  const d = db as Db & { session?: { client?: object } };
  if (postgresEngineOf(db)) return d.session!.client!;
  return d.$client ?? d.session!.client!;
}

/** Set by openSqliteEngine on its write connection: the read connection, its cache scope too. */
export const SQLITE_CACHE_SCOPE = Symbol.for("hocso.db.cacheScope");

/**
 * What a per-database cache is keyed by: one open database (SQLite: its read connection, for reads
 * and for transactions on the write connection alike; PostgreSQL: the pool). What is cached was read
 * outside any transaction (committed), so both connections of one file may share it: a transaction
 * then reuses what a page view parsed, and the demo seed's thousands of steps in one transaction
 * parse each course version once instead of at every step.
 */
export function cacheScopeOf(db: Db): object {
  const pg = postgresEngineOf(db);
  if (pg) return pg.pool;
  const conn = connectionOf(db) as { [SQLITE_CACHE_SCOPE]?: object };
  return conn[SQLITE_CACHE_SCOPE] ?? conn;
}

/** True inside a write transaction: rows read there may still be rolled back, so not cached. */
export function inTransaction(db: Db): boolean {
  if (postgresEngineOf(db)) return inPostgresTx(db);
  return (connectionOf(db) as { inTransaction: boolean }).inTransaction;
}

const byConnection = new WeakMap<object, Map<string, unknown>>();

/**
 * A drizzle prepared query, built once per connection. For the few fixed-shape queries that every
 * page view runs, building the SQL text and preparing the statement cost more than running it.
 * Run it with `await q.execute(params)` (rows, on both engines); `first(q.execute(params))` for one.
 * Keyed by the connection it runs on, so inside a transaction it runs in that transaction.
 */
export function prepared<T>(db: Db, name: string, build: (db: Db) => T): T {
  const conn = connectionOf(db);
  let m = byConnection.get(conn);
  if (!m) byConnection.set(conn, (m = new Map()));
  let q = m.get(name) as T | undefined;
  if (q === undefined) m.set(name, (q = build(db)));
  return q;
}
