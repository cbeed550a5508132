import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as schema from "./schema/index.ts";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
export { schema };

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** Accepts "file:data/x.db", "sqlite:data/x.db" or a plain path; ":memory:" for throwaway use. */
export function sqlitePathFromUrl(url: string): string {
  return url.replace(/^(file|sqlite):(\/\/)?/, "");
}

/**
 * Opens the SQLite file with the settings every process must share: WAL so readers never wait
 * for the writer, foreign keys enforced, and a busy timeout so the app and the media server can
 * both write without "database is locked" errors.
 */
export function openDb(url: string, opts: { migrate?: boolean } = {}): Db {
  const file = sqlitePathFromUrl(url);
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  const db = drizzle(sqlite, { schema }) as Db;
  if (opts.migrate) migrate(db, { migrationsFolder });
  return db;
}

/**
 * Runs `fn` in a write transaction that takes the write lock up front (BEGIN IMMEDIATE), so two
 * writers never deadlock upgrading a read lock. `fn` must be synchronous (better-sqlite3).
 */
export function writeTx<T>(db: Db, fn: (tx: Db) => T): T {
  return db.transaction((tx) => fn(tx as unknown as Db), { behavior: "immediate" });
}
