import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { afterAll, beforeAll, expect, test } from "vitest";
import fs from "node:fs";
import { eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { launchBrowser, signedInPage } from "#tests/harness/browser.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { publishCourse } from "#app/courses/courses.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { importGiftBank } from "#app/quizzes/bank.server.ts";
import { editableBank } from "#app/quizzes/bank-editor.server.ts";
import { exportGift } from "#app/quizzes/gift.ts";
import { quizAttempts, quizSettings } from "#db/schema/index.ts";

/**
 * A trainer on a 360 px phone builds a quiz in the bank editor, one question of each type (one
 * refused first, with what was typed kept; the essay included), reorders it and previews it; a
 * member takes the published quiz, which waits for its essay to be graded; the trainer grades it
 * from the queue and the member's score becomes full marks; the downloaded GIFT, uploaded into
 * another quiz, is the same bank.
 */
let db: Awaited<ReturnType<typeof testDb>>;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let courseId: number;
let unitId: number;
const contexts: BrowserContext[] = [];
const errors: string[] = [];
const PHONE = { width: 360, height: 780 };

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  unitId = t.root.id;
  const author = await makeMember(db, t.a, { code: "GIANG-VIEN", role: "trainer", scopes: [t.a] });
  await makeMember(db, t.a1, { code: "HOC-VIEN" });
  courseId = (await createCourse(db, { slug: "khoa-bien-tap", title: "Khóa biên tập câu hỏi", createdBy: author.id })).id;
  await addItem(db, courseId, "chuong-1", "quiz", "Kiểm tra");
  await addItem(db, courseId, "chuong-1", "quiz", "Kiểm tra nhập lại");
  await writeTx(db, async (tx) => tx.insert(quizSettings).values({ courseId, itemKey: "kiem-tra", shuffle: false, updatedAt: new Date() }));
  srv = await startTestServer(db);
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await srv?.close();
  await dropDb(db);
});

async function newQuestion(page: Page, kind: string) {
  await page.goto(`${srv.origin}/manage/courses/${courseId}/quizzes/kiem-tra`);
  await page.selectOption("#new-kind", kind);
  await page.click('button:has-text("Thêm câu hỏi")');
  await page.waitForSelector("[data-testid=question-editor]");
}

async function saveQuestion(page: Page, n: number) {
  await page.click("[data-testid=save-question]");
  await page.waitForURL(new RegExp(`/quizzes/kiem-tra\\?saved=${n}#question-${n}$`));
  expect(await page.textContent(".notice-ok")).toBe(`Đã lưu câu hỏi ${n}.`);
}

async function noSidewaysScroll(page: Page) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
}

test("a trainer builds every question type on a phone, a member takes the quiz, the download re-imports to the same bank", async () => {
  const page = await signedInPage(browser, srv.origin, "GIANG-VIEN", { viewport: PHONE, contexts, errors });

  // Single choice: first refused (no right option), the typed text survives, then fixed with a row added in the browser.
  await newQuestion(page, "single");
  await noSidewaysScroll(page);
  await page.fill("textarea[name=text]", "Thủ đô của Việt Nam là?");
  await page.fill('input[name="options.0.text"]', "Huế");
  await page.fill('input[name="options.0.percent"]', "0");
  await page.fill('input[name="options.1.text"]', "Đà Nẵng");
  await page.fill('input[name="options.2.text"]', "Cần Thơ");
  await page.fill('input[name="options.0.feedback"]', "Huế là kinh đô triều Nguyễn.");
  await page.click("[data-testid=save-question]");
  await page.waitForSelector("[data-testid=question-errors]");
  expect(await page.textContent("[data-testid=question-errors]")).toContain("Câu một đáp án đúng cần một phương án được 100% (dấu =).");
  expect(await page.inputValue("textarea[name=text]")).toBe("Thủ đô của Việt Nam là?");
  expect(await page.inputValue('input[name="options.0.feedback"]')).toBe("Huế là kinh đô triều Nguyễn.");
  await page.click('fieldset:has-text("Phương án") button:has-text("Thêm dòng")');
  await page.fill('input[name="options.4.text"]', "Hà Nội");
  await page.fill('input[name="options.4.percent"]', "100");
  await page.fill("input[name=category]", "dia-ly");
  await page.fill("input[name=weight]", "2");
  await page.fill("textarea[name=generalFeedback]", "Hà Nội là thủ đô từ năm 1010.");
  await saveQuestion(page, 1);

  await newQuestion(page, "multiple");
  await page.fill("textarea[name=text]", "Những mật khẩu nào đủ mạnh?");
  await page.fill('input[name="options.0.text"]', "ngựa-pin-kẹp-giấy-đúng");
  await page.fill('input[name="options.1.text"]', "Tr0ng#Đồng~2024!");
  await page.fill('input[name="options.2.text"]', "123456");
  await page.fill('input[name="options.2.percent"]', "-100");
  await page.check('input[name=scoring][value="all-or-nothing"]');
  await page.fill("input[name=category]", "an-toan");
  await saveQuestion(page, 2);

  await newQuestion(page, "truefalse");
  await page.fill("textarea[name=text]", "Xác thực hai bước làm tài khoản an toàn hơn.");
  await page.fill("textarea[name=feedbackWrong]", "Xem lại bài 2.");
  await saveQuestion(page, 1); // no category: it goes before the categorised questions

  await newQuestion(page, "short");
  await page.fill("textarea[name=text]", "Mật khẩu dùng một lần viết tắt là");
  await page.fill("textarea[name=textAfter]", "(ba chữ cái).");
  await page.fill('input[name="answers.0.text"]', "OTP");
  await page.check("input[name=ignoreDiacritics]");
  await page.fill("input[name=category]", "an-toan");
  await saveQuestion(page, 4);

  await newQuestion(page, "numerical");
  await page.fill("textarea[name=text]", "Số pi (hai chữ số thập phân)?");
  await page.fill('input[name="numeric.0.value"]', "3,14");
  await page.fill('input[name="numeric.0.tolerance"]', "0,005");
  await page.selectOption('select[name="numeric.1.mode"]', "range");
  await page.fill('input[name="numeric.1.min"]', "3");
  await page.fill('input[name="numeric.1.max"]', "3.2");
  await page.fill('input[name="numeric.1.percent"]', "50");
  await page.fill("input[name=category]", "an-toan");
  await saveQuestion(page, 5);

  await newQuestion(page, "matching");
  await noSidewaysScroll(page);
  await page.fill("textarea[name=text]", "Ghép cơ quan với chức năng.");
  await page.fill('input[name="pairs.0.left"]', "Quốc hội");
  await page.fill('input[name="pairs.0.right"]', "Lập pháp");
  await page.fill('input[name="pairs.1.left"]', "Chính phủ");
  await page.fill('input[name="pairs.1.right"]', "Hành pháp");
  await page.fill('input[name="distractors.0"]', "Kiểm toán");
  await page.fill("input[name=category]", "to-chuc");
  await saveQuestion(page, 6);

  // An essay: no answer key, graded later by a trainer in the member's scope.
  await newQuestion(page, "essay");
  await noSidewaysScroll(page);
  expect(await page.isVisible("[data-testid=essay-hint]")).toBe(true);
  await page.fill("textarea[name=text]", "Nêu một việc đồng chí sẽ làm để bảo vệ tài khoản công việc.");
  await page.fill("input[name=category]", "tu-luan");
  await saveQuestion(page, 7);

  // The list: seven questions; the short answer moves above the multiple choice; a preview shows it as a member would.
  expect(await page.locator("[data-testid=bank-question]").count()).toBe(7);
  await noSidewaysScroll(page);
  await page.click('button[aria-label="Chuyển câu 4 lên"]');
  await page.waitForSelector('.notice-ok:has-text("Đã chuyển câu hỏi.")');
  await expect.poll(() => page.locator("#question-3 .bank-question-text").textContent()).toContain("Mật khẩu dùng một lần viết tắt là");
  expect(await page.isDisabled('button[aria-label="Chuyển câu 2 lên"]')).toBe(true); // it would cross the uncategorised question
  await page.click("#question-2 .bank-preview summary");
  await page.click('#question-2 label.choice:has-text("Hà Nội")');
  expect(await page.isChecked('#question-2 label.choice:has-text("Hà Nội") input')).toBe(true);

  // Editing an existing question opens with its values and keeps the others.
  await page.click('a[aria-label="Sửa 1"]');
  await page.waitForSelector("[data-testid=question-editor]");
  expect(await page.inputValue("textarea[name=feedbackWrong]")).toBe("Xem lại bài 2.");
  await page.fill("textarea[name=feedbackRight]", "Chính xác.");
  await saveQuestion(page, 1);

  const bank = await editableBank(db, courseId, "kiem-tra");
  expect(bank.problems).toEqual([]);
  expect(bank.questions.map((q) => q.kind)).toEqual(["truefalse", "single", "short", "multiple", "numerical", "matching", "essay"]);
  expect(bank.questions.map((q) => q.category.join("/"))).toEqual(["", "dia-ly", "an-toan", "an-toan", "an-toan", "to-chuc", "tu-luan"]);

  // The download, uploaded into another quiz, is the same bank.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('a:has-text("Tải về dạng GIFT")')]);
  const gift = fs.readFileSync((await download.path())!, "utf8");
  expect(gift).toBe(exportGift(bank.questions));
  expect((await importGiftBank(db, courseId, "kiem-tra-nhap-lai", gift, { strict: true })).problems).toEqual([]);
  expect((await editableBank(db, courseId, "kiem-tra-nhap-lai")).questions).toEqual(bank.questions);

  // A member takes the published quiz and gets every question right.
  await publishCourse(db, courseId, null);
  await assignToUnit(db, { courseId, unitId, dueAt: null, actorId: null });
  const member = await signedInPage(browser, srv.origin, "HOC-VIEN", { viewport: PHONE, contexts, errors });
  await member.goto(`${srv.origin}/courses/khoa-bien-tap/kiem-tra`);
  await member.click('button:has-text("Bắt đầu làm bài")');
  await member.waitForURL(/\/quiz\/\d+$/);
  const q = (text: string) => member.locator("li.question", { hasText: text });
  await q("Xác thực hai bước").locator('label.choice:has-text("Đúng")').click();
  await q("Thủ đô của Việt Nam").locator('label.choice:has-text("Hà Nội")').click();
  await q("Mật khẩu dùng một lần").locator("input").fill("otp");
  await q("Những mật khẩu nào").locator('label.choice:has-text("ngựa-pin-kẹp-giấy-đúng")').click();
  await q("Những mật khẩu nào").locator('label.choice:has-text("Tr0ng#Đồng~2024!")').click();
  await q("Số pi").locator("input").fill("3,141");
  await member.getByLabel("Quốc hội").selectOption({ label: "Lập pháp" });
  await member.getByLabel("Chính phủ").selectOption({ label: "Hành pháp" });
  await q("bảo vệ tài khoản công việc").locator("textarea").fill("Tôi sẽ bật xác thực hai bước và không dùng lại mật khẩu.");
  await expect.poll(() => member.textContent("[data-testid=save-state]"), { timeout: 15_000 }).toBe("Đã lưu câu trả lời");
  await noSidewaysScroll(member);
  member.once("dialog", (d) => void d.accept());
  await member.click("[data-testid=submit-quiz]");
  await member.waitForSelector("[data-testid=quiz-score]");
  // The essay waits for its grader: no pass/fail, no final score yet.
  expect(await member.textContent("[data-testid=quiz-score]")).toContain("Chờ chấm tự luận");
  const pending = (await first(db.select().from(quizAttempts).where(eq(quizAttempts.courseId, courseId))))!;
  expect([pending.state, pending.score, pending.passed]).toEqual(["submitted", null, null]);

  // The trainer grades it from the grading queue, on the phone; then the member's score is final.
  await page.goto(`${srv.origin}/grading`);
  await page.click(`a[href="/grading/quiz/${pending.id}"]`);
  await page.waitForSelector("[data-testid=essay-grade-form]");
  expect(await page.textContent("[data-testid=essay-answer]")).toContain("xác thực hai bước");
  await noSidewaysScroll(page);
  const form = page.locator("[data-testid=essay-grade-form]");
  await form.locator("input[name=points]").fill("1");
  await form.locator("textarea[name=comment]").fill("Đúng trọng tâm.");
  await form.locator("button[type=submit]").click();
  await page.waitForSelector('.notice-ok:has-text("Đã chấm xong mọi câu tự luận")');
  await member.reload();
  await expect.poll(() => member.textContent("[data-testid=quiz-score]")).toContain("Điểm: 100%");
  const attempt = (await first(db.select().from(quizAttempts).where(eq(quizAttempts.courseId, courseId))))!;
  expect([attempt.state, attempt.score, attempt.passed]).toEqual(["submitted", 1, true]);
  expect(errors).toEqual([]);
}, 240_000);
