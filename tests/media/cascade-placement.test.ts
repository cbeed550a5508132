// Placement of live-session sockets on media nodes (ADR 0016), against a real redis-server: node
// records written as the nodes write them (NodeRegistry), placement as the app runs it when it
// signs a join token. Carrying nodes first, then the least loaded under the threshold; slots
// reserved at placement so a storm cannot overfill a node whose record is a beat old; two app
// processes placing at once share the reservations; past every node's room, session-full; a
// presenter goes to the session's origin, and a dead origin is replaced.
import { describe, expect, it } from "vitest";
import { Placement, THRESHOLD } from "#app/live/placement.server.ts";
import { keys, redisTime } from "#live/node-registry.server.ts";
import { nodeStats } from "#tests/factories/node-stats.ts";
import { useRedis } from "#tests/harness/redis-suite.ts";
import { waitFor } from "#tests/harness/media.ts";
import { NodeRegistry } from "../../media-server/src/cluster/registry.ts";
import { silentLogger } from "../../media-server/src/log.ts";

const r = useRedis({ other: true });

let n = 0;
/** A fresh key space per test: a registry writing there, and a placement reading it. */
function world() {
  const prefix = `p${++n}:`;
  return { prefix, nodes: new NodeRegistry({ client: r.client, log: silentLogger, prefix }), placement: new Placement(r.client, { prefix, log: silentLogger }) };
}

const ids = (placed: Awaited<ReturnType<Placement["place"]>>[]) => placed.map((p) => (p.ok ? p.node.id : p.reason));
const tally = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});

describe("placement on media nodes", () => {
  it("puts a viewer on a node already carrying the session, else on the least loaded one", async () => {
    const { nodes, placement } = world();
    await nodes.write(nodeStats("a", { reserved: 30, sessions: [7] }));
    await nodes.write(nodeStats("b", { reserved: 10 }));
    await nodes.write(nodeStats("c", { reserved: 20, sessions: [8] }));
    expect(ids([await placement.place(7, "viewer")])).toEqual(["a"]);
    expect(ids([await placement.place(8, "viewer")])).toEqual(["c"]);
    // Nobody carries session 9: the least loaded.
    expect(ids([await placement.place(9, "viewer")])).toEqual(["b"]);
    // A carrying node past the threshold is passed over.
    const { nodes: n2, placement: p2 } = world();
    await n2.write(nodeStats("full", { reserved: THRESHOLD * 100, sessions: [7] }));
    await n2.write(nodeStats("empty", { reserved: 0 }));
    expect(ids([await p2.place(7, "viewer")])).toEqual(["empty"]);
  });

  it("reserves slots at placement: a storm fills nodes to the threshold, one after another, then session-full", async () => {
    const { nodes, placement, prefix } = world();
    // 10 slots each: 8 under the threshold, 4 viewers of 2 slots.
    await nodes.write(nodeStats("a", { capacity: 10, sessions: [7] }));
    await nodes.write(nodeStats("b", { capacity: 10 }));
    // Two app processes placing at once, before any record changes.
    const second = new Placement(r.other, { prefix, log: silentLogger });
    const placed = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? second : placement).place(7, "viewer")));
    expect(tally(ids(placed))).toEqual({ a: 4, b: 4, "session-full": 2 });
    // Every reservation is in Redis, per node.
    const sum = async (id: string) => {
      const now = Math.floor((await redisTime(r.client)) / 1000);
      let s = 0;
      for (let t = now - 10; t <= now; t++) s += Number((await r.client.get(keys(prefix).placed(id, t))) ?? 0);
      return s;
    };
    expect([await sum("a"), await sum("b")]).toEqual([8, 8]);
    // A phone's QR check-in receives no media: it still gets a node.
    expect((await placement.place(7, "check-in")).ok).toBe(true);
  });

  it("counts reservations only until a node's record catches up with them", async () => {
    const { nodes, placement } = world();
    await nodes.write(nodeStats("a", { capacity: 10 }));
    expect(ids(await Promise.all([1, 2, 3, 4, 5].map(() => placement.place(7, "viewer"))))).toEqual(["a", "a", "a", "a", "session-full"]);
    // The viewers joined and left again; a's next beat, written in a later second, shows room.
    const placedAt = Math.floor((await redisTime(r.client)) / 1000);
    await waitFor(async () => Math.floor((await redisTime(r.client)) / 1000) > placedAt, "the next second on Redis's clock", 5_000, 50);
    await nodes.write(nodeStats("a", { capacity: 10, reserved: 0 }));
    expect(ids([await placement.place(7, "viewer")])).toEqual(["a"]);
  });

  it("never places on a dead node, and nothing at all when no node lives", async () => {
    const { nodes, placement, prefix } = world();
    await nodes.write(nodeStats("alive", { reserved: 70 }));
    await nodes.write(nodeStats("dead"));
    await r.client.hSet(keys(prefix).node("dead"), "at", String((await redisTime(r.client)) - 6_000));
    expect(ids([await placement.place(7, "viewer")])).toEqual(["alive"]);
    await r.client.hSet(keys(prefix).node("alive"), "at", String((await redisTime(r.client)) - 6_000));
    expect(ids([await placement.place(7, "viewer")])).toEqual(["session-full"]);
  });

  it("puts presenters on the session's origin, on nodes that may be one, and replaces a dead origin", async () => {
    const { nodes, placement, prefix } = world();
    await nodes.write(nodeStats("edge-only", { roles: ["edge"] }));
    await nodes.write(nodeStats("o1", { reserved: 10 }));
    await nodes.write(nodeStats("o2", { reserved: 20 }));
    expect(ids([await placement.place(7, "presenter")])).toEqual(["o1"]);
    expect(await r.client.get(keys(prefix).origin(7))).toBe("o1");
    // A second presenter joins the first even once o1 is the busier node.
    await nodes.write(nodeStats("o1", { reserved: 60 }));
    expect(ids([await placement.place(7, "presenter")])).toEqual(["o1"]);
    // Viewers prefer the origin too: it carries the session.
    expect(ids([await placement.place(7, "viewer")])).toEqual(["o1"]);
    // o1 dies: the next presenter gets a new origin, recorded in its place.
    await r.client.hSet(keys(prefix).node("o1"), "at", String((await redisTime(r.client)) - 6_000));
    expect(ids([await placement.place(7, "presenter")])).toEqual(["o2"]);
    expect(await r.client.get(keys(prefix).origin(7))).toBe("o2");
  });
});
