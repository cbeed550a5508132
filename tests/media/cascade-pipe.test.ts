// A broadcast across two media nodes (ADR 0016), all real: two media-server processes (origin and
// edge, each with its own mediasoup worker, ports and internal listener) sharing one SQLite file
// and one redis-server, a Chromium presenter with a fake camera on the origin, and a Chromium
// viewer on the edge that decodes the presenter's video, which reaches the edge only through a
// pipe transport pair between the two processes (SRTP + RTX). The edge runs inside a network
// namespace (tests/harness/netns.ts) and the origin on the host's end of its veth, so the pipe
// crosses a real (virtual) link between two addresses; where namespaces are unavailable (not root),
// both run on loopback.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { and, eq } from "drizzle-orm";
import { attendanceEvents } from "#db/schema/index.ts";
import { makeLiveBroadcast } from "#tests/factories/live.ts";
import { tokenFor, waitFor } from "#tests/harness/media.ts";
import { openLiveClient } from "#tests/harness/live-client-page.ts";
import { CLUSTER_SECRET as SECRET, type MediaNode } from "#tests/harness/media-node.ts";
import { useMediaNodes } from "#tests/harness/media-nodes.ts";
import { DEAD_AFTER_MS, type NodeRecord } from "../../media-server/src/cluster/registry.ts";
import { callNode } from "../../media-server/src/cluster/channel.ts";
import { cluster } from "../../media-server/src/cluster/wire.ts";

const cascade = useMediaNodes({
  world: makeLiveBroadcast,
  netns: true,
  browser: true,
  // The origin on the host's end of the veth, the edge inside the namespace.
  nodes: ({ ns }) => ({
    origin: { id: "origin-1", host: ns?.hostIp ?? "127.0.0.1" },
    edge: { id: "edge-1", host: ns?.nsIp ?? "127.0.0.1", netns: ns?.name },
  }),
});

async function openPage(node: MediaNode, token: string, role: "presenter" | "viewer") {
  return openLiveClient(cascade.browser, cascade.pages, { url: node.url, token, role });
}

type Stats = Awaited<ReturnType<NonNullable<Window["live"]>["stats"]>>;
const stats = (page: Page) => page.evaluate(() => window.live!.stats()) as Promise<Stats>;
const clientLog = (page: Page) => page.evaluate(() => window.live?.log ?? []);
const record = async (id: string): Promise<NodeRecord | undefined> => (await cascade.registry.liveNodes()).find((n) => n.id === id);

describe("media cascade: origin → edge over pipe transports", () => {
  it("both nodes are in the registry with the internal address they listen on", async () => {
    const { ns, registry: nodes, nodes: { origin, edge } } = cascade;
    const live = await nodes.liveNodes();
    expect(live.map((n) => n.id)).toEqual(["edge-1", "origin-1"]);
    expect(live.find((n) => n.id === "origin-1")).toMatchObject({ internalUrl: origin.internalUrl, pipeIp: origin.host, workers: 1, roles: ["origin", "edge"] });
    expect(live.find((n) => n.id === "edge-1")).toMatchObject({ internalUrl: edge.internalUrl, pipeIp: edge.host });
    // Two addresses joined only by the veth (or both loopback without namespaces).
    if (ns) expect(edge.host).not.toBe(origin.host);
  });

  it("refuses a node-to-node call without the cluster secret, and a body its schema rejects", async () => {
    const { w, nodes: { origin, edge } } = cascade;
    const wrong = await fetch(new URL(cluster.carry.path, edge.internalUrl), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer not-the-secret-but-long-enough-0123456789" },
      body: JSON.stringify({ sessionId: w.session.id, origin: { nodeId: "origin-1", url: origin.internalUrl } }),
    });
    expect(wrong.status).toBe(401);
    const bad = await fetch(new URL(cluster.pipe.path, origin.internalUrl), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
      body: JSON.stringify({ sessionId: w.session.id, producerId: "not-a-uuid" }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe("invalid-payload");
  });

  let presenter: Page;
  let viewer: Page;
  let producerIds: string[];

  it("a viewer on the edge decodes the presenter's video produced on the origin", async () => {
    const { db, w, nodes: { origin, edge } } = cascade;
    presenter = await openPage(origin, tokenFor(w.presenter, w.session.id, "presenter"), "presenter");
    await waitFor(async () => (await stats(presenter)).producers === 2, "presenter producing audio + video on the origin", 60_000);
    producerIds = await presenter.evaluate(() => [...window.live!.producers.keys()]);

    // What the app's placement will do when it first puts a viewer of this session on the edge:
    // tell the edge to carry the session from the origin the registry names.
    const o = (await record("origin-1"))!;
    const carried = await callNode({ nodeId: edge.id, url: edge.internalUrl }, cluster.carry, { sessionId: w.session.id, origin: { nodeId: o.id, url: o.internalUrl } }, SECRET);
    expect(carried.producers.sort()).toEqual([...producerIds].sort());
    // Asked twice (another viewer's placement), the edge keeps one pipe per producer.
    await callNode({ nodeId: edge.id, url: edge.internalUrl }, cluster.carry, { sessionId: w.session.id, origin: { nodeId: o.id, url: o.internalUrl } }, SECRET);

    viewer = await openPage(edge, tokenFor(w.viewer, w.session.id), "viewer");
    const s = await waitFor(async () => {
      const st = await stats(viewer);
      return st.video.some((v) => v.framesDecoded > 0) && st;
    }, "edge viewer framesDecoded > 0", 90_000).catch(async (e) => {
      throw new Error(`${e.message}\nviewer log:\n${(await clientLog(viewer)).join("\n")}\nedge:\n${edge.output().slice(-3000)}\norigin:\n${origin.output().slice(-3000)}`);
    });
    expect(s.video[0].framesDecoded).toBeGreaterThan(0);

    // The edge relays exactly the presenter's two producers, and the origin's only consumers are
    // the two pipes toward the edge (no viewer is on the origin); both write the registry.
    const e = await waitFor(async () => {
      const r = await record("edge-1");
      return r && r.producers === 2 && r.consumers === 2 && r;
    }, "edge record: 2 relayed producers, the viewer's 2 consumers", 30_000);
    expect(e.sessions).toEqual([w.session.id]);
    expect(e.pipesIn).toBe(2);
    // Records are up to one beat old: wait for the origin's to show its two pipes.
    const or = await waitFor(async () => {
      const r = await record("origin-1");
      return r && r.pipesOut === 2 && r;
    }, "origin record: 2 pipes out", 30_000);
    expect(or.producers).toBe(2);
    expect(or.consumers).toBe(0);

    // The edge writes the shared attendance ledger: the viewer's socket and media path.
    const kinds = (
      await db
        .select({ kind: attendanceEvents.kind })
        .from(attendanceEvents)
        .where(and(eq(attendanceEvents.sessionId, w.session.id), eq(attendanceEvents.memberId, w.viewer.id)))
    ).map((r) => r.kind);
    expect(kinds).toContain("socket-connect");
    expect(kinds).toContain("transport-connected");
  }, 240_000);

  it("media keeps flowing from the origin to the edge while Redis does not answer", async () => {
    const { redis, registry: nodes } = cascade;
    const decoded = async () => Math.max(0, ...(await stats(viewer)).video.map((v) => v.framesDecoded));
    redis.pause();
    try {
      const before = await decoded();
      // Pipes are node to node: frozen Redis (registry, heartbeats) is not on the media path.
      await waitFor(async () => (await decoded()) >= before + 30, "30 more frames decoded with Redis frozen", 30_000);
    } finally {
      redis.resume();
    }
    // And the registry catches up: both nodes beat again.
    await waitFor(async () => (await nodes.liveNodes()).length === 2, "both nodes live again", 30_000);
  }, 90_000);

  it("the edge's worker dies: the edge pulls the pipes again and its viewer decodes again", async () => {
    const { nodes: { edge } } = cascade;
    const workerPid = async () => ((await (await fetch(`${edge.url}/healthz`)).json()) as { workers: { pid: number }[] }).workers[0]?.pid;
    const pid = await workerPid();
    const old = new Set((await stats(viewer)).video.map((v) => v.consumerId));
    process.kill(pid, "SIGKILL");
    const after = await waitFor(async () => {
      const st = await stats(viewer);
      return st.video.some((v) => !old.has(v.consumerId) && v.framesDecoded > 0) && st;
    }, "edge viewer decoding again after the edge's worker died", 120_000).catch(async (e) => {
      throw new Error(`${e.message}\nviewer log:\n${(await clientLog(viewer)).join("\n")}\nedge:\n${edge.output().slice(-3000)}`);
    });
    expect(after.rejoins).toBeGreaterThanOrEqual(1);
    const now = await workerPid();
    expect(now).toBeDefined();
    expect(now).not.toBe(pid);
    // Still exactly the presenter's two producers on the edge, on the new worker: a beat written
    // after the viewer decodes again (records are up to one beat old).
    const since = (await record("edge-1"))!.at;
    const e = await waitFor(async () => {
      const r = await record("edge-1");
      return r && r.at > since && r;
    }, "a fresh edge record", 30_000);
    expect(e).toMatchObject({ producers: 2, consumers: 2, pipesIn: 2, workers: 1 });
  }, 180_000);

  it("closing the presenter's producers on the origin closes them on the edge", async () => {
    const { nodes: { edge } } = cascade;
    await presenter.evaluate(() => window.live!.leave());
    // The origin tells the edge; the edge's relayed producers close and the viewer's consumers with them.
    await waitFor(async () => {
      const r = await record("edge-1");
      return r && r.producers === 0 && r.consumers === 0;
    }, "edge record: no relayed producer, no consumer", 30_000).catch((e) => {
      throw new Error(`${e.message}\nedge:\n${edge.output().slice(-3000)}`);
    });
    await waitFor(async () => (await stats(viewer)).video.length === 0, "viewer's video consumer closed", 30_000);
  }, 60_000);

  it("a presenter producing again reaches the edge by itself; an edge that dies loses its pipes at the origin", async () => {
    const { db, w, registry: nodes, nodes: { origin, edge } } = cascade;
    await openPage(origin, tokenFor(w.presenter, w.session.id, "presenter"), "presenter");
    // The edge asked to follow the session when it carried it: the origin tells it of each new
    // producer, it pipes them, and its viewer hears newProducer and decodes.
    await waitFor(async () => (await stats(viewer)).video.some((v) => v.framesDecoded > 0), "edge viewer decoding the new producers", 90_000).catch(async (e) => {
      throw new Error(`${e.message}\nviewer log:\n${(await clientLog(viewer)).join("\n")}\nedge:\n${edge.output().slice(-3000)}`);
    });
    await waitFor(async () => (await record("origin-1"))?.pipesOut === 2, "origin record: 2 pipes out", 30_000);
    await waitFor(async () => (await record("edge-1"))?.pipesIn === 2, "edge record: 2 pipes in", 30_000);

    // The edge process dies without a word: its record goes stale, and the origin, seeing it dead
    // on two sweeps, closes its halves of the pipes.
    edge.child.kill("SIGKILL");
    await waitFor(async () => (await record("origin-1"))?.pipesOut === 0, "origin dropped the pipes toward the dead edge", 60_000).catch((e) => {
      throw new Error(`${e.message}\norigin:\n${origin.output().slice(-3000)}`);
    });
    const dead = (await nodes.allNodes()).find((n) => n.id === "edge-1");
    expect(dead?.ageMs).toBeGreaterThan(DEAD_AFTER_MS);
    expect((await nodes.liveNodes()).map((n) => n.id)).toEqual(["origin-1"]);
    // The origin, the survivor, closes the edge viewer's open connection (that instance's only).
    const closed = await waitFor(async () => {
      const rows = await db.select().from(attendanceEvents).where(and(eq(attendanceEvents.sessionId, w.session.id), eq(attendanceEvents.memberId, w.viewer.id)));
      return rows.filter((r) => r.kind === "server-stop" && (r.detail as { reason?: string } | null)?.reason === "node-dead");
    }, "the dead edge's connections closed by the origin", 30_000);
    expect(closed.length).toBeGreaterThan(0);
    expect(closed.every((r) => r.nodeId === dead!.instance)).toBe(true);
  }, 180_000);
});
