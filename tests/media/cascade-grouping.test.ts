// Cell rooms of one committee grouped on one media node (ADR 0016, issue 13), against a real
// redis-server: node records written as the nodes write them (NodeRegistry), placement as the app
// runs it when it signs a cell room's join token, with the cell's committee (its parent unit) as the
// group. A committee's cell rooms follow the first one's node while it has room, even past a less
// loaded node or one carrying the session; when that node is full or dead the next one goes where
// the usual rules say, and the group follows it there. Two app processes placing a committee's
// cell rooms at once agree on one node.
import { describe, expect, it } from "vitest";
import { Placement } from "#app/live/placement.server.ts";
import { keys, redisTime } from "#live/node-registry.server.ts";
import { nodeStats } from "#tests/factories/node-stats.ts";
import { useRedis } from "#tests/harness/redis-suite.ts";
import { NodeRegistry } from "../../media-server/src/cluster/registry.ts";
import { silentLogger } from "../../media-server/src/log.ts";

const r = useRedis({ other: true });

let n = 0;
function world() {
  const prefix = `g${++n}:`;
  return { prefix, nodes: new NodeRegistry({ client: r.client, log: silentLogger, prefix }), placement: new Placement(r.client, { prefix, log: silentLogger }) };
}

const id = (p: Awaited<ReturnType<Placement["place"]>>) => (p.ok ? p.node.id : p.reason);

describe("cell rooms of one committee on one node", () => {
  it("keeps a committee's cell rooms on its first one's node while it has room, then moves the group", async () => {
    const { nodes, placement, prefix } = world();
    // 10 slots each: four sockets of 2 slots under the 0.8 threshold.
    for (const x of ["a", "b", "c"]) await nodes.write(nodeStats(x, { capacity: 10 }));
    const cell = (committee: number) => placement.place(7, "cell-room", { group: committee });
    // The first of committee 10 goes to the least loaded (all equal: the first id), committee 20's
    // first to the least loaded then (b: a has a reservation now).
    expect(id(await cell(10))).toBe("a");
    expect(id(await cell(20))).toBe("b");
    expect(await r.client.get(keys(prefix).group(7, 10))).toBe("a");
    expect(await r.client.get(keys(prefix).group(7, 20))).toBe("b");
    // Without grouping these would spread to c, the least loaded; they follow their committee.
    expect([id(await cell(10)), id(await cell(20)), id(await cell(10)), id(await cell(10))]).toEqual(["a", "b", "a", "a"]);
    // a holds four sockets (8 of 10 slots): the fifth of committee 10 goes elsewhere (c, the least
    // loaded), and the committee's later cell rooms follow it there.
    expect(id(await cell(10))).toBe("c");
    expect(await r.client.get(keys(prefix).group(7, 10))).toBe("c");
    expect(id(await cell(10))).toBe("c");
    // Viewers are not grouped: with every node carrying nothing, the least loaded (b: 4 slots, c: 4, a: 8).
    expect(id(await placement.place(7, "viewer", { group: 10 }))).toBe("b");
    expect(await r.client.get(keys(prefix).group(7, 10))).toBe("c");
    // Another session's cell rooms of the same committee are a group of their own.
    expect(await r.client.get(keys(prefix).group(8, 10))).toBeNull();
  });

  it("ranks the committee's node above a node carrying the session, and replaces a dead one", async () => {
    const { nodes, placement, prefix } = world();
    await nodes.write(nodeStats("g"));
    expect(id(await placement.place(7, "cell-room", { group: 5 }))).toBe("g");
    // A node now carries the session (the origin's, say): viewers go there, the committee stays on g.
    await nodes.write(nodeStats("carry", { sessions: [7] }));
    expect(id(await placement.place(7, "viewer"))).toBe("carry");
    expect(id(await placement.place(7, "cell-room", { group: 5 }))).toBe("g");
    // A cell room of no known committee follows the usual rules.
    expect(id(await placement.place(7, "cell-room"))).toBe("carry");
    // g dies: the next cell room goes by the usual rules and the group follows it.
    await r.client.hSet(keys(prefix).node("g"), "at", String((await redisTime(r.client)) - 6_000));
    expect(id(await placement.place(7, "cell-room", { group: 5 }))).toBe("carry");
    expect(await r.client.get(keys(prefix).group(7, 5))).toBe("carry");
  });

  it("two app processes placing one committee's cell rooms at once put them all on one node", async () => {
    const { nodes, placement, prefix } = world();
    for (const x of ["a", "b", "c", "d"]) await nodes.write(nodeStats(x, { capacity: 100 }));
    const second = new Placement(r.other, { prefix, log: silentLogger });
    const placed = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? second : placement).place(7, "cell-room", { group: 3 })));
    const where = new Set(placed.map(id));
    expect(where.size).toBe(1);
    expect(await r.client.get(keys(prefix).group(7, 3))).toBe([...where][0]);
  });
});
