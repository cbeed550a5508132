import { afterAll, beforeAll, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import { makeQuizCourse } from "#tests/factories/courses.ts";
import { makeTree } from "#tests/factories/org.ts";
import { writeTx } from "#db/client.server.ts";
import { rawRows } from "#db/dialect.server.ts";
import { units } from "#db/schema/index.ts";
import { publishedVersion } from "#app/courses/version-cache.server.ts";

/**
 * The SQLite connection keeps its prepared statements by SQL text (db/sqlite-write-path.server.ts),
 * and per-database caches are shared by its read and write connections (cacheScopeOf). Two ways
 * that could go wrong: a statement drizzle switched to array mode handed out to a caller expecting
 * objects, and a transaction not seeing what was parsed outside it. Both engines run this.
 */
let db: TestDb;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => {
  await dropDb(db);
});

test("a statement drizzle ran in array mode comes back in object mode for the same SQL text", async () => {
  await makeTree(db);
  const q = db.select({ id: units.id, code: units.code }).from(units);
  // drizzle maps a select's rows itself: it runs the statement in array (raw) mode.
  const mapped = await q;
  expect(mapped.length).toBeGreaterThan(1);
  // The same text as a raw query: rows as objects, keyed by column.
  const raw = await rawRows<{ id: number; code: string }>(db, sql.raw(q.toSQL().sql));
  expect(raw).toEqual(mapped);
  expect(Array.isArray(raw[0])).toBe(false);
  // And drizzle's select again after that: still mapped right.
  expect(await q).toEqual(mapped);
});

test("a course version parsed outside a transaction is reused inside one", async () => {
  const { course } = await makeQuizCourse(db, { gift: "::a::Thủ đô của Việt Nam là Hà Nội?{T}\n", quizTitle: "Kiểm tra" });
  const outside = await publishedVersion(db, course.publishedVersionId!);
  expect(outside?.version).toBeGreaterThan(0);
  const inside = await writeTx(db, async (tx) => await publishedVersion(tx, course.publishedVersionId!));
  expect(inside).toBe(outside);
});
