/**
 * One app server for a whole test file: a fresh SQLite file, the real HTTP server on the production
 * build over it and, for browser tests, Chromium; all closed and removed when the file is done.
 * The file builds its data in its own beforeAll, which runs after this one.
 */
import { afterAll, beforeAll } from "vitest";
import type { Browser } from "playwright-core";
import type { Env } from "#app/env.server.ts";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import { startTestServer } from "./http.ts";
import { launchBrowser } from "./browser.ts";

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
