/**
 * The media nodes' registry in Redis as both sides read it (ADR 0016): what a node's record says
 * (written by media-server/src/cluster/registry.ts every HEARTBEAT_MS), the liveness rule, and
 * the keys the app's placement and the nodes share. Neither side imports the other; this is the
 * contract between them, like the join token.
 *
 * Ages are measured on Redis's clock, not the readers': a record is stamped with Redis's TIME
 * inside the write script, and a reader compares against TIME too.
 */
import type { RedisClientType } from "redis";
import { z } from "zod";

export const HEARTBEAT_MS = 2_000;
export const DEAD_AFTER_MS = 5_000;
export const DEFAULT_PREFIX = "hocso:";

export type RedisClient = RedisClientType;

export const nodeId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' or '-'");

/** What a node says about itself. Parsed on read too: a record is input from another process. */
export const nodeStatsSchema = z
  .object({
    id: nodeId,
    /**
     * This process's instance (`<id>/<random per start>`), as it writes the attendance ledger: a
     * survivor closes a dead instance's open intervals, never a restarted one's.
     */
    instance: z.string().min(3).max(80),
    /** Where other nodes reach its internal (node-to-node) HTTP listener. */
    internalUrl: z.string().url(),
    /** Where the app's WebSocket relay reaches its socket.io listener (the browser never sees it). */
    socketUrl: z.string().url(),
    /** The address its pipe transports listen on (what an edge or origin connects to). */
    pipeIp: z.string().min(1).max(255),
    /** Roles it may take for a session; a node serving viewers only says ["edge"]. */
    roles: z.array(z.enum(["origin", "edge"])).min(1).max(2),
    workers: z.number().int().nonnegative(),
    producers: z.number().int().nonnegative(),
    consumers: z.number().int().nonnegative(),
    /** Pipes it feeds to other nodes (as an origin) and receives from them (as an edge). */
    pipesOut: z.number().int().nonnegative(),
    pipesIn: z.number().int().nonnegative(),
    /** Consumer slots reserved by admitted peers (worker-pool.ts), and the budget they come from. */
    reserved: z.number().int().nonnegative(),
    capacity: z.number().int().nonnegative(),
    /** reserved / capacity: what placement compares with its threshold. */
    load: z.number().min(0),
    /** Sessions it carries (has a room for), so placement can prefer them. */
    sessions: z.array(z.number().int().positive()).max(10_000),
  })
  .strict();
export type NodeStats = z.infer<typeof nodeStatsSchema>;
/** A record as read: `at` is the Redis time it was written, `ageMs` its age on Redis's clock. */
export type NodeRecord = NodeStats & { at: number; ageMs: number };

export const keys = (prefix = DEFAULT_PREFIX) => ({
  node: (id: string) => `${prefix}node:${id}`,
  nodes: `${prefix}nodes`,
  /** The node presenters of a session produce on (SET NX by the placement of its first presenter). */
  origin: (sessionId: number) => `${prefix}session:${sessionId}:origin`,
  /** The node a committee's cell rooms of a session are placed on (cell-room grouping). */
  group: (sessionId: number, committee: number) => `${prefix}session:${sessionId}:group:${committee}`,
  /** Consumer slots placement reserved on a node during one second of Redis time. */
  placed: (id: string, second: number) => `${prefix}placed:${id}:${second}`,
});

export async function redisTime(client: RedisClient): Promise<number> {
  const [s, us] = (await client.sendCommand(["TIME"])) as [string, string];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

type Warn = { warn(msg: string, ctx?: Record<string, unknown>): void };

/** Every record still in Redis, with its age on Redis's clock (stale ones included), sorted by id. */
export async function readNodes(client: RedisClient, log: Warn, prefix = DEFAULT_PREFIX): Promise<NodeRecord[]> {
  const k = keys(prefix);
  const ids = await client.sMembers(k.nodes);
  const now = await redisTime(client);
  const out: NodeRecord[] = [];
  const gone: string[] = [];
  // One round trip for all of them (the client pipelines commands sent together): placement reads
  // this for every token it signs.
  const rows = await Promise.all(ids.map((id) => client.hmGet(k.node(id), ["record", "at"])));
  for (const [i, id] of ids.entries()) {
    const [record, at] = rows[i];
    if (record == null || at == null) {
      gone.push(id);
      continue;
    }
    let parsed;
    try {
      parsed = nodeStatsSchema.safeParse(JSON.parse(record));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      log.warn("registry: unreadable node record ignored", { id });
      continue;
    }
    out.push({ ...parsed.data, at: Number(at), ageMs: Math.max(0, now - Number(at)) });
  }
  // Records the TTL removed leave their id in the set: tidy it (harmless if it races a beat,
  // which adds the id again).
  if (gone.length) await client.sRem(k.nodes, gone);
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export const isLive = (n: Pick<NodeRecord, "ageMs">) => n.ageMs <= DEAD_AFTER_MS;
