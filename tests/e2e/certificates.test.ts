import { first, one } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import * as pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { publicOriginOf } from "#app/env.server.ts";
import { launchBrowser, signIn } from "#tests/harness/browser.ts";
import { courseCompletions, courses } from "#db/schema/index.ts";

/**
 * A member opens "my certificates" in Chromium and downloads the PDF; then, in a browser context
 * that never signed in, the code printed on it opens the public verification page.
 */

const TMP = path.resolve(import.meta.dirname, "..", ".tmp");
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function pdfText(bytes: Uint8Array): Promise<string> {
  const doc = await pdfjs.getDocument({ data: bytes, disableFontFace: true, useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
  const tc = await (await doc.getPage(1)).getTextContent();
  await doc.destroy();
  return tc.items.map((i) => ("str" in i ? i.str + (i.hasEOL ? "\n" : "") : "")).join("");
}

test("member downloads their certificate; anyone verifies it without signing in", async () => {
  const db = await testDb();
  const tree = await makeTree(db);
  const member = await makeMember(db, tree.a1, { code: "DV-E2E-1", fullName: "Đặng Thị Ánh Tuyết" });
  const now = new Date();
  const course = await one(writeTx(db, async (tx) => tx.insert(courses).values({ slug: "chuyen-doi-so", title: "Chuyển đổi số trong công tác Đảng", state: "published", createdAt: now, updatedAt: now }).returning()));
  const completedAt = new Date("2026-03-02T01:00:00Z");
  await writeTx(db, async (tx) => tx.insert(courseCompletions).values({ memberId: member.id, courseId: course.id, completedAt }));
  const srv = await startTestServer(db);
  const signedIn = await browser.newContext({ locale: "vi-VN", acceptDownloads: true });
  const anonymous = await browser.newContext({ locale: "vi-VN" });
  signedIn.setDefaultTimeout(10_000);
  anonymous.setDefaultTimeout(10_000);
  const pageErrors: string[] = [];
  try {
    const page = await signedIn.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    await signIn(page, srv.origin, "DV-E2E-1", { redirectTo: "/certificates" });
    await expect.poll(() => page.locator("h1").textContent()).toBe("Giấy chứng nhận của tôi");
    const row = page.getByTestId("my-certificates").locator("tbody tr");
    expect(await row.count()).toBe(1);
    expect((await row.locator("td").first().textContent())?.normalize("NFC")).toBe("Chuyển đổi số trong công tác Đảng");
    const code = (await row.locator("code").textContent())!.trim();
    expect(code).toMatch(/^HS-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);

    const [download] = await Promise.all([page.waitForEvent("download"), row.getByRole("link", { name: /Tải giấy chứng nhận/ }).click()]);
    expect(download.suggestedFilename()).toBe(`chung-nhan-${code}.pdf`);
    fs.mkdirSync(TMP, { recursive: true });
    const saved = path.join(TMP, `e2e-${process.pid}-${code}.pdf`);
    await download.saveAs(saved);
    const bytes = new Uint8Array(fs.readFileSync(saved));
    fs.rmSync(saved, { force: true });
    const text = await pdfText(bytes);
    expect(text).toContain("GIẤY CHỨNG NHẬN HOÀN THÀNH KHÓA HỌC");
    expect(text).toContain("Đặng Thị Ánh Tuyết");
    expect(text).toContain("Chuyển đổi số trong công tác Đảng");
    expect(text).toContain(code);
    // Printed from the configured origin (here none: this machine), never from the request's Host.
    expect(text).toContain(`${publicOriginOf(srv.env)}/verify/${code}`);

    // The public page, in a context with no cookies at all.
    const pub = await anonymous.newPage();
    pub.on("pageerror", (e) => pageErrors.push(String(e)));
    const res = await pub.goto(`${srv.origin}/verify/${code}`);
    expect(res?.status()).toBe(200);
    expect(await anonymous.cookies()).toEqual([]);
    expect(new URL(pub.url()).pathname).toBe(`/verify/${code}`);
    expect(await pub.getByRole("status").textContent()).toContain("Giấy chứng nhận hợp lệ");
    expect((await pub.getByTestId("verify-name").textContent())?.normalize("NFC")).toBe("Đặng Thị Ánh Tuyết");
    expect((await pub.getByTestId("verify-course").textContent())?.normalize("NFC")).toBe("Chuyển đổi số trong công tác Đảng");
    expect(await pub.getByTestId("verify-date").textContent()).toBe(new Intl.DateTimeFormat("vi-VN", { dateStyle: "long", timeZone: "Asia/Ho_Chi_Minh" }).format(completedAt));
    expect(await pub.locator('meta[name="robots"]').getAttribute("content")).toContain("noindex");
    const body = (await pub.locator("main").textContent())!.normalize("NFC");
    expect(body).not.toContain("DV-E2E-1");
    expect(body).not.toContain("Chi bộ A1");
    // Typing the code on /verify (lower case, spaces) lands on the same page.
    await pub.goto(`${srv.origin}/verify`);
    await pub.locator("#code").fill(` ${code.toLowerCase()} `);
    await pub.getByRole("button", { name: "Xác minh" }).click();
    await pub.waitForURL(`${srv.origin}/verify/${code}`);
    expect(pageErrors).toEqual([]);
  } finally {
    await signedIn.close();
    await anonymous.close();
    await srv.close();
    await dropDb(db);
  }
});
