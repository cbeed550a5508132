import { first } from "#db/first.ts";
import { afterEach, beforeEach, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeQuizCourse } from "#tests/factories/courses.ts";
import { saveAnswer, startAttempt, submitAttempt } from "#app/quizzes/attempts.server.ts";
import { correctResponse } from "#app/quizzes/grading.ts";
import type { Question } from "#app/quizzes/types.ts";
import { courseCompletions } from "#db/schema/index.ts";

let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

test("a course with a minimum overall grade completes only when the best quiz scores reach it", async () => {
  const t = await makeTree(db);
  const m = await makeMember(db, t.a1);
  const { course, quizKey } = await makeQuizCourse(db, { gift: "::a::Một?{T}\n\n::b::Hai?{T}\n\n::c::Ba?{T}\n\n::d::Bốn?{T}\n", passPercent: 70, minGradePercent: 90, assignTo: t.root });
  const completed = async () => await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, m.id), eq(courseCompletions.courseId, course.id))));

  // 3 of 4 right: the quiz is passed (70 %) but the course asks for 90 % overall.
  const a = await startAttempt(db, m.id, course, quizKey);
  for (const q of (a.questions as Question[]).slice(0, 3)) await saveAnswer(db, m.id, a.id, q.id, correctResponse(q));
  expect((await submitAttempt(db, m.id, a.id)).passed).toBe(true);
  expect(await completed()).toBeUndefined();

  // A better attempt lifts the best score to 100 %: now the course is complete.
  const b = await startAttempt(db, m.id, course, quizKey);
  for (const q of b.questions as Question[]) await saveAnswer(db, m.id, b.id, q.id, correctResponse(q));
  const done = await submitAttempt(db, m.id, b.id);
  expect(done.score).toBe(1);
  expect((await completed())?.completedAt.getTime()).toBe(done.submittedAt!.getTime());
});
