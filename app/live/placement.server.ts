/**
 * Placement of a live-session socket on a media node (ADR 0016), when the app signs its join
 * token. Only with REDIS_URL: a single media node with no Redis stays the default, and then no
 * token names a node and the relay goes to MEDIA_INTERNAL_URL as always.
 *
 * The rules, from the registry every node writes (#live/node-registry.server.ts):
 * - a presenter goes to the session's origin (the node its first presenter was placed on,
 *   recorded with SET NX); when that node is dead, the first placement that sees it removes the
 *   record (compare-and-delete) and picks a new origin;
 * - everyone else goes to a live node that may serve viewers: nodes already carrying the session
 *   first, then the least loaded, never past THRESHOLD of a node's consumer budget;
 * - a cell room goes, before that, to the node holding its committee's other cell rooms (the
 *   group's node, recorded in Redis by the same script that places it) while that node is live
 *   and has room; otherwise where the rules above say, which becomes the group's node;
 * - the slots are reserved at placement, in Redis, atomically with the choice: node records are
 *   up to a beat old, so during a join storm the placements made since a node's record was
 *   written are added to what the record says (per-second counters on Redis's clock);
 * - nowhere with room: `session-full`, today's answer.
 */
import { createClient } from "redis";
import { DEFAULT_PREFIX, isLive, keys, readNodes, type NodeRecord, type RedisClient } from "#live/node-registry.server.ts";
import type { JoinRole } from "#live/join-token.ts";

/** A node takes viewers until this share of its consumer budget is reserved. */
export const THRESHOLD = 0.8;
/** Consumer slots a placement reserves (SLOTS_FULL on the media server: audio + video). */
const SLOTS: Record<JoinRole, number> = { presenter: 2, viewer: 2, "cell-room": 2, "check-in": 0 };
/** Per-second reservation counters live this long (longer than a record can be and still be live). */
const PLACED_TTL_MS = 10_000;
/** A committee's cell-room node is remembered this long after its last cell room was placed (a day of sessions). */
const GROUP_TTL_MS = 12 * 3600_000;

/**
 * Picks the candidate with room and reserves its slots in one step. ARGV: prefix, slots,
 * threshold, counter TTL, group TTL, then id, reserved, capacity, record time (ms), carries (0/1)
 * per node. KEYS[1], when given, is a cell-room group's key: the node it names ranks above every
 * other (it has the group's other cell rooms), and the chosen node is written there.
 * Pending = the node's counters from its record's second to now (the record's own second counted
 * too: an over-count of at most one second, on the safe side).
 */
const CHOOSE = `
local t = redis.call('TIME')
local nowS = tonumber(t[1])
local prefix, slots, thr, ttl, groupTtl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local group = nil
if #KEYS > 0 then group = redis.call('GET', KEYS[1]) end
local best, bestLoad, bestCarry = nil, 0, 0
local i = 6
while i + 4 <= #ARGV do
  local id, reserved, cap = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local atS, carry = math.floor(tonumber(ARGV[i + 3]) / 1000), tonumber(ARGV[i + 4])
  if group and id == group then carry = 2 end
  i = i + 5
  if cap > 0 then
    local pending = 0
    for s = math.max(atS, nowS - 10), nowS do
      local v = redis.call('GET', prefix .. 'placed:' .. id .. ':' .. s)
      if v then pending = pending + tonumber(v) end
    end
    local load = (reserved + pending + slots) / cap
    if load <= thr and (best == nil or carry > bestCarry or (carry == bestCarry and load < bestLoad)) then
      best, bestLoad, bestCarry = id, load, carry
    end
  end
end
if best == nil then return false end
if slots > 0 then
  local k = prefix .. 'placed:' .. best .. ':' .. nowS
  redis.call('INCRBY', k, slots)
  redis.call('PEXPIRE', k, ttl)
end
if #KEYS > 0 then redis.call('SET', KEYS[1], best, 'PX', groupTtl) end
return best`;

/** Deletes KEYS[1] only while it still holds ARGV[1] (another app may have replaced it already). */
const DELETE_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export type Placed = { ok: true; node: NodeRecord } | { ok: false; reason: "session-full" };

type Warn = { warn(msg: string, ctx?: Record<string, unknown>): void };

export class Placement {
  private readonly k: ReturnType<typeof keys>;

  constructor(
    private readonly client: RedisClient,
    private readonly opts: { prefix?: string; threshold?: number; log?: Warn } = {},
  ) {
    this.k = keys(opts.prefix ?? DEFAULT_PREFIX);
  }

  private get log(): Warn {
    return this.opts.log ?? console;
  }

  /** The live nodes, from the registry. */
  async liveNodes(): Promise<NodeRecord[]> {
    return (await readNodes(this.client, this.log, this.opts.prefix)).filter(isLive);
  }

  private async choose(
    candidates: NodeRecord[],
    slots: number,
    threshold: number,
    carrying: (n: NodeRecord) => boolean,
    groupKey?: string,
  ): Promise<NodeRecord | undefined> {
    if (candidates.length === 0) return undefined;
    const args = [this.opts.prefix ?? DEFAULT_PREFIX, String(slots), String(threshold), String(PLACED_TTL_MS), String(GROUP_TTL_MS)];
    for (const n of candidates) args.push(n.id, String(n.reserved), String(n.capacity), String(n.at), carrying(n) ? "1" : "0");
    const id = await this.client.eval(CHOOSE, { keys: groupKey ? [groupKey] : [], arguments: args });
    return typeof id === "string" ? candidates.find((n) => n.id === id) : undefined;
  }

  /**
   * Where a socket of `role` for the session goes, its slots reserved there. `group`: a cell
   * room's committee (the cell's parent unit), whose cell rooms are kept on one node while it has room.
   */
  async place(sessionId: number, role: JoinRole, opts: { group?: number } = {}): Promise<Placed> {
    const live = await this.liveNodes();
    const threshold = this.opts.threshold ?? THRESHOLD;
    const slots = SLOTS[role];
    const originKey = this.k.origin(sessionId);
    let originId = (await this.client.get(originKey)) ?? undefined;
    if (originId && !live.some((n) => n.id === originId)) {
      // The origin is dead: forget it (unless someone already put a new one there).
      await this.client.eval(DELETE_IF, { keys: [originKey], arguments: [originId] });
      originId = undefined;
    }

    if (role === "presenter") {
      let origin = originId ? live.find((n) => n.id === originId) : undefined;
      if (!origin) {
        // Presenters are few and must be together: the origin takes them whatever its load, but a
        // new origin is chosen among nodes with room.
        const pick = await this.choose(
          live.filter((n) => n.roles.includes("origin")),
          slots,
          threshold,
          () => false,
        );
        if (!pick) return { ok: false, reason: "session-full" };
        const won = await this.client.set(originKey, pick.id, { NX: true });
        const id = won === "OK" ? pick.id : await this.client.get(originKey);
        origin = live.find((n) => n.id === id);
        if (!origin) return { ok: false, reason: "session-full" };
      }
      return { ok: true, node: origin };
    }

    const node = await this.choose(
      live.filter((n) => n.roles.includes("edge")),
      slots,
      slots === 0 ? 1 : threshold,
      (n) => n.id === originId || n.sessions.includes(sessionId),
      role === "cell-room" && opts.group !== undefined ? this.k.group(sessionId, opts.group) : undefined,
    );
    return node ? { ok: true, node } : { ok: false, reason: "session-full" };
  }

  /** The session's recorded origin while it is live (the node its presenters produce on), or undefined. */
  async originOf(sessionId: number): Promise<NodeRecord | undefined> {
    const id = await this.client.get(this.k.origin(sessionId));
    return id ? this.node(id) : undefined;
  }

  /** A live node by id, or undefined. */
  async node(id: string): Promise<NodeRecord | undefined> {
    return (await this.liveNodes()).find((n) => n.id === id);
  }

}

/**
 * One Redis client per URL for the app process, connected on first use. The map lives on
 * globalThis: the server build (routes, loaders) and the HTTP server's relay import this module
 * separately, and both must share, and close, the same clients.
 */
type Entry = { client: RedisClient; connected: Promise<RedisClient> };
const CLIENTS = Symbol.for("hocso.placement.redis-clients");
const clients: Map<string, Entry> = ((globalThis as Record<symbol, unknown>)[CLIENTS] ??= new Map<string, Entry>()) as Map<string, Entry>;

export function placementFor(redisUrl: string | undefined): Promise<Placement> | undefined {
  if (!redisUrl) return undefined;
  let entry = clients.get(redisUrl);
  if (!entry) {
    const client = createClient({ url: redisUrl, socket: { reconnectStrategy: (n) => Math.min(100 * 2 ** n, 2_000), connectTimeout: 5_000 } }) as RedisClient;
    // Without a listener an 'error' event would throw; the client reconnects by itself.
    let last = "";
    client.on("error", (e: Error) => {
      if (e.message !== last) console.warn("placement: redis error", e.message);
      last = e.message;
    });
    client.on("ready", () => (last = ""));
    const made: Entry = { client, connected: client.connect().then(() => client) };
    entry = made;
    // A failed first connection is tried again by the next placement.
    void made.connected.catch(() => {
      if (clients.get(redisUrl) === made) clients.delete(redisUrl);
    });
    clients.set(redisUrl, made);
  }
  return entry.connected.then((client) => new Placement(client));
}

/**
 * Closes every placement client of this process (the app's shutdown, a test's teardown): sends
 * QUIT where connected, else drops the socket, so nothing reconnects or logs afterwards. The next
 * placement, if any, connects anew.
 */
export async function closePlacementClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(
    all.map(async ({ client }) => {
      try {
        if (client.isReady) {
          // A Redis that stopped answering must not hold the shutdown: give QUIT 2 s.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([client.close(), new Promise<void>((r) => (timer = setTimeout(r, 2_000)))]);
          clearTimeout(timer);
        }
        if (client.isOpen) client.destroy();
      } catch {
        // Already closed or never connected: nothing to release.
      }
    }),
  );
}

/**
 * The relay's lookup: where a live node's socket.io listens. The live nodes are read at most once
 * a second (every socket of a join storm asks), so a node dead for less than that may still be
 * tried: it does not answer, and the client places itself again.
 */
export function nodeUrlLookup(redisUrl: string): (nodeId: string) => Promise<string | undefined> {
  let cached: { at: number; nodes: Promise<NodeRecord[]> } | undefined;
  return async (nodeId) => {
    if (!cached || Date.now() - cached.at > 1_000) {
      const nodes = placementFor(redisUrl)!.then((p) => p.liveNodes());
      cached = { at: Date.now(), nodes };
      // A failed read is not kept.
      void nodes.catch(() => (cached = undefined));
    }
    return (await cached.nodes).find((n) => n.id === nodeId)?.socketUrl;
  };
}

/**
 * Where the app puts a socket it is signing a token for: `node` undefined with no REDIS_URL (one
 * media node, the relay's default), a node id, or `full` past every node's room.
 */
export async function placeSocket(
  redisUrl: string | undefined,
  sessionId: number,
  role: JoinRole,
  opts: { group?: number } = {},
): Promise<{ node: string | undefined; full?: undefined } | { full: true }> {
  const placement = await placementFor(redisUrl);
  if (!placement) return { node: undefined };
  const placed = await placement.place(sessionId, role, opts);
  return placed.ok ? { node: placed.node.id } : { full: true };
}
