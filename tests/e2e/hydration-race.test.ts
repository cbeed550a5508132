import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { launchBrowser, submitSignInForm } from "#tests/harness/browser.ts";

/**
 * A member on a slow phone starts typing before the page has hydrated. React must take over the
 * page without an uncaught error ("Root did not complete", #345, once seen in the live pages when
 * the sign-in form was filled while hydration was still running) and the form must still sign in.
 * The CPU is throttled so hydration takes long enough for the typing to land inside it.
 */
let browser: Browser;
let db: ReturnType<typeof testDb>;
let srv: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  db = testDb();
  await makeMember(db, makeTree(db).a1, { code: "HOC-VIEN" });
  srv = await startTestServer(db);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
  dropDb(db);
});

const ROUNDS = Number(process.env.HYDRATION_RACE_ROUNDS ?? 6);

test("typing into the sign-in form while the page hydrates raises no page error and signs in", async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const context = await browser.newContext({ locale: "vi-VN" });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.stack ?? e}`));
    const cdp = await context.newCDPSession(page);
    // A different slowdown each round moves the typing to a different point of hydration.
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 2 + (round % 4) * 2 });
    await page.goto(`${srv.origin}/login`, { waitUntil: "commit" });
    await submitSignInForm(page, "HOC-VIEN", PASSWORD);
    await page.waitForURL(`${srv.origin}/`);
    await page.waitForFunction(() => (window as unknown as { __remixRouter?: { state: { initialized: boolean } } }).__remixRouter?.state.initialized === true);
    expect(errors, `round ${round}`).toEqual([]);
    await context.close();
  }
}, 600_000);
