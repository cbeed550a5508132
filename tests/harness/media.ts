/**
 * The media server as the live tests run it: its configuration, the one join-token secret every
 * test server shares, tokens signed with it, and socket.io clients as a browser opens them. The
 * sessions themselves are data: tests/factories/live.ts.
 */
import fs from "node:fs";
import net from "node:net";
import { io as ioClient, type Socket as ClientSocket } from "socket.io-client";
import type { Db } from "#db/client.server.ts";
import type { JoinRole } from "#live/join-token.ts";
import { signJoinToken } from "#live/join-token.server.ts";
import type { Member } from "#app/org/members.server.ts";
import { parseConfig, type MediaConfig } from "../../media-server/src/config.ts";
import { silentLogger, createLogger } from "../../media-server/src/log.ts";
import type { MediaServer } from "../../media-server/src/server.ts";

/** The join-token secret of every test media server and every test app that signs for one. */
export const JOIN_TOKEN_SECRET = "tests-join-token-secret-0123456789abcdef-xyz";
/** The app origin a bare media server accepts (the app's own, INTERNAL_ORIGIN, when one runs beside it). */
export const ORIGIN = "http://app.test:3000";

export function tokenFor(
  member: Member,
  sessionId: number,
  role: JoinRole = "viewer",
  opts: { secret?: string; ttlMs?: number; now?: number; unitId?: number; node?: string } = {},
) {
  return signJoinToken(
    {
      memberId: member.id,
      memberCode: member.code,
      name: member.fullName,
      sessionId,
      role,
      unitId: opts.unitId ?? member.unitId,
      ttlMs: opts.ttlMs,
      now: opts.now,
      node: opts.node,
    },
    opts.secret ?? JOIN_TOKEN_SECRET,
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The test's database as the media server opens it: its URL (either engine, ADR 0015), or the SQLite file. */
export const databaseUrlOf = (db: { file: string; url?: string }) => db.url || `file:${db.file}`;

export function testConfig(db: Db & { file: string; url?: string }, env: Record<string, string> = {}): MediaConfig {
  return parseConfig({
    NODE_ENV: "test",
    MEDIA_HOST: "127.0.0.1",
    MEDIA_PORT: "0",
    DATABASE_URL: databaseUrlOf(db),
    JOIN_TOKEN_SECRET,
    APP_ORIGINS: ORIGIN,
    RTC_LISTEN_IP: "127.0.0.1",
    MEDIA_WORKERS: "1",
    MEDIA_LOG_LEVEL: "warn",
    ...env,
  });
}

/** The media server in this process (its mediasoup worker is a child), on a free loopback port. */
export async function startMediaTestServer(db: Db & { file: string; url?: string }, env: Record<string, string> = {}): Promise<MediaServer> {
  // Loaded here, so tests that only sign tokens or open sockets do not load mediasoup.
  const { startMediaServer } = await import("../../media-server/src/server.ts");
  const config = testConfig(db, env);
  const log = process.env.MEDIA_TEST_LOG ? createLogger("debug") : silentLogger;
  return startMediaServer(config, { log });
}

/** A socket.io client as a browser on `origin` would open it (Node sends the Origin header we say). */
export function connect(server: { port: number }, token: string | undefined, opts: { origin?: string | null } = {}): ClientSocket {
  const origin = opts.origin === undefined ? ORIGIN : opts.origin;
  return ioClient(`http://127.0.0.1:${server.port}`, {
    transports: ["websocket"],
    auth: token === undefined ? {} : { token },
    extraHeaders: origin ? { origin } : {},
    reconnection: false,
    forceNew: true,
    timeout: 10_000,
  });
}

/** Resolves on connect, rejects with the refusal code on connect_error. */
export function connected(s: ClientSocket): Promise<ClientSocket> {
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve(s));
    s.once("connect_error", (e: Error & { data?: { code?: string } }) => reject(Object.assign(new Error(e.data?.code ?? e.message), { data: e.data })));
  });
}

export function request<T = any>(s: ClientSocket, event: string, payload?: unknown, timeoutMs = 20_000): Promise<T> {
  return s.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

export function waitFor<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      try {
        const v = await fn();
        if (v) return resolve(v);
      } catch (e) {
        if (Date.now() > deadline) return reject(e);
      }
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, everyMs);
    };
    void tick();
  });
}

export function removeFiles(...files: string[]) {
  for (const f of files) fs.rmSync(f, { force: true, recursive: true });
}
