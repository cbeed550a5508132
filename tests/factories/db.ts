import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { closeDb, openDb, type Db } from "#db/client.server.ts";

const tmpDir = path.resolve(import.meta.dirname, "..", ".tmp");

export type TestDb = Db & { file: string };

/** A fresh, migrated SQLite file of its own for each test (real file, WAL, foreign keys). */
export function testDb(): TestDb {
  fs.mkdirSync(tmpDir, { recursive: true });
  const file = path.join(tmpDir, `t-${process.pid}-${crypto.randomUUID()}.db`);
  const db = openDb(`file:${file}`, { migrate: true }) as Db & { file: string };
  db.file = file;
  return db;
}

export function dropDb(db: TestDb) {
  closeDb(db);
  for (const f of [db.file, `${db.file}-wal`, `${db.file}-shm`]) fs.rmSync(f, { force: true });
}
