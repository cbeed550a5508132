// The media nodes' registry (ADR 0016) against a real redis-server: records written by heartbeats,
// liveness on Redis's clock (a record older than 5 s is dead), a clean stop, and records that are
// not ours ignored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEAD_AFTER_MS, NodeRegistry, redisClient, type NodeStats, type RedisClient } from "../../media-server/src/cluster/registry.ts";
import { silentLogger } from "../../media-server/src/log.ts";
import { nodeStats } from "#tests/factories/node-stats.ts";
import { startRedis, type TestRedis } from "#tests/harness/redis.ts";
import { waitFor } from "#tests/harness/media.ts";

let redis: TestRedis;
let client: RedisClient;
const registries: NodeRegistry[] = [];

/** Two workers, room for 1 000 slots: a bigger node than the factory's default. */
const stats = (id: string, over: Partial<NodeStats> = {}) => nodeStats(id, { workers: 2, capacity: 1000, ...over });

function registry(prefix: string) {
  const r = new NodeRegistry({ client, log: silentLogger, prefix });
  registries.push(r);
  return r;
}

async function redisNow() {
  const [s, us] = (await client.sendCommand(["TIME"])) as [string, string];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

beforeAll(async () => {
  redis = await startRedis();
  client = redisClient(redis.url, silentLogger);
  await client.connect();
});

afterAll(async () => {
  await client?.quit().catch(() => {});
  await redis?.stop();
});

describe("node registry in Redis", () => {
  it("lists a beating node with its load, keeps beating, and forgets it on a clean stop", async () => {
    const r = registry("t1:");
    let load = 0.25;
    await r.start(() => stats("node-a", { reserved: 250, load, sessions: [7, 9] }));
    const [first] = await r.liveNodes();
    expect(first).toMatchObject({ id: "node-a", load: 0.25, reserved: 250, sessions: [7, 9], roles: ["origin", "edge"] });
    expect(first.ageMs).toBeLessThanOrEqual(DEAD_AFTER_MS);

    // The next beat carries the new load (every 2 s, on a timer).
    load = 0.5;
    const later = await waitFor(async () => (await r.liveNodes()).find((n) => n.at > first.at), "a second heartbeat", 15_000);
    expect(later.load).toBe(0.5);

    await r.stop("node-a");
    expect(await r.allNodes()).toEqual([]);
    expect(await client.exists("t1:node:node-a")).toBe(0);
    expect(await client.sMembers("t1:nodes")).toEqual([]);
  });

  it("counts a node dead once its record is more than 5 s old on Redis's clock", async () => {
    const r = registry("t2:");
    await r.write(stats("fresh"));
    await r.write(stats("quiet"));
    await r.write(stats("silent"));
    const now = await redisNow();
    // Two nodes that stopped beating 4 s and 6 s ago (their records as their last beat left them).
    await client.hSet("t2:node:quiet", "at", String(now - 4_000));
    await client.hSet("t2:node:silent", "at", String(now - 6_000));

    expect((await r.liveNodes()).map((n) => n.id)).toEqual(["fresh", "quiet"]);
    const dead = await r.deadNodes();
    expect(dead.map((n) => n.id)).toEqual(["silent"]);
    expect(dead[0].ageMs).toBeGreaterThan(DEAD_AFTER_MS);
  });

  it("ignores records it cannot read and tidies ids whose record expired", async () => {
    const r = registry("t3:");
    await r.write(stats("good"));
    await client.hSet("t3:node:evil", { record: JSON.stringify({ id: "evil", internalUrl: "not a url" }), at: String(await redisNow()) });
    await client.sAdd("t3:nodes", ["evil", "expired"]);
    expect((await r.liveNodes()).map((n) => n.id)).toEqual(["good"]);
    expect((await client.sMembers("t3:nodes")).sort()).toEqual(["evil", "good"]);
  });

  it("gives a dead instance's clean-up to one claimant; a failed one can be claimed again, a done one never", async () => {
    const [x, y] = [registry("t5:"), registry("t5:")];
    expect(await x.claimReap("node-b/1", "node-a/1")).toBe(true);
    expect(await y.claimReap("node-b/1", "node-c/1")).toBe(false);
    expect(await client.get("t5:reap:node-b/1")).toBe("node-a/1");
    await x.releaseReap("node-b/1");
    expect(await y.claimReap("node-b/1", "node-c/1")).toBe(true);
    await y.reaped("node-b/1");
    expect(await x.claimReap("node-b/1", "node-a/1")).toBe(false);
    // Another instance of the same node is another clean-up.
    expect(await x.claimReap("node-b/2", "node-a/1")).toBe(true);
    // The claim lapses by itself (a claimant that died while cleaning up), the done mark much later.
    expect(await client.pTTL("t5:reap:node-b/2")).toBeLessThanOrEqual(15_000);
    expect(await client.pTTL("t5:reap:node-b/1")).toBeGreaterThan(15_000);
  });

  it("refuses to write a record that breaks its schema", async () => {
    const r = registry("t4:");
    await expect(r.write(stats("bad id with spaces"))).rejects.toThrow();
    await expect(r.write(stats("ok", { load: -1 }))).rejects.toThrow();
    expect(await r.allNodes()).toEqual([]);
  });
});
