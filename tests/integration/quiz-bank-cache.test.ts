import { afterEach, expect, test } from "vitest";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import { makeQuizCourse } from "#tests/factories/courses.ts";
import { quizBank } from "#app/quizzes/attempts.server.ts";

/**
 * Parsed banks are cached per database connection: two database files both start their versions
 * at id 1, so a cache keyed by (version id, item key) alone would serve one file's bank in the other.
 */
const open: TestDb[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await dropDb(db);
});

async function quizIn(gift: string) {
  const db = await testDb();
  open.push(db);
  const { course, quizKey } = await makeQuizCourse(db, { gift, quizTitle: "Kiểm tra cuối khóa" });
  return { db, course, quizKey };
}

test("two databases with the same version id and item key each get their own bank", async () => {
  const a = await quizIn("::a::Thủ đô của Việt Nam là Hà Nội?{T}\n");
  const b = await quizIn("::b::Hai cộng hai bằng năm?{F}\n\n::c::Một năm có mười hai tháng?{T}\n");
  expect(a.course.publishedVersionId).toBe(b.course.publishedVersionId);
  expect(a.quizKey).toBe(b.quizKey);
  expect((await quizBank(a.db, a.course, a.quizKey)).questions.map((q) => q.text)).toEqual(["Thủ đô của Việt Nam là Hà Nội?"]);
  expect((await quizBank(b.db, b.course, b.quizKey)).questions.map((q) => q.text)).toEqual(["Hai cộng hai bằng năm?", "Một năm có mười hai tháng?"]);
  // Asked again, each database still reads its own (now from the cache).
  expect((await quizBank(a.db, a.course, a.quizKey)).questions).toHaveLength(1);
  expect((await quizBank(a.db, a.course, a.quizKey)).questions).toBe((await quizBank(a.db, a.course, a.quizKey)).questions);
});
