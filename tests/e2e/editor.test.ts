import { first } from "#db/first.ts";
import { beforeAll, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { signIn } from "#tests/harness/browser.ts";
import { createCourse } from "#app/courses/authoring.server.ts";
import { courseItems } from "#db/schema/index.ts";

/**
 * An administrator writes a lesson in the tiptap editor: the typed text and a warning callout are
 * autosaved (the page says so), survive a reload, and a document the server refuses shows why.
 */
const srv = useAppServer({ browser: true });

let courseId: number;

beforeAll(async () => {
  const t = await makeTree(srv.db);
  await makeMember(srv.db, t.root, { code: "ADMIN", role: "admin", fullName: "Quản Trị Viên" });
  courseId = (await createCourse(srv.db, { slug: "khoa-soan-thu", title: "Khóa soạn thử" })).id;
});

test("a lesson typed in the editor is autosaved, survives a reload, and warns about refused links", async () => {
  const ctx = await srv.browser.newContext({ viewport: { width: 1000, height: 800 } });
  await ctx.addCookies([{ name: "hocso_lang", value: "vi", url: srv.origin }]);
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signIn(page, srv.origin, "ADMIN");

  await page.goto(`${srv.origin}/manage/courses/${courseId}`);
  await page.fill('input[name=title][aria-label="Thêm bài học vào chương này"]', "Bài soạn trong trình duyệt");
  await page.click('button:has-text("Thêm bài học vào chương này")');
  await page.waitForURL(/\/items\//);
  const key = page.url().split("/items/")[1];
  await page.waitForSelector(".ProseMirror");
  await page.click(".ProseMirror");
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.type("Mật khẩu mạnh có ít nhất mười hai ký tự.");
  await page.click('button[aria-label="Khung cảnh báo"]');
  await page.waitForFunction(() => document.querySelector("[data-testid=save-state]")?.textContent?.startsWith("Đã lưu"), null, { timeout: 15_000 });

  const row = (await first(srv.db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key)))))!;
  expect(row.bodyText).toContain("Mật khẩu mạnh có ít nhất mười hai ký tự.");
  expect(JSON.stringify(row.body)).toContain('"type":"callout"');
  expect(JSON.stringify(row.body)).toContain('"kind":"warning"');

  await page.reload();
  await page.waitForSelector(".ProseMirror aside[data-kind=warning]");
  expect(await page.textContent(".ProseMirror")).toContain("mười hai ký tự");

  // A javascript: link is refused in the browser before it is ever sent.
  page.once("dialog", (d) => void d.accept("javascript:alert(1)"));
  await page.click(".ProseMirror p");
  await page.keyboard.press("Control+a");
  await page.click('button[aria-label="Liên kết"]');
  await expect.poll(() => page.textContent("[data-testid=save-state]")).toContain("không được phép");
  expect(errors).toEqual([]);
  await ctx.close();
});
