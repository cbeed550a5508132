/**
 * One media server for a whole test file: a fresh SQLite file, the file's data built on it, the
 * media server started on it, and every socket the tests open closed when the file is done. With
 * `browser: true`, also the live-client fixture page (the server accepts its origin) and Chromium,
 * for the tests that broadcast from a real browser.
 */
import { afterAll, beforeAll } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { Socket as ClientSocket } from "socket.io-client";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import type { MediaServer } from "../../media-server/src/server.ts";
import { launchBrowser } from "./browser.ts";
import { openLiveClient, serveLiveClientPage, type LiveClientPages } from "./live-client-page.ts";
import { connect, startMediaTestServer } from "./media.ts";

export type MediaSuite<W> = {
  /** Set before the first test runs. */
  db: TestDb;
  server: MediaServer;
  /** What `world` built. */
  w: W;
  /** Every socket opened through `open`, oldest first; all closed after the last test. */
  sockets: ClientSocket[];
  /** A socket to this server, as `connect` opens it, closed with the suite. */
  open(token: string | undefined, opts?: { origin?: string | null }): ClientSocket;
  /** A fresh media server on the same database and settings, as after a restart: rooms start empty. */
  restart(): Promise<void>;
  /** With `browser: true`: the fixture page's server, and Chromium. */
  pages: LiveClientPages;
  browser: Browser;
  /** The settings the server started with (APP_ORIGINS is the page's origin with `browser: true`). */
  env: Record<string, string>;
  /** A fresh browser context on the fixture page, joined to this server (or `o.server`) as `role`. */
  openPage(token: string, role: "presenter" | "viewer", o?: { tcpOnly?: boolean; server?: MediaServer }): Promise<Page>;
};

export function useMediaSuite<W = undefined>(opts: { world?: (db: TestDb) => Promise<W> | W; env?: Record<string, string>; browser?: boolean } = {}): MediaSuite<W> {
  const suite = {
    env: { ...opts.env },
    sockets: [] as ClientSocket[],
    open(token: string | undefined, connectOpts?: { origin?: string | null }) {
      const s = connect(suite.server, token, connectOpts);
      suite.sockets.push(s);
      return s;
    },
    async restart() {
      await suite.server.close();
      suite.server = await startMediaTestServer(suite.db, suite.env);
    },
    openPage(token: string, role: "presenter" | "viewer", o: { tcpOnly?: boolean; server?: MediaServer } = {}) {
      return openLiveClient(suite.browser, suite.pages, { url: (o.server ?? suite.server).url, token, role, tcpOnly: o.tcpOnly });
    },
  } as MediaSuite<W>;
  beforeAll(async () => {
    suite.db = await testDb();
    suite.w = (await opts.world?.(suite.db)) as W;
    if (opts.browser) {
      suite.pages = await serveLiveClientPage();
      suite.env.APP_ORIGINS = suite.pages.origin;
    }
    suite.server = await startMediaTestServer(suite.db, suite.env);
    if (opts.browser) suite.browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    for (const s of suite.sockets) s.close();
    await suite.browser?.close();
    await suite.server?.close();
    await suite.pages?.close();
    if (suite.db) await dropDb(suite.db);
  });
  return suite;
}
