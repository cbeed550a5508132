/**
 * The page the media tests drive in Chromium: tests/media/fixtures/live-client.ts (the protocol
 * client the app's live room uses, without the React UI) bundled by esbuild and served on a
 * loopback port, so the browser's origin is one the media server accepts (APP_ORIGINS).
 */
import http from "node:http";
import path from "node:path";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { freePort } from "./media.ts";

export type LiveClientPages = { origin: string; close(): Promise<void> };

export async function serveLiveClientPage(): Promise<LiveClientPages> {
  const bundle = await build({
    entryPoints: [path.join(import.meta.dirname, "..", "media", "fixtures", "live-client.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "chrome110",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const js = bundle.outputFiles[0].text;
  const html = `<!doctype html><meta charset="utf-8"><title>live</title><script type="module" src="/client.js"></script>`;
  const srv = http.createServer((req, res) => {
    const isJs = req.url === "/client.js";
    res.writeHead(200, { "content-type": isJs ? "text/javascript" : "text/html" });
    res.end(isJs ? js : html);
  });
  const port = await freePort();
  await new Promise<void>((r) => srv.listen(port, "127.0.0.1", () => r()));
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

/** A fresh browser context on the page, joined to the media server at `url` as `role`. */
export async function openLiveClient(
  browser: Browser,
  pages: LiveClientPages,
  o: { url: string; token: string; role: "presenter" | "viewer"; tcpOnly?: boolean },
): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(pages.origin + "/");
  await page.waitForFunction(() => typeof window.startLive === "function");
  await page.evaluate((opts) => window.startLive(opts), o);
  return page;
}
