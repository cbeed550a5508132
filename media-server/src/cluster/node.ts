/**
 * This media server as one node of several (ADR 0016), started by server.ts only when
 * MEDIA_CLUSTER_SECRET is set: the internal listener (pipes between nodes), and, with REDIS_URL,
 * the registry heartbeat. Without them the media server is exactly the single node it always was.
 */
import type { AttendanceLedger, Sighting } from "../attendance.ts";
import type { MediaConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import type { RoomRegistry } from "../room.ts";
import type { WorkerPool } from "../worker-pool.ts";
import { serveChannel } from "./channel.ts";
import { PipeEdge, PipeOrigin, pipeRoutes } from "./pipe.ts";
import { DEAD_AFTER_MS, HEARTBEAT_MS, NodeRegistry, redisClient, type NodeRecord, type NodeStats, type RedisClient } from "./registry.ts";
import type { NodeRef } from "./wire.ts";

export type ClusterNode = {
  self: NodeRef;
  origin: PipeOrigin;
  edge: PipeEdge;
  registry: NodeRegistry | undefined;
  stats(): NodeStats;
  /**
   * A room just opened here: if the app's placement recorded another live node as the session's
   * origin, carry the session from it (pipe its producers, follow new ones). What makes an edge
   * of a node the app placed a viewer on.
   */
  roomOpened(sessionId: number): Promise<void>;
  close(): Promise<void>;
};

type ClusterConfig = NonNullable<MediaConfig["cluster"]>;

export async function startClusterNode(cfg: ClusterConfig, deps: {
    config: MediaConfig;
    rooms: RoomRegistry;
    pool: WorkerPool;
    ledger: AttendanceLedger;
    log: Logger;
    socketPort: number;
    /** A node confirmed dead (the room-wide events forget its audience share). */
    onNodeDead?: (nodeId: string) => void;
    /** The attendance keys this node holds now (its connections and check-ins, as a heartbeat sights them). */
    held?: () => Sighting[];
    /** This node was taken for dead while alive: the others forgot its audience shares; announce them again. */
    onRevived?: () => void;
  }): Promise<ClusterNode> {
  const { rooms, pool, ledger, log } = deps;
  if (!ledger.instance) throw new Error("a cluster node's ledger must name its instance");
  const instance = ledger.instance;
  const listenIp = { ip: cfg.pipeIp, announcedIp: cfg.pipeAnnouncedIp };
  // The URL is known only once the listener has its port (0 picks one); the pipe halves read
  // `self` when they call, which is after this function returns.
  const self: NodeRef = { nodeId: cfg.nodeId, url: "http://0.0.0.0/" };
  const pipeDeps = { rooms, self, secret: cfg.secret, listenIp, log };
  const origin = new PipeOrigin(pipeDeps);
  const edge = new PipeEdge(pipeDeps);
  const channel = await serveChannel({ host: cfg.internalHost, port: cfg.internalPort, secret: cfg.secret, routes: pipeRoutes(origin, edge), log });
  const shownHost = cfg.internalHost === "0.0.0.0" || cfg.internalHost === "::" ? (cfg.pipeAnnouncedIp ?? cfg.pipeIp) : cfg.internalHost;
  self.url = cfg.internalUrl ?? `http://${shownHost}:${channel.port}`;
  // Where the app's relay reaches this node's socket.io listener.
  const socketHost = deps.config.host === "0.0.0.0" || deps.config.host === "::" ? (cfg.pipeAnnouncedIp ?? cfg.pipeIp) : deps.config.host;
  const socketUrl = `http://${socketHost.includes(":") ? `[${socketHost}]` : socketHost}:${deps.socketPort}`;
  log.info("cluster node listening", { nodeId: cfg.nodeId, internal: self.url, roles: cfg.roles });

  const stats = (): NodeStats => {
    const workers = pool.workers;
    const reserved = workers.reduce((n, w) => n + w.load, 0);
    const capacity = pool.size * deps.config.consumersPerWorker;
    let producers = 0;
    let consumers = 0;
    for (const r of rooms.all()) {
      producers += r.producers.size + r.relayed.size;
      for (const p of r.peers.values()) consumers += p.consumers.size;
    }
    return {
      id: cfg.nodeId,
      instance,
      internalUrl: self.url,
      socketUrl,
      pipeIp: cfg.pipeAnnouncedIp ?? cfg.pipeIp,
      roles: cfg.roles,
      workers: workers.length,
      producers,
      consumers,
      pipesOut: origin.pipes.size,
      pipesIn: edge.pipes.size,
      reserved,
      capacity,
      load: capacity > 0 ? reserved / capacity : 1,
      sessions: rooms.all().map((r) => r.sessionId),
    };
  };

  let client: RedisClient | undefined;
  let registry: NodeRegistry | undefined;
  /**
   * Carries a session from its recorded origin when that is another live node and this room does
   * not already follow it (a new origin replaces a dead one: the old one's pipes are dropped).
   */
  const follow = async (sessionId: number, live: NodeRecord[]) => {
    if (!registry) return;
    const originId = await registry.originOf(sessionId);
    if (!originId || originId === cfg.nodeId) return;
    const from = edge.carriedFrom(sessionId);
    if (from?.nodeId === originId) return;
    const room = rooms.peek(sessionId);
    // Presenters producing here: this node is the session's origin in fact.
    if (!room || room.closed || room.producers.size > 0) return;
    const o = live.find((n) => n.id === originId);
    if (!o) return;
    if (from) {
      log.warn("the session has a new origin: dropping the old one's pipes", { sessionId, from: from.nodeId, to: o.id });
      edge.dropOrigin(from.nodeId);
    }
    const producers = await edge.carry(sessionId, { nodeId: o.id, url: o.internalUrl });
    log.info("carrying a session from its origin", { sessionId, origin: o.id, producers: producers.length });
  };
  let sweeper: NodeJS.Timeout | undefined;
  if (cfg.redisUrl) {
    client = redisClient(cfg.redisUrl, log);
    await client.connect();
    const reg = (registry = new NodeRegistry({ client, log }));
    await reg.start(stats);
    // A node the registry reports dead is cleaned up after, every heartbeat period:
    // - pipes we feed toward it are closed here (nobody is there to tell);
    // - its open attendance intervals are closed at their last heartbeat, by one survivor (a
    //   claim in Redis; the closing events' ids are deterministic, so a race is harmless anyway).
    // Two rules keep a Redis blip from condemning every node: our own record must be fresh (else
    // the silence is Redis's, not theirs), and a node must be seen dead on two sweeps in a row
    // (after a blip, the others' first beats land within one period).
    const suspects = new Set<string>();
    let sweeping = false;
    const reap = async (dead: NodeRecord) => {
      if (!(await reg.claimReap(dead.instance, instance))) return;
      try {
        const { closed } = await ledger.closeOpenIntervals({ instance: dead.instance }, "node-dead");
        await reg.reaped(dead.instance);
        log.warn("closed a dead node's open attendance intervals at their last heartbeat", { node: dead.id, instance: dead.instance, closed });
      } catch (e) {
        log.error("could not close a dead node's attendance", { node: dead.id, error: (e as Error).message });
        await reg.releaseReap(dead.instance).catch(() => {});
      }
    };
    // Taken for dead while alive (a starved process, issue 13): a survivor closed our open
    // attendance at its last heartbeat and the others forgot our audience shares, but our viewers
    // never left. Their keys are opened again (one interval within the reconnect window), our
    // shares announced again, and the reap mark cleared so that a later real death is reaped.
    const revive = async () => {
      const { reopened } = await ledger.reopenHeld(deps.held?.() ?? []);
      deps.onRevived?.();
      await reg.releaseReap(instance);
      log.warn("taken for dead while alive: re-opened attendance", { instance, reopened });
    };
    sweeper = setInterval(async () => {
      if (sweeping) return;
      sweeping = true;
      try {
        const all = await reg.allNodes();
        const me = all.find((n) => n.id === cfg.nodeId);
        if (!me || me.ageMs > DEAD_AFTER_MS) return suspects.clear();
        if (await reg.isReaped(instance)) await revive();
        const fed = origin.edges();
        const dead = all.filter((n) => n.ageMs > DEAD_AFTER_MS && n.id !== cfg.nodeId);
        const deadIds = new Set(dead.map((n) => n.instance));
        // Fed nodes with no record at all are dead too (their record's TTL ran out).
        const known = new Set(all.map((n) => n.id));
        for (const id of fed) if (!known.has(id)) deadIds.add(`pipes:${id}`);
        for (const s of [...suspects]) if (!deadIds.has(s)) suspects.delete(s);
        for (const key of deadIds) {
          if (!suspects.has(key)) {
            suspects.add(key);
            continue;
          }
          const node = dead.find((n) => n.instance === key);
          const id = node?.id ?? key.slice("pipes:".length);
          if (fed.has(id)) {
            log.warn("dropping pipes toward a dead node", { node: id });
            origin.dropEdge(id);
          }
          // An origin we carried sessions from: its pipes carry nothing any more.
          if (rooms.all().some((r) => edge.carriedFrom(r.sessionId)?.nodeId === id)) {
            log.warn("dropping pipes from a dead origin", { node: id });
            edge.dropOrigin(id);
          }
          deps.onNodeDead?.(id);
          if (node) await reap(node);
        }
        // Rooms here follow their session's recorded origin: a room opened before the first
        // presenter was placed, or whose origin died and was replaced, carries it now.
        const live = all.filter((n) => n.ageMs <= DEAD_AFTER_MS);
        // An edge whose pipes this origin dropped as dead but which beats again was only starved:
        // it is told, and pulls again.
        origin.edgesBeating(live.filter((n) => n.id !== cfg.nodeId).map((n) => ({ nodeId: n.id, url: n.internalUrl })));
        for (const r of rooms.all()) {
          if (r.closed) continue;
          await follow(r.sessionId, live).catch((e: Error) => log.warn("could not carry a session from its origin", { sessionId: r.sessionId, error: e.message }));
        }
      } catch (e) {
        log.warn("registry sweep failed", { error: (e as Error).message });
      } finally {
        sweeping = false;
      }
    }, HEARTBEAT_MS);
    sweeper.unref();
  }

  const roomOpened = async (sessionId: number) => {
    if (registry) await follow(sessionId, await registry.liveNodes());
  };

  return {
    self,
    origin,
    edge,
    registry,
    stats,
    roomOpened,
    async close() {
      clearInterval(sweeper);
      // Others see the node gone at once rather than after 5 s of silence.
      await registry?.stop(cfg.nodeId).catch((e: Error) => log.warn("could not remove the registry record", { error: e.message }));
      await client?.quit().catch(() => {});
      edge.closeAll();
      origin.closeAll();
      await channel.close();
    },
  };
}
