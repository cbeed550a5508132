import { afterEach, beforeEach, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeQuizCourse } from "#tests/factories/courses.ts";
import { saveAnswer, startAttempt, submitAttempt } from "#app/quizzes/attempts.server.ts";
import { correctResponse } from "#app/quizzes/grading.ts";
import type { Question } from "#app/quizzes/types.ts";
import { courseCompletions } from "#db/schema/index.ts";

let db: ReturnType<typeof testDb>;
beforeEach(() => {
  db = testDb();
});
afterEach(() => dropDb(db));

test("a course with a minimum overall grade completes only when the best quiz scores reach it", async () => {
  const t = makeTree(db);
  const m = await makeMember(db, t.a1);
  const { course, quizKey } = makeQuizCourse(db, { gift: "::a::Một?{T}\n\n::b::Hai?{T}\n\n::c::Ba?{T}\n\n::d::Bốn?{T}\n", passPercent: 70, minGradePercent: 90, assignTo: t.root });
  const completed = () => db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, m.id), eq(courseCompletions.courseId, course.id))).get();

  // 3 of 4 right: the quiz is passed (70 %) but the course asks for 90 % overall.
  const a = startAttempt(db, m.id, course, quizKey);
  (a.questions as Question[]).slice(0, 3).forEach((q) => saveAnswer(db, m.id, a.id, q.id, correctResponse(q)));
  expect(submitAttempt(db, m.id, a.id).passed).toBe(true);
  expect(completed()).toBeUndefined();

  // A better attempt lifts the best score to 100 %: now the course is complete.
  const b = startAttempt(db, m.id, course, quizKey);
  (b.questions as Question[]).forEach((q) => saveAnswer(db, m.id, b.id, q.id, correctResponse(q)));
  const done = submitAttempt(db, m.id, b.id);
  expect(done.score).toBe(1);
  expect(completed()?.completedAt.getTime()).toBe(done.submittedAt!.getTime());
});
