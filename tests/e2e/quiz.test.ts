import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { afterAll, beforeAll, expect, test } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Browser } from "playwright-core";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { launchBrowser, signIn } from "#tests/harness/browser.ts";
import { importPackage, loadPackage } from "#app/courses/package.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { quizAnswers, quizAttempts, quizSettings } from "#db/schema/index.ts";

/** A member takes a timed quiz in Chromium: the time left shows, answers save as they go, submit grades. */
let db: Awaited<ReturnType<typeof testDb>>;
let tmp: string;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  await makeMember(db, t.a1, { code: "HOC-VIEN" });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-quiz-e2e-"));
  const dir = path.join(tmp, "khoa-e2e");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "quiz.gift"),
    "::a::Thủ đô của Việt Nam là?{=Hà Nội ~Huế ~Đà Nẵng}\n\n::b::Viết tắt mật khẩu dùng một lần?{=OTP}\n\n::c::Xác thực hai bước giúp an toàn hơn.{T}\n",
  );
  fs.writeFileSync(path.join(dir, "course.json"), JSON.stringify({ slug: "khoa-e2e", title: "Khóa kiểm tra", modules: [{ key: "m", title: "Chương", items: [{ key: "kt", type: "quiz", title: "Kiểm tra nhanh", file: "quiz.gift" }] }] }));
  const loaded = loadPackage(dir);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const { courseId } = await importPackage(db, path.join(tmp, "data"), loaded.pkg, null);
  await assignToUnit(db, { courseId, unitId: t.root.id, dueAt: null, actorId: null });
  await writeTx(db, async (tx) => tx.insert(quizSettings).values({ courseId, itemKey: "kt", timeLimitSeconds: 600, updatedAt: new Date() }));
  srv = await startTestServer(db, { DATA_DIR: path.join(tmp, "data") });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await srv.close();
  await dropDb(db);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("a timed attempt: the clock shows, answers are saved as the member goes, submission grades them", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await ctx.addCookies([{ name: "hocso_lang", value: "vi", url: srv.origin }]);
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signIn(page, srv.origin, "HOC-VIEN");
  await page.goto(`${srv.origin}/courses/khoa-e2e/kt`);
  await page.click('button:has-text("Bắt đầu làm bài")');
  await page.waitForURL(/\/quiz\/\d+$/);
  await expect.poll(() => page.textContent("[data-testid=time-left]")).toMatch(/Còn lại (9|10):\d\d/);

  await page.click('label.choice:has-text("Hà Nội")');
  await page.fill('input[aria-label="Câu trả lời của bạn"]', "otp");
  await page.click('label.choice:has-text("Sai")');
  await expect.poll(() => page.textContent("[data-testid=save-state]")).toBe("Đã lưu câu trả lời");
  const attemptId = Number(page.url().split("/").pop());
  await expect.poll(async () => (await db.select().from(quizAnswers).where(eq(quizAnswers.attemptId, attemptId))).length).toBe(3);

  // A reload keeps every answer (they are on the server).
  await page.reload();
  expect(await page.isChecked('label.choice:has-text("Hà Nội") input')).toBe(true);
  expect(await page.inputValue('input[aria-label="Câu trả lời của bạn"]')).toBe("otp");

  page.once("dialog", (d) => void d.accept());
  await page.click("[data-testid=submit-quiz]");
  await page.waitForSelector("[data-testid=quiz-score]");
  expect(await page.textContent("[data-testid=quiz-score]")).toContain("Điểm: 67%");
  const a = (await first(db.select().from(quizAttempts).where(eq(quizAttempts.id, attemptId))))!;
  expect(a.state).toBe("submitted");
  expect(a.score).toBeCloseTo(2 / 3, 5);
  expect(errors).toEqual([]);
  await ctx.close();
});
