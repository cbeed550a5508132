import { first } from "#db/first.ts";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { count, eq, like } from "drizzle-orm";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { launchBrowser } from "#tests/harness/browser.ts";
import { importUploads, members } from "#db/schema/index.ts";

/**
 * End-to-end journeys in a real Chromium against the real production build and server. Each
 * journey gets its own SQLite file, server and browser context.
 */

const TMP = path.resolve(import.meta.dirname, "..", ".tmp");
const TEXT = {
  invalidLogin: "Mã đăng nhập hoặc mật khẩu không đúng.",
  welcome: (name: string) => `Xin chào, ${name}`,
};

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

type Db = Awaited<ReturnType<typeof testDb>>;
type Tree = Awaited<ReturnType<typeof makeTree>>;

/** A fresh database + server + browser context for one journey, torn down whatever happens. */
async function journey(
  seed: (db: Db, tree: Tree) => Promise<void>,
  run: (ctx: { db: Db; tree: Tree; origin: string; page: Page; pageErrors: string[] }) => Promise<void>,
  contextOptions: BrowserContextOptions = {},
) {
  const db = await testDb();
  const tree = await makeTree(db);
  await seed(db, tree);
  const srv = await startTestServer(db);
  const context = await browser.newContext({ locale: "vi-VN", ...contextOptions });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  try {
    await run({ db, tree, origin: srv.origin, page, pageErrors });
    // No uncaught script error (hydration mismatch, CSP-blocked inline script…) during the journey.
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
    await srv.close();
    await dropDb(db);
  }
}

async function signIn(page: Page, origin: string, identifier: string, password: string) {
  await page.goto(`${origin}/login`);
  await page.locator('input[name="identifier"]').fill(identifier);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole("button", { name: "Đăng nhập", exact: true }).click();
}

async function signInAndWaitHome(page: Page, origin: string, identifier: string, name: string) {
  await signIn(page, origin, identifier, PASSWORD);
  await page.waitForURL(`${origin}/`);
  await expect.poll(() => page.locator("h1").textContent()).toBe(TEXT.welcome(name));
}

/** Names in the members table, in display order (NFC, so NFD/NFC storage does not matter here). */
async function memberNames(page: Page): Promise<string[]> {
  const table = page.getByTestId("members-table");
  if ((await table.count()) === 0) return [];
  const cells = await table.locator("tbody tr td:first-child").allTextContents();
  return cells.map((c) => c.normalize("NFC").trim());
}

async function searchMembers(page: Page, q: string) {
  await page.locator("#q").fill(q);
  await page.locator("#q").press("Enter");
  await page.waitForURL((u) => u.pathname === "/manage/members" && u.searchParams.get("q") === q);
}

describe("journeys", () => {
  test("wrong password shows the alert and stays on /login; the right one opens home", async () => {
    await journey(
      async (db, tree) => {
        await makeMember(db, tree.a1, { code: "DV-0001", fullName: "Trần Văn Bình" });
      },
      async ({ page, origin }) => {
        await signIn(page, origin, "DV-0001", "mat-khau-sai");
        const alert = page.getByRole("alert");
        await alert.waitFor();
        expect((await alert.textContent())?.trim()).toBe(TEXT.invalidLogin);
        expect(new URL(page.url()).pathname).toBe("/login");
        expect(await page.locator("h1").textContent()).toBe("Đăng nhập");
        expect(await page.context().cookies()).toEqual([]);

        // Correct password now (the form is filled again, as a user would retype it).
        await page.locator('input[name="identifier"]').fill("DV-0001");
        await page.locator('input[name="password"]').fill(PASSWORD);
        await page.getByRole("button", { name: "Đăng nhập", exact: true }).click();
        await page.waitForURL(`${origin}/`);
        await expect.poll(() => page.locator("h1").textContent()).toBe(TEXT.welcome("Trần Văn Bình"));
        expect(await page.getByRole("alert").count()).toBe(0);
        expect((await page.context().cookies()).length).toBeGreaterThan(0);
      },
    );
  });

  test("administrator finds members by name typed without diacritics (NFC and NFD stored)", async () => {
    await journey(
      async (db, tree) => {
        await makeMember(db, tree.root, { code: "ADMIN-1", fullName: "Phạm Quản Trị", role: "admin" });
        await makeMember(db, tree.a1, { code: "DV-AN", fullName: "Nguyễn Văn An".normalize("NFC") });
        await makeMember(db, tree.b1, { code: "DV-ANH", fullName: "Đặng Thị Ánh".normalize("NFD") });
        await makeMember(db, tree.b2, { code: "DV-BAO", fullName: "Lê Văn Bảo" });
      },
      async ({ page, origin }) => {
        await signInAndWaitHome(page, origin, "ADMIN-1", "Phạm Quản Trị");
        await page.goto(`${origin}/manage/members`);
        // Unfiltered, all four are listed: the searches below really narrow the list.
        expect((await memberNames(page)).sort()).toEqual(["Đặng Thị Ánh", "Lê Văn Bảo", "Nguyễn Văn An", "Phạm Quản Trị"].sort());

        await searchMembers(page, "nguyen van an");
        await expect.poll(() => memberNames(page)).toEqual(["Nguyễn Văn An"]);
        expect(await page.getByText("Tổng số: 1", { exact: true }).count()).toBe(1);
        expect(await page.getByTestId("members-table").textContent()).not.toContain("Lê Văn Bảo");

        await searchMembers(page, "dang thi anh");
        await expect.poll(() => memberNames(page)).toEqual(["Đặng Thị Ánh"]);
        expect(await page.getByTestId("members-table").textContent()).toContain("DV-ANH");

        await searchMembers(page, "khong co ai");
        await expect.poll(() => memberNames(page)).toEqual([]);
        expect(await page.getByText("Không có thành viên nào phù hợp.").count()).toBe(1);
      },
    );
  });

  test("CSV import: preview rejects bad rows and writes nothing; commit writes; re-upload changes nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoc-so-import-"));
    const file = path.join(dir, "thanh-vien.csv");
    const lines = [
      "ma_dang_vien,ho_ten,don_vi,chuc_vu,email,so_dien_thoai", // line 1
      'IMP-001,Nguyễn Thị Hoa,A1,"Bí thư, chi bộ",hoa@example.vn,0912 345 678', // line 2
      "IMP-002,Trần Văn Hùng,B1,,,", // line 3
      "IMP-003,Lê Thị Mai,ZZ9,,,", // line 4: unknown unit
      "IMP-001,Phạm Văn Nam,A2,,,", // line 5: duplicate of line 2
      "IMP-004,Võ Minh Tuấn,B2,Đảng viên,,", // line 6
    ];
    fs.writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join("\r\n") + "\r\n", "utf8")]));
    try {
      await journey(
        async (db, tree) => {
          await makeMember(db, tree.root, { code: "ADMIN-1", fullName: "Phạm Quản Trị", role: "admin" });
        },
        async ({ page, origin, db, tree }) => {
          const memberCount = async () => (await first(db.select({ n: count() }).from(members)))!.n;
          const imported = async () => await db.select().from(members).where(like(members.code, "IMP-%"));
          expect(await memberCount()).toBe(1);

          await signInAndWaitHome(page, origin, "ADMIN-1", "Phạm Quản Trị");
          await page.goto(`${origin}/manage/import`);
          await page.locator('input[name="kind"][value="members"]').check();
          await page.locator("#file").setInputFiles(file);
          await page.getByRole("button", { name: "Xem trước", exact: true }).click();

          const report = page.getByTestId("import-report");
          await report.getByRole("heading", { name: "Xem trước: thanh-vien.csv" }).waitFor();
          expect(await page.getByTestId("import-summary").textContent()).toBe(
            "5 dòng: 3 thêm mới, 0 cập nhật, 0 không đổi, 2 bị từ chối.",
          );
          const rejected = await page
            .getByTestId("rejected")
            .locator("tbody tr")
            .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent!.trim())));
          expect(rejected).toEqual([
            ["4", "IMP-003", "Không có đơn vị mã ZZ9."],
            ["5", "IMP-001", "Mã IMP-001 trùng với dòng 2 trong tệp."],
          ]);
          // The quoted comma stayed inside its cell (shown as a new member with its full name).
          expect(await report.textContent()).toContain("Nguyễn Thị Hoa");

          // Preview writes no member (only the stored upload awaiting commit).
          expect(await memberCount()).toBe(1);
          expect(await imported()).toEqual([]);
          expect((await db.select().from(importUploads)).map((u) => u.committedAt)).toEqual([null]);

          await report.getByRole("button", { name: "Ghi vào hệ thống", exact: true }).click();
          await report.getByRole("heading", { name: "Đã ghi: thanh-vien.csv" }).waitFor();
          expect(await page.getByTestId("import-summary").textContent()).toBe(
            "5 dòng: 3 thêm mới, 0 cập nhật, 0 không đổi, 2 bị từ chối.",
          );

          expect(await memberCount()).toBe(4);
          const byCode = new Map((await imported()).map((m) => [m.code, m]));
          expect([...byCode.keys()].sort()).toEqual(["IMP-001", "IMP-002", "IMP-004"]);
          expect(byCode.get("IMP-001")).toMatchObject({
            fullName: "Nguyễn Thị Hoa",
            unitId: tree.a1.id,
            position: "Bí thư, chi bộ",
            email: "hoa@example.vn",
            phone: "0912 345 678",
          });
          expect(byCode.get("IMP-002")).toMatchObject({ fullName: "Trần Văn Hùng", unitId: tree.b1.id });
          expect(byCode.get("IMP-004")).toMatchObject({ fullName: "Võ Minh Tuấn", unitId: tree.b2.id, position: "Đảng viên" });
          // The BOM did not leak into the first column's values.
          expect(await db.select().from(members).where(eq(members.code, "\uFEFFIMP-001"))).toEqual([]);

          // Same file again: nothing new, nothing updated, and nothing left to commit.
          await page.locator("#file").setInputFiles(file);
          await page.getByRole("button", { name: "Xem trước", exact: true }).click();
          await report.getByRole("heading", { name: "Xem trước: thanh-vien.csv" }).waitFor();
          expect(await page.getByTestId("import-summary").textContent()).toBe(
            "5 dòng: 0 thêm mới, 0 cập nhật, 3 không đổi, 2 bị từ chối.",
          );
          expect(await report.getByRole("button", { name: "Ghi vào hệ thống" }).count()).toBe(0);
          expect(await report.getByText("Không có dòng hợp lệ nào cần ghi.").count()).toBe(1);
          expect(await memberCount()).toBe(4);
        },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("on a 360×740 phone the sign-in form is usable and the members page does not scroll sideways", async () => {
    const W = 360;
    await journey(
      async (db, tree) => {
        await makeMember(db, tree.root, { code: "ADMIN-1", fullName: "Phạm Quản Trị", role: "admin" });
        await makeMember(db, tree.a1, { code: "DV-2024-000123", fullName: "Nguyễn Thị Phương Thảo" });
        await makeMember(db, tree.a2, { code: "DV-2024-000124", fullName: "Tôn Nữ Hoàng Khánh Huyền" });
        await makeMember(db, tree.b1, { code: "DV-2024-000125", fullName: "Trần Văn Hùng", password: false });
        await makeMember(db, tree.b2, { code: "DV-2024-000126", fullName: "Đặng Thị Ánh" });
      },
      async ({ page, origin }) => {
        const docWidth = () => page.evaluate(() => document.documentElement.scrollWidth);

        await page.goto(`${origin}/login`);
        expect(await docWidth()).toBeLessThanOrEqual(W);
        const controls = [
          page.locator('input[name="identifier"]'),
          page.locator('input[name="password"]'),
          page.getByRole("button", { name: "Đăng nhập", exact: true }),
        ];
        for (const c of controls) {
          expect(await c.isVisible()).toBe(true);
          const box = (await c.boundingBox())!;
          // Fully on screen horizontally and a comfortable touch target.
          expect(box.x).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width).toBeLessThanOrEqual(W);
          expect(box.height).toBeGreaterThanOrEqual(44);
        }
        // Labels are associated with the inputs (tapping the label focuses the field).
        await page.getByLabel("Mã đảng viên hoặc email").tap();
        expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("identifier");
        await page.keyboard.type("ADMIN-1");
        await page.getByLabel("Mật khẩu").tap();
        await page.keyboard.type(PASSWORD);
        await controls[2].tap();
        await page.waitForURL(`${origin}/`);
        await expect.poll(() => page.locator("h1").textContent()).toBe(TEXT.welcome("Phạm Quản Trị"));
        expect(await docWidth()).toBeLessThanOrEqual(W);

        await page.goto(`${origin}/manage/members`);
        expect((await memberNames(page)).length).toBe(5);
        expect(await docWidth()).toBeLessThanOrEqual(W);
        // The table is stacked as cards, not squeezed or scrolled inside its wrapper.
        const table = page.getByTestId("members-table");
        expect(await table.evaluate((t) => t.scrollWidth <= t.parentElement!.clientWidth)).toBe(true);
        expect(await page.locator("#q").isVisible()).toBe(true);
        fs.mkdirSync(TMP, { recursive: true });
        await page.screenshot({ path: path.join(TMP, "members-phone.png"), fullPage: true });
      },
      { viewport: { width: W, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
    );
  });
});
