import { first } from "#db/first.ts";
import { afterAll, beforeAll, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeReflectionCourse, setPosition } from "#tests/factories/reflections.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { launchBrowser, signIn } from "#tests/harness/browser.ts";
import { courseCompletions } from "#db/schema/index.ts";
import type { Member } from "#app/org/members.server.ts";
import type { Course } from "#app/courses/courses.server.ts";

/**
 * A reflection's round trip in Chromium: a member writes and submits on a 360 px phone (autosave
 * shown), the cell secretary returns it with a comment, the member revises and resubmits, the
 * secretary passes it, the course completes, and the unit's reports show it.
 */
let db: Awaited<ReturnType<typeof testDb>>;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let t: Awaited<ReturnType<typeof makeTree>>;
let writer: Member;
let course: Course;
let key: string;

beforeAll(async () => {
  db = await testDb();
  t = await makeTree(db);
  await makeMember(db, t.root, { code: "E2E-ADMIN", role: "admin" });
  writer = await makeMember(db, t.a1, { code: "E2E-WRITER", fullName: "Trần Thị Viết" });
  const sec = await makeMember(db, t.a1, { code: "E2E-SEC", fullName: "Lê Văn Bí Thư" });
  await setPosition(db, sec.id, "Bí thư chi bộ");
  ({ course, key } = await makeReflectionCourse(db, { assignTo: t.a1, settings: { minWords: 12, maxWords: 300 }, slug: "thu-hoach-e2e" }));
  srv = await startTestServer(db);
  browser = await launchBrowser();
}, 600_000);
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await dropDb(db);
});

async function phone(code: string) {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await ctx.addCookies([{ name: "hocso_lang", value: "vi", url: srv.origin }]);
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signIn(page, srv.origin, code);
  return { ctx, page, errors };
}

const noSideScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

async function typeAndSubmit(page: Page, text: string) {
  await page.waitForSelector("[data-testid=reflection-editor]");
  await page.click("[data-testid=reflection-editor]");
  await page.keyboard.press("Control+End");
  await page.keyboard.type(text);
  await page.waitForSelector("[data-testid=save-state][data-state=saved]", { timeout: 20_000 });
  expect(await noSideScroll(page)).toBe(true);
  await page.click("[data-testid=reflection-submit]");
  await page.waitForSelector("[data-testid=reflection-item][data-state=submitted]");
}

async function grade(page: Page, outcome: "pass" | "revise", comment: string) {
  await page.goto(`${srv.origin}/grading`);
  await page.click(`[data-testid=grading-row-E2E-WRITER] a`);
  await page.waitForSelector("[data-testid=grade-form]");
  expect(await page.textContent("[data-testid=submission-text]")).toContain("đảng viên tự học");
  expect(await noSideScroll(page)).toBe(true);
  await page.check(`input[name=outcome][value=${outcome}]`);
  await page.fill("textarea[name=comment]", comment);
  await page.click("[data-testid=grade-form] button[type=submit]");
  await page.waitForSelector(".notice-ok");
}

test("write on a phone, returned with a comment, revised, passed; the course completes and the unit report shows it", async () => {
  const member = await phone("E2E-WRITER");
  await member.page.goto(`${srv.origin}/courses/${course.slug}/${key}`);
  await typeAndSubmit(member.page, "Nghị quyết yêu cầu mỗi đảng viên tự học. Tôi sẽ đọc tài liệu hai buổi tối mỗi tuần.");

  const secretary = await phone("E2E-SEC");
  await grade(secretary.page, "revise", "Cần nêu rõ kết quả sẽ báo cáo với chi bộ.");

  await member.page.reload();
  await member.page.waitForSelector("[data-testid=reflection-item][data-state=returned]");
  expect(await member.page.textContent("[data-testid=reflection-grade]")).toContain("Cần nêu rõ kết quả sẽ báo cáo với chi bộ.");
  // The returned draft is there to revise.
  await member.page.waitForSelector("[data-testid=reflection-editor]");
  expect(await member.page.textContent("[data-testid=reflection-editor]")).toContain("hai buổi tối");
  await typeAndSubmit(member.page, " Cuối quý tôi báo cáo kết quả tại buổi sinh hoạt chi bộ.");

  await grade(secretary.page, "pass", "Đạt yêu cầu.");
  await member.page.reload();
  await member.page.waitForSelector("[data-testid=reflection-item][data-state=passed]");
  expect(await member.page.isVisible("[data-testid=reflection-version-1]")).toBe(true);
  expect(await member.page.isVisible("[data-testid=reflection-version-2]")).toBe(true);
  expect(await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, writer.id), eq(courseCompletions.courseId, course.id))))).toBeTruthy();

  // The unit report: the member's course is completed; the reflection report counts one pass.
  const admin = await phone("E2E-ADMIN");
  await admin.page.goto(`${srv.origin}/manage/reports/units/${t.a1.id}?c=${course.id}`);
  const members = await admin.page.textContent("[data-testid=members-table]");
  expect(members).toContain("Trần Thị Viết");
  expect(members).toContain("Đã hoàn thành");
  expect(await admin.page.textContent("[data-testid=reflections-link]")).toContain("0 chờ chấm");
  await admin.page.goto(`${srv.origin}/manage/reports/units/${t.a1.id}/reflections`);
  expect(await admin.page.textContent("[data-testid=reflection-counts] td[data-col=passed]")).toBe("1");
  expect(await admin.page.textContent("[data-testid=reflection-counts] td[data-col=waiting]")).toBe("0");
  for (const s of [member, secretary, admin]) {
    expect(s.errors).toEqual([]);
    await s.ctx.close();
  }
}, 180_000);
