import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { closeDb, openDb, type Db } from "#db/client.server.ts";
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
  await closeDb(db);
  if (activeEngine === "postgres") {
    await admin(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
    return;
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
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
