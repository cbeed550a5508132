// End to end in Debian's Chromium (fake camera and microphone): a presenter page publishes VP8
// simulcast + Opus through the media server, viewer pages decode it (one over TCP only), a viewer
// switches to save-data, and the worker process is killed mid-broadcast and the video comes back.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { and, eq } from "drizzle-orm";
import type { TestDb } from "#tests/factories/db.ts";
import { attendanceEvents } from "#db/schema/index.ts";
import { makeMember } from "#tests/factories/org.ts";
import { sessionAttendance } from "#app/live/attendance.server.ts";
import { makeLiveBroadcast, makeSession } from "#tests/factories/live.ts";
import { startMediaTestServer, tokenFor, waitFor } from "#tests/harness/media.ts";
import { useMediaSuite } from "#tests/harness/media-suite.ts";

async function world(db: TestDb) {
  const on = await makeLiveBroadcast(db);
  const tcpViewer = await makeMember(db, on.t.a2, { password: false });
  return { ...on, tcpViewer };
}

const live = useMediaSuite({ world, browser: true, env: { MEDIA_WORKERS: "2" } });
const openPage = live.openPage;

type Stats = Awaited<ReturnType<NonNullable<Window["live"]>["stats"]>>;
const stats = (page: Page) => page.evaluate(() => window.live!.stats()) as Promise<Stats>;
const clientLog = (page: Page) => page.evaluate(() => window.live?.log ?? []);

describe("live broadcast in Chromium", () => {
  let presenter: Page;
  let viewer: Page;

  it("a viewer decodes the presenter's simulcast VP8 video", async () => {
    const { db, w, server } = live;
    presenter = await openPage(tokenFor(w.presenter, w.session.id, "presenter"), "presenter");
    await waitFor(async () => (await stats(presenter)).producers === 2, "presenter producing audio + video", 60_000);
    const room = server.registry.peek(w.session.id)!;
    const video = [...room.producers.values()].find((p) => p.producer.kind === "video")!.producer;
    expect(video.type).toBe("simulcast");
    expect(video.rtpParameters.encodings).toHaveLength(3);
    expect(video.rtpParameters.codecs[0].mimeType.toLowerCase()).toBe("video/vp8");

    viewer = await openPage(tokenFor(w.viewer, w.session.id), "viewer");
    const s = await waitFor(async () => {
      const st = await stats(viewer);
      return st.video.some((v) => v.framesDecoded > 0) && st;
    }, "viewer framesDecoded > 0", 90_000).catch(async (e) => {
      throw new Error(`${e.message}\nviewer log:\n${(await clientLog(viewer)).join("\n")}`);
    });
    expect(s.video[0].framesDecoded).toBeGreaterThan(0);
    // The ledger saw the viewer's media path come up (ICE + DTLS), not only its socket.
    const kinds = (await db
      .select()
      .from(attendanceEvents)
      .where(and(eq(attendanceEvents.sessionId, w.session.id), eq(attendanceEvents.memberId, w.viewer.id))))
      .map((e) => `${e.kind}:${(e.detail as { direction?: string } | null)?.direction ?? ""}`);
    expect(kinds).toContain("socket-connect:");
    expect(kinds).toContain("transport-connected:recv");
  }, 180_000);

  it("a viewer given only TCP candidates still receives video", async () => {
    const { w } = live;
    const tcp = await openPage(tokenFor(w.tcpViewer, w.session.id), "viewer", { tcpOnly: true });
    const s = await waitFor(async () => {
      const st = await stats(tcp);
      return st.video.some((v) => v.framesDecoded > 0) && st;
    }, "TCP viewer framesDecoded > 0", 90_000);
    expect(s.protocol).toBe("tcp");
    await tcp.evaluate(() => window.live!.leave());
  }, 180_000);

  it("save-data moves the viewer to the lowest spatial layer", async () => {
    const { w, server } = live;
    const reply = await viewer.evaluate(() => window.live!.saveData(true));
    expect(reply.consumers.length).toBe(1);
    expect(reply.consumers[0].preferredLayers?.spatialLayer).toBe(0);
    const peer = server.registry.peek(w.session.id)!.peers.get(w.viewer.id)!;
    const consumer = [...peer.consumers.values()].find((c) => c.kind === "video")!;
    await waitFor(() => consumer.currentLayers?.spatialLayer === 0, "server forwarding spatial layer 0", 60_000);
    // And the browser decodes the small layer (the camera is 1280 wide; layer 0 is scaled by 4).
    await waitFor(async () => (await stats(viewer)).video.some((v) => (v.frameWidth ?? 9999) <= 320), "small frames decoded", 60_000);
    await viewer.evaluate(() => window.live!.saveData(false));
  }, 120_000);

  it("recovers when the worker process is killed: the presenter republishes, the viewer decodes again", async () => {
    const { db, w, server } = live;
    const room = server.registry.peek(w.session.id)!;
    const before = await stats(viewer);
    const oldConsumers = new Set(before.video.map((v) => v.consumerId));
    const main = room.slots.find((s) => s.main)!;
    const pid = main.worker.pid;
    const rebuilt = new Promise((r) => room.once("rebuilt", r));
    process.kill(pid, "SIGKILL");
    await rebuilt;
    expect(room.slots.find((s) => s.main)!.worker.pid).not.toBe(pid);
    const after = await waitFor(async () => {
      const st = await stats(viewer);
      return st.video.some((v) => !oldConsumers.has(v.consumerId) && v.framesDecoded > 0) && st;
    }, "viewer decoding again after the worker died", 120_000).catch(async (e) => {
      throw new Error(`${e.message}\nviewer log:\n${(await clientLog(viewer)).join("\n")}\npresenter log:\n${(await clientLog(presenter)).join("\n")}`);
    });
    expect(after.rejoins).toBeGreaterThanOrEqual(1);
    expect(after.connected).toBe(true);
    // The pool replaced the dead worker.
    await waitFor(() => server.pool.workers.length === 2, "pool back to two workers", 60_000);
    expect(server.pool.workers.map((x) => x.pid)).not.toContain(pid);

    // Attendance: the socket never dropped, so the viewer has one continuous interval.
    await server.heartbeat();
    const report = (await sessionAttendance(db, w.session.id, { reconnectWindowMs: 60_000 }))!;
    const row = report.members.find((m) => m.memberId === w.viewer.id)!;
    expect(row.intervals).toHaveLength(1);
    expect(row.via).toBe("individual");
  }, 240_000);
});

describe("spreading viewers over workers", () => {
  it("pipes the broadcast to a router on another worker when the first worker's budget is spent", async () => {
    const { db, w } = live;
    // Two workers, three consumer slots each: the presenter takes two on the first worker, so the
    // viewer (two slots) lands on the second worker and receives the video through pipeToRouter.
    const small = await startMediaTestServer(db, { APP_ORIGINS: live.pages.origin, MEDIA_WORKERS: "2", CONSUMERS_PER_WORKER: "3" });
    try {
      const t = w.t;
      const presenter = await makeMember(db, t.root, { password: false });
      const viewer = await makeMember(db, t.b1, { password: false });
      const start = Date.now();
      const session = await makeSession(db, { inviteUnits: [t.b], presenters: [presenter], start, actualStart: start, state: "live" });
      const p = await openPage(tokenFor(presenter, session.id, "presenter"), "presenter", { server: small });
      await waitFor(async () => (await stats(p)).producers === 2, "presenter producing", 60_000);
      const v = await openPage(tokenFor(viewer, session.id), "viewer", { server: small });
      await waitFor(async () => (await stats(v)).video.some((x) => x.framesDecoded > 0), "piped viewer framesDecoded > 0", 90_000);

      const room = small.registry.peek(session.id)!;
      expect(room.slots).toHaveLength(2);
      const [main, extra] = [room.slots.find((s) => s.main)!, room.slots.find((s) => !s.main)!];
      expect(extra.worker.pid).not.toBe(main.worker.pid);
      const peer = room.peers.get(viewer.id)!;
      expect(peer.slot).toBe(extra);
      expect(extra.piped.size).toBe(2);
      expect(small.pool.workers.map((x) => x.load).sort()).toEqual([2, 2]);
      await p.close();
      await v.close();
    } finally {
      await small.close();
    }
  }, 240_000);
});
