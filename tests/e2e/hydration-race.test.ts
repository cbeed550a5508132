import { beforeAll, expect, test } from "vitest";

import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { submitSignInForm } from "#tests/harness/browser.ts";

/**
 * A member on a slow phone starts typing before the page has hydrated. React must take over the
 * page without an uncaught error ("Root did not complete", #345, once seen in the live pages when
 * the sign-in form was filled while hydration was still running) and the form must still sign in.
 * The CPU is throttled so hydration takes long enough for the typing to land inside it.
 */
const srv = useAppServer({ browser: true });

beforeAll(async () => {
  await makeMember(srv.db, (await makeTree(srv.db)).a1, { code: "HOC-VIEN" });
});

const ROUNDS = Number(process.env.HYDRATION_RACE_ROUNDS ?? 6);

test("typing into the sign-in form while the page hydrates raises no page error and signs in", async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const context = await srv.browser.newContext({ locale: "vi-VN" });
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
