import { afterAll, beforeAll, expect, test } from "vitest";
import path from "node:path";
import { spawn } from "node:child_process";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { startPostgres, type TestPostgres } from "#tests/harness/postgres.ts";

/** `npm run db:copy` as an administrator runs it: clear usage errors, progress, a verified copy, a refusal. */
const root = path.resolve(import.meta.dirname, "..", "..");
let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(path.join(root, "node_modules", ".bin", "tsx"), ["scripts/db-copy.ts", ...args], { cwd: root, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (err += b));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

test("a target that is not PostgreSQL, or a missing file, is refused with usage in both languages", async () => {
  const bad = await run(["--to", "mysql://x/y"]);
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/Cách dùng \/ usage: npm run db:copy/);
  expect(bad.err).toMatch(/--to must be a postgres/);
  const missing = await run(["--to", "postgresql://postgres@localhost/x", "--from", "/nonexistent/hocso.db"]);
  expect(missing.code).toBe(2);
  expect(missing.err).toMatch(/SQLite file not found/);
}, 120_000);

test("copies and verifies with progress, then refuses to copy onto the same database again", async () => {
  const db = await testDb();
  try {
    const t = await makeTree(db);
    await makeMember(db, t.a1, { code: "DV-CHEP", fullName: "Trần Thị Chép" });
    const url = await server.createDatabase("cli");
    const first = await run(["--to", url], { DATABASE_URL: `file:${db.file}` });
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/chép \/ copy\s+members\s+\[#+\]\s+100%/);
    expect(first.err).toMatch(/kiểm \/ verify\s+members/);
    expect(first.out).toMatch(/✓ members\s+1\s/);
    expect(first.out).toMatch(/copied and verified \d+ tables, \d+ rows/);
    const second = await run(["--to", url, "--from", db.file]);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(/the target database is not empty: .*members \(1\)/);
  } finally {
    await dropDb(db);
  }
}, 300_000);
