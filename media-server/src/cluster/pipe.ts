/**
 * Producers across media nodes (ADR 0016): mediasoup's Router.pipeToRouter, done between two
 * hosts. Within one process pipeToRouter creates two PipeTransports, connects each to the other's
 * tuple (and SRTP key), consumes the producer on one and produces it on the other with the same
 * id, then mirrors close/pause/resume. Here the two halves run on different nodes and talk over the
 * internal channel (channel.ts):
 *
 *   edge                                     origin
 *   createPipeTransport (RTX, SRTP)  ──pipe──▶ createPipeTransport (RTX, SRTP), connect(edge end),
 *                                              consume(producerId)
 *   connect(origin end),             ◀─reply─ origin end + the pipe consumer's parameters
 *   produce({ id: producerId, … })
 *
 * One pipe (its own transport pair) per producer per edge: the edge de-duplicates by storing the
 * promise per (session, producer), like RouterSlot.piped within a node; the origin replaces a pipe
 * when the same edge asks again for the same producer (the edge lost its half). The origin tells
 * the edge when the producer closes, pauses or resumes; the edge tells the origin when it drops a
 * pipe. An edge the origin dropped as dead but which beats again (starved, not dead) is told so
 * (`pipesDropped`) and pulls every producer again. Pipes attach to a room's main router; inside a node, pipeToRouter carries them on to the
 * room's other routers as before.
 */
import type { types } from "mediasoup";
import type { z } from "zod";
import type { ProducerSource } from "#live/wire.ts";
import type { Logger } from "../log.ts";
import type { Room, RoomRegistry } from "../room.ts";
import { callNode, ChannelError, route, type Route } from "./channel.ts";
import { cluster, type NodeRef, type PipeEnd } from "./wire.ts";

export type PipeDeps = {
  rooms: RoomRegistry;
  /** This node as others address it. */
  self: NodeRef;
  secret: string;
  /** Where pipe transports listen (and the address announced to the other node, behind NAT). */
  listenIp: { ip: string; announcedIp?: string };
  log: Logger;
};

const pipeOptions = (listenIp: PipeDeps["listenIp"]): types.PipeTransportOptions => ({
  listenIp,
  // NACK/RTX across a real network (pipeToRouter leaves them off on loopback); SRTP because the
  // media crosses hosts; no SCTP: no data channels cross nodes.
  enableRtx: true,
  enableSrtp: true,
  enableSctp: false,
});

function endOf(t: types.PipeTransport): PipeEnd {
  if (!t.srtpParameters) throw new Error("pipe transport without SRTP parameters");
  return { ip: t.tuple.localIp, port: t.tuple.localPort, srtpParameters: t.srtpParameters };
}

function sourceOf(p: types.Producer): ProducerSource {
  const s = (p.appData as { source?: ProducerSource }).source;
  return s ?? (p.kind === "audio" ? "microphone" : "camera");
}

// ---------------------------------------------------------------------------------------------
// Origin: answers edges
// ---------------------------------------------------------------------------------------------

type OriginPipe = { transport: types.PipeTransport; consumer: types.Consumer; edge: NodeRef; sessionId: number; producerId: string };

export class PipeOrigin {
  /** Pipes by id (the origin transport's id). */
  readonly pipes = new Map<string, OriginPipe>();
  private readonly byEdgeProducer = new Map<string, string>();
  /** Edges that asked to hear of new producers, per session. */
  private readonly watchers = new Map<number, Map<string, NodeRef>>();
  private readonly watchedRooms = new WeakSet<Room>();
  /**
   * Edges whose pipes were dropped as dead and that have not been seen beating since: asking for
   * a pipe or to watch a session is refused until the registry shows them fresh again.
   */
  private readonly takenForDead = new Set<string>();
  /** Edges owed word that their pipes were dropped (told once they beat again; retried until heard). */
  private readonly owed = new Set<string>();
  private readonly telling = new Set<string>();

  constructor(private readonly deps: PipeDeps) {}

  private refuseDead(edge: NodeRef) {
    if (this.takenForDead.has(edge.nodeId)) throw new ChannelError(409, "edge-taken-for-dead");
  }

  private room(sessionId: number): Room {
    const room = this.deps.rooms.peek(sessionId);
    if (!room || room.closed || !room.mainRouter) throw new ChannelError(404, "no-such-session");
    return room;
  }

  /** A producer this node can pipe on: one produced here, or one it relays itself (a relay tier). */
  private producerOf(room: Room, producerId: string): { producer: types.Producer; memberId: number } {
    const local = room.producers.get(producerId);
    if (local && !local.producer.closed) return { producer: local.producer, memberId: local.peer.memberId };
    const relayed = room.relayed.get(producerId);
    if (relayed && !relayed.producer.closed) return relayed;
    throw new ChannelError(404, "no-such-producer");
  }

  producers(sessionId: number, watch?: NodeRef) {
    const room = this.room(sessionId);
    if (watch) this.refuseDead(watch);
    if (watch) this.watch(room, watch);
    const list = [
      ...[...room.producers.values()].map((e) => ({ producer: e.producer, memberId: e.peer.memberId })),
      ...room.relayed.values(),
    ];
    return list
      .filter((e) => !e.producer.closed)
      .map((e) => ({ producerId: e.producer.id, kind: e.producer.kind, memberId: e.memberId, source: sourceOf(e.producer) }));
  }

  private watch(room: Room, edge: NodeRef) {
    let edges = this.watchers.get(room.sessionId);
    if (!edges) this.watchers.set(room.sessionId, (edges = new Map()));
    edges.set(edge.nodeId, edge);
    if (this.watchedRooms.has(room)) return;
    this.watchedRooms.add(room);
    // The room says "producers changed"; an edge is told of each id it has not been told of yet.
    const told = new Set([...room.producers.keys(), ...room.relayed.keys()]);
    const onChange = () => {
      for (const id of [...room.producers.keys(), ...room.relayed.keys()]) {
        if (told.has(id)) continue;
        told.add(id);
        for (const e of this.watchers.get(room.sessionId)?.values() ?? []) {
          callNode(e, cluster.producerAdded, { sessionId: room.sessionId, origin: this.deps.self, producerId: id }, this.deps.secret).catch((err: Error) =>
            this.deps.log.warn("could not tell an edge of a new producer", { edge: e.nodeId, error: err.message }),
          );
        }
      }
    };
    room.on("producers", onChange);
    room.once("close", () => {
      room.off("producers", onChange);
      this.watchers.delete(room.sessionId);
    });
  }

  async open(req: { sessionId: number; producerId: string; edge: NodeRef; end: PipeEnd }) {
    this.refuseDead(req.edge);
    const room = this.room(req.sessionId);
    const { producer, memberId } = this.producerOf(room, req.producerId);
    const key = `${req.edge.nodeId}\n${req.producerId}`;
    // The same edge asking again for the same producer has lost its half: replace the pipe.
    const old = this.byEdgeProducer.get(key);
    if (old) this.close(old);

    const transport = await room.mainRouter!.createPipeTransport(pipeOptions(this.deps.listenIp));
    let consumer: types.Consumer;
    try {
      await transport.connect({ ip: req.end.ip, port: req.end.port, srtpParameters: req.end.srtpParameters });
      consumer = await transport.consume({ producerId: producer.id });
    } catch (e) {
      transport.close();
      throw e;
    }
    const pipe: OriginPipe = { transport, consumer, edge: req.edge, sessionId: req.sessionId, producerId: producer.id };
    this.pipes.set(transport.id, pipe);
    this.byEdgeProducer.set(key, transport.id);
    let told = false;
    const tell = (event: "close" | "pause" | "resume") => {
      if (told) return;
      if (event === "close") told = true;
      callNode(req.edge, cluster.pipeEvent, { pipeId: transport.id, producerId: producer.id, event }, this.deps.secret).catch((e: Error) =>
        this.deps.log.warn("could not tell an edge about its pipe", { edge: req.edge.nodeId, event, error: e.message }),
      );
    };
    consumer.on("producerpause", () => tell("pause"));
    consumer.on("producerresume", () => tell("resume"));
    // The producer closed (presenter left, worker died): the edge's copy must close too.
    consumer.on("producerclose", () => {
      tell("close");
      transport.close();
    });
    transport.observer.on("close", () => {
      // Still listed: closed under us (router gone), not at the edge's request nor because the
      // edge is dead; say so.
      const underUs = this.pipes.delete(transport.id);
      if (this.byEdgeProducer.get(key) === transport.id) this.byEdgeProducer.delete(key);
      if (underUs) tell("close");
    });
    return {
      pipeId: transport.id,
      end: endOf(transport),
      producer: {
        producerId: producer.id,
        kind: consumer.kind,
        memberId,
        source: sourceOf(producer),
        // mediasoup's type is narrower than the schema's bounded shape; the same JSON.
        rtpParameters: consumer.rtpParameters as unknown as z.input<typeof cluster.pipe.reply>["producer"]["rtpParameters"],
        paused: consumer.producerPaused,
      },
    };
  }

  /** The edge dropped the pipe: close our half without telling it back. */
  close(pipeId: string) {
    const pipe = this.pipes.get(pipeId);
    if (!pipe) return;
    this.pipes.delete(pipeId);
    pipe.transport.close();
  }

  /** Nodes this origin feeds pipes to. */
  edges(): Set<string> {
    return new Set([...this.pipes.values()].map((p) => p.edge.nodeId));
  }

  /**
   * Drops every pipe toward a node (the registry says it is dead), without telling it now: a dead
   * node cannot hear, and a starved one is told once it beats again (`edgesBeating`).
   */
  dropEdge(nodeId: string) {
    let dropped = false;
    for (const [id, p] of this.pipes) {
      if (p.edge.nodeId !== nodeId) continue;
      this.pipes.delete(id);
      p.transport.close();
      dropped = true;
    }
    for (const edges of this.watchers.values()) dropped = edges.delete(nodeId) || dropped;
    if (!dropped) return;
    this.takenForDead.add(nodeId);
    this.owed.add(nodeId);
  }

  /**
   * The registry's fresh records, each sweep: an edge dropped as dead that beats again was only
   * starved. It may ask for pipes again, and is told (best effort, a short timeout, retried next
   * sweep) that its pipes were dropped, so it pulls every producer again.
   */
  edgesBeating(live: NodeRef[]) {
    for (const ref of live) {
      this.takenForDead.delete(ref.nodeId);
      if (!this.owed.has(ref.nodeId) || this.telling.has(ref.nodeId)) continue;
      this.telling.add(ref.nodeId);
      callNode(ref, cluster.pipesDropped, { origin: this.deps.self }, this.deps.secret, { timeoutMs: 2_000 })
        .then(
          () => {
            this.owed.delete(ref.nodeId);
            this.deps.log.info("told an edge taken for dead that its pipes were dropped", { edge: ref.nodeId });
          },
          (e: Error) => this.deps.log.warn("could not tell an edge its pipes were dropped", { edge: ref.nodeId, error: e.message }),
        )
        .finally(() => this.telling.delete(ref.nodeId));
    }
  }

  closeAll() {
    for (const id of [...this.pipes.keys()]) this.close(id);
  }
}

// ---------------------------------------------------------------------------------------------
// Edge: pulls from an origin
// ---------------------------------------------------------------------------------------------

type EdgePipe = {
  transport: types.PipeTransport;
  producer: types.Producer;
  origin: NodeRef;
  pipeId: string;
  /** Set when the origin said the producer closed: the origin needs no word back. */
  closedByOrigin: boolean;
};

export class PipeEdge {
  /** One pull per (session, producer): the promise is stored, so concurrent viewers share it. */
  private readonly pulls = new Map<string, Promise<types.Producer>>();
  /** Established pipes by the origin's pipe id. */
  readonly pipes = new Map<string, EdgePipe>();
  /** Sessions this node carries, and from which origin (for pulling again after a rebuild). */
  private readonly carried = new Map<Room, NodeRef>();
  /** Rooms whose rebuilds this edge follows (once per room, however often it is carried). */
  private readonly hooked = new WeakSet<Room>();

  constructor(private readonly deps: PipeDeps) {}

  /** The origin a session here is carried from, if it is carried. */
  carriedFrom(sessionId: number): NodeRef | undefined {
    for (const [room, origin] of this.carried) if (room.sessionId === sessionId && !room.closed) return origin;
    return undefined;
  }

  /**
   * The origin is dead (or no longer the session's): its pipes close here without a word back,
   * and the viewers' consumers of its producers close with them.
   */
  dropOrigin(nodeId: string) {
    for (const p of [...this.pipes.values()]) {
      if (p.origin.nodeId !== nodeId) continue;
      p.closedByOrigin = true;
      p.transport.close();
    }
    for (const [room, origin] of this.carried) if (origin.nodeId === nodeId) this.carried.delete(room);
  }

  /** Opens the session's room here, pipes every producer of the origin, and follows new ones. */
  async carry(sessionId: number, origin: NodeRef): Promise<string[]> {
    const room = await this.deps.rooms.get(sessionId);
    await room.ready();
    if (!this.hooked.has(room)) {
      this.hooked.add(room);
      // The room's main router went with its worker: the pipes went with it (their transports
      // closed, so the origin freed its halves); pull everything again on the new main router.
      // Viewers rejoin meanwhile and hear `newProducer` as each pipe comes back.
      room.on("rebuilt", ({ reason }) => {
        const from = this.carried.get(room);
        if (reason !== "main-router-lost" || !from || room.closed) return;
        this.carry(room.sessionId, from).catch((e: Error) =>
          this.deps.log.error("could not pull a session again after a rebuild", { sessionId: room.sessionId, origin: from.nodeId, error: e.message }),
        );
      });
      room.once("close", () => this.carried.delete(room));
    }
    const before = this.carried.get(room);
    this.carried.set(room, origin);
    let producers;
    try {
      ({ producers } = await callNode(origin, cluster.producers, { sessionId, watch: this.deps.self }, this.deps.secret));
    } catch (e) {
      // Not carried after all (the origin has no room yet, or is gone): a later attempt starts over.
      if (this.carried.get(room) === origin) {
        if (before) this.carried.set(room, before);
        else this.carried.delete(room);
      }
      throw e;
    }
    await Promise.all(producers.map((p) => this.pull(room, origin, p.producerId)));
    return producers.map((p) => p.producerId);
  }

  /** The origin announced a producer of a session this node carries. */
  async producerAdded(sessionId: number, origin: NodeRef, producerId: string) {
    const room = this.deps.rooms.peek(sessionId);
    if (!room || room.closed) throw new ChannelError(404, "no-such-session");
    await this.pull(room, origin, producerId);
  }

  pull(room: Room, origin: NodeRef, producerId: string): Promise<types.Producer> {
    const key = `${room.sessionId}\n${producerId}`;
    let p = this.pulls.get(key);
    if (!p) {
      p = this.open(room, origin, producerId);
      this.pulls.set(key, p);
      p.then(
        (producer) => producer.observer.on("close", () => this.pulls.get(key) === p && this.pulls.delete(key)),
        () => this.pulls.get(key) === p && this.pulls.delete(key),
      );
    }
    return p;
  }

  private async open(room: Room, origin: NodeRef, producerId: string): Promise<types.Producer> {
    await room.ready();
    const router = room.mainRouter;
    if (!router) throw new ChannelError(409, "media-restarting");
    const transport = await router.createPipeTransport(pipeOptions(this.deps.listenIp));
    let pipeId: string | undefined;
    try {
      const reply = await callNode(origin, cluster.pipe, { sessionId: room.sessionId, producerId, edge: this.deps.self, end: endOf(transport) }, this.deps.secret);
      pipeId = reply.pipeId;
      await transport.connect({ ip: reply.end.ip, port: reply.end.port, srtpParameters: reply.end.srtpParameters });
      const producer = await transport.produce({
        // The same id as on the origin: viewers, the join reply and newProducer/producerClosed
        // speak of one producer on every node.
        id: producerId,
        kind: reply.producer.kind,
        // Bounded by the schema; mediasoup validates the parameters themselves.
        rtpParameters: reply.producer.rtpParameters as unknown as types.RtpParameters,
        paused: reply.producer.paused,
        appData: { source: reply.producer.source, memberId: reply.producer.memberId, origin: origin.nodeId },
      });
      const pipe: EdgePipe = { transport, producer, origin, pipeId, closedByOrigin: false };
      this.pipes.set(pipeId, pipe);
      transport.observer.on("close", () => {
        this.pipes.delete(pipe.pipeId);
        // Dropped here (room closed, worker died): the origin can free its half.
        if (!pipe.closedByOrigin) {
          callNode(origin, cluster.pipeClose, { pipeId: pipe.pipeId }, this.deps.secret).catch((e: Error) =>
            this.deps.log.warn("could not tell the origin a pipe closed", { origin: origin.nodeId, error: e.message }),
          );
        }
      });
      // A producer closes with its transport; one transport per pipe.
      producer.observer.on("close", () => transport.close());
      room.addRelayed(producer, { memberId: reply.producer.memberId, source: reply.producer.source });
      if (room.closed) transport.close();
      return producer;
    } catch (e) {
      transport.close();
      if (pipeId) await callNode(origin, cluster.pipeClose, { pipeId }, this.deps.secret).catch(() => {});
      throw e;
    }
  }

  /**
   * The origin took this node for dead (starved past the liveness rule) and dropped every pipe
   * toward it: close our halves without a word back (viewers hear `producerClosed`), and carry
   * each session from it again (viewers hear `newProducer` and consume on the same sockets).
   */
  pipesDropped(origin: NodeRef) {
    const rooms = [...this.carried].filter(([r, o]) => o.nodeId === origin.nodeId && !r.closed).map(([r]) => r);
    this.deps.log.warn("the origin dropped our pipes (taken for dead): pulling again", { origin: origin.nodeId, sessions: rooms.map((r) => r.sessionId) });
    for (const p of [...this.pipes.values()]) {
      if (p.origin.nodeId !== origin.nodeId) continue;
      p.closedByOrigin = true;
      p.transport.close();
    }
    for (const room of rooms) {
      // The origin's address as it gave it now (it may have moved); the room stays carried.
      this.carry(room.sessionId, origin).catch((e: Error) =>
        this.deps.log.error("could not pull a session again after the origin dropped our pipes", { sessionId: room.sessionId, origin: origin.nodeId, error: e.message }),
      );
    }
  }

  /** The origin's word about a pipe: the producer behind it closed, paused or resumed. */
  async event(e: { pipeId: string; producerId: string; event: "close" | "pause" | "resume" }) {
    const pipe = this.pipes.get(e.pipeId);
    // Already gone here, or a stale/forged id: nothing to do.
    if (!pipe || pipe.producer.id !== e.producerId) return;
    if (e.event === "close") {
      pipe.closedByOrigin = true;
      pipe.transport.close();
    } else if (e.event === "pause") await pipe.producer.pause();
    else await pipe.producer.resume();
  }

  closeAll() {
    for (const p of [...this.pipes.values()]) p.transport.close();
  }
}

/** The routes of a node's internal listener for pipes (both roles: any node can be either). */
export function pipeRoutes(origin: PipeOrigin, edge: PipeEdge): Route[] {
  return [
    route(cluster.pipe, (b) => origin.open(b)),
    route(cluster.pipeClose, (b) => {
      origin.close(b.pipeId);
      return { ok: true as const };
    }),
    route(cluster.producers, (b) => ({ producers: origin.producers(b.sessionId, b.watch) })),
    route(cluster.pipeEvent, async (b) => {
      await edge.event(b);
      return { ok: true as const };
    }),
    route(cluster.producerAdded, async (b) => {
      await edge.producerAdded(b.sessionId, b.origin, b.producerId);
      return { ok: true as const };
    }),
    route(cluster.carry, async (b) => ({ producers: await edge.carry(b.sessionId, b.origin) })),
    route(cluster.pipesDropped, (b) => {
      edge.pipesDropped(b.origin);
      return { ok: true as const };
    }),
  ];
}
