/**
 * Builds and starts the media server: ledger recovery first (close intervals a crash left open,
 * at their last heartbeat), then the worker pool, then HTTP + socket.io. Tests start it in-process
 * on a free port; index.ts starts it as its own process.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Server as IOServer } from "socket.io";
import type { ClientToServerEvents, InterServerEvents, RecordingStatus, ServerToClientEvents, SocketData } from "#live/wire.ts";
import { closeDb, openDb, type Db } from "#db/client.server.ts";
import { liveSessions } from "#db/schema/index.ts";
import { AttendanceLedger, ledgerInstance, type NewAttendanceEvent, type Sighting } from "./attendance.ts";
import { authMiddleware } from "./auth.ts";
import { attachCrossNodeEvents, NO_AUDIENCE, type CrossNodeEvents } from "./cluster/events.ts";
import { scheduleAudience } from "./handlers/audience.ts";
import { startClusterNode, type ClusterNode } from "./cluster/node.ts";
import type { MediaConfig } from "./config.ts";
import { ChatLimiter, type ChatLimits } from "./chat.ts";
import { ChatStore } from "./chat-store.ts";
import { connectionOf, registerHandlers } from "./handlers/index.ts";
import { controlHandler } from "./control.ts";
import { CONTROL_PREFIX } from "#live/media-control.server.ts";
import { SlidingWindowLimiter } from "./limits.ts";
import { createLogger, type Logger } from "./log.ts";
import { loadMediasoup } from "./mediasoup.ts";
import { Recordings, recoverRecordings } from "./recording/recordings.ts";
import { RoomRegistry, type Room } from "./room.ts";
import type { MediaIo } from "./socket.ts";
import { WorkerPool } from "./worker-pool.ts";

export type MediaServer = {
  port: number;
  url: string;
  io: MediaIo;
  pool: WorkerPool;
  registry: RoomRegistry;
  recordings: Recordings;
  ledger: AttendanceLedger;
  db: Db;
  /** Set when this server is one node of several (MEDIA_CLUSTER_SECRET; ADR 0016). */
  cluster: ClusterNode | undefined;
  /** Heartbeat tick now (tests); normally on a timer. */
  heartbeat(): Promise<number>;
  /** Graceful stop: server-stop events, sockets closed, workers closed. */
  close(): Promise<void>;
};

export type StartOptions = {
  db?: Db;
  log?: Logger;
  now?: () => number;
  /** Chat rate limits (default: 5 per 10 s and 60 per 10 min per member). */
  chatLimits?: ChatLimits;
};

/** Closing intervals at shutdown: one "close everything" server-stop per member with open presence. */
function stopEvents(rooms: Room[], at: number): NewAttendanceEvent[] {
  const out: NewAttendanceEvent[] = [];
  for (const room of rooms) {
    const seen = new Set<number>();
    for (const p of room.peers.values()) seen.add(p.memberId);
    for (const { memberId } of room.checkins.entries()) seen.add(memberId);
    for (const memberId of seen) {
      out.push({ sessionId: room.sessionId, memberId, kind: "server-stop", via: "individual", at, detail: { reason: "shutdown" } });
    }
  }
  return out;
}

export async function startMediaServer(config: MediaConfig, opts: StartOptions = {}): Promise<MediaServer> {
  const log = opts.log ?? createLogger(config.logLevel);
  const ownDb = !opts.db;
  const db = opts.db ?? await openDb(config.databaseUrl);
  try {
    await db.select({ id: liveSessions.id }).from(liveSessions).limit(1);
  } catch (e) {
    if (ownDb) await closeDb(db);
    throw new Error(
      `Cơ sở dữ liệu chưa có bảng phiên sinh hoạt, hãy chạy "npm run db:migrate" / ` +
        `the database has no live-session tables; run "npm run db:migrate" (${(e as Error).message})`,
    );
  }
  // One node of several records its instance on every ledger row (ADR 0016): start-up recovery
  // then closes only this node's leftovers, and a survivor closes a dead instance's.
  const instance = config.cluster ? ledgerInstance(config.cluster.nodeId, randomBytes(6).toString("base64url")) : null;
  const ledger = new AttendanceLedger(db, Date.now, instance);
  const recovered = await ledger.closeOpenIntervals();
  if (recovered.closed > 0) log.warn("closed attendance intervals left open by a crash, at their last heartbeat", recovered);

  const { mediasoup, workerBin } = await loadMediasoup(config.workerBin, (m) => log.info(m));
  const pool = await WorkerPool.create(mediasoup, {
    count: config.workers,
    rtcMinPort: config.rtc.minPort,
    rtcMaxPort: config.rtc.maxPort,
    log,
  });
  log.info("worker pool ready", { workers: pool.size, workerBin });

  const recordingDeps = {
    db,
    dataDir: config.dataDir,
    ffmpegBin: config.ffmpegBin,
    ffprobeBin: config.ffprobeBin,
    log,
    // Several nodes: viewers on the others hear the status too (crossNode is set before any room opens).
    announce: (sessionId: number, status: RecordingStatus) => crossNode?.recording(sessionId, status),
  };
  // Recordings a crash interrupted are joined from their segments, in the background.
  void recoverRecordings(recordingDeps)
    .then((n) => n > 0 && log.warn("joined recordings a crash interrupted", { recordings: n }))
    .catch((e) => log.error("recording recovery failed", { error: e }));
  const recordings = new Recordings(recordingDeps);
  // Set once the cluster node starts (after listening); rooms may open before that.
  let cluster: ClusterNode | undefined;
  const registry = new RoomRegistry({ pool, config, log, chatStore: new ChatStore(db) }, (room) => {
    recordings.attach(room);
    // Several nodes: a room closing here takes its audience share away on the others.
    room.once("close", () => crossNode?.audience(room.sessionId, NO_AUDIENCE));
    // An edge the app placed a viewer on carries the session from its origin (ADR 0016).
    if (cluster) {
      void cluster.roomOpened(room.sessionId).catch((e: Error) => log.error("could not carry a session from its origin", { sessionId: room.sessionId, error: e.message }));
    }
    room.on("transport", async ({ peer, direction, state, detail }) => {
      if (peer.closed) return;
      try {
        await ledger.append({
          sessionId: room.sessionId,
          memberId: peer.memberId,
          kind: state === "connected" ? "transport-connected" : "transport-disconnected",
          via: "individual",
          connectionId: peer.connectionId,
          at: Date.now(),
          detail: { direction, detail },
        });
      } catch (e) {
        log.error("attendance append failed", { error: e });
      }
    });
  });

  // The app's control calls (a trainer's recording start/stop), authenticated by a key derived
  // from the join-token secret; the app's relay forwards only /socket.io/ (ADR 0014).
  const control = controlHandler({ db, rooms: registry, recordings, joinTokenSecret: config.joinTokenSecret, log });
  const httpServer = http.createServer((req, res) => {
    if (req.url?.startsWith(CONTROL_PREFIX)) {
      void control(req, res);
      return;
    }
    if (req.method === "GET" && req.url === "/healthz") {
      const body = JSON.stringify({
        ok: pool.workers.length > 0,
        workers: pool.workers.map((w) => ({ index: w.index, pid: w.pid, load: w.load })),
        rooms: registry.all().map((r) => ({ sessionId: r.sessionId, peers: r.peers.size, routers: r.slots.length })),
      });
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(body);
      return;
    }
    // socket.io answers its own path; everything else is not ours.
    if (!req.url?.startsWith("/socket.io/")) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });

  const io = new IOServer<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
    serveClient: false,
    cors: { origin: config.allowedOrigins, credentials: false },
    // An event larger than this closes the connection in engine.io; smaller ones that exceed
    // MAX_EVENT_BYTES get an error ack from the handler wrapper.
    maxHttpBufferSize: Math.max(1_000_000, config.maxEventBytes * 4),
    pingInterval: 10_000,
    pingTimeout: 10_000,
  });
  // Several nodes sharing room-wide events (off by default): the adapter before any connection.
  let crossNode: CrossNodeEvents | undefined;
  if (config.cluster?.ioAdapter === "redis-streams" && config.cluster.redisUrl) {
    try {
      crossNode = await attachCrossNodeEvents(io, {
        redisUrl: config.cluster.redisUrl,
        rooms: registry,
        log,
        db,
        nodeId: config.cluster.nodeId,
        recording: (room, status) => recordings.of(room).remote(status),
      });
    } catch (e) {
      // async-ok: io.close calls back when done; its promise says the same.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      pool.close();
      if (ownDb) await closeDb(db);
      throw e;
    }
  }
  const joinLimiter = new SlidingWindowLimiter(20, 60_000);
  const chatLimiter = new ChatLimiter(opts.chatLimits);
  io.use(authMiddleware({ db, secret: config.joinTokenSecret, allowedOrigins: config.allowedOrigins, log, now: opts.now, nodeId: config.cluster?.nodeId }));
  io.on("connection", (socket) => {
    try {
      registerHandlers(socket, { db, config, registry, ledger, log, joinLimiter, chatLimiter, recordings, crossNode });
    } catch (e) {
      log.error("could not set up a socket", { error: e });
      socket.disconnect(true);
    }
  });

  /** Every attendance key this node holds now: its connections, and its cell rooms' check-ins. */
  const held = (at: number): Sighting[] => {
    const seen: Sighting[] = [];
    for (const room of registry.all()) {
      for (const p of room.peers.values()) {
        if (p.closed) continue;
        seen.push({ sessionId: room.sessionId, memberId: p.memberId, via: "individual", connectionId: p.connectionId, at });
        if (p.id.role === "cell-room") {
          for (const m of room.checkins.get(p.memberId) ?? []) {
            seen.push({ sessionId: room.sessionId, memberId: m, via: "cell-room", cellRoomMemberId: p.memberId, at });
          }
        }
      }
    }
    return seen;
  };
  const heartbeat = async () => {
    const seen = held(Date.now());
    try {
      return ledger.touch(seen);
    } catch (e) {
      log.error("heartbeat append failed", { error: e });
      return 0;
    }
  };
  const timers = [
    setInterval(heartbeat, config.heartbeatMs),
    setInterval(() => {
      registry.sweep(config.reconnectWindowMs);
      joinLimiter.sweep();
      chatLimiter.sweep();
    }, 30_000),
  ];
  for (const t of timers) t.unref();

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  // Several nodes: the internal listener for pipes, and the registry heartbeat with REDIS_URL.
  if (config.cluster) {
    try {
      cluster = await startClusterNode(config.cluster, { config, rooms: registry, pool, ledger, log, socketPort: port, onNodeDead: (id) => crossNode?.forgetNode(id),
        held: () => held(Date.now()),
        onRevived: () => {
          for (const r of registry.all()) if (!r.closed) scheduleAudience(db, r, log, crossNode);
        },
      });
    } catch (e) {
      // async-ok: io.close calls back when done; its promise says the same.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      pool.close();
      if (ownDb) await closeDb(db);
      throw e;
    }
  }
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  log.info("media server listening", { host: config.host, port });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const t of timers) clearInterval(t);
      // Several nodes: this node's audience shares go away on the others now (a clean stop removes
      // its registry record, so nobody would see it dead and forget them).
      for (const r of registry.all()) crossNode?.audience(r.sessionId, NO_AUDIENCE);
      await cluster?.close();
      try {
        await ledger.appendMany(stopEvents(registry.all(), Date.now()));
      } catch (e) {
        log.error("could not record server-stop", { error: e });
      }
      // Sockets first (their disconnect handlers see no peer after the room closes).
      for (const s of io.of("/").sockets.values()) connectionOf(s)?.shutdown();
      // async-ok: io.close calls back when done; its promise says the same.
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await crossNode?.close();
      // Recorders finish their files while the workers still run.
      await recordings.closeAll();
      registry.closeAll();
      pool.close();
      if (ownDb) await closeDb(db);
      log.info("media server stopped");
    })());

  return { port, url: `http://${shownHost}:${port}`, io, pool, registry, recordings, ledger, db, cluster, heartbeat, close };
}
