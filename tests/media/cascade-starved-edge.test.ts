// An edge only starved, not dead (ADR 0016, issue 13), all real: two media nodes (node-a origin
// only, node-b edge only) sharing one SQLite file and a redis-server, the presenter in Chromium on
// node-a, a viewer in Chromium on node-b. node-b's process is SIGSTOPped (its mediasoup worker and
// the viewer's transports live on) until the origin, seeing its record stale on two sweeps, drops
// its pipes toward it; meanwhile the origin refuses to pipe toward it. On SIGCONT node-b beats
// again, the origin tells it its pipes were dropped, node-b pulls every producer again, and the
// viewer decodes on new consumers on the same socket, without a rejoin. Its attendance: the
// origin, seeing node-b dead, closed the viewer's interval at its last heartbeat; node-b, seeing
// it was reaped, re-opens it, and the viewer keeps one interval over the starve.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { attendanceEvents } from "#db/schema/index.ts";
import { mergeIntervals } from "#live/attendance.ts";
import { ledgerRows, toLedgerEvent } from "#live/ledger.server.ts";
import type { Browser, Page } from "playwright-core";
import { Placement } from "#app/live/placement.server.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeSession } from "#tests/factories/live.ts";
import { launchBrowser } from "#tests/harness/browser.ts";
import { tokenFor, waitFor } from "#tests/harness/media.ts";
import { openLiveClient, serveLiveClientPage, type LiveClientPages } from "#tests/harness/live-client-page.ts";
import { CLUSTER_SECRET, startMediaNode, stopMediaNode, type MediaNode } from "#tests/harness/media-node.ts";
import { startRedis, type TestRedis } from "#tests/harness/redis.ts";
import { ensureMediasoupWorker } from "../../scripts/mediasoup-worker.mjs";
import { DEAD_AFTER_MS, NodeRegistry, redisClient, type RedisClient } from "../../media-server/src/cluster/registry.ts";
import { callNode, ChannelError } from "../../media-server/src/cluster/channel.ts";
import { cluster } from "../../media-server/src/cluster/wire.ts";
import { silentLogger } from "../../media-server/src/log.ts";

let db: Awaited<ReturnType<typeof testDb>>;
let redis: TestRedis;
let client: RedisClient;
let nodes: NodeRegistry;
let browser: Browser;
let pages: LiveClientPages;
let a: MediaNode;
let b: MediaNode;
let sessionId: number;
let sessionStart: number;
let viewerId: number;
let presenter: Page;
let viewer: Page;

type Stats = Awaited<ReturnType<NonNullable<Window["live"]>["stats"]>>;
const stats = (page: Page) => page.evaluate(() => window.live!.stats()) as Promise<Stats>;
const clientLog = (page: Page) => page.evaluate(() => window.live?.log ?? []);
const record = async (id: string) => (await nodes.allNodes()).find((n) => n.id === id);

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  const p = await makeMember(db, t.root, { password: false });
  const m = await makeMember(db, t.a1, { password: false });
  const start = Date.now() - 60_000;
  const session = await makeSession(db, { inviteUnits: [t.a], presenters: [p], start, actualStart: start, state: "live" });
  sessionId = session.id;
  sessionStart = session.scheduledStartAt.getTime();
  viewerId = m.id;
  redis = await startRedis();
  client = redisClient(redis.url, silentLogger);
  await client.connect();
  nodes = new NodeRegistry({ client, log: silentLogger });
  const workerBin = await ensureMediasoupWorker({ log: () => {} });
  pages = await serveLiveClientPage();
  const common = { dbFile: db.file, redisUrl: redis.url, workerBin, appOrigins: pages.origin };
  [a, b] = await Promise.all([
    startMediaNode({ id: "node-a", ...common, env: { MEDIA_NODE_ROLES: "origin" } }),
    // Ledger ticks every second on the edge: its viewer's last heartbeat is recent when it starves.
    startMediaNode({ id: "node-b", ...common, env: { MEDIA_NODE_ROLES: "edge", HEARTBEAT_SECONDS: "1" } }),
  ]);
  browser = await launchBrowser();
  // The app's placement records node-a as the session's origin; the edge carries from it.
  expect(await new Placement(client, { log: silentLogger }).place(session.id, "presenter")).toMatchObject({ ok: true, node: { id: "node-a" } });
  presenter = await openLiveClient(browser, pages, { url: a.url, token: tokenFor(p, session.id, "presenter", { node: "node-a" }), role: "presenter" });
  await waitFor(async () => (await stats(presenter)).producers === 2, "presenter producing on node-a", 60_000);
  viewer = await openLiveClient(browser, pages, { url: b.url, token: tokenFor(m, session.id, "viewer", { node: "node-b" }), role: "viewer" });
}, 600_000);

afterAll(async () => {
  // Never leave a stopped process behind.
  if (b && b.child.exitCode === null) b.child.kill("SIGCONT");
  await browser?.close();
  await stopMediaNode(a);
  await stopMediaNode(b);
  await pages?.close();
  await client?.quit().catch(() => {});
  await redis?.stop();
  if (db) await dropDb(db);
});

describe("an edge taken for dead that beats again", () => {
  it("is refused pipes while taken for dead, then pulls again: its viewer decodes on new consumers on the same socket", async () => {
    const decoding = (old: Set<string>) => async () => {
      const st = await stats(viewer);
      return st.video.some((v) => !old.has(v.consumerId) && v.framesDecoded > 0) && st;
    };
    const before = await waitFor(decoding(new Set()), "the edge's viewer decoding", 120_000);
    await waitFor(async () => (await record("node-a"))?.pipesOut === 2, "origin record: 2 pipes out", 30_000);
    const producerIds = await presenter.evaluate(() => [...window.live!.producers.keys()]);
    const instanceB = (await record("node-b"))!.instance;
    const viewerEvents = async () =>
      db.select().from(attendanceEvents).where(and(eq(attendanceEvents.sessionId, sessionId), eq(attendanceEvents.memberId, viewerId)));
    const connect = await waitFor(async () => (await viewerEvents()).find((e) => e.kind === "socket-connect"), "the edge viewer's socket-connect", 30_000);
    expect(connect.nodeId).toBe(instanceB);
    const merged = async () =>
      mergeIntervals((await ledgerRows(db, sessionId, [viewerId])).map(toLedgerEvent), { reconnectWindowMs: 60_000, sessionStart, sessionEnd: Date.now() + 60_000 });

    // Starve the edge's process (its worker, and the viewer's transports, live on) until the
    // origin has dropped its pipes toward it.
    const stoppedAt = Date.now();
    process.kill(b.child.pid!, "SIGSTOP");
    let resumed = false;
    let resumedAt = 0;
    try {
      await waitFor(async () => (await record("node-a"))?.pipesOut === 0, "origin dropped the pipes toward the starved edge", 60_000).catch((e) => {
        throw new Error(`${e.message}\nnode-a:\n${a.output().slice(-3000)}`);
      });
      expect((await record("node-b"))!.ageMs).toBeGreaterThan(DEAD_AFTER_MS);
      expect(a.output()).toMatch(/dropping pipes toward a dead node/);

      // While the edge is taken for dead, the origin pipes nothing toward it, nor lets it watch.
      const edgeRef = { nodeId: "node-b", url: b.internalUrl };
      const end = { ip: "127.0.0.1", port: 9, srtpParameters: { cryptoSuite: "AEAD_AES_256_GCM" as const, keyBase64: "A".repeat(60) } };
      const refused = await callNode({ nodeId: "node-a", url: a.internalUrl }, cluster.pipe, { sessionId, producerId: producerIds[0], edge: edgeRef, end }, CLUSTER_SECRET).catch((e) => e);
      expect(refused).toBeInstanceOf(ChannelError);
      expect(refused).toMatchObject({ status: 409, code: "edge-taken-for-dead" });
      const watch = await callNode({ nodeId: "node-a", url: a.internalUrl }, cluster.producers, { sessionId, watch: edgeRef }, CLUSTER_SECRET).catch((e) => e);
      expect(watch).toMatchObject({ status: 409, code: "edge-taken-for-dead" });
      expect((await record("node-a"))?.pipesOut).toBe(0);

      // The origin, the only survivor, closed the starved edge's viewer at its last heartbeat.
      await waitFor(async () => (await client.get(`hocso:reap:${instanceB}`)) === "done", "the origin reaped the starved edge", 30_000);
      const closing = (await viewerEvents()).filter((e) => e.connectionId === connect.connectionId && e.kind === "server-stop");
      expect(closing).toHaveLength(1);
      expect(closing[0].detail).toMatchObject({ reason: "node-dead" });
      expect(closing[0].at.getTime()).toBeLessThanOrEqual(stoppedAt + 1_000);
      expect((await merged()).open).toEqual([]);
    } finally {
      resumedAt = Date.now();
      process.kill(b.child.pid!, "SIGCONT");
      resumed = true;
    }
    expect(resumed).toBe(true);

    // The edge beats again; the origin tells it; it pulls every producer again.
    const after = await waitFor(decoding(new Set(before.video.map((v) => v.consumerId))), "the edge's viewer decoding again", 120_000).catch(async (e) => {
      throw new Error(`${e.message}\nviewer log:\n${(await clientLog(viewer)).join("\n")}\nnode-b:\n${b.output().slice(-3000)}\nnode-a:\n${a.output().slice(-3000)}`);
    });
    // Same socket, no rejoin asked: the viewer only heard producerClosed, then newProducer.
    expect(after.connected).toBe(true);
    expect(after.rejoins).toBe(0);
    expect(after.joins).toBe(1);
    const frames = Math.max(...after.video.filter((v) => !before.video.some((o) => o.consumerId === v.consumerId)).map((v) => v.framesDecoded));
    await waitFor(async () => {
      const st = await stats(viewer);
      return Math.max(0, ...st.video.map((v) => v.framesDecoded)) >= frames + 30;
    }, "30 more frames decoded on the new consumer", 60_000);
    expect(a.output()).toMatch(/told an edge taken for dead that its pipes were dropped/);
    expect(b.output()).toMatch(/the origin dropped our pipes \(taken for dead\): pulling again/);
    // Exactly the presenter's two producers piped again, once each.
    const o = await waitFor(async () => {
      const r = await record("node-a");
      return r && r.pipesOut === 2 && r;
    }, "origin record: 2 pipes out again", 30_000);
    expect(o.pipesOut).toBe(2);
    const e = await waitFor(async () => {
      const r = await record("node-b");
      return r && r.ageMs <= DEAD_AFTER_MS && r.pipesIn === 2 && r.consumers === 2 && r;
    }, "edge record: 2 pipes in, the viewer's 2 consumers", 30_000);
    expect(e.producers).toBe(2);

    // Attendance: node-b saw it was reaped and re-opened its viewer's connection, within the
    // reconnect window: one interval from before the starve to after it, open on node-b again.
    const m = await waitFor(async () => {
      const r = await merged();
      return r.individual.length === 1 && r.individual[0].end > resumedAt + 1_000 && r;
    }, "the edge viewer's interval re-opened and spanning the starve", 60_000).catch(async (err) => {
      throw new Error(`${err.message}\nintervals: ${JSON.stringify(await merged())}\nnode-b:\n${b.output().slice(-3000)}`);
    });
    expect(m.individual[0].start).toBe(connect.at.getTime());
    expect(m.individual[0].start).toBeLessThan(stoppedAt);
    expect(m.open.map((k) => [k.connectionId, k.nodeId])).toEqual([[connect.connectionId, instanceB]]);
    expect(m.individualMs).toBeGreaterThan(resumedAt - connect.at.getTime());
    // Once: a single re-opening event, and the reap mark cleared (a later death is reaped again).
    await waitFor(async () => (await client.get(`hocso:reap:${instanceB}`)) === null, "node-b cleared its reap mark", 30_000);
    const reopened = (await viewerEvents()).filter((ev) => ev.connectionId === connect.connectionId && ev.kind === "socket-connect");
    expect(reopened).toHaveLength(2);
    expect(reopened[1].detail).toMatchObject({ reason: "taken-for-dead" });
    expect(b.output()).toMatch(/taken for dead while alive: re-opened attendance/);
  }, 300_000);
});
