/**
 * One room per live session: a main router (where presenters produce) on one worker, and, when
 * that worker's consumer budget is spent, extra routers on other workers that receive the
 * presenters' producers through pipeToRouter. Viewers are placed on a router when they join
 * (admission control), and all their transports live there.
 *
 * The room owns its routers, a router its transports, a transport its producers and consumers:
 * closing the room closes everything below it. If a router's worker dies, the room rebuilds on a
 * live worker and tells the affected peers to rejoin (presenters republish, viewers re-consume);
 * their sockets stay up, so attendance continues.
 */
import { EventEmitter } from "node:events";
import type { types } from "mediasoup";
import type { MediaConfig } from "./config.ts";
import { MEDIA_CODECS, MAX_SPATIAL_LAYER, SLOTS_AUDIO_ONLY, SLOTS_FULL } from "./codecs.ts";
import type { ConsumerInfo, ProducerSource, TransportInfo } from "#live/wire.ts";
import { CHAT_HISTORY, ChatLog } from "./chat.ts";
import type { ChatMessage } from "#live/wire.ts";
import type { ChatStore } from "./chat-store.ts";
import { CheckinCodes } from "./checkin-codes.ts";
import { CheckinRegistry } from "./checkins.ts";
import { ClientError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { Direction, Peer } from "./peer.ts";
import { Polls } from "./polls.ts";
import type { RouterSlot } from "./router-slot.ts";
import type { PoolWorker, WorkerPool } from "./worker-pool.ts";

type TransportObservation = { peer: Peer; direction: Direction; state: "connected" | "disconnected"; detail: string };

type RoomEvents = {
  transport: [TransportObservation];
  /** Emitted once a rebuild after a worker death is done (peers were told to rejoin). */
  rebuilt: [{ reason: string; peers: number }];
  /** The set of producers changed (one produced or closed, or all lost with the main router): the recorder follows. */
  producers: [];
  close: [];
};

export type RoomDeps = { pool: WorkerPool; config: MediaConfig; log: Logger; chatStore?: ChatStore };

const MAX_PRODUCERS_PER_PEER = 4;

export type RelayedProducer = { producer: types.Producer; memberId: number; source: ProducerSource };

export class Room extends EventEmitter<RoomEvents> {
  readonly peers = new Map<number, Peer>();
  /** Producers of the room by id (they live on the main router). */
  readonly producers = new Map<string, { producer: types.Producer; peer: Peer }>();
  /**
   * On an edge node: the origin's producers, piped in with their own ids onto the main router
   * (cluster/pipe.ts, ADR 0016). Viewers consume them like local ones; they have no local peer, and
   * the recorder ignores them (the origin records).
   */
  readonly relayed = new Map<string, RelayedProducer>();
  /** Attendance polls ("are you here?") launched by a presenter. */
  readonly polls = new Polls();
  /** Cell rooms: members checked in on each screen (survives host reconnects). */
  readonly checkins = new CheckinRegistry();
  /** Cell rooms: the rotating codes their screens show as a QR for phone check-in. */
  readonly checkinCodes: CheckinCodes;
  /** Chat and Q&A: the last messages, written through to the store when there is one (chat.ts). */
  readonly chat: ChatLog;
  private main: RouterSlot | undefined;
  private readonly extras = new Set<RouterSlot>();
  private rebuilding: Promise<void> | undefined;
  /** Set while the room has no peer (from creation until the first join, and after the last leaves). */
  private emptySince: number | undefined = Date.now();
  closed = false;

  private constructor(
    readonly sessionId: number,
    private readonly deps: RoomDeps,
    chatHistory: ChatMessage[] | undefined,
  ) {
    super();
    this.checkinCodes = new CheckinCodes(deps.config.checkinQrRotateMs);
    this.chat = new ChatLog(CHAT_HISTORY, deps.chatStore?.forSession(sessionId), chatHistory);
  }

  static async create(sessionId: number, deps: RoomDeps): Promise<Room> {
    // A restarted server shows the chat so far: the history is read before the room exists.
    const room = new Room(sessionId, deps, await deps.chatStore?.load(sessionId, CHAT_HISTORY));
    const w = await deps.pool.pick();
    if (!w) throw new Error("no mediasoup worker available");
    room.main = await room.createSlot(w, true);
    deps.log.info("room created", { sessionId, worker: w.pid });
    return room;
  }

  private async createSlot(worker: PoolWorker, main: boolean): Promise<RouterSlot> {
    const router = await worker.worker.createRouter({ mediaCodecs: MEDIA_CODECS, appData: { sessionId: this.sessionId, main } });
    const slot: RouterSlot = { router, worker, main, piped: new Map(), lost: false };
    router.on("workerclose", () => this.onSlotLost(slot));
    if (!main) this.extras.add(slot);
    return slot;
  }

  /** Resolves when no rebuild is in progress. */
  async ready(): Promise<void> {
    while (this.rebuilding) await this.rebuilding;
    if (this.closed) throw new ClientError("session-ended");
  }

  get rtpCapabilities(): types.RtpCapabilities {
    if (!this.main) throw new ClientError("media-restarting");
    // Every router of the room has the same codecs, hence the same capabilities.
    return this.main.router.rtpCapabilities;
  }

  /** The router presenters produce on (undefined while the room rebuilds after a worker death). */
  get mainRouter(): types.Router | undefined {
    return this.main && !this.main.lost ? this.main.router : undefined;
  }

  /** Routers of the room with their workers (for stats and tests). */
  get slots(): RouterSlot[] {
    return [...(this.main ? [this.main] : []), ...this.extras];
  }

  // -------------------------------------------------------------------------------------------
  // Admission
  // -------------------------------------------------------------------------------------------

  private slotWithRoom(slots: number): RouterSlot | undefined {
    const budget = this.deps.config.consumersPerWorker;
    const candidates = this.slots.filter((s) => !s.lost && !s.worker.dead && s.worker.load + slots <= budget);
    // Fill the main router first (no piping needed), then the least loaded extra.
    candidates.sort((a, b) => Number(b.main) - Number(a.main) || a.worker.load - b.worker.load);
    return candidates[0];
  }

  /**
   * Places a peer on a router and reserves its consumer slots. Presenters always go on the main
   * router. A viewer goes where its worker has budget left, on a new router on another worker if
   * needed; when no worker has room it is refused with `session-full` (audio only offered when
   * that still fits).
   */
  async admit(peer: Peer, audioOnly: boolean): Promise<RouterSlot> {
    await this.ready();
    const slots = audioOnly ? SLOTS_AUDIO_ONLY : SLOTS_FULL;
    let slot: RouterSlot | undefined;
    if (peer.id.role === "presenter") slot = this.main;
    else {
      slot = this.slotWithRoom(slots);
      if (!slot) {
        const used = new Set(this.slots.map((s) => s.worker));
        const w = await this.deps.pool.pick({ slots, budget: this.deps.config.consumersPerWorker, exclude: used });
        if (w) {
          slot = await this.createSlot(w, false);
          this.deps.log.info("room extended to another worker", { sessionId: this.sessionId, worker: w.pid });
        }
      }
    }
    if (!slot || slot.lost) {
      const audioFits = !audioOnly && (this.slotWithRoom(SLOTS_AUDIO_ONLY) || (await this.anyWorkerFits(SLOTS_AUDIO_ONLY)));
      throw new ClientError("session-full", { audioOnly: !!audioFits });
    }
    this.deps.pool.reserve(slot.worker, slots);
    peer.slot = slot;
    peer.reserved = slots;
    peer.audioOnly = audioOnly;
    return slot;
  }

  private async anyWorkerFits(slots: number) {
    const used = new Set(this.slots.map((s) => s.worker));
    return !!(await this.deps.pool.pick({ slots, budget: this.deps.config.consumersPerWorker, exclude: used }));
  }

  /** Gives back the peer's reservation and closes its media (transports cascade). */
  releaseMedia(peer: Peer) {
    if (peer.slot && peer.reserved) this.deps.pool.release(peer.slot.worker, peer.reserved);
    peer.slot = undefined;
    peer.reserved = 0;
    peer.resetMedia();
  }

  addPeer(peer: Peer) {
    this.peers.set(peer.memberId, peer);
    this.emptySince = undefined;
  }

  /** Removes the peer if it is still the member's current one (a replaced peer is not). */
  removePeer(peer: Peer) {
    this.releaseMedia(peer);
    if (this.peers.get(peer.memberId) === peer) this.peers.delete(peer.memberId);
    if (this.peers.size === 0) this.emptySince = Date.now();
  }

  isEmptyFor(ms: number, now = Date.now()) {
    return this.peers.size === 0 && this.emptySince !== undefined && now - this.emptySince >= ms;
  }

  // -------------------------------------------------------------------------------------------
  // Media operations (called by the socket handlers after validation)
  // -------------------------------------------------------------------------------------------

  private requireSlot(peer: Peer): RouterSlot {
    if (!peer.slot || peer.slot.lost) throw new ClientError("not-joined");
    return peer.slot;
  }

  private transport(peer: Peer, id: string): types.WebRtcTransport {
    const t = peer.transports.get(id);
    if (!t || t.closed) throw new ClientError("not-found");
    return t;
  }

  async createTransport(peer: Peer, direction: Direction): Promise<TransportInfo> {
    const slot = this.requireSlot(peer);
    if (direction === "send" && peer.id.role !== "presenter") throw new ClientError("forbidden");
    // One transport per direction: a new one (client restart) replaces the old.
    peer.transportFor(direction)?.close();
    const { rtc } = this.deps.config;
    const transport = await slot.router.createWebRtcTransport({
      listenIps: [{ ip: rtc.listenIp, announcedIp: rtc.announcedIp }],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
      appData: { direction, memberId: peer.memberId },
    });
    if (peer.closed || peer.slot !== slot) {
      transport.close();
      throw new ClientError("not-joined");
    }
    peer.transports.set(transport.id, transport);
    transport.observer.on("close", () => peer.transports.delete(transport.id));
    if (direction === "send") await transport.setMaxIncomingBitrate(2_500_000).catch(() => {});
    let connected = false;
    transport.on("dtlsstatechange", (state) => {
      if (state === "connected" && !connected) {
        connected = true;
        this.emit("transport", { peer, direction, state: "connected", detail: "dtls-connected" });
      } else if ((state === "failed" || state === "closed") && connected) {
        connected = false;
        this.emit("transport", { peer, direction, state: "disconnected", detail: `dtls-${state}` });
      }
    });
    transport.on("routerclose", () => {
      // The worker died under this transport; the peer will be asked to rejoin.
      if (connected) this.emit("transport", { peer, direction, state: "disconnected", detail: "router-closed" });
      connected = false;
    });
    transport.on("icestatechange", (state) => {
      if (state === "disconnected" && connected) {
        this.emit("transport", { peer, direction, state: "disconnected", detail: "ice-disconnected" });
      } else if ((state === "connected" || state === "completed") && connected) {
        this.emit("transport", { peer, direction, state: "connected", detail: `ice-${state}` });
      }
    });
    // mediasoup 3.12 (ADR 0003) types candidates and fingerprints more loosely than
    // mediasoup-client, which the browser hands them to: the same JSON, the browser's type.
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates as unknown as TransportInfo["iceCandidates"],
      dtlsParameters: transport.dtlsParameters as TransportInfo["dtlsParameters"],
    };
  }

  async connectTransport(peer: Peer, transportId: string, dtlsParameters: types.DtlsParameters) {
    await this.transport(peer, transportId).connect({ dtlsParameters });
  }

  async restartIce(peer: Peer, transportId: string) {
    return await this.transport(peer, transportId).restartIce();
  }

  async produce(peer: Peer, o: { transportId: string; kind: types.MediaKind; rtpParameters: types.RtpParameters; source: ProducerSource; paused?: boolean }) {
    if (peer.id.role !== "presenter") throw new ClientError("forbidden");
    const transport = this.transport(peer, o.transportId);
    if ((transport.appData as { direction?: string }).direction !== "send") throw new ClientError("forbidden");
    if (peer.producers.size >= MAX_PRODUCERS_PER_PEER) throw new ClientError("forbidden");
    const producer = await transport.produce({
      kind: o.kind,
      rtpParameters: o.rtpParameters,
      paused: o.paused ?? false,
      appData: { source: o.source, memberId: peer.memberId },
    });
    peer.producers.set(producer.id, producer);
    this.producers.set(producer.id, { producer, peer });
    producer.observer.on("close", () => {
      peer.producers.delete(producer.id);
      if (this.producers.get(producer.id)?.producer === producer) this.producers.delete(producer.id);
      for (const other of this.peers.values()) if (other !== peer) other.notify("producerClosed", { producerId: producer.id });
      if (!this.closed) this.emit("producers");
    });
    for (const other of this.peers.values()) {
      if (other !== peer) other.notify("newProducer", { producerId: producer.id, kind: producer.kind, source: o.source, memberId: peer.memberId });
    }
    this.emit("producers");
    return { id: producer.id };
  }

  async pauseProducer(peer: Peer, producerId: string, paused: boolean) {
    const p = peer.producers.get(producerId);
    if (!p) throw new ClientError("not-found");
    if (paused) await p.pause();
    else await p.resume();
  }

  /** Makes `producerId` available on an extra router (no-op on the main router). */
  private async ensurePiped(slot: RouterSlot, producerId: string) {
    if (slot.main) return;
    let p = slot.piped.get(producerId);
    if (!p) {
      const main = this.main;
      if (!main) throw new ClientError("media-restarting");
      p = main.router.pipeToRouter({ producerId, router: slot.router }).then(({ pipeProducer }) => {
        pipeProducer?.observer.on("close", () => slot.piped.delete(producerId));
      });
      p.catch(() => slot.piped.delete(producerId));
      slot.piped.set(producerId, p);
    }
    await p;
  }

  /**
   * The server picks what the viewer receives: every producer of the room except the peer's own
   * (only audio for an audio-only peer), or the one named. Consumers start paused; the client
   * resumes each once its track is wired up. A save-data viewer gets the lowest spatial layer.
   */
  async consume(peer: Peer, o: { rtpCapabilities: types.RtpCapabilities; producerId?: string }): Promise<ConsumerInfo[]> {
    const slot = this.requireSlot(peer);
    const transport = peer.transportFor("recv");
    if (!transport) throw new ClientError("not-joined");
    peer.rtpCapabilities = o.rtpCapabilities;
    let entries: { producer: types.Producer; peer?: Peer }[] = [...this.producers.values(), ...this.relayed.values()];
    if (o.producerId) {
      const e = this.producers.get(o.producerId) ?? this.relayed.get(o.producerId);
      if (!e) throw new ClientError("not-found");
      entries = [e];
    }
    const consuming = new Set([...peer.consumers.values()].map((c) => c.producerId));
    const out: ConsumerInfo[] = [];
    for (const { producer, peer: owner } of entries) {
      if (owner === peer || consuming.has(producer.id) || producer.closed) continue;
      if (peer.audioOnly && producer.kind === "video") continue;
      await this.ensurePiped(slot, producer.id);
      if (!slot.router.canConsume({ producerId: producer.id, rtpCapabilities: o.rtpCapabilities })) {
        if (o.producerId) throw new ClientError("cannot-consume");
        continue;
      }
      if (transport.closed || peer.slot !== slot) throw new ClientError("not-joined");
      const consumer = await transport.consume({
        producerId: producer.id,
        rtpCapabilities: o.rtpCapabilities,
        paused: true,
        appData: { source: (producer.appData as { source?: string }).source ?? producer.kind },
      });
      peer.consumers.set(consumer.id, consumer);
      consuming.add(producer.id);
      consumer.observer.on("close", () => peer.consumers.delete(consumer.id));
      consumer.on("producerclose", () => peer.notify("consumerClosed", { consumerId: consumer.id, producerId: producer.id }));
      consumer.on("layerschange", (layers) => peer.notify("consumerLayers", { consumerId: consumer.id, layers: layers ?? null }));
      if (consumer.type === "simulcast" && peer.saveData) await consumer.setPreferredLayers({ spatialLayer: 0 });
      out.push({
        id: consumer.id,
        producerId: producer.id,
        kind: consumer.kind,
        type: consumer.type,
        // mediasoup 3.12 types header-extension URIs as string, mediasoup-client as the union of
        // the URIs it knows: the same JSON, so the wire contract uses the browser's type.
        rtpParameters: consumer.rtpParameters as ConsumerInfo["rtpParameters"],
        producerPaused: consumer.producerPaused,
        appData: consumer.appData as Record<string, unknown>,
      });
    }
    return out;
  }

  /** What a joining peer is told exists: every producer but its own, local or relayed. */
  producerList(except: Peer): { producerId: string; kind: types.MediaKind; memberId: number }[] {
    return [
      ...[...this.producers.values()].filter((e) => e.peer !== except).map((e) => ({ producerId: e.producer.id, kind: e.producer.kind, memberId: e.peer.memberId })),
      ...[...this.relayed.values()].map((e) => ({ producerId: e.producer.id, kind: e.producer.kind, memberId: e.memberId })),
    ];
  }

  /**
   * Adds a producer piped in from the origin (it is already on the main router) and tells the
   * peers, as a local produce does; its closing is told the same way.
   */
  addRelayed(producer: types.Producer, info: { memberId: number; source: ProducerSource }) {
    if (this.closed || producer.closed) return;
    this.relayed.set(producer.id, { producer, ...info });
    producer.observer.on("close", () => {
      if (this.relayed.get(producer.id)?.producer !== producer) return;
      this.relayed.delete(producer.id);
      for (const p of this.peers.values()) p.notify("producerClosed", { producerId: producer.id });
    });
    for (const p of this.peers.values()) p.notify("newProducer", { producerId: producer.id, kind: producer.kind, source: info.source, memberId: info.memberId });
  }

  private consumer(peer: Peer, id: string): types.Consumer {
    const c = peer.consumers.get(id);
    if (!c || c.closed) throw new ClientError("not-found");
    return c;
  }

  async resumeConsumer(peer: Peer, consumerId: string) {
    const c = this.consumer(peer, consumerId);
    await c.resume();
    if (c.kind === "video") await c.requestKeyFrame().catch(() => {});
  }

  async setPreferredLayers(peer: Peer, consumerId: string, spatialLayer: number, temporalLayer?: number) {
    const c = this.consumer(peer, consumerId);
    if (c.type !== "simulcast" && c.type !== "svc") return { applied: false as const };
    await c.setPreferredLayers({ spatialLayer: Math.min(spatialLayer, MAX_SPATIAL_LAYER), temporalLayer });
    return { applied: true as const, preferredLayers: c.preferredLayers };
  }

  /** Save data: every video consumer of the peer goes to the lowest spatial layer (or back up). */
  async setSaveData(peer: Peer, enabled: boolean) {
    peer.saveData = enabled;
    const layers = enabled ? { spatialLayer: 0 } : { spatialLayer: MAX_SPATIAL_LAYER };
    const changed: { consumerId: string; preferredLayers: types.ConsumerLayers | undefined }[] = [];
    for (const c of peer.consumers.values()) {
      if (c.kind !== "video" || (c.type !== "simulcast" && c.type !== "svc")) continue;
      await c.setPreferredLayers(layers);
      changed.push({ consumerId: c.id, preferredLayers: c.preferredLayers });
    }
    return changed;
  }

  // -------------------------------------------------------------------------------------------
  // Worker death and closing
  // -------------------------------------------------------------------------------------------

  private onSlotLost(slot: RouterSlot) {
    if (this.closed || slot.lost) return;
    slot.lost = true;
    if (!slot.main) {
      // Only the viewers placed on this router lose their media; the broadcast goes on.
      this.extras.delete(slot);
      const affected = [...this.peers.values()].filter((p) => p.slot === slot);
      for (const p of affected) {
        p.slot = undefined; // the dead worker's reservation went with it
        p.reserved = 0;
        p.resetMedia();
        p.notify("rejoin", { reason: "media-restarted" });
      }
      this.deps.log.warn("extra router lost with its worker; its peers rejoin", { sessionId: this.sessionId, peers: affected.length });
      this.emit("rebuilt", { reason: "extra-router-lost", peers: affected.length });
      return;
    }
    this.main = undefined;
    const run = (async () => {
      // Let the pool see the death (mediasoup closes routers before it emits 'died').
      await new Promise((r) => setImmediate(r));
      for (const extra of this.extras) extra.router.close();
      this.extras.clear();
      this.producers.clear();
      // Piped-in producers went with the router; the edge pulls them again (cluster/pipe.ts).
      this.relayed.clear();
      this.emit("producers");
      for (const p of this.peers.values()) {
        if (p.slot && !p.slot.worker.dead) this.deps.pool.release(p.slot.worker, p.reserved);
        p.slot = undefined;
        p.reserved = 0;
        p.resetMedia();
      }
      for (let attempt = 1; !this.closed; attempt++) {
        try {
          const w = await this.deps.pool.pick();
          if (!w) throw new Error("no worker");
          this.main = await this.createSlot(w, true);
          break;
        } catch (e) {
          this.deps.log.error("room rebuild failed; retrying", { sessionId: this.sessionId, attempt, error: e });
          await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
        }
      }
      this.deps.log.warn("room rebuilt after its worker died; peers rejoin", { sessionId: this.sessionId, peers: this.peers.size, worker: this.main?.worker.pid });
    })();
    this.rebuilding = run.finally(() => {
      this.rebuilding = undefined;
      for (const p of this.peers.values()) p.notify("rejoin", { reason: "media-restarted" });
      this.emit("rebuilt", { reason: "main-router-lost", peers: this.peers.size });
    });
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.peers.values()) this.releaseMedia(p);
    this.peers.clear();
    for (const s of this.slots) s.router.close();
    this.extras.clear();
    this.main = undefined;
    this.producers.clear();
    this.relayed.clear();
    this.emit("close");
  }
}

/** Rooms by session id; creating one is de-duplicated by storing its promise. */
export class RoomRegistry {
  private readonly pending = new Map<number, Promise<Room>>();
  private readonly rooms = new Map<number, Room>();

  constructor(
    private readonly deps: RoomDeps,
    private readonly onCreated: (room: Room) => void = () => {},
  ) {}

  get(sessionId: number): Promise<Room> {
    const existing = this.rooms.get(sessionId);
    if (existing && !existing.closed) return Promise.resolve(existing);
    let p = this.pending.get(sessionId);
    if (!p) {
      p = Room.create(sessionId, this.deps).then(
        (room) => {
          this.rooms.set(sessionId, room);
          this.pending.delete(sessionId);
          room.once("close", () => {
            if (this.rooms.get(sessionId) === room) this.rooms.delete(sessionId);
          });
          this.onCreated(room);
          return room;
        },
        (e) => {
          this.pending.delete(sessionId);
          throw e;
        },
      );
      this.pending.set(sessionId, p);
    }
    return p;
  }

  peek(sessionId: number): Room | undefined {
    return this.rooms.get(sessionId);
  }

  all(): Room[] {
    return [...this.rooms.values()];
  }

  /** Closes rooms that have had no peer for `ms`. */
  sweep(ms: number) {
    for (const r of this.all()) if (r.isEmptyFor(ms)) r.close();
  }

  closeAll() {
    for (const r of this.all()) r.close();
  }
}
