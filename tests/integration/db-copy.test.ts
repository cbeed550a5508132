import { afterAll, beforeAll, expect, test } from "vitest";
import { bulkWriter, closeDb } from "#db/client.server.ts";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { parseEnv } from "#app/env.server.ts";
import { prepareDb } from "../../scripts/prepare-db.ts";
import { compareEngines, copySqliteToPostgres, tablesInCopyOrder, TargetNotEmptyError, type CopyProgress } from "#db/copy-to-postgres.server.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { generateBigOrg } from "#tests/factories/big-org.ts";
import { startPostgres, type TestPostgres } from "#tests/harness/postgres.ts";

/**
 * Moving an organisation from SQLite to PostgreSQL (db:copy, ADR 0015): the demo database and a
 * generated large one arrive whole — every table, every row, identical by checksum — new rows get
 * fresh ids, a database that already holds data is refused, and a difference is caught.
 */
let server: TestPostgres;
const tmp = path.resolve(import.meta.dirname, "..", ".tmp");
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

test("parents come before children in the copy order", () => {
  const order = tablesInCopyOrder().map((p) => p.name);
  expect(order.indexOf("units")).toBeLessThan(order.indexOf("members"));
  expect(order.indexOf("members")).toBeLessThan(order.indexOf("auth_sessions"));
  expect(order.indexOf("courses")).toBeLessThan(order.indexOf("course_versions"));
  expect(order.indexOf("live_sessions")).toBeLessThan(order.indexOf("attendance_events"));
});

test("the demo organisation copies whole, verified table by table, and refuses a second copy on top", async () => {
  fs.mkdirSync(tmp, { recursive: true });
  const file = path.join(tmp, `demo-copy-${process.pid}.db`);
  const dataDir = fs.mkdtempSync(path.join(tmp, "demo-data-"));
  const env = parseEnv({ DATABASE_URL: `file:${file}`, SEED_DEMO: "true", DATA_DIR: dataDir, NODE_ENV: "test" });
  const { db } = await prepareDb(env, new Date("2026-12-07T03:00:00Z"));
  await closeDb(db);
  const url = await server.createDatabase("demo");
  try {
    const progress: CopyProgress[] = [];
    const reports = await copySqliteToPostgres({ sqliteFile: file, postgresUrl: url, onProgress: (p) => progress.push(p) });
    expect(reports.filter((r) => !r.same)).toEqual([]);
    expect(reports.length).toBe(tablesInCopyOrder().length);
    const members = reports.find((r) => r.table === "members")!;
    expect(members.rows).toBeGreaterThan(100);
    expect(reports.reduce((n, r) => n + r.rows, 0)).toBeGreaterThan(1000);
    // Progress reached the end of every table, copying and verifying.
    for (const phase of ["copy", "verify"] as const) {
      const last = new Map(progress.filter((p) => p.phase === phase).map((p) => [p.table, p]));
      expect([...last.values()].every((p) => p.done === p.total), phase).toBe(true);
    }
    // Vietnamese text arrives in NFC, as written.
    const [one] = await query<{ full_name: string }>(url, "SELECT full_name FROM members WHERE code = 'DV00001'");
    expect(one.full_name).toBe(one.full_name.normalize("NFC"));
    expect(one.full_name).toMatch(/[ạ-ỹ]|[À-ỹ]/);
    // The identity sequence moved past the copied ids: a new unit gets the next id.
    const [{ max }] = await query<{ max: string }>(url, "SELECT max(id) AS max FROM units");
    const [inserted] = await query<{ id: string }>(
      url,
      "INSERT INTO units (code, name, name_folded, path, depth, created_at, updated_at) VALUES ('MOI', 'Chi bộ mới', 'chi bo moi', '/moi/', 0, 0, 0) RETURNING id",
    );
    expect(Number(inserted.id)).toBe(Number(max) + 1);

    const again = copySqliteToPostgres({ sqliteFile: file, postgresUrl: url });
    await expect(again).rejects.toBeInstanceOf(TargetNotEmptyError);
    await expect(again).rejects.toThrow(/not empty.*members \(\d+\)/);
  } finally {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  // The demo seed replays six weeks of study (about 20 s of CPU): minutes on a loaded machine.
}, 1_200_000);

test("a large generated organisation copies whole; a row changed afterwards is caught by the check", async () => {
  const db = await testDb();
  const url = await server.createDatabase("big");
  try {
    const org = generateBigOrg(bulkWriter(db), { members: 20_000, courses: 4, itemsPerCourse: 3, seed: 4242 });
    const reports = await copySqliteToPostgres({ sqliteFile: db.file, postgresUrl: url });
    expect(reports.filter((r) => !r.same)).toEqual([]);
    expect(reports.find((r) => r.table === "members")!.rows).toBe(org.counts.members);
    expect(reports.find((r) => r.table === "item_progress")!.rows).toBeGreaterThan(20_000);

    await query(url, "UPDATE members SET full_name = full_name || ' ' WHERE id = $1", [org.lastMemberId]);
    const after = await compareEngines({ sqliteFile: db.file, postgresUrl: url });
    expect(after.filter((r) => !r.same).map((r) => r.table)).toEqual(["members"]);
  } finally {
    await dropDb(db);
  }
}, 600_000);
