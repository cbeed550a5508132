import { first } from "#db/first.ts";
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { parseGift } from "#app/quizzes/gift.ts";
import { courseItems, quizSettings } from "#db/schema/index.ts";

/** Authors load a Moodle GIFT bank (unsupported questions listed by line), set the quiz, and export it back. */
let db: Awaited<ReturnType<typeof testDb>>;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let courseId: number;
const root = path.resolve(import.meta.dirname, "..", "..");
const GIFT = "::a::Một cộng một?{#2}\n\n::b::Hãy trình bày ý kiến.{}\n\n::c::Mô tả không có đáp án\n\n::d::Trời xanh.{T}\n";

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  await makeMember(db, t.root, { code: "ADMIN", role: "admin" });
  await makeMember(db, t.a, { code: "TRAINER", role: "trainer", scopes: [t.a] });
  courseId = (await createCourse(db, { slug: "khoa-gift", title: "Khóa GIFT" })).id;
  await addItem(db, courseId, "chuong-1", "quiz", "Kiểm tra");
  srv = await startTestServer(db);
});
afterAll(async () => {
  await srv.close();
  await dropDb(db);
});

test("uploading GIFT keeps supported questions (essays among them) and lists the others with their line numbers", async () => {
  const c = client(srv.origin);
  await c.signIn("ADMIN");
  const form = new FormData();
  form.set("gift", new Blob([GIFT], { type: "text/plain" }), "bank.gift");
  const res = await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra`, { method: "POST", body: form });
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain("Đã nhập 3 câu hỏi; 1 câu không nhận.");
  expect(html).not.toMatch(/Dòng 3:/);
  expect(html).toMatch(/Dòng 5:/);
  const item = (await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, "kiem-tra")))))!;
  expect(parseGift(item.source!).questions.map((q) => q.kind)).toEqual(["numerical", "essay", "truefalse"]);
  const gift = await (await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/gift`)).text();
  expect(parseGift(gift).questions.map((q) => q.id)).toEqual(["a", "b", "d"]);
});

test("settings are validated and saved; a trainer who is not the author is refused", async () => {
  const c = client(srv.origin);
  await c.signIn("ADMIN");
  const form = { passPercent: "80", attemptsAllowed: "2", timeLimitMinutes: "15", openAt: "", closeAt: "", drawCount: "", drawCategory: "", shuffle: "on", reviewCorrectness: "on", reviewAnswers: "after-pass", completionRule: "pass" };
  expect((await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra`, { form })).status).toBe(200);
  const s = (await first(db.select().from(quizSettings).where(eq(quizSettings.courseId, courseId))))!;
  expect([s.passPercent, s.attemptsAllowed, s.timeLimitSeconds, s.reviewFeedback, s.reviewAnswers]).toEqual([80, 2, 900, false, "after-pass"]);
  const bad = await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra`, { form: { ...form, openAt: "2026-05-02T08:00", closeAt: "2026-05-01T08:00" } });
  expect(await bad.text()).toContain("Thời điểm đóng phải sau thời điểm mở.");
  const tr = client(srv.origin);
  await tr.signIn("TRAINER");
  expect((await tr.request(`/manage/courses/${courseId}/quizzes/kiem-tra`)).status).toBe(403);
  expect((await tr.request(`/manage/courses/${courseId}/quizzes/kiem-tra/gift`)).status).toBe(403);
  expect((await tr.request(`/manage/courses/${courseId}/quizzes/kiem-tra`, { form: { ...form, passPercent: "1" } })).status).toBe(403);
  expect((await first(db.select().from(quizSettings).where(eq(quizSettings.courseId, courseId))))!.passPercent).toBe(80);
});

test("npm run quiz:import reports unsupported questions by line and exits 3", () => {
  const r = spawnSync("npx", ["tsx", "scripts/quiz-import.ts", "tests/fixtures/gift/varied.gift", "--course", "khoa-gift", "--no-publish"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: db.url },
  });
  expect(r.status).toBe(3);
  expect(r.stdout).not.toMatch(/dòng\/line 108: /);
  expect(r.stdout).toMatch(/dòng\/line 110: /);
  expect(r.stdout).toMatch(/✓ 23 câu hỏi/);
});
