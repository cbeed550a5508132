/**
 * Socket event handlers. Each client→server event has one zod schema (protocol.ts); the wrapper
 * below rate-limits, bounds the size, validates, runs the handler and acks its result or
 * `{ error, message }`. Nothing a client sends can throw into socket.io.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Socket } from "socket.io";
import { writeTx, type Db } from "#db/client.server.ts";
import { liveSessions, members, units } from "#db/schema/index.ts";
import { invitedCondition, type AttendanceLedger } from "./attendance.ts";
import { viewOf, type ChatLimiter } from "./chat.ts";
import type { SocketAuth } from "./auth.ts";
import { iceServersFor, type MediaConfig } from "./config.ts";
import { ClientError, messageOf } from "./errors.ts";
import type { Logger } from "./log.ts";
import { Peer } from "./peer.ts";
import { schemas, type EventName, type Payload } from "./protocol.ts";
import type { Room, RoomRegistry } from "./room.ts";

export type HandlerDeps = {
  db: Db;
  config: MediaConfig;
  registry: RoomRegistry;
  ledger: AttendanceLedger;
  log: Logger;
  joinLimiter: SlidingWindowLimiter;
  chatLimiter: ChatLimiter;
};

type Ack = (reply: unknown) => void;

/** A token bucket: `capacity` events at once, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }
  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** At most `max` hits per key within `windowMs` (joins per member, across sockets). */
export class SlidingWindowLimiter {
  private readonly hits = new Map<number, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}
  hit(key: number, now = Date.now()): boolean {
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.max) {
      this.hits.set(key, recent);
      return false;
    }
    recent.push(now);
    this.hits.set(key, recent);
    return true;
  }
  sweep(now = Date.now()) {
    for (const [k, v] of this.hits) if (v.every((t) => now - t >= this.windowMs)) this.hits.delete(k);
  }
}

export type Audience = {
  /** Distinct members watching: own screens (viewers) and those checked in at cell rooms. */
  people: number;
  viewers: number;
  cellRooms: number;
  checkedIn: number;
  byUnit: { unitId: number; code: string; name: string; viewers: number; cellRooms: number; checkedIn: number }[];
};

/** The room's audience, per unit (a viewer's own unit; a cell room's cell). Presenters are not counted. */
export function audienceOf(db: Db, room: Room): Audience {
  const per = new Map<number, { viewers: number; cellRooms: number; checkedIn: number }>();
  const people = new Set<number>();
  let viewers = 0;
  let cellRooms = 0;
  let checkedIn = 0;
  for (const p of room.peers.values()) {
    if (p.closed || p.id.role === "presenter") continue;
    let u = per.get(p.id.unitId);
    if (!u) per.set(p.id.unitId, (u = { viewers: 0, cellRooms: 0, checkedIn: 0 }));
    if (p.id.role === "cell-room") {
      cellRooms++;
      u.cellRooms++;
      const set = room.checkins.get(p.memberId) ?? new Set<number>();
      checkedIn += set.size;
      u.checkedIn += set.size;
      for (const m of set) people.add(m);
    } else {
      viewers++;
      u.viewers++;
      people.add(p.memberId);
    }
  }
  const ids = [...per.keys()];
  const names = new Map(
    (ids.length ? db.select({ id: units.id, code: units.code, name: units.name }).from(units).where(inArray(units.id, ids)).all() : []).map((u) => [u.id, u]),
  );
  const byUnit = ids
    .map((unitId) => ({ unitId, code: names.get(unitId)?.code ?? "", name: names.get(unitId)?.name ?? "", ...per.get(unitId)! }))
    .sort((a, b) => a.code.localeCompare(b.code));
  return { people: people.size, viewers, cellRooms, checkedIn, byUnit };
}

const audienceTimers = new WeakMap<Room, ReturnType<typeof setTimeout>>();

/** Tells the room's presenters who is watching, at most once per `delayMs` (a join storm sends one). */
export function scheduleAudience(db: Db, room: Room, log: Logger, delayMs = 1000) {
  if (audienceTimers.has(room)) return;
  const t = setTimeout(() => {
    audienceTimers.delete(room);
    if (room.closed) return;
    try {
      const presenters = [...room.peers.values()].filter((p) => p.id.role === "presenter" && !p.closed);
      if (presenters.length === 0) return;
      const audience = audienceOf(db, room);
      for (const p of presenters) p.notify("audience", audience);
    } catch (e) {
      log.warn("audience update failed", { error: e });
    }
  }, delayMs);
  t.unref?.();
  audienceTimers.set(room, t);
}

function payloadSize(v: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(v) ?? "");
  } catch {
    return Infinity;
  }
}

export function registerHandlers(socket: Socket, deps: HandlerDeps) {
  const auth = socket.data.auth as SocketAuth;
  const { identity } = auth;
  const sessionId = auth.token.sessionId;
  const bucket = new TokenBucket(60, 30);
  const { log, ledger, config } = deps;

  const reply = (ack: Ack, value: unknown) => {
    try {
      ack(value);
    } catch (e) {
      log.warn("ack failed", { error: e });
    }
  };

  function on<E extends EventName>(event: E, handler: (payload: Payload<E>) => unknown | Promise<unknown>) {
    socket.on(event as string, async (...args: unknown[]) => {
      const ack: Ack = typeof args[args.length - 1] === "function" ? (args.pop() as Ack) : () => {};
      try {
        if (!bucket.take()) throw new ClientError("rate-limited");
        if (args.length > 1) throw new ClientError("invalid-payload");
        // No payload (or null, which is how socket.io sends undefined) means {}.
        const raw = args.length === 0 || args[0] == null ? {} : args[0];
        if (payloadSize(raw) > config.maxEventBytes) throw new ClientError("payload-too-large");
        const parsed = schemas[event].safeParse(raw);
        if (!parsed.success) {
          const issues = parsed.error.issues.slice(0, 3).map((i) => ({ path: i.path.join(".").slice(0, 100), message: i.message.slice(0, 200) }));
          throw new ClientError("invalid-payload", { issues });
        }
        const result = await handler(parsed.data as Payload<E>);
        reply(ack, result ?? { ok: true });
      } catch (e) {
        if (e instanceof ClientError) reply(ack, e.toAck());
        else {
          log.error("handler failed", { event, memberId: identity.memberId, error: e });
          reply(ack, { error: "internal", message: messageOf("internal") });
        }
      }
    });
  }

  // Unknown events get an answer too (if they asked for one).
  socket.onAny((event: string, ...args: unknown[]) => {
    if (Object.hasOwn(schemas, event)) return;
    const ack = args[args.length - 1];
    if (typeof ack === "function") reply(ack as Ack, { error: "invalid-payload", message: messageOf("invalid-payload") });
  });

  const current = (): { peer: Peer; room: Room } => {
    const peer = socket.data.peer as Peer | undefined;
    const room = socket.data.room as Room | undefined;
    if (!peer || !room || peer.closed || room.closed) throw new ClientError("not-joined");
    return { peer, room };
  };

  const requireRole = (peer: Peer, role: Peer["id"]["role"]) => {
    if (peer.id.role !== role) throw new ClientError("forbidden");
  };

  /** Second tab or device of the same member: the newer socket replaces the older one. */
  const replaceOther = (room: Room, peer: Peer | undefined) => {
    const other = room.peers.get(identity.memberId);
    if (!other || other === peer) return;
    other.notify("replaced", { message: messageOf("replaced") });
    other.closed = true;
    room.removePeer(other);
    other.socket.disconnect(true);
  };

  // Joins of one socket run one after the other (a rejoin may arrive while a join is in flight).
  let joining: Promise<unknown> = Promise.resolve();

  on("join", ({ audioOnly }) => {
    const run = joining.then(() => join(audioOnly ?? false));
    joining = run.catch(() => {});
    return run;
  });

  async function join(audioOnly: boolean) {
    // A phone that scanned a QR checks in only; it never receives media or counts as a viewer.
    if (identity.role === "check-in") throw new ClientError("forbidden");
    if (!deps.joinLimiter.hit(identity.memberId)) throw new ClientError("rate-limited");
    const session = deps.db.select({ state: liveSessions.state }).from(liveSessions).where(eq(liveSessions.id, sessionId)).get();
    if (!session || session.state === "ended") throw new ClientError("session-ended");
    const room = await deps.registry.get(sessionId);
    await room.ready();
    let peer = socket.data.peer as Peer | undefined;
    if (peer?.closed) throw new ClientError("not-joined");
    if (peer && socket.data.room !== room) {
      // The room was closed and re-created under this socket: start over.
      appendClose(peer, "room-closed");
      peer = undefined;
    }
    replaceOther(room, peer); // before admission, so the member's old slots are free
    const first = !peer;
    if (!peer) peer = new Peer(identity, socket);
    else room.releaseMedia(peer);
    try {
      await room.admit(peer, audioOnly);
    } catch (e) {
      if (!first) {
        room.removePeer(peer);
        socket.data.peer = undefined;
        socket.data.room = undefined;
        appendClose(peer, "refused");
      }
      throw e;
    }
    if (socket.disconnected) {
      room.removePeer(peer);
      throw new ClientError("not-joined");
    }
    replaceOther(room, peer); // again: another tab may have joined while we awaited
    room.addPeer(peer);
    socket.data.peer = peer;
    socket.data.room = room;
    scheduleAudience(deps.db, room, log);
    if (first) {
      ledger.append({
        sessionId,
        memberId: identity.memberId,
        kind: "socket-connect",
        via: "individual",
        connectionId: peer.connectionId,
        at: Date.now(),
        detail: { role: identity.role, audioOnly },
      });
    }
    return {
      routerRtpCapabilities: room.rtpCapabilities,
      iceServers: iceServersFor(config, identity.memberId),
      role: identity.role,
      you: { memberId: identity.memberId, name: identity.name },
      audioOnly: peer.audioOnly,
      saveData: peer.saveData,
      sessionState: session.state,
      producers: [...room.producers.values()]
        .filter((e) => e.peer !== peer)
        .map((e) => ({ producerId: e.producer.id, kind: e.producer.kind, memberId: e.peer.memberId })),
      checkedIn: identity.role === "cell-room" ? [...(room.checkins.get(identity.memberId) ?? [])] : undefined,
      checkinCode: identity.role === "cell-room" ? (startCodes(), room.checkinCodes.currentFor(identity.memberId)) : undefined,
      // The room's last chat messages (hidden ones only for presenters).
      chat: room.chat.historyFor(identity.role === "presenter"),
    };
  }

  on("createTransport", async ({ direction }) => {
    const { peer, room } = current();
    return await room.createTransport(peer, direction);
  });

  on("connectTransport", async ({ transportId, dtlsParameters }) => {
    const { peer, room } = current();
    await room.connectTransport(peer, transportId, dtlsParameters);
    return { ok: true };
  });

  on("produce", async (p) => {
    const { peer, room } = current();
    return await room.produce(peer, p as Parameters<Room["produce"]>[1]);
  });

  on("pauseProducer", async ({ producerId, paused }) => {
    const { peer, room } = current();
    await room.pauseProducer(peer, producerId, paused);
    return { ok: true };
  });

  on("consume", async ({ rtpCapabilities, producerId }) => {
    const { peer, room } = current();
    const consumers = await room.consume(peer, { rtpCapabilities: rtpCapabilities as Parameters<Room["consume"]>[1]["rtpCapabilities"], producerId });
    return { consumers };
  });

  on("resumeConsumer", async ({ consumerId }) => {
    const { peer, room } = current();
    await room.resumeConsumer(peer, consumerId);
    return { ok: true };
  });

  on("setPreferredLayers", async ({ consumerId, spatialLayer, temporalLayer }) => {
    const { peer, room } = current();
    return await room.setPreferredLayers(peer, consumerId, spatialLayer, temporalLayer);
  });

  on("saveData", async ({ enabled }) => {
    const { peer, room } = current();
    return { consumers: await room.setSaveData(peer, enabled) };
  });

  on("restartIce", async ({ transportId }) => {
    const { peer, room } = current();
    return { iceParameters: await room.restartIce(peer, transportId) };
  });

  /** Members (ids) a cell room may check in: active, invited, and in the cell's subtree. */
  const eligible = (ids: number[], cellPath = identity.unitPath) => {
    const rows = deps.db
      .select({ id: members.id, path: units.path })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(and(inArray(members.id, ids), eq(members.status, "active"), invitedCondition(sessionId)))
      .all();
    return new Set(rows.filter((r) => r.path.startsWith(cellPath)).map((r) => r.id));
  };

  on("checkin", ({ memberIds, eventId }) => {
    const { peer, room } = current();
    requireRole(peer, "cell-room");
    const unique = [...new Set(memberIds)];
    const ok = eligible(unique);
    let set = room.checkins.get(identity.memberId);
    if (!set) room.checkins.set(identity.memberId, (set = new Set()));
    const checkedIn: number[] = [];
    const refused: number[] = [];
    const now = Date.now();
    for (const id of unique) {
      if (!ok.has(id)) {
        refused.push(id);
        continue;
      }
      ledger.append({
        eventId: eventId ? `c:${identity.memberId}:${eventId}:in:${id}` : undefined,
        sessionId,
        memberId: id,
        kind: "checkin",
        via: "cell-room",
        cellRoomMemberId: identity.memberId,
        connectionId: peer.connectionId,
        at: now,
      });
      set.add(id);
      checkedIn.push(id);
    }
    scheduleAudience(deps.db, room, log);
    return { checkedIn, refused };
  });

  on("checkout", ({ memberIds, eventId }) => {
    const { peer, room } = current();
    requireRole(peer, "cell-room");
    const set = room.checkins.get(identity.memberId) ?? new Set<number>();
    const checkedOut: number[] = [];
    const now = Date.now();
    for (const id of new Set(memberIds)) {
      if (!set.has(id)) continue;
      ledger.append({
        eventId: eventId ? `c:${identity.memberId}:${eventId}:out:${id}` : undefined,
        sessionId,
        memberId: id,
        kind: "checkout",
        via: "cell-room",
        cellRoomMemberId: identity.memberId,
        connectionId: peer.connectionId,
        at: now,
      });
      set.delete(id);
      checkedOut.push(id);
    }
    scheduleAudience(deps.db, room, log);
    return { checkedOut };
  });

  // ---- phone check-in by a cell room's rotating QR ---------------------------------------------

  /** A cell room's screen gets a fresh code each rotation while it is joined. */
  let codeTimer: ReturnType<typeof setInterval> | undefined;
  const sendCode = () => {
    const peer = socket.data.peer as Peer | undefined;
    const room = socket.data.room as Room | undefined;
    if (!peer || !room || peer.closed || room.closed) return;
    peer.notify("checkinCode", room.checkinCodes.rotate(identity.memberId));
  };
  const startCodes = () => {
    if (identity.role !== "cell-room" || codeTimer) return;
    codeTimer = setInterval(sendCode, config.checkinQrRotateMs);
    codeTimer.unref?.();
  };
  const stopCodes = (room: Room | undefined) => {
    if (codeTimer) clearInterval(codeTimer);
    codeTimer = undefined;
    // Only if no newer screen of the same host took over (its codes stay valid).
    if (room && !room.peers.has(identity.memberId)) room.checkinCodes.drop(identity.memberId);
  };

  on("checkinCode", () => {
    const { peer, room } = current();
    requireRole(peer, "cell-room");
    startCodes();
    return room.checkinCodes.currentFor(identity.memberId);
  });

  on("qrCheckin", ({ code }) => {
    if (identity.role !== "check-in") throw new ClientError("forbidden");
    // Codes are 96 random bits, but a wrong one still costs the member a join attempt.
    if (!deps.joinLimiter.hit(identity.memberId)) throw new ClientError("rate-limited");
    const room = deps.registry.peek(sessionId);
    const now = Date.now();
    const hostId = room && !room.closed ? room.checkinCodes.hostOf(code, now) : undefined;
    if (!room || hostId === undefined) throw new ClientError("checkin-code-expired");
    const host = room.peers.get(hostId);
    if (!host || host.closed || host.id.role !== "cell-room") throw new ClientError("cell-room-offline");
    if (!eligible([identity.memberId], host.id.unitPath).has(identity.memberId)) throw new ClientError("not-on-roster");
    let set = room.checkins.get(hostId);
    if (!set) room.checkins.set(hostId, (set = new Set()));
    const already = set.has(identity.memberId);
    if (!already) {
      ledger.append({
        sessionId,
        memberId: identity.memberId,
        kind: "checkin",
        via: "cell-room",
        cellRoomMemberId: hostId,
        connectionId: host.connectionId,
        at: now,
        detail: { method: "qr" },
      });
      set.add(identity.memberId);
      host.notify("checkedIn", { memberIds: [identity.memberId], method: "qr", name: identity.name });
      scheduleAudience(deps.db, room, log);
    }
    const cell = deps.db.select({ code: units.code, name: units.name }).from(units).where(eq(units.id, host.id.unitId)).get();
    return { ok: true, already, cell: cell ?? null, host: host.id.name };
  });

  on("startSession", () => {
    const { peer, room } = current();
    requireRole(peer, "presenter");
    const now = new Date();
    writeTx(deps.db, (tx) =>
      tx
        .update(liveSessions)
        .set({ state: "live", actualStartAt: now, updatedAt: now })
        .where(and(eq(liveSessions.id, sessionId), eq(liveSessions.state, "scheduled")))
        .run(),
    );
    const s = deps.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId)).get();
    for (const p of room.peers.values()) p.notify("sessionStarted", { startedAt: s?.actualStartAt?.getTime() ?? now.getTime() });
    return { state: s?.state, startedAt: s?.actualStartAt?.getTime() };
  });

  on("endSession", () => {
    const { peer, room } = current();
    requireRole(peer, "presenter");
    const now = new Date();
    writeTx(deps.db, (tx) =>
      tx
        .update(liveSessions)
        .set({ state: "ended", actualEndAt: now, updatedAt: now })
        .where(and(eq(liveSessions.id, sessionId), inArray(liveSessions.state, ["scheduled", "live"])))
        .run(),
    );
    for (const p of room.peers.values()) p.notify("sessionEnded", { endedAt: now.getTime() });
    return { state: "ended", endedAt: now.getTime() };
  });

  on("startPoll", ({ question, seconds }) => {
    const { peer, room } = current();
    requireRole(peer, "presenter");
    const pollId = randomUUID();
    const openedAt = Date.now();
    const closesAt = openedAt + (seconds ?? 120) * 1000;
    room.polls.set(pollId, { question, openedAt, closesAt });
    for (const p of room.peers.values()) if (p !== peer) p.notify("poll", { pollId, question, closesAt });
    return { pollId, closesAt };
  });

  on("pollAnswer", ({ pollId, answer }) => {
    const { peer, room } = current();
    const poll = room.polls.get(pollId);
    if (!poll || Date.now() > poll.closesAt) throw new ClientError("not-found");
    // One answer per member per poll: the event id makes a second answer (or a retry) a no-op.
    const recorded = ledger.append({
      eventId: `poll:${pollId}:${identity.memberId}`,
      sessionId,
      memberId: identity.memberId,
      kind: "poll-answer",
      via: "individual",
      connectionId: peer.connectionId,
      at: Date.now(),
      detail: { pollId, question: poll.question, answer },
    });
    return { ok: true, recorded };
  });

  // ---- chat and Q&A (in memory; not attendance) -------------------------------------------------

  let unitName: string | null | undefined;
  const ownUnitName = () => {
    if (unitName === undefined) {
      unitName = deps.db.select({ name: units.name }).from(units).where(eq(units.id, identity.unitId)).get()?.name ?? null;
    }
    return unitName;
  };

  on("chatSend", ({ text, question }) => {
    const { room } = current();
    const limit = deps.chatLimiter.take(sessionId, identity.memberId);
    if (!limit.ok) throw new ClientError("rate-limited", { retryAfterMs: limit.retryAfterMs }, "chat-rate-limited");
    const msg = room.chat.add({ memberId: identity.memberId, name: identity.name, unitName: ownUnitName(), text, question });
    for (const p of room.peers.values()) p.notify("chat", viewOf(msg, p.id.role === "presenter"));
    return { ok: true, id: msg.id, at: msg.at };
  });

  on("chatModerate", (m) => {
    const { peer, room } = current();
    requireRole(peer, "presenter");
    const msg = room.chat.moderate(m.messageId, m.action, identity.name, m.action === "answer" ? m.answer : undefined);
    if (!msg) throw new ClientError("not-found");
    for (const p of room.peers.values()) p.notify("chatUpdate", viewOf(msg, p.id.role === "presenter"));
    return { ok: true, message: viewOf(msg, true) };
  });

  function appendClose(peer: Peer, reason: string) {
    try {
      ledger.append({
        sessionId,
        memberId: peer.memberId,
        kind: "socket-disconnect",
        via: "individual",
        connectionId: peer.connectionId,
        at: Date.now(),
        detail: { reason },
      });
    } catch (e) {
      log.error("attendance append failed", { error: e, memberId: peer.memberId });
    }
  }

  on("leave", () => {
    const { peer, room } = current();
    peer.closed = true;
    room.removePeer(peer);
    socket.data.peer = undefined;
    socket.data.room = undefined;
    appendClose(peer, "leave");
    stopCodes(room);
    scheduleAudience(deps.db, room, log);
    return { ok: true };
  });

  socket.on("disconnect", (reason) => {
    const peer = socket.data.peer as Peer | undefined;
    const room = socket.data.room as Room | undefined;
    socket.data.peer = undefined;
    socket.data.room = undefined;
    if (!peer || !room) return stopCodes(undefined);
    peer.closed = true;
    room.removePeer(peer);
    stopCodes(room);
    appendClose(peer, reason);
    scheduleAudience(deps.db, room, log);
  });
}
