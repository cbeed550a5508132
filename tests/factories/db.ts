import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { openDb, type Db } from "#db/client.server.ts";

const tmpDir = path.resolve(import.meta.dirname, "..", ".tmp");

/** A fresh, migrated SQLite file of its own for each test (real file, WAL, foreign keys). */
export function testDb(): Db & { file: string } {
  fs.mkdirSync(tmpDir, { recursive: true });
  const file = path.join(tmpDir, `t-${process.pid}-${crypto.randomUUID()}.db`);
  const db = openDb(`file:${file}`, { migrate: true }) as Db & { file: string };
  db.file = file;
  return db;
}

export function dropDb(db: Db & { file: string }) {
  db.$client.close();
  for (const f of [db.file, `${db.file}-wal`, `${db.file}-shm`]) fs.rmSync(f, { force: true });
}
