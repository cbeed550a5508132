// The app's placement Redis clients (one per REDIS_URL for the whole process, shared by the server
// build's routes and the HTTP server's relay) close on shutdown: closePlacementClients() quits a
// connected client (Redis no longer lists it) and drops one still trying to connect (its pending
// placement fails instead of retrying forever), and a later placement connects anew.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { closePlacementClients, placementFor } from "#app/live/placement.server.ts";
import { startRedis, type TestRedis } from "#tests/harness/redis.ts";
import { waitFor } from "#tests/harness/media.ts";
import { NodeRegistry, type RedisClient } from "../../media-server/src/cluster/registry.ts";
import { nodeStats } from "#tests/factories/node-stats.ts";
import { silentLogger } from "../../media-server/src/log.ts";

let redis: TestRedis;
let observer: RedisClient;

/** Connections Redis has open besides the observer's own. */
async function others(): Promise<number> {
  const list = String(await observer.sendCommand(["CLIENT", "LIST"]));
  return list.trim().split("\n").length - 1;
}

beforeAll(async () => {
  redis = await startRedis();
  observer = createClient({ url: redis.url }) as RedisClient;
  await observer.connect();
});

afterAll(async () => {
  await closePlacementClients();
  await observer?.quit().catch(() => {});
  await redis?.stop();
});

describe("the app's placement clients", () => {
  it("share one connection per URL, and close it on shutdown", async () => {
    await new NodeRegistry({ client: observer, log: silentLogger }).write(nodeStats("a"));
    const [p1, p2] = await Promise.all([placementFor(redis.url)!, placementFor(redis.url)!]);
    expect((await p1.place(7, "viewer")).ok).toBe(true);
    expect((await p2.place(7, "viewer")).ok).toBe(true);
    expect(await others()).toBe(1);

    await closePlacementClients();
    await waitFor(async () => (await others()) === 0, "the placement connection gone from Redis", 10_000);

    // A placement after the shutdown connects anew (a test server started again in one process).
    const p3 = await placementFor(redis.url)!;
    expect((await p3.place(7, "viewer")).ok).toBe(true);
    expect(await others()).toBe(1);
    await closePlacementClients();
    await waitFor(async () => (await others()) === 0, "the second connection gone", 10_000);
  });

  it("drops a client still trying to reach a Redis that does not answer", async () => {
    // Nothing listens there: the client keeps retrying until it is closed.
    const pending = placementFor(`unix://${redis.url.replace(/^unix:\/\//, "")}.missing`)!;
    const outcome = pending.then(
      () => "connected",
      () => "failed",
    );
    await closePlacementClients();
    expect(await outcome).toBe("failed");
  });
});
