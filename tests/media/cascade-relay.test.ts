// A join placed by the app and relayed to an edge (ADR 0016), all real: two media-server processes
// (node-a may only be an origin, node-b only an edge) sharing one SQLite file and a redis-server,
// the app's HTTP server with its WebSocket relay and REDIS_URL, and a Chromium presenter producing
// on node-a. The app's placement puts the presenter on the origin (and records it), a viewer on
// the edge; the viewer's socket, opened on the app's origin and naming node-b, is relayed there;
// node-b, opening the session's room, carries it from the recorded origin by itself, and the
// viewer learns of the presenter's two producers. A token placed on one node is refused by
// another, and a socket naming a node that is not live is not relayed. A room opened on the edge
// before any presenter was placed carries the session once one is; and when the origin process is
// killed, the presenter placed again lands on a new origin (node-c) and the edge follows it: the
// viewer, on the same socket, hears the new producers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as ioClient, type Socket as ClientSocket } from "socket.io-client";
import { INTERNAL_ORIGIN } from "#app/http/media-proxy.ts";
import { Placement } from "#app/live/placement.server.ts";
import { keys } from "#live/node-registry.server.ts";
import type { TestDb } from "#tests/factories/db.ts";
import { makeMember } from "#tests/factories/org.ts";
import { makeLiveBroadcast, makeSession } from "#tests/factories/live.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { JOIN_TOKEN_SECRET, request, tokenFor, waitFor } from "#tests/harness/media.ts";
import { openLiveClient } from "#tests/harness/live-client-page.ts";
import type { MediaNode } from "#tests/harness/media-node.ts";
import { useMediaNodes } from "#tests/harness/media-nodes.ts";
import { silentLogger } from "../../media-server/src/log.ts";

async function world(db: TestDb) {
  const on = await makeLiveBroadcast(db);
  const early = await makeMember(db, on.t.a1, { password: false });
  const later = await makeSession(db, { inviteUnits: [on.t.a], presenters: [on.presenter], start: on.start, actualStart: on.start, state: "live" });
  return { ...on, early, later };
}

const cluster = useMediaNodes({
  world,
  browser: true,
  nodes: ({ pages }) => ({
    a: { id: "node-a", appOrigins: `${pages.origin},${INTERNAL_ORIGIN}`, env: { MEDIA_NODE_ROLES: "origin" } },
    b: { id: "node-b", appOrigins: INTERNAL_ORIGIN, env: { MEDIA_NODE_ROLES: "edge" } },
    // An origin in reserve (placement picks node-a first: between equals, the first id).
    c: { id: "node-c", appOrigins: `${pages.origin},${INTERNAL_ORIGIN}`, env: { MEDIA_NODE_ROLES: "origin" } },
  }),
});
let placement: Placement;
let app: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  placement = new Placement(cluster.client, { log: silentLogger });
  app = await startTestServer(cluster.db, { JOIN_TOKEN_SECRET, MEDIA_INTERNAL_URL: cluster.nodes.a.url, REDIS_URL: cluster.redis.url });
}, 600_000);

afterAll(async () => {
  // Sockets first: the app relays them.
  for (const s of cluster.sockets) s.close();
  await app?.close();
});

/** A socket as the browser opens it on the app's own origin, naming the node its token names. */
function viaApp(token: string, node: string) {
  const s = ioClient(app.origin, {
    path: "/socket.io/",
    transports: ["websocket"],
    query: { node },
    auth: { token },
    extraHeaders: { origin: app.origin },
    reconnection: false,
    forceNew: true,
    timeout: 10_000,
  });
  cluster.sockets.push(s);
  return s;
}

/** A Chromium presenter on `node` directly (the fixture page is not on the app's origin); resolves with its producer ids. */
async function present(node: MediaNode, sessionId: number) {
  const token = tokenFor(cluster.w.presenter, sessionId, "presenter", { node: node.id });
  const page = await openLiveClient(cluster.browser, cluster.pages, { url: node.url, token, role: "presenter" });
  await waitFor(async () => (await page.evaluate(() => window.live!.stats())).producers === 2, `presenter producing on ${node.id}`, 60_000);
  return { page, producerIds: await page.evaluate(() => [...window.live!.producers.keys()]) };
}

const outcome = (s: ClientSocket) =>
  new Promise<{ ok: true } | { ok: false; code: string | undefined; message: string }>((resolve) => {
    s.once("connect", () => resolve({ ok: true }));
    s.once("connect_error", (e: Error & { data?: { code?: string } }) => resolve({ ok: false, code: e.data?.code, message: e.message }));
  });

describe("placement and the app's relay to a media node", () => {
  let producerIds: string[];
  let viewer: ClientSocket;
  const heard = new Set<string>();
  const closed = new Set<string>();
  let laterOrigin: string;

  it("places the presenter on a node that may be an origin and records it as the session's", async () => {
    const { w, client, nodes: { a } } = cluster;
    const placed = await placement.place(w.session.id, "presenter");
    expect(placed).toMatchObject({ ok: true, node: { id: "node-a", socketUrl: a.url } });
    expect(await client.get(keys().origin(w.session.id))).toBe("node-a");
    ({ producerIds } = await present(a, w.session.id));
  }, 180_000);

  it("relays a viewer placed on the edge there, and the edge carries the session from the origin by itself", async () => {
    const { w, registry: nodes, nodes: { b } } = cluster;
    const placed = await placement.place(w.session.id, "viewer");
    expect(placed).toMatchObject({ ok: true, node: { id: "node-b" } });
    const s = (viewer = viaApp(tokenFor(w.viewer, w.session.id, "viewer", { node: "node-b" }), "node-b"));
    s.on("newProducer", (p: { producerId: string }) => heard.add(p.producerId));
    s.on("producerClosed", (p: { producerId: string }) => closed.add(p.producerId));
    expect(await outcome(s)).toEqual({ ok: true });
    const joined = await request(s, "join", {});
    expect(joined.error).toBeUndefined();
    for (const p of joined.producers as { producerId: string }[]) heard.add(p.producerId);
    // In the join reply, or announced as each pipe lands.
    await waitFor(() => producerIds.every((id) => heard.has(id)), "the viewer on node-b knows both producers", 60_000).catch((e) => {
      throw new Error(`${e.message}\nnode-b:\n${b.output().slice(-3000)}`);
    });
    // The socket is on node-b: its record carries the session, fed by two pipes.
    const rb = await waitFor(async () => {
      const r = (await nodes.liveNodes()).find((n) => n.id === "node-b");
      return r && r.pipesIn === 2 && r.sessions.includes(w.session.id) && r;
    }, "node-b's record: the session, two pipes in", 30_000);
    expect(rb.producers).toBe(2);
    expect(b.output()).toMatch(/carrying a session from its origin/);
  }, 180_000);

  it("a token placed on another node is refused there; a node that is not live is not relayed to", async () => {
    const { w } = cluster;
    const wrong = viaApp(tokenFor(w.viewer, w.session.id, "viewer", { node: "node-a" }), "node-b");
    expect(await outcome(wrong)).toMatchObject({ ok: false, code: "wrong-node" });
    const gone = viaApp(tokenFor(w.viewer, w.session.id, "viewer", { node: "node-zz" }), "node-zz");
    const r = await outcome(gone);
    expect(r.ok).toBe(false);
    // Refused by the relay before any media server: no refusal code from a node.
    expect(r).toMatchObject({ code: undefined });
  }, 60_000);

  it("a room opened on the edge before any presenter was placed carries the session once one is", async () => {
    const { w, client, nodes: { a, b, c } } = cluster;
    expect(await placement.place(w.later.id, "viewer")).toMatchObject({ ok: true, node: { id: "node-b" } });
    const s = viaApp(tokenFor(w.early, w.later.id, "viewer", { node: "node-b" }), "node-b");
    const early = new Set<string>();
    s.on("newProducer", (p: { producerId: string }) => early.add(p.producerId));
    expect(await outcome(s)).toEqual({ ok: true });
    const joined = await request(s, "join", {});
    expect(joined.producers).toEqual([]);
    expect(await client.get(keys().origin(w.later.id))).toBeNull();
    // Now the presenter is placed (the origin recorded) and produces there.
    const placed = await placement.place(w.later.id, "presenter");
    // node-a has a presenter already: the less loaded node-c may be chosen; either is an origin.
    if (!placed.ok) throw new Error("the presenter was not placed");
    laterOrigin = placed.node.id;
    expect(["node-a", "node-c"]).toContain(laterOrigin);
    expect(await client.get(keys().origin(w.later.id))).toBe(laterOrigin);
    const { producerIds: later } = await present(laterOrigin === "node-a" ? a : c, w.later.id);
    await waitFor(() => later.every((id) => early.has(id)), "the early viewer hears both producers", 60_000).catch((e) => {
      throw new Error(`${e.message}\nnode-b:\n${b.output().slice(-3000)}`);
    });
  }, 180_000);

  it("the origin process dies: the presenter placed again lands on a new origin, and the edge's viewer hears the new producers on the same socket", async () => {
    const { w, client, registry: nodes, nodes: { a, b, c } } = cluster;
    a.child.kill("SIGKILL");
    // While node-a's record is fresh it is still the origin; once it is stale, placement moves on.
    await waitFor(async () => !(await nodes.liveNodes()).some((n) => n.id === "node-a"), "node-a no longer live", 30_000);
    expect(await placement.place(w.session.id, "presenter")).toMatchObject({ ok: true, node: { id: "node-c" } });
    expect(await client.get(keys().origin(w.session.id))).toBe("node-c");
    const { producerIds: again } = await present(c, w.session.id);
    await waitFor(() => again.every((id) => heard.has(id)), "the viewer on node-b hears the new origin's producers", 60_000).catch((e) => {
      throw new Error(`${e.message}\nnode-b:\n${b.output().slice(-3000)}`);
    });
    // The dead origin's producers closed on the edge (the viewer was told), and the socket is the same.
    expect(producerIds.every((id) => closed.has(id))).toBe(true);
    expect(viewer.connected).toBe(true);
    // Two pipes in per session whose origin lives (node-c): the other session's pipes went with
    // node-a if that was its origin, and nobody presents there again.
    const expected = laterOrigin === "node-c" ? 4 : 2;
    const rb = await waitFor(async () => {
      const r = (await nodes.liveNodes()).find((n) => n.id === "node-b");
      return r && r.pipesIn === expected && r.producers === expected && r;
    }, `node-b's record: ${expected} pipes in, ${expected} producers`, 30_000);
    expect(rb.sessions.sort()).toEqual([w.session.id, w.later.id].sort());
  }, 180_000);
});
