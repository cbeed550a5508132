import { first } from "#db/first.ts";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeQuizCourse } from "#tests/factories/courses.ts";
import { attemptsOf, saveAnswer, startAttempt, submitAttempt } from "#app/quizzes/attempts.server.ts";
import { correctResponse } from "#app/quizzes/grading.ts";
import type { Question } from "#app/quizzes/types.ts";
import { domainError } from "#tests/harness/domain-error.ts";
import { courseCompletions, itemProgress } from "#db/schema/index.ts";

/**
 * The quiz rules at their edges: a score exactly at the pass mark (or the course's minimum grade)
 * passes, one a little under fails, and Start while the last allowed attempt is open goes back to
 * that attempt instead of refusing.
 */
let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

const FOUR_TRUE = "::a::Một?{T}\n\n::b::Hai?{T}\n\n::c::Ba?{T}\n\n::d::Bốn?{T}\n";

async function quizCourse(opts: { gift?: string; passPercent: number; attemptsAllowed?: number; minGradePercent?: number }) {
  const t = await makeTree(db);
  const m = await makeMember(db, t.a1, { password: false });
  const { course, quizKey: key } = await makeQuizCourse(db, { ...opts, gift: opts.gift ?? FOUR_TRUE, assignTo: t.root });
  const itemState = async () =>
    (await first(db.select().from(itemProgress).where(and(eq(itemProgress.memberId, m.id), eq(itemProgress.courseId, course.id), eq(itemProgress.itemKey, key)))))?.state;
  const completed = async () => await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, m.id), eq(courseCompletions.courseId, course.id))));
  /** Starts an attempt, answers the first `right` questions correctly, submits. */
  const attempt = async (right: number) => {
    const a = await startAttempt(db, m.id, course, key);
    for (const q of (a.questions as Question[]).slice(0, right)) await saveAnswer(db, m.id, a.id, q.id, correctResponse(q));
    return submitAttempt(db, m.id, a.id);
  };
  return { m, course, key, itemState, completed, attempt };
}

describe("pass mark", () => {
  test("a score exactly at the pass mark passes and completes the item", async () => {
    const q = await quizCourse({ passPercent: 75 });
    const r = await q.attempt(3);
    expect(r.score).toBe(0.75);
    expect(r.passed).toBe(true);
    expect(await q.itemState()).toBe("completed");
    expect(await q.completed()).toBeDefined();
  });

  test("a score just under the pass mark fails and leaves the item open", async () => {
    const q = await quizCourse({ passPercent: 76 });
    const r = await q.attempt(3);
    expect(r.passed).toBe(false);
    expect(await q.itemState()).toBe("started");
    expect(await q.completed()).toBeUndefined();
  });

  test("a score at the mark that floating point computes a hair under it (0.57 × 100) still passes", async () => {
    expect(0.57 * 100).toBeLessThan(57); // why the rule needs its tolerance
    const q = await quizCourse({ passPercent: 57, gift: "::a::Chọn một{=Đúng hẳn ~%57%Gần đúng ~Sai}\n" });
    const a = await startAttempt(db, q.m.id, q.course, q.key);
    const question = (a.questions as Question[])[0] as Extract<Question, { kind: "single" }>;
    const partial = question.options.find((o) => o.percent === 57)!;
    await saveAnswer(db, q.m.id, a.id, question.id, { choice: partial.id });
    const r = await submitAttempt(db, q.m.id, a.id);
    expect(r.score).toBe(0.57);
    expect(r.passed).toBe(true);
  });
});

describe("course minimum grade", () => {
  test("a best-score average exactly at the minimum completes the course; under it does not", async () => {
    const q = await quizCourse({ passPercent: 50, minGradePercent: 75 });
    await q.attempt(2); // 50 %: passes the quiz, not the course's 75 %
    expect(await q.itemState()).toBe("completed");
    expect(await q.completed()).toBeUndefined();
    const exact = await q.attempt(3); // 75 %: exactly the minimum
    expect((await q.completed())?.completedAt.getTime()).toBe(exact.submittedAt!.getTime());
  });
});

describe("attempts", () => {
  test("Start again while the last allowed attempt is open returns that attempt", async () => {
    const q = await quizCourse({ passPercent: 100, attemptsAllowed: 2 });
    const first = await q.attempt(1);
    expect(first.passed).toBe(false);
    const last = await startAttempt(db, q.m.id, q.course, q.key);
    expect(last.attemptNo).toBe(2);
    const again = await startAttempt(db, q.m.id, q.course, q.key);
    expect(again.id).toBe(last.id);
    expect(again.state).toBe("open");
    expect(await attemptsOf(db, q.m.id, q.course.id, q.key)).toHaveLength(2);
    await submitAttempt(db, q.m.id, last.id);
    expect((await domainError(() => startAttempt(db, q.m.id, q.course, q.key))).key).toBe("quiz.error.noAttemptsLeft");
  });

  test("with a single attempt allowed, a second Start while it is open is the same attempt", async () => {
    const q = await quizCourse({ passPercent: 100, attemptsAllowed: 1 });
    const only = await startAttempt(db, q.m.id, q.course, q.key);
    expect((await startAttempt(db, q.m.id, q.course, q.key)).id).toBe(only.id);
  });
});
