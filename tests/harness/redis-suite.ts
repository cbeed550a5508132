/**
 * Redis for a whole test file, as media-suite.ts and app-suite.ts do for the servers. Apart from
 * redis.ts, which benches also import (they run outside vitest).
 */
import { afterAll, beforeAll } from "vitest";
import { redisClient, type RedisClient } from "../../media-server/src/cluster/registry.ts";
import { silentLogger } from "../../media-server/src/log.ts";
import { startRedis, type TestRedis } from "./redis.ts";

/**
 * One redis-server for a whole test file and a client on it (`client`), with `other: true` a
 * second one (another app process), connected before the first test and closed, with the
 * server, after the last.
 */
export function useRedis(opts: { other?: boolean } = {}): { redis: TestRedis; client: RedisClient; other: RedisClient } {
  const suite = {} as { redis: TestRedis; client: RedisClient; other: RedisClient };
  beforeAll(async () => {
    suite.redis = await startRedis();
    suite.client = redisClient(suite.redis.url, silentLogger);
    if (opts.other) suite.other = redisClient(suite.redis.url, silentLogger);
    await Promise.all([suite.client.connect(), suite.other?.connect()]);
  });
  afterAll(async () => {
    await suite.client?.quit().catch(() => {});
    await suite.other?.quit().catch(() => {});
    await suite.redis?.stop();
  });
  return suite;
}
