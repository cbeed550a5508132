import type Database from "better-sqlite3";
import type { Db } from "./client.server.ts";

/** The better-sqlite3 handle behind a drizzle database or transaction (a transaction shares it). */
export function connectionOf(db: Db): Database.Database {
  const d = db as Db & { session?: { client?: Database.Database } };
  return d.$client ?? d.session!.client!;
}

const byConnection = new WeakMap<Database.Database, Map<string, unknown>>();

/**
 * A drizzle prepared query, built once per connection. For the few fixed-shape queries that every
 * page view runs, building the SQL text and preparing the statement cost more than running it.
 */
export function prepared<T>(db: Db, name: string, build: (db: Db) => T): T {
  const conn = connectionOf(db);
  let m = byConnection.get(conn);
  if (!m) byConnection.set(conn, (m = new Map()));
  let q = m.get(name) as T | undefined;
  if (q === undefined) m.set(name, (q = build(db)));
  return q;
}
