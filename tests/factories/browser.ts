import fs from "node:fs";
import { chromium, type Browser, type LaunchOptions } from "playwright-core";

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
