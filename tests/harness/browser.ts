import fs from "node:fs";
import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from "playwright-core";
import { PASSWORD } from "#tests/factories/org.ts";

/**
 * Debian's Chromium (installed by `scripts/bootstrap.mjs test`, or `apt-get install chromium`);
 * no browser is ever downloaded. Fake media devices are on so the media tests can reuse this.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
];

export async function launchBrowser(opts: Omit<LaunchOptions, "executablePath"> = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install Debian's package (apt-get install -y chromium, ` +
        `or run \`node scripts/bootstrap.mjs test\`); browsers are never downloaded.`,
    );
  }
  return chromium.launch({
    ...opts,
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
  });
}

/**
 * A fresh context (its own cookies, like another device) signed in as `code` through the real
 * sign-in form, landing on the home page. The context joins `contexts` (for afterAll to close) and
 * the page's uncaught errors go to `errors`.
 */
export async function signedInPage(
  browser: Browser,
  origin: string,
  code: string,
  opts: { viewport?: { width: number; height: number }; contexts?: BrowserContext[]; errors?: string[] } = {},
): Promise<Page> {
  const context = await browser.newContext({ locale: "vi-VN", viewport: opts.viewport ?? { width: 1280, height: 800 } });
  opts.contexts?.push(context);
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  page.on("pageerror", (e) => opts.errors?.push(`${code}: ${e}`));
  await signIn(page, origin, code);
  return page;
}

/**
 * Signs `page` in as `code` through the real sign-in form (in Vietnamese) and waits for where it
 * leads: `redirectTo`, the home page by default. The one way e2e tests sign in; only the form's own
 * tests (tests/e2e/journeys.test.ts) drive it by hand.
 */
export async function signIn(page: Page, origin: string, code: string, opts: { redirectTo?: string; password?: string } = {}) {
  const to = opts.redirectTo ?? "/";
  await page.goto(`${origin}/login${to === "/" ? "" : `?redirectTo=${encodeURIComponent(to)}`}`);
  await submitSignInForm(page, code, opts.password);
  await page.waitForURL(`${origin}${to}`);
}

/** Fills and sends the sign-in form the page is on (reached by a redirect, say). */
export async function submitSignInForm(page: Page, code: string, password = PASSWORD) {
  await page.locator('input[name="identifier"]').fill(code);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole("button", { name: "Đăng nhập", exact: true }).click();
}
