import { afterAll, beforeAll, expect, test } from "vitest";
import { writeTx } from "#db/client.server.ts";
import { eq } from "drizzle-orm";
import type { Browser } from "playwright-core";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { launchBrowser, signIn } from "#tests/harness/browser.ts";
import { liveSessions } from "#db/schema/index.ts";
import { scheduleSession } from "#app/live/sessions.server.ts";
import { AttendanceLedger } from "../../media-server/src/attendance.ts";

/**
 * A trainer on a 360 px phone goes through the attendance of a session of 150 invited members:
 * the page does not scroll sideways, the pager and the filter form work in the browser (after
 * hydration), and the address keeps what was asked for.
 */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

test("paging and filtering the attendance table on a phone", async () => {
  const db = await testDb();
  const tree = await makeTree(db);
  await makeMember(db, tree.root, { code: "PH-ADMIN", role: "admin", fullName: "Quản Trị" });
  const ids: number[] = [];
  for (let i = 0; i < 150; i++) {
    const name = i % 10 === 4 ? `Lê Thị Hồng Nhung ${i}` : `Phạm Văn Dũng ${i}`;
    ids.push((await makeMember(db, i < 90 ? tree.a1 : tree.a2, { code: `PH-${String(i).padStart(3, "0")}`, fullName: name, password: false })).id);
  }
  const T0 = Date.UTC(2030, 4, 5, 1);
  const s = await scheduleSession(db, { all: true }, null, {
    title: "Sinh hoạt chuyên đề tháng 5",
    description: "",
    documentUrl: null,
    start: new Date(T0),
    end: new Date(T0 + 3_600_000),
    presenterCodes: ["PH-ADMIN"],
    unitCodes: ["A1", "A2"],
    memberCodes: [],
    presentMinPercent: 80,
    lateAfterMinutes: 10,
  });
  await writeTx(db, async (tx) => tx.update(liveSessions).set({ state: "ended", actualStartAt: new Date(T0), actualEndAt: new Date(T0 + 3_600_000) }).where(eq(liveSessions.id, s.id)));
  const ledger = new AttendanceLedger(db);
  for (const [i, memberId] of ids.entries()) {
    if (i % 2) continue; // every other member absent
    await ledger.append({ sessionId: s.id, memberId, kind: "socket-connect", via: "individual", connectionId: `c${i}`, at: T0 });
    await ledger.append({ sessionId: s.id, memberId, kind: "socket-disconnect", via: "individual", connectionId: `c${i}`, at: T0 + 3_600_000 });
  }
  const srv = await startTestServer(db, { JOIN_TOKEN_SECRET: "e2e-attendance-phone-join-token-secret-0123" });
  const ctx = await browser.newContext({ locale: "vi-VN", viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  ctx.setDefaultTimeout(10_000);
  const pageErrors: string[] = [];
  try {
    const page = await ctx.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    const path = `/manage/live/${s.id}/attendance`;
    await signIn(page, srv.origin, "PH-ADMIN", { redirectTo: path });
    const rows = page.getByTestId("attendance-table").locator("tbody tr");
    const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth);
    // Signing in is a client-side navigation: the address changes before the page has rendered.
    await expect.poll(() => rows.count()).toBe(100);
    expect(await noSideScroll()).toBeLessThanOrEqual(360);

    const pager = page.getByRole("navigation", { name: "Phân trang danh sách đảng viên" });
    expect((await pager.textContent())?.normalize("NFC")).toContain("Trang 1/2");
    await pager.getByRole("link", { name: "Trang sau" }).click();
    await page.waitForURL((u) => u.searchParams.get("page") === "2");
    await expect.poll(() => rows.count()).toBe(50);
    expect(await rows.first().getAttribute("data-member-code")).toBe("PH-100");
    expect(await noSideScroll()).toBeLessThanOrEqual(360);

    // A search typed without diacritics, with a status: back to page 1 of the matches.
    const filters = page.getByRole("search", { name: "Lọc danh sách đảng viên được mời" });
    await filters.getByLabel("Tìm theo họ tên hoặc mã").fill("hong nhung");
    await filters.getByLabel("Trạng thái").selectOption("present");
    await filters.getByRole("button", { name: "Lọc", exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get("q") === "hong nhung" && u.searchParams.get("status") === "present" && !u.searchParams.has("page"));
    // i % 10 === 4 is even: all 15 were present.
    await expect.poll(() => rows.count()).toBe(15);
    for (const code of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-effective")))) expect(code).toBe("present");
    expect(await page.getByTestId("attendance-pager").count()).toBe(0);
    expect(await noSideScroll()).toBeLessThanOrEqual(360);
    expect(pageErrors).toEqual([]);
  } finally {
    await ctx.close();
    await srv.close();
    await dropDb(db);
  }
}, 120_000);
