/**
 * One app server for a whole test file: a fresh SQLite file, the real HTTP server on the production
 * build over it and, for browser tests, Chromium; all closed and removed when the file is done.
 * The file builds its data in its own beforeAll, which runs after this one.
 */
import { afterAll, beforeAll } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Env } from "#app/env.server.ts";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import { startLiveTestServers, startTestServer } from "./http.ts";
import { launchBrowser, signedInPage } from "./browser.ts";

export type AppSuite = {
  /** Set before the file's own hooks and tests run. */
  db: TestDb;
  origin: string;
  /** Only with `browser: true`. */
  browser: Browser;
};

export function useAppServer(opts: { env?: Partial<Env>; browser?: boolean } = {}): AppSuite {
  const suite = {} as AppSuite;
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  beforeAll(async () => {
    suite.db = await testDb();
    server = await startTestServer(suite.db, opts.env);
    suite.origin = server.origin;
    if (opts.browser) suite.browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    await suite.browser?.close();
    await server?.close();
    if (suite.db) await dropDb(suite.db);
  });
  return suite;
}

export type LiveSuite<W> = {
  /** Set before the file's own hooks and tests run. */
  db: TestDb;
  /** What `world` built, before the servers started. */
  w: W;
  /** The app (production build) and the media server behind its WebSocket proxy. */
  servers: Awaited<ReturnType<typeof startLiveTestServers>>;
  browser: Browser;
  /** Every context opened through `signedIn` (or pushed here), closed after the last test. */
  contexts: BrowserContext[];
  /** The pages' uncaught errors, for the file to assert empty. */
  pageErrors: string[];
  /** A fresh context signed in as `code` through the real form, on a 360 px phone unless told. */
  signedIn(code: string, viewport?: { width: number; height: number }): Promise<Page>;
};

/**
 * The live tests' world in the browser: a fresh SQLite file with the file's data (`world`, built
 * before the servers start), the app and media servers over it (startLiveTestServers) and
 * Chromium; contexts, servers and the file closed and removed when the file is done. Only e2e
 * files use it: a file under tests/integration would need vitest.config.ts's slow markers to
 * know it starts servers.
 */
export function useLiveServers<W = undefined>(
  opts: { world?: (db: TestDb) => Promise<W> | W; mediaEnv?: Record<string, string>; appEnv?: Partial<Env> } = {},
): LiveSuite<W> {
  const suite = {
    contexts: [] as BrowserContext[],
    pageErrors: [] as string[],
    signedIn: (code: string, viewport = { width: 360, height: 740 }) =>
      signedInPage(suite.browser, suite.servers.origin, code, { viewport, contexts: suite.contexts, errors: suite.pageErrors }),
  } as LiveSuite<W>;
  beforeAll(async () => {
    suite.db = await testDb();
    suite.w = (await opts.world?.(suite.db)) as W;
    suite.servers = await startLiveTestServers(suite.db, { mediaEnv: opts.mediaEnv, appEnv: opts.appEnv });
    suite.browser = await launchBrowser();
  }, 600_000);
  afterAll(async () => {
    for (const c of suite.contexts) await c.close().catch(() => {});
    await suite.browser?.close();
    await suite.servers?.close();
    if (suite.db) await dropDb(suite.db);
  });
  return suite;
}
