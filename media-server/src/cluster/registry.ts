/**
 * The media nodes' registry in Redis (ADR 0016, LiveKit's rule): every node writes its record
 * every HEARTBEAT_MS, and a node whose record is older than DEAD_AFTER_MS is dead. The placement
 * (in the app) and the survivors (closing a dead node's attendance, dropping pipes toward it) read
 * it with `liveNodes()`.
 *
 * Ages are measured on Redis's clock, not the nodes': the write stamps the record with Redis's
 * TIME inside one script, and a reader compares against TIME too. Two hosts whose clocks disagree
 * by a few seconds would otherwise see each other dead (or a dead node alive) under a 5 s rule.
 * The key's TTL only garbage-collects records of nodes that never come back.
 */
import { createClient } from "redis";
import { DEAD_AFTER_MS, DEFAULT_PREFIX, HEARTBEAT_MS, keys, nodeStatsSchema, readNodes, type NodeRecord, type NodeStats, type RedisClient } from "#live/node-registry.server.ts";
import type { Logger } from "../log.ts";

// The record's contract (schema, liveness rule, how it is read) is shared with the app's
// placement: #live/node-registry.server.ts.
export { DEAD_AFTER_MS, HEARTBEAT_MS, nodeId, nodeStatsSchema, type NodeRecord, type NodeStats, type RedisClient } from "#live/node-registry.server.ts";

/** Longer than DEAD_AFTER_MS so a reader always sees a stale record (and can say since when) before it goes. */
const RECORD_TTL_MS = 30_000;
/** A survivor's claim on a dead instance's clean-up, until it says done (well within RECORD_TTL_MS). */
const REAP_CLAIM_MS = 15_000;
const REAP_DONE_MS = 60 * 60_000;

const WRITE = `
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'record', ARGV[1], 'at', ms)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return ms`;

/** A Redis client that fails fast while disconnected (a heartbeat must not queue up and fire late). */
export function redisClient(url: string, log: Logger): RedisClient {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000), connectTimeout: 5_000 },
  });
  // Without a listener an 'error' event would throw; the client reconnects by itself.
  let last = "";
  client.on("error", (e: Error) => {
    if (e.message !== last) log.warn("redis error", { error: e.message });
    last = e.message;
  });
  client.on("ready", () => (last = ""));
  return client;
}

export type NodeRegistryOptions = {
  client: RedisClient;
  log: Logger;
  /** Key prefix, so tests (or two deployments) can share one Redis. */
  prefix?: string;
};

export class NodeRegistry {
  private readonly prefix: string;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: NodeRegistryOptions) {
    this.prefix = opts.prefix ?? DEFAULT_PREFIX;
  }

  private key(id: string) {
    return keys(this.prefix).node(id);
  }
  private get setKey() {
    return keys(this.prefix).nodes;
  }
  /** The session's origin node, as the app's placement recorded it (undefined: none yet). */
  async originOf(sessionId: number): Promise<string | undefined> {
    return (await this.opts.client.get(keys(this.prefix).origin(sessionId))) ?? undefined;
  }

  /** Writes one record now; returns the Redis time it was stamped with. */
  async write(stats: NodeStats): Promise<number> {
    const s = nodeStatsSchema.parse(stats);
    const at = await this.opts.client.eval(WRITE, {
      keys: [this.key(s.id), this.setKey],
      arguments: [JSON.stringify(s), String(RECORD_TTL_MS), s.id],
    });
    return Number(at);
  }

  /**
   * Writes `stats()` now and every HEARTBEAT_MS until `stop()`. A failed beat (Redis away) is
   * logged and the next one tries again: the node keeps serving, and others see it stale only if
   * Redis stays away past DEAD_AFTER_MS. Beats never overlap.
   */
  start(stats: () => NodeStats): Promise<void> {
    const beat = () => {
      this.beating = this.beating.then(() =>
        this.write(stats()).catch((e: Error) => this.opts.log.warn("registry heartbeat failed", { error: e.message })),
      );
      return this.beating;
    };
    this.timer = setInterval(beat, HEARTBEAT_MS);
    this.timer.unref();
    return beat().then(() => {});
  }

  /** Stops beating and removes the record, so others see the node gone at once (a clean stop). */
  async stop(id: string): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.opts.client.multi().del(this.key(id)).sRem(this.setKey, id).exec();
  }

  /** Every record still in Redis, with its age on Redis's clock (stale ones included). */
  allNodes(): Promise<NodeRecord[]> {
    return readNodes(this.opts.client, this.opts.log, this.prefix);
  }

  /**
   * Claims the clean-up after a dead instance (its open attendance intervals): one survivor gets
   * it (SET NX). The claim lapses after REAP_CLAIM_MS unless `reaped` marks it done, so a survivor
   * that dies while cleaning up leaves it to another while the dead record is still listed.
   */
  async claimReap(instance: string, by: string): Promise<boolean> {
    return (await this.opts.client.set(this.reapKey(instance), by, { NX: true, PX: REAP_CLAIM_MS })) === "OK";
  }
  /** The clean-up is done: nobody claims it again (kept well past the dead record's TTL). */
  async reaped(instance: string): Promise<void> {
    await this.opts.client.set(this.reapKey(instance), "done", { PX: REAP_DONE_MS });
  }
  /** Whether a survivor cleaned up after this instance (it was seen dead). */
  async isReaped(instance: string): Promise<boolean> {
    return (await this.opts.client.get(this.reapKey(instance))) === "done";
  }
  /**
   * The clean-up failed: another sweep (here or on another survivor) may claim it again. Also
   * what an instance taken for dead while alive does once it re-opened its attendance: a later
   * real death is reaped again.
   */
  async releaseReap(instance: string): Promise<void> {
    await this.opts.client.del(this.reapKey(instance));
  }
  private reapKey(instance: string) {
    return `${this.prefix}reap:${instance}`;
  }

  /** Nodes whose record is at most DEAD_AFTER_MS old. */
  async liveNodes(): Promise<NodeRecord[]> {
    return (await this.allNodes()).filter((n) => n.ageMs <= DEAD_AFTER_MS);
  }

  /** Nodes whose record is stale: dead, for whoever must clean up after them. */
  async deadNodes(): Promise<NodeRecord[]> {
    return (await this.allNodes()).filter((n) => n.ageMs > DEAD_AFTER_MS);
  }
}
