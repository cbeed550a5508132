import { expect, test } from "vitest";
import fs from "node:fs";
import path from "node:path";

/**
 * ADR 0015: domain code runs on both engines, so it never uses what exists on one only, and never
 * asks which engine it is on. Raw SQL goes through db/dialect.server.ts (rawRows, rawValues,
 * rawFirst, rawRun, affectedRows); drivers and engine checks stay inside db/.
 */
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const DIRS = ["app", "media-server/src", "live-protocol", "scripts"];
const SKIP = [/^scripts\/codemods\//];

const RULES: [RegExp, string][] = [
  [/\b(?:db|tx|this\.db)\.(?:all|get|run|values)\s*[<(]/, "SQLite-only terminal: use rawRows/rawFirst/rawValues/rawRun from #db/dialect.server.ts"],
  [/\.\$client\b/, "the driver's own client: SQLite- or PostgreSQL-only"],
  [/\bbulkWriter\(/, "SQLite's raw write connection (seeds, benches and tests only)"],
  [/from "(?:better-sqlite3|pg)"/, "a driver import: drivers stay in db/"],
  [/\b(?:activeEngine|engineFromEnv|postgresEngineOf)\b/, "an engine check: put the difference in db/dialect.server.ts"],
];

function files(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => path.posix.join(dir, f.split(path.sep).join("/")))
    .filter((f) => !SKIP.some((s) => s.test(f)));
}

test("domain code uses nothing that exists on one engine only, and never asks which engine it is on", () => {
  const found: string[] = [];
  for (const file of DIRS.flatMap(files)) {
    const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");
    lines.forEach((line, i) => {
      for (const [re, why] of RULES) if (re.test(line)) found.push(`${file}:${i + 1}: ${why}`);
    });
  }
  expect(found).toEqual([]);
});

test("the rules catch what they are about", () => {
  const hits = (line: string) => RULES.filter(([re]) => re.test(line)).length;
  expect(hits("  const rows = db.all<{ n: number }>(sql`SELECT 1`);")).toBe(1);
  expect(hits("  tx.run(sql`DELETE FROM x`);")).toBe(1);
  expect(hits("  db.$client.prepare('SELECT 1').get();")).toBe(1);
  expect(hits('import pg from "pg";')).toBe(1);
  expect(hits("  if (activeEngine === 'postgres') {")).toBe(1);
  expect(hits("  const rows = await rawRows<{ n: number }>(db, sql`SELECT 1`);")).toBe(0);
  expect(hits("  const hit = cache.get(key);")).toBe(0);
});
