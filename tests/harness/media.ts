/** Factories for the live-session tests: a session with invites and presenters, tokens, a server. */
import fs from "node:fs";
import net from "node:net";
import { io as ioClient, type Socket as ClientSocket } from "socket.io-client";
import { writeTx, type Db } from "#db/client.server.ts";
import { liveSessionInvites, liveSessionPresenters, liveSessions } from "#db/schema/index.ts";
import type { JoinRole } from "#live/join-token.ts";
import { signJoinToken } from "#live/join-token.server.ts";
import type { Member } from "#app/org/members.server.ts";
import type { Unit } from "#app/org/units.server.ts";
import { parseConfig, type MediaConfig } from "../../media-server/src/config.ts";
import { silentLogger, createLogger } from "../../media-server/src/log.ts";
import { startMediaServer, type MediaServer } from "../../media-server/src/server.ts";

export const SECRET = "tests-join-token-secret-0123456789abcdef-xyz";
export const ORIGIN = "http://app.test:3000";

export function makeSession(
  db: Db,
  opts: {
    title?: string;
    start?: Date | number;
    end?: Date | number;
    actualStart?: Date | number;
    actualEnd?: Date | number;
    inviteUnits?: Unit[];
    inviteMembers?: Member[];
    presenters?: Member[];
    state?: "scheduled" | "live" | "ended";
    presentMinPercent?: number;
    lateAfterMinutes?: number;
  } = {},
) {
  const now = new Date();
  const start = new Date(opts.start ?? now);
  const date = (d: Date | number | undefined) => (d === undefined ? null : new Date(d));
  return writeTx(db, (tx) => {
    const s = tx
      .insert(liveSessions)
      .values({
        title: opts.title ?? "Học tập Nghị quyết",
        scheduledStartAt: start,
        plannedEndAt: date(opts.end) ?? new Date(start.getTime() + 60 * 60_000),
        actualStartAt: date(opts.actualStart),
        actualEndAt: date(opts.actualEnd),
        state: opts.state ?? "scheduled",
        presentMinPercent: opts.presentMinPercent ?? 80,
        lateAfterMinutes: opts.lateAfterMinutes ?? 10,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    for (const u of opts.inviteUnits ?? []) tx.insert(liveSessionInvites).values({ sessionId: s.id, unitId: u.id, createdAt: now }).run();
    for (const m of opts.inviteMembers ?? []) tx.insert(liveSessionInvites).values({ sessionId: s.id, memberId: m.id, createdAt: now }).run();
    for (const m of opts.presenters ?? []) tx.insert(liveSessionPresenters).values({ sessionId: s.id, memberId: m.id, createdAt: now }).run();
    return s;
  });
}

export function tokenFor(
  member: Member,
  sessionId: number,
  role: JoinRole = "viewer",
  opts: { secret?: string; ttlMs?: number; now?: number; unitId?: number } = {},
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
    },
    opts.secret ?? SECRET,
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

export function testConfig(db: Db & { file: string }, env: Record<string, string> = {}): MediaConfig {
  return parseConfig({
    NODE_ENV: "test",
    MEDIA_HOST: "127.0.0.1",
    MEDIA_PORT: "0",
    DATABASE_URL: `file:${db.file}`,
    JOIN_TOKEN_SECRET: SECRET,
    APP_ORIGINS: ORIGIN,
    RTC_LISTEN_IP: "127.0.0.1",
    MEDIA_WORKERS: "1",
    MEDIA_LOG_LEVEL: "warn",
    ...env,
  });
}

export async function startTestServer(db: Db & { file: string }, env: Record<string, string> = {}): Promise<MediaServer> {
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
