import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import { importPackage, loadPackage } from "#app/courses/package.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { getCourseBySlug } from "#app/courses/courses.server.ts";
import { attemptsOf, saveAnswer, startAttempt, submitAttempt, GRACE_MS } from "#app/quizzes/attempts.server.ts";
import { correctResponse } from "#app/quizzes/grading.ts";
import type { Question } from "#app/quizzes/types.ts";
import { courseCompletions, quizAttempts, quizSettings } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";

/**
 * The server is the clock and the grader: answers and feedback never reach the browser before
 * submission, late answers are refused, one attempt is open at a time, submitting twice is
 * harmless, and only the owner (or a trainer in scope, read-only) can see an attempt.
 */
const CANARY_ANSWER = "CANARY-ANSWER-7Q2";
const CANARY_FEEDBACK = "CANARY-FEEDBACK-9ZK";
const GIFT = `$CATEGORY: khoa-quiz/cuoi-khoa

::q1::Mật khẩu nào mạnh nhất?{
=${CANARY_ANSWER} dài và khó đoán#${CANARY_FEEDBACK} đúng
~123456#${CANARY_FEEDBACK} sai
~matkhau#${CANARY_FEEDBACK} sai
}

::q2::Viết tắt của mật khẩu dùng một lần?{=OTP#${CANARY_FEEDBACK}}

::q3::Xác thực hai bước làm tài khoản an toàn hơn.{T#${CANARY_FEEDBACK}#${CANARY_FEEDBACK}}
`;

let db: Awaited<ReturnType<typeof testDb>>;
let tmp: string;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let member: Awaited<ReturnType<typeof makeMember>>;
let other: Awaited<ReturnType<typeof makeMember>>;
let courseId: number;

async function course() {
  return (await getCourseBySlug(db, "khoa-quiz"))!;
}

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  member = await makeMember(db, t.a1, { code: "HOC-VIEN" });
  other = await makeMember(db, t.a1, { code: "NGUOI-KHAC" });
  await makeMember(db, t.a, { code: "TRAINER-A", role: "trainer", scopes: [t.a] });
  await makeMember(db, t.b, { code: "TRAINER-B", role: "trainer", scopes: [t.b] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-quiz-"));
  const dir = path.join(tmp, "khoa-quiz");
  fs.mkdirSync(path.join(dir, "lessons"), { recursive: true });
  fs.writeFileSync(path.join(dir, "lessons", "01.md"), "# Bài một\n\nNội dung.\n");
  fs.writeFileSync(path.join(dir, "quiz.gift"), GIFT);
  fs.writeFileSync(
    path.join(dir, "course.json"),
    JSON.stringify({
      slug: "khoa-quiz",
      title: "Khóa có bài kiểm tra",
      modules: [{ key: "m", title: "Chương", items: [{ key: "bai-1", type: "lesson", title: "Bài một", file: "lessons/01.md" }, { key: "kiem-tra", type: "quiz", title: "Kiểm tra", file: "quiz.gift" }] }],
    }),
  );
  const loaded = loadPackage(dir);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  courseId = (await importPackage(db, path.join(tmp, "data"), loaded.pkg, null)).courseId;
  await assignToUnit(db, { courseId, unitId: t.root.id, dueAt: null, actorId: null });
  srv = await startTestServer(db, { DATA_DIR: path.join(tmp, "data") });
});
afterAll(async () => {
  await srv.close();
  await dropDb(db);
  fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await writeTx(db, async (tx) => tx.delete(quizAttempts));
  await writeTx(db, async (tx) => tx.delete(quizSettings));
});

test("no answer or feedback canary reaches the member before submission, on any page or data request", async () => {
  const c = client(srv.origin);
  await c.signIn("HOC-VIEN");
  const intro = await c.request("/courses/khoa-quiz/kiem-tra");
  expect(intro.status).toBe(200);
  const start = await c.request("/courses/khoa-quiz/kiem-tra", { form: { intent: "start" } });
  expect(start.status).toBe(302);
  const attemptUrl = start.headers.get("location")!;
  expect(attemptUrl).toMatch(/^\/quiz\/\d+$/);
  const bodies: string[] = [await intro.text()];
  for (const p of ["/", "/courses", "/courses/khoa-quiz", "/courses/khoa-quiz/kiem-tra", attemptUrl, `${attemptUrl}.data`, "/courses/khoa-quiz/kiem-tra.data"]) {
    const r = await c.request(p);
    expect(r.status, p).toBe(200);
    bodies.push(await r.text());
  }
  const attemptPage = bodies[5];
  // The page does carry the questions and their options…
  expect(attemptPage).toContain("Mật khẩu nào mạnh nhất?");
  expect(attemptPage).toContain("123456");
  // …but no accepted answer for the short question, and no feedback, anywhere.
  for (const b of bodies) {
    expect(b).not.toContain(CANARY_FEEDBACK);
    expect(b).not.toMatch(/OTP/);
  }
  const id = Number(attemptUrl.split("/").pop());
  const save = await c.request(`/api/quiz/${id}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ questionId: "q2", response: { text: "otp" } }) });
  expect(save.status).toBe(200);
  expect(await save.text()).not.toContain(CANARY_FEEDBACK);
  // After submission the review may show feedback (the default settings allow it).
  await c.request(attemptUrl, { form: { intent: "submit" } });
  expect(await (await c.request(attemptUrl)).text()).toContain(CANARY_FEEDBACK);
});

test("two concurrent starts give one attempt; attempt numbers are unique; submitting twice is idempotent", async () => {
  const now = new Date();
  const [a, b] = await Promise.all([startAttempt(db, member.id, await course(), "kiem-tra", now), startAttempt(db, member.id, await course(), "kiem-tra", now)]);
  expect(a.id).toBe(b.id);
  const c = client(srv.origin);
  await c.signIn("HOC-VIEN");
  const starts = await Promise.all([1, 2, 3].map(() => c.request("/courses/khoa-quiz/kiem-tra", { form: { intent: "start" } })));
  expect(new Set(starts.map((r) => r.headers.get("location")))).toEqual(new Set([`/quiz/${a.id}`]));
  const questions = a.questions as Question[];
  for (const q of questions) await saveAnswer(db, member.id, a.id, q.id, correctResponse(q), now);
  const first = await submitAttempt(db, member.id, a.id, now);
  const second = await submitAttempt(db, member.id, a.id, new Date(now.getTime() + 5000));
  expect(first.score).toBe(1);
  expect(second).toEqual(first);
  const next = await startAttempt(db, member.id, await course(), "kiem-tra", now);
  expect(next.attemptNo).toBe(2);
  expect((await attemptsOf(db, member.id, courseId, "kiem-tra")).map((x) => x.attemptNo)).toEqual([2, 1]);
});

test("answers after the deadline plus grace are refused; an abandoned attempt closes with what was saved", async () => {
  await writeTx(db, async (tx) => tx.insert(quizSettings).values({ courseId, itemKey: "kiem-tra", timeLimitSeconds: 60, attemptsAllowed: 5, updatedAt: new Date() }));
  const t0 = new Date("2026-05-01T08:00:00Z");
  const a = await startAttempt(db, member.id, await course(), "kiem-tra", t0);
  expect(a.deadlineAt!.getTime()).toBe(t0.getTime() + 60_000);
  const q2 = (a.questions as Question[]).find((q) => q.id === "q2")!;
  await saveAnswer(db, member.id, a.id, q2.id, { text: "OTP" }, new Date(t0.getTime() + 59_000));
  // Within the grace period: accepted.
  await saveAnswer(db, member.id, a.id, q2.id, { text: "OTP" }, new Date(t0.getTime() + 60_000 + GRACE_MS - 1));
  const q3 = (a.questions as Question[]).find((q) => q.id === "q3")!;
  await expect(async () => saveAnswer(db, member.id, a.id, q3.id, { value: true }, new Date(t0.getTime() + 60_000 + GRACE_MS + 1))).rejects.toThrow(DomainError);
  const closed = (await first(db.select().from(quizAttempts).where(eq(quizAttempts.id, a.id))))!;
  expect(closed.state).toBe("expired");
  // One of three questions right, and the late true/false answer did not count.
  expect(closed.score).toBeCloseTo(1 / 3, 5);
});

test("passing completes the quiz item and, with every lesson read, the course", async () => {
  const now = new Date();
  const { itemProgress } = await import("#db/schema/index.ts");
  await writeTx(db, async (tx) => tx.insert(itemProgress).values({ memberId: other.id, courseId, itemKey: "bai-1", state: "completed", startedAt: now, completedAt: now }));
  const a = await startAttempt(db, other.id, await course(), "kiem-tra", now);
  for (const q of a.questions as Question[]) await saveAnswer(db, other.id, a.id, q.id, correctResponse(q), now);
  const done = await submitAttempt(db, other.id, a.id, new Date(now.getTime() + 1000));
  expect(done.passed).toBe(true);
  const completion = await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, other.id), eq(courseCompletions.courseId, courseId))));
  expect(completion?.completedAt.getTime()).toBe(now.getTime() + 1000);
});

test("only the owner may open or change an attempt; a trainer in scope reads it; others get 404", async () => {
  const a = await startAttempt(db, member.id, await course(), "kiem-tra");
  const intruder = client(srv.origin);
  await intruder.signIn("NGUOI-KHAC");
  expect((await intruder.request(`/quiz/${a.id}`)).status).toBe(404);
  const save = await intruder.request(`/api/quiz/${a.id}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ questionId: "q2", response: { text: "x" } }) });
  expect(save.status).toBe(404);
  expect((await intruder.request(`/quiz/${a.id}`, { form: { intent: "submit" } })).status).toBe(404);
  expect((await first(db.select().from(quizAttempts).where(eq(quizAttempts.id, a.id))))!.state).toBe("open");
  await submitAttempt(db, member.id, a.id);
  const trainerA = client(srv.origin);
  await trainerA.signIn("TRAINER-A");
  const read = await trainerA.request(`/quiz/${a.id}`);
  expect(read.status).toBe(200);
  expect((await trainerA.request(`/quiz/${a.id}`, { form: { intent: "submit" } })).status).toBe(403);
  const trainerB = client(srv.origin);
  await trainerB.signIn("TRAINER-B");
  expect((await trainerB.request(`/quiz/${a.id}`)).status).toBe(404);
});

test("correct answers stay hidden while attempts remain, unless the settings say otherwise", async () => {
  await writeTx(db, async (tx) => tx.insert(quizSettings).values({ courseId, itemKey: "kiem-tra", attemptsAllowed: 2, reviewFeedback: false, updatedAt: new Date() }));
  const a = await startAttempt(db, member.id, await course(), "kiem-tra");
  await submitAttempt(db, member.id, a.id);
  const c = client(srv.origin);
  await c.signIn("HOC-VIEN");
  const page = await (await c.request(`/quiz/${a.id}`)).text();
  expect(page).not.toContain("OTP");
  expect(page).not.toContain(CANARY_FEEDBACK);
  const b = await startAttempt(db, member.id, await course(), "kiem-tra");
  await submitAttempt(db, member.id, b.id);
  const last = await (await c.request(`/quiz/${b.id}`)).text();
  expect(last).toContain("OTP");
});

test("My progress lists every item with its state and the best quiz score", async () => {
  const a = await startAttempt(db, member.id, await course(), "kiem-tra");
  const q2 = (a.questions as Question[]).find((q) => q.id === "q2")!;
  await saveAnswer(db, member.id, a.id, q2.id, { text: "OTP" });
  await submitAttempt(db, member.id, a.id);
  const c = client(srv.origin);
  await c.signIn("HOC-VIEN");
  const html = await (await c.request("/progress")).text();
  expect(html).toContain("Tiến độ của tôi");
  expect(html).toContain("Bài một");
  expect(html).toMatch(/33%.*1 lượt/);
  // The quiz was passed in an earlier test of this file; the unread lesson is still left.
  expect(html).toContain("Còn 1 mục bắt buộc chưa xong");
});
