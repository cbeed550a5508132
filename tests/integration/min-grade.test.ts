import { afterEach, beforeEach, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { getCourse, publishCourse } from "#app/courses/courses.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { importGiftBank } from "#app/quizzes/bank.server.ts";
import { saveAnswer, startAttempt, submitAttempt } from "#app/quizzes/attempts.server.ts";
import { correctResponse } from "#app/quizzes/grading.ts";
import type { Question } from "#app/quizzes/types.ts";
import { courseCompletions, courses, quizSettings } from "#db/schema/index.ts";

let db: ReturnType<typeof testDb>;
beforeEach(() => {
  db = testDb();
});
afterEach(() => dropDb(db));

test("a course with a minimum overall grade completes only when the best quiz scores reach it", async () => {
  const t = makeTree(db);
  const m = await makeMember(db, t.a1);
  const c = createCourse(db, { slug: "khoa-diem", title: "Khóa có điểm tổng kết" });
  addItem(db, c.id, "chuong-1", "quiz", "Kiểm tra");
  importGiftBank(db, c.id, "kiem-tra", "::a::Một?{T}\n\n::b::Hai?{T}\n\n::c::Ba?{T}\n\n::d::Bốn?{T}\n");
  db.update(courses).set({ minGradePercent: 90 }).where(eq(courses.id, c.id)).run();
  db.insert(quizSettings).values({ courseId: c.id, itemKey: "kiem-tra", passPercent: 70, attemptsAllowed: 0, updatedAt: new Date() }).run();
  publishCourse(db, c.id, null);
  assignToUnit(db, { courseId: c.id, unitId: t.root.id, dueAt: null, actorId: null });
  const course = getCourse(db, c.id)!;
  const completed = () => db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, m.id), eq(courseCompletions.courseId, c.id))).get();

  // 3 of 4 right: the quiz is passed (70 %) but the course asks for 90 % overall.
  const a = startAttempt(db, m.id, course, "kiem-tra");
  (a.questions as Question[]).slice(0, 3).forEach((q) => saveAnswer(db, m.id, a.id, q.id, correctResponse(q)));
  expect(submitAttempt(db, m.id, a.id).passed).toBe(true);
  expect(completed()).toBeUndefined();

  // A better attempt lifts the best score to 100 %: now the course is complete.
  const b = startAttempt(db, m.id, course, "kiem-tra");
  (b.questions as Question[]).forEach((q) => saveAnswer(db, m.id, b.id, q.id, correctResponse(q)));
  const done = submitAttempt(db, m.id, b.id);
  expect(done.score).toBe(1);
  expect(completed()?.completedAt.getTime()).toBe(done.submittedAt!.getTime());
});
