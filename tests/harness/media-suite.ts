/**
 * One media server for a whole test file: a fresh SQLite file, the file's data built on it, the
 * media server started on it, and every socket the tests open closed when the file is done.
 */
import { afterAll, beforeAll } from "vitest";
import type { Socket as ClientSocket } from "socket.io-client";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import type { MediaServer } from "../../media-server/src/server.ts";
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
};

export function useMediaSuite<W = undefined>(opts: { world?: (db: TestDb) => Promise<W> | W; env?: Record<string, string> } = {}): MediaSuite<W> {
  const suite = {
    sockets: [] as ClientSocket[],
    open(token: string | undefined, connectOpts?: { origin?: string | null }) {
      const s = connect(suite.server, token, connectOpts);
      suite.sockets.push(s);
      return s;
    },
    async restart() {
      await suite.server.close();
      suite.server = await startMediaTestServer(suite.db, opts.env);
    },
  } as MediaSuite<W>;
  beforeAll(async () => {
    suite.db = await testDb();
    suite.w = (await opts.world?.(suite.db)) as W;
    suite.server = await startMediaTestServer(suite.db, opts.env);
  }, 600_000);
  afterAll(async () => {
    for (const s of suite.sockets) s.close();
    await suite.server?.close();
    if (suite.db) await dropDb(suite.db);
  });
  return suite;
}
