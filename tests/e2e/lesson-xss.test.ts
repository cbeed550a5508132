import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { afterAll, beforeAll, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import type { JSONContent } from "@tiptap/core";
import type { Browser } from "playwright-core";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { launchBrowser, signIn } from "#tests/harness/browser.ts";
import { itemProgress } from "#db/schema/index.ts";
import { importPackage, type CourseJson, type LoadedPackage } from "#app/courses/package.server.ts";
import { getCourseBySlug } from "#app/courses/courses.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { markdownToDoc } from "#app/editor/markdown.server.ts";

/**
 * A lesson whose stored body is hostile (raw HTML from Markdown, and tiptap nodes written around
 * the validator: javascript:/data: links, an onerror image, an injected callout kind) is opened in
 * a real Chromium by an assigned member. No script may run — on load, on hydration, or when any
 * link in the lesson is clicked — and the lesson must still read normally and be completable.
 */

const SLUG = "khoa-thu-xss";
const VISIBLE = "Nội dung bài học này phải hiển thị bình thường.";
const SAFE_HREFS = ["#tom-tat", "/courses", "https://example.org/trang-ngoai"];

const MARKDOWN = [
  "# Bài học có nội dung độc hại",
  "",
  VISIBLE,
  "",
  "<script>window.__pwned=1</script>",
  "",
  '<img src=x onerror="window.__pwned=1">',
  "",
  "Bấm [vào đây](javascript:window.__pwned=1) để nhận quà.",
  "",
  ":::warning Cảnh báo",
  "Đừng bấm vào liên kết lạ.",
  ":::",
].join("\n");

const link = (t: string, href: string): JSONContent => ({ type: "text", text: t, marks: [{ type: "link", attrs: { href } }] });

/** The converted Markdown plus nodes that only a write around validateDoc could store. */
function hostileBody(): JSONContent {
  const md = markdownToDoc(MARKDOWN);
  return {
    type: "doc",
    content: [
      ...(md.content ?? []),
      {
        type: "paragraph",
        content: [
          link("js", "javascript:window.__pwned=1"),
          { type: "text", text: " · " },
          link("JS hoa", "JaVaScRiPt:window.__pwned=1"),
          { type: "text", text: " · " },
          link("js tab", "java\tscript:window.__pwned=1"),
          { type: "text", text: " · " },
          link("data", "data:text/html,<script>parent.__pwned=1</script>"),
          { type: "text", text: " · " },
          link("vb", "vbscript:msgbox(1)"),
          { type: "text", text: " · " },
          link("neo", SAFE_HREFS[0]),
          { type: "text", text: " · " },
          link("trang khóa học", SAFE_HREFS[1]),
          { type: "text", text: " · " },
          link("trang ngoài", SAFE_HREFS[2]),
        ],
      },
      { type: "image", attrs: { src: "x", alt: "ảnh lạ", onerror: "window.__pwned=1" } },
      { type: "image", attrs: { src: "javascript:window.__pwned=1", alt: "ảnh js" } },
      { type: "image", attrs: { src: "https://evil.example/pixel.png", alt: "ảnh ngoài" } },
      { type: "mediaEmbed", attrs: { kind: "video", src: "https://evil.example/v.mp4" } },
      { type: "callout", attrs: { kind: 'note" onmouseover="window.__pwned=1', title: '"><script>window.__pwned=1</script>' }, content: [{ type: "paragraph", content: [{ type: "text", text: "Chú thích" }] }] },
      { type: "heading", attrs: { level: 2, id: "tom-tat" }, content: [{ type: "text", text: "Tóm tắt" }] },
      { type: "paragraph", content: [{ type: "text", text: "Hết bài." }] },
    ],
  };
}

async function seedCourse(db: Awaited<ReturnType<typeof testDb>>, dataDir: string) {
  const item = (key: string, title: string, body: JSONContent) => ({
    key,
    type: "lesson" as const,
    title,
    file: `lessons/${key}.md`,
    estimatedMinutes: 5,
    required: true,
    body,
    text: "",
    source: null,
  });
  const modules = [
    {
      key: "chuong-mot",
      title: "Chương một",
      items: [
        item("bai-xss", "Bài học có nội dung độc hại", hostileBody()),
        item("bai-thuong", "Bài học bình thường", markdownToDoc("# Bài học bình thường\n\nChỉ là chữ.")),
      ],
    },
  ];
  const meta: CourseJson = { slug: SLUG, title: "Khóa thử an toàn nội dung", titleEn: "Content safety test", summary: "Thử nội dung độc hại.", estimatedMinutes: 10, modules };
  // Built by hand (not loadPackage) so the hostile body reaches the database unvalidated.
  const pkg: LoadedPackage = { dir: "/nonexistent", meta, modules, cover: null, media: new Map() };
  await importPackage(db, dataDir, pkg, null);
  return (await getCourseBySlug(db, SLUG))!;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

test("a hostile lesson body runs no script in Chromium, on load or on any click, and can still be read and completed", async () => {
  const db = await testDb();
  const dataDir = `${db.file}-data`;
  const tree = await makeTree(db);
  const member = await makeMember(db, tree.a1, { code: "XSS-A1", fullName: "Trần Thị Đọc" });
  const course = await seedCourse(db, dataDir);
  await assignToUnit(db, { courseId: course.id, unitId: tree.a.id, dueAt: null, actorId: null });
  const srv = await startTestServer(db, { DATA_DIR: dataDir });
  const context = await browser.newContext({ locale: "vi-VN" });
  context.setDefaultTimeout(10_000);

  const pwned: string[] = [];
  const csp: string[] = [];
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  await context.exposeBinding("__reportPwned", (_src, v: string) => void pwned.push(v));
  await context.exposeBinding("__reportCsp", (_src, v: string) => void csp.push(v));
  await context.addInitScript(() => {
    const w = window as unknown as Record<string, unknown> & { __reportPwned?: (v: string) => void; __reportCsp?: (v: string) => void };
    let value: unknown;
    Object.defineProperty(window, "__pwned", {
      configurable: false,
      get: () => value,
      set: (v) => {
        value = v;
        w.__reportPwned?.(`${location.href} ← ${String(v)}`);
      },
    });
    document.addEventListener("securitypolicyviolation", (e) => {
      w.__reportCsp?.(JSON.stringify({ page: location.href, directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample }));
    });
  });
  // Nothing leaves the test machine: the one external link gets a local stand-in page.
  await context.route(
    (url) => !url.href.startsWith(srv.origin),
    (route) => route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>ngoài</title><p>trang ngoài</p>" }),
  );
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  const lessonUrl = `${srv.origin}/courses/${SLUG}/bai-xss`;

  try {
    // The detectors work: a script setting __pwned is seen, and a blocked inline script is reported.
    await page.goto(`${srv.origin}/login`);
    await page.evaluate(() => {
      (window as unknown as { __pwned: number }).__pwned = 1;
    });
    await expect.poll(() => pwned.length).toBe(1);
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__pwned = 2";
      document.body.append(s);
    });
    await expect.poll(() => csp.length).toBeGreaterThan(0);
    expect(pwned.length).toBe(1); // the injected inline script did not run: CSP is on
    pwned.length = 0;
    csp.length = 0;
    consoleErrors.length = 0;

    await signIn(page, srv.origin, "XSS-A1");
    await page.goto(lessonUrl);
    const body = page.locator(".lesson-body");
    await body.waitFor();
    // Let hydration and anything queued run.
    await page.waitForLoadState("networkidle");

    // The lesson reads normally, and the raw HTML shows as the literal characters it is.
    expect(await page.getByText(VISIBLE, { exact: true }).isVisible()).toBe(true);
    expect(await body.getByText("<script>window.__pwned=1</script>", { exact: true }).isVisible()).toBe(true);
    expect(await body.getByText('<img src=x onerror="window.__pwned=1">', { exact: true }).isVisible()).toBe(true);
    expect(await body.getByText("Đừng bấm vào liên kết lạ.").isVisible()).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(pwned).toEqual([]);

    // The DOM of the lesson body: no script, no handler attribute, no foreign image or media.
    const dom = await body.evaluate((root) => {
      const all = [...root.querySelectorAll("*")];
      return {
        scripts: root.querySelectorAll("script, iframe, object, embed, svg").length,
        handlers: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
        images: [...root.querySelectorAll("img")].map((i) => i.getAttribute("src")),
        media: [...root.querySelectorAll("video, audio, source")].map((i) => i.getAttribute("src")),
        hrefs: [...root.querySelectorAll("a")].map((a) => a.getAttribute("href")),
        kinds: [...root.querySelectorAll("aside")].map((a) => a.getAttribute("data-kind")),
      };
    });
    expect(dom.scripts).toBe(0);
    expect(dom.handlers).toEqual([]);
    expect(dom.images).toEqual([]);
    expect(dom.media).toEqual([]);
    expect(dom.hrefs).toEqual(SAFE_HREFS);
    expect(dom.kinds).toEqual(["warning", "note"]);

    // Click every link in the lesson body, each from a fresh lesson page.
    const n = await body.locator("a").count();
    expect(n).toBe(SAFE_HREFS.length);
    const landed: string[] = [];
    for (let i = 0; i < n; i++) {
      await page.goto(lessonUrl);
      await body.waitFor();
      await body.locator("a").nth(i).click();
      await page.waitForLoadState("load");
      await page.waitForTimeout(150);
      landed.push(page.url().replace(srv.origin, ""));
      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), `after link ${i}`).toBeUndefined();
    }
    expect(landed).toEqual([`/courses/${SLUG}/bai-xss#tom-tat`, "/courses", SAFE_HREFS[2]]);
    expect(pwned).toEqual([]);

    // Our own pages caused no CSP violation and no console error.
    expect(csp).toEqual([]);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    expect(pageErrors).toEqual([]);

    // Completing the lesson: backdate the clock the first visit started, then mark it done.
    await page.goto(lessonUrl);
    const where = and(eq(itemProgress.memberId, member.id), eq(itemProgress.courseId, course.id), eq(itemProgress.itemKey, "bai-xss"));
    expect((await first(db.select().from(itemProgress).where(where)))?.state).toBe("started");
    await writeTx(db, async (tx) => tx.update(itemProgress).set({ startedAt: new Date(Date.now() - 30 * 60_000) }).where(where));
    await page.getByRole("button", { name: "Tôi đã học xong bài này", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Bạn đã hoàn thành bài học này." }).waitFor();
    expect(await page.getByRole("button", { name: "Tôi đã học xong bài này" }).count()).toBe(0);
    expect((await first(db.select().from(itemProgress).where(where)))?.state).toBe("completed");

    await page.goto(`${srv.origin}/courses/${SLUG}`);
    const done = page.locator('ol.outline li[data-state="completed"]');
    await expect.poll(() => done.count()).toBe(1);
    expect(await done.getByRole("link").textContent()).toBe("Bài học có nội dung độc hại");
    expect(await done.locator(".badge").textContent()).toBe("Đã xong");
    const other = page.locator("ol.outline li", { hasText: "Bài học bình thường" });
    expect(await other.getAttribute("data-state")).not.toBe("completed");
    expect(await page.getByText("Đã hoàn thành ngày", { exact: false }).count()).toBe(0);

    // The other lesson too: the course is complete, and the course page says so.
    await page.goto(`${srv.origin}/courses/${SLUG}/bai-thuong`);
    await page.locator(".lesson-body").waitFor();
    await writeTx(db, async (tx) => tx.update(itemProgress)
      .set({ startedAt: new Date(Date.now() - 30 * 60_000) })
      .where(and(eq(itemProgress.memberId, member.id), eq(itemProgress.itemKey, "bai-thuong"))));
    await page.getByRole("button", { name: "Tôi đã học xong bài này", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Chúc mừng! Bạn đã hoàn thành khóa học." }).waitFor();
    await page.goto(`${srv.origin}/courses/${SLUG}`);
    await expect.poll(() => page.locator('ol.outline li[data-state="completed"]').count()).toBe(2);
    expect(await page.getByText("Đã hoàn thành ngày", { exact: false }).count()).toBe(1);

    expect(pwned).toEqual([]);
    expect(csp).toEqual([]);
    expect(pageErrors).toEqual([]);
  } finally {
    if (csp.length) console.warn(`CSP violations seen:\n${csp.join("\n")}`);
    if (consoleErrors.length) console.warn(`console errors seen:\n${consoleErrors.join("\n")}`);
    await context.close();
    await srv.close();
    await dropDb(db);
  }
  // A dozen page loads in one journey: minutes on a loaded two-core machine, not the default 30 s.
}, 180_000);
