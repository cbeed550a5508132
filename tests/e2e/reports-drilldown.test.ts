import fs from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import ExcelJS from "exceljs";
import type { BrowserContextOptions } from "playwright-core";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { signIn } from "#tests/harness/browser.ts";
import { completeLesson, openItem } from "#app/courses/learning.server.ts";
import { addDays, vnDay } from "#app/common/vietnam-time.ts";
import { takeCompletionSnapshot } from "#app/reports/snapshots.server.ts";

/**
 * A trainer of a committee, in a real Chromium against the real build: the report opens on their
 * committee, they drill down to a cell and to a member, and download the cell's XLSX, which
 * parses. On a 360 px phone the charts are drawn at the phone's width with readable text.
 */

/** Hydration on a busy two-core machine can take more than expect.poll's default second. */
const POLL = { timeout: 10_000, interval: 100 };

const srv = useAppServer({ browser: true });

let tree: Awaited<ReturnType<typeof makeTree>>;

beforeAll(async () => {
  tree = await makeTree(srv.db);
  await makeMember(srv.db, tree.a, { code: "TRAINER-A", fullName: "Cán Bộ Đào Tạo", role: "trainer", scopes: [tree.a] });
  const done = await makeMember(srv.db, tree.a1, { code: "A1-01", fullName: "Nguyễn Thị Hoàn Thành" });
  await makeMember(srv.db, tree.a1, { code: "A1-02", fullName: "Trần Văn Chưa Học", password: false });
  await makeMember(srv.db, tree.a2, { code: "A2-01", fullName: "Lê Văn Hai" });
  await makeMember(srv.db, tree.b1, { code: "B1-01", fullName: "Phạm Ở Bê" });
  const past = new Date(Date.now() - 20 * 24 * 3600_000);
  const course = await makeCourse(srv.db, { slug: "nghi-quyet", title: "Học tập Nghị quyết Đại hội", at: past, assignTo: tree.root });
  await openItem(srv.db, done.id, course.id, "bai-1", course.publishedVersionId!, new Date(Date.now() - 7200_000));
  await completeLesson(srv.db, done.id, course, "bai-1", new Date(Date.now() - 3600_000));
  await takeCompletionSnapshot(srv.db, addDays(vnDay(new Date()), -1));
});

/** A fresh Vietnamese context (`opts` on top) signed in as the committee's trainer, and the page's uncaught errors. */
async function trainerPage(opts: BrowserContextOptions) {
  const context = await srv.browser.newContext({ locale: "vi-VN", ...opts });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signIn(page, srv.origin, "TRAINER-A").catch(async (e) => {
    await context.close();
    throw e;
  });
  return { context, page, errors };
}

describe("reports in the browser", () => {
  test("a trainer drills from committee to cell to member and downloads the XLSX", async () => {
    const { context, page, errors } = await trainerPage({ acceptDownloads: true });
    try {
      await page.goto(`${srv.origin}/manage/reports`);
      // One granted subtree: the report opens on the committee itself.
      await page.waitForURL(`${srv.origin}/manage/reports/units/${tree.a.id}`);
      await expect.poll(() => page.locator("h1").textContent(), POLL).toContain("Đảng ủy A");
      const units = page.getByTestId("units-table");
      await expect.poll(() => units.locator("tbody tr").count(), POLL).toBe(3); // A1, A2, direct members (the trainer)
      expect(await units.locator("tfoot td").first().textContent()).toBe("4");
      await page.getByRole("img", { name: /Tỷ lệ hoàn thành theo đơn vị/ }).waitFor();

      await units.getByRole("link", { name: "Chi bộ A1" }).click();
      await page.waitForURL(`${srv.origin}/manage/reports/units/${tree.a1.id}`);
      const people = page.getByTestId("members-table");
      await expect.poll(() => people.locator("tbody tr").count(), POLL).toBe(2);
      expect((await people.locator("tbody tr").first().textContent())?.normalize("NFC")).toContain("Nguyễn Thị Hoàn Thành");

      // Download the cell's XLSX and read it back.
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-xlsx").last().click()]);
      expect(download.suggestedFilename()).toMatch(/^bao-cao-thanh-vien-A1-\d{4}-\d{2}-\d{2}\.xlsx$/);
      const file = await download.path();
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(fs.readFileSync(file) as never);
      const rows: string[][] = [];
      wb.getWorksheet("Dữ liệu")!.eachRow((r) => rows.push(Array.from((r.values as unknown[]).slice(1), (v) => (v == null ? "" : String(v)))));
      expect(rows[0]).toContain("Họ và tên");
      const byCode = new Map(rows.slice(1).map((r) => [r[rows[0].indexOf("Mã đảng viên")], r]));
      expect([...byCode.keys()].sort()).toEqual(["A1-01", "A1-02"]);
      expect(byCode.get("A1-01")![rows[0].indexOf("Tình trạng")]).toBe("Đã hoàn thành");
      expect(byCode.get("A1-02")![rows[0].indexOf("Chưa đăng nhập lần nào")]).toBe("Có");
      const info = wb.getWorksheet("Thông tin")!;
      expect(String(info.getRow(info.rowCount - 1).getCell(2).value)).toMatch(/^[0-9a-f]{64}$/);

      await people.getByRole("link", { name: "Nguyễn Thị Hoàn Thành" }).click();
      await page.waitForURL(/\/manage\/reports\/members\/\d+$/);
      await expect.poll(() => page.getByTestId("record-courses").locator("tbody tr").first().textContent(), POLL).toContain("Đã hoàn thành");
      // Back up the breadcrumb to the committee.
      await page.getByRole("navigation", { name: "breadcrumb" }).getByRole("link", { name: "Đảng ủy A" }).click();
      await page.waitForURL(`${srv.origin}/manage/reports/units/${tree.a.id}`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test("on a 360 px phone the charts are drawn at the phone's width, with readable labels", async () => {
    const { context, page, errors } = await trainerPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
    try {
      await page.goto(`${srv.origin}/manage/reports/units/${tree.a.id}`);
      const bars = page.getByTestId("chart-bars");
      // After hydration the chart is redrawn at its container's width (not the server's 640).
      await expect.poll(async () => Number(await bars.getAttribute("width")), POLL).toBeLessThanOrEqual(340);
      const box = (await bars.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(360);
      // Drawn 1:1, so the 13 px labels stay 13 px on screen.
      expect(box.width).toBeCloseTo(Number(await bars.getAttribute("width")), 0);
      const label = bars.locator("text.chart-label").first();
      expect(await label.evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(12);
      // Labels sit above their bars on a phone: the first label starts at the left edge.
      expect(Number(await label.getAttribute("x"))).toBe(0);
      // The page itself does not scroll sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      const time = page.getByTestId("chart-time");
      expect(Number(await time.getAttribute("width"))).toBeLessThanOrEqual(340);
      await page.screenshot({ path: "tests/.tmp/reports-phone.png", fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
