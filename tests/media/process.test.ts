// The media server as its own process (node --import tsx media-server/src/index.ts): SIGKILL it
// mid-session, restart it, and check the ledger: nothing acknowledged is lost, open intervals are
// closed at the last heartbeat, and a viewer who reconnects within the window keeps one interval.
// Then SIGTERM: a graceful stop records server-stop and exits 0.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, asc, eq } from "drizzle-orm";
import { io as ioClient, type Socket as ClientSocket } from "socket.io-client";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { attendanceEvents, attendanceLastSeen } from "#db/schema/index.ts";
import { ensureMediasoupWorker } from "../../scripts/mediasoup-worker.mjs";
import { sessionAttendance } from "#app/live/attendance.server.ts";
import { makeLiveSession } from "#tests/factories/live.ts";
import { freePort, ORIGIN, request, JOIN_TOKEN_SECRET, tokenFor, waitFor } from "#tests/harness/media.ts";
import { spawnScript, type ScriptProcess } from "#tests/harness/spawn-script.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
let db: Awaited<ReturnType<typeof testDb>>;
let port: number;
let workerBin: string;
const children: ChildProcess[] = [];
const sockets: ClientSocket[] = [];

function startProcess(): ScriptProcess {
  const p = spawnScript("media-server/src/index.ts", {
    NODE_ENV: "test",
    MEDIA_HOST: "127.0.0.1",
    MEDIA_PORT: String(port),
    DATABASE_URL: `file:${db.file}`,
    JOIN_TOKEN_SECRET,
    APP_ORIGINS: ORIGIN,
    MEDIA_WORKERS: "1",
    HEARTBEAT_SECONDS: "1",
    MEDIASOUP_WORKER_BIN: workerBin,
    MEDIA_LOG_LEVEL: "info",
  });
  children.push(p.child);
  return p;
}

async function healthy() {
  return waitFor(
    async () => {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return r?.ok && (await r.json()).ok;
    },
    "media server healthy",
    120_000,
    200,
  );
}

/** A client that (re)joins on every connect, as a page would. */
function client(token: string, onJoined?: (reply: any) => void) {
  const s = ioClient(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    auth: { token },
    extraHeaders: { origin: ORIGIN },
    reconnectionDelay: 200,
    reconnectionDelayMax: 500,
    forceNew: true,
  });
  s.on("connect", async () => onJoined?.(await request(s, "join", {})));
  sockets.push(s);
  return s;
}

beforeAll(async () => {
  db = await testDb();
  port = await freePort();
  workerBin = await ensureMediasoupWorker({ log: () => {} });
}, 600_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await dropDb(db);
});

describe("media server process", () => {
  it("loses nothing acknowledged to SIGKILL and closes open intervals at the last heartbeat", async () => {
    const t = await makeTree(db);
    const viewer = await makeMember(db, t.a1, { password: false });
    const host = await makeMember(db, t.a2, { password: false });
    const inRoom = [await makeMember(db, t.a2, { password: false }), await makeMember(db, t.a2, { password: false })];
    const start = Date.now() - 5_000;
    const session = await makeLiveSession(db, start, { inviteUnits: [t.a] });
    const rows = async (memberId: number) =>
      await db
        .select()
        .from(attendanceEvents)
        .where(and(eq(attendanceEvents.sessionId, session.id), eq(attendanceEvents.memberId, memberId)))
        .orderBy(asc(attendanceEvents.at), asc(attendanceEvents.id));

    const first = startProcess();
    await healthy();
    const joins: any[] = [];
    client(tokenFor(viewer, session.id), (r) => joins.push(r));
    await waitFor(() => joins.length === 1, "viewer joined");
    expect(joins[0].error).toBeUndefined();
    const cell = client(tokenFor(host, session.id, "cell-room"));
    await waitFor(() => cell.connected, "cell room connected");
    await waitFor(async () => (await request(cell, "join", {})).error === undefined, "cell room joined");
    const checkin = await request(cell, "checkin", { memberIds: inRoom.map((m) => m.id), eventId: crypto.randomUUID() });
    expect(checkin.checkedIn.sort()).toEqual(inRoom.map((m) => m.id).sort());

    // Everything acknowledged so far, and a couple of heartbeat ticks (each moves a key's last-seen time).
    const seenAt = async (memberId: number) =>
      (await db.select().from(attendanceLastSeen).where(and(eq(attendanceLastSeen.sessionId, session.id), eq(attendanceLastSeen.memberId, memberId)))).map((r) => r.at.getTime());
    const firstSeen = await waitFor(async () => (await seenAt(viewer.id))[0], "first heartbeat", 30_000);
    await waitFor(async () => (await seenAt(viewer.id))[0] > firstSeen && (await seenAt(inRoom[0].id)).length > 0, "second heartbeat", 30_000);
    const acknowledged = (await Promise.all([viewer, host, ...inRoom].map(async (m) => (await rows(m.id)).map((r) => r.eventId)))).flat();

    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    const lastBeat = async (memberId: number) => Math.max(...(await rows(memberId)).map((r) => r.at.getTime()), ...await seenAt(memberId));
    const beforeRestart = new Map(await Promise.all([viewer, host, ...inRoom].map(async (m) => [m.id, await lastBeat(m.id)] as const)));
    // The outage is a few seconds; the viewer reconnects inside the 60 s window.
    await new Promise((r) => setTimeout(r, 1500));

    const second = startProcess();
    await healthy();
    const after = new Set((await Promise.all([viewer, host, ...inRoom].map(async (m) => (await rows(m.id)).map((r) => r.eventId)))).flat());
    for (const id of acknowledged) expect(after.has(id)).toBe(true);
    expect(second.output()).toMatch(/closed attendance intervals left open by a crash/);

    // The crashed connection of the viewer was closed at its last heartbeat, not at the restart.
    const closing = (await rows(viewer.id)).find((r) => r.kind === "server-stop")!;
    expect(closing.at.getTime()).toBe(beforeRestart.get(viewer.id));
    expect(closing.detail).toMatchObject({ reason: "crash-recovery" });
    for (const m of inRoom) {
      const out = (await rows(m.id)).find((r) => r.kind === "checkout")!;
      expect(out.at.getTime()).toBe(beforeRestart.get(m.id));
    }

    // The viewer's client reconnected and rejoined on its own: one continuous interval.
    await waitFor(() => joins.length >= 2 && joins.at(-1).error === undefined, "viewer rejoined after restart", 60_000);
    await waitFor(async () => (await seenAt(viewer.id)).some((at) => at > beforeRestart.get(viewer.id)!), "heartbeat after restart");
    const report = (await sessionAttendance(db, session.id, { reconnectWindowMs: 60_000 }))!;
    const v = report.members.find((m) => m.memberId === viewer.id)!;
    expect(v.intervals).toHaveLength(1);
    expect(v.firstJoin!.getTime()).toBe((await rows(viewer.id))[0].at.getTime());

    // Graceful stop: server-stop for everyone still present, exit code 0.
    second.child.kill("SIGTERM");
    const code = await new Promise((r) => second.child.once("exit", r));
    expect(code).toBe(0);
    const lastViewer = (await rows(viewer.id)).at(-1)!;
    expect(lastViewer.kind === "server-stop" || lastViewer.kind === "socket-disconnect").toBe(true);
    expect((await rows(viewer.id)).some((r) => r.kind === "server-stop" && r.connectionId === null)).toBe(true);
  }, 300_000);

  it("refuses to start with a bad configuration, saying why in both languages", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "media-server/src/index.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", APP_ORIGINS: ORIGIN, JOIN_TOKEN_SECRET: "too-short" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(1);
    expect(err).toContain("Cấu hình máy chủ truyền hình không hợp lệ / Invalid media server configuration");
    expect(err).toContain("JOIN_TOKEN_SECRET");
  }, 60_000);
});
