import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import pg from "pg";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { copySqliteToPostgres } from "#db/copy-to-postgres.server.ts";
import { inject } from "vitest";
import { bulkWriter, closeDb, openDb, type Db } from "#db/client.server.ts";
import { activeEngine } from "#db/engine-kind.ts";

const tmpDir = path.resolve(import.meta.dirname, "..", ".tmp");

/**
 * A test's database. `url` is what a child process gets as DATABASE_URL (either engine); `file`
 * is the SQLite file (empty on PostgreSQL: tests that read the file itself are SQLite-only).
 */
export type TestDb = Db & { file: string; url: string };

/**
 * A fresh, migrated database of its own for each call, on the engine this test process runs
 * (ADR 0015): a real SQLite file (WAL, foreign keys), or with TEST_DB=postgres a new database in
 * the run's throwaway PostgreSQL cluster (tests/setup/postgres-setup.ts), copied from a migrated
 * template so it costs a CREATE DATABASE, not a migration.
 */
export async function testDb(): Promise<TestDb> {
  if (activeEngine === "postgres") {
    const name = `t_${process.pid}_${crypto.randomBytes(6).toString("hex")}`;
    await admin(`CREATE DATABASE "${name}" TEMPLATE "${inject("pgTemplate")}"`);
    const url = pgUrl(name);
    const db = await openDb(url, { poolSize: 4 });
    return Object.assign(db, { file: "", url });
  }
  fs.mkdirSync(tmpDir, { recursive: true });
  const file = path.join(tmpDir, `t-${process.pid}-${crypto.randomUUID()}.db`);
  const db = await openDb(`file:${file}`, { migrate: true });
  return Object.assign(db, { file, url: `file:${file}` });
}

export async function dropDb(db: TestDb) {
  const { file, url } = db;
  for (const source of bulkSources.get(url) ?? []) {
    source.close();
    for (const f of [source.name, `${source.name}-wal`, `${source.name}-shm`]) fs.rmSync(f, { force: true });
  }
  bulkSources.delete(url);
  await closeDb(db);
  if (activeEngine === "postgres") {
    await admin(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
    return;
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}

const bulkSources = new Map<string, Database.Database[]>();

/**
 * Bulk test data (tests/factories/big-org.ts writes raw better-sqlite3 INSERTs: the app's per-row
 * paths would take minutes) loaded into an empty `db` on either engine. On SQLite `fn` writes the
 * file itself. On PostgreSQL it writes a migrated SQLite file that db:copy's code then copies in
 * (the same rows, through the same mappings). `source` reads those rows with SQLite SQL, for
 * oracles written against better-sqlite3; it does not see what the test writes afterwards.
 */
export async function bulkLoad<T>(db: TestDb, fn: (sqlite: Database.Database) => T): Promise<{ result: T; source: Database.Database }> {
  if (activeEngine === "sqlite") return { result: fn(bulkWriter(db)), source: db.$client };
  fs.mkdirSync(tmpDir, { recursive: true });
  const file = path.join(tmpDir, `bulk-${process.pid}-${crypto.randomUUID()}.db`);
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  migrate(drizzle(sqlite), { migrationsFolder: path.resolve(import.meta.dirname, "..", "..", "db", "migrations") });
  const result = fn(sqlite);
  bulkSources.set(db.url, [...(bulkSources.get(db.url) ?? []), sqlite]);
  await copySqliteToPostgres({ sqliteFile: file, postgresUrl: db.url, verify: false });
  return { result, source: sqlite };
}

function pgUrl(database: string) {
  return `postgresql://postgres@localhost/${database}?host=${encodeURIComponent(inject("pgSocketDir"))}`;
}

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: pgUrl("postgres") });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The fast-pg run's cluster (tests/setup/postgres-setup.ts): its socket directory. */
    pgSocketDir: string;
    /** A migrated database that every test database is created from. */
    pgTemplate: string;
  }
}
