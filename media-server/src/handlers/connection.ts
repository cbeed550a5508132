/**
 * One authenticated socket's state, shared by the handler modules: who it is (from the verified
 * token, never a payload), the peer and room it joined, and the steps several concerns need
 * (the member's other tab replaced, a connection's interval closed in the ledger).
 */
import type { Db } from "#db/client.server.ts";
import type { JoinRole } from "#live/join-token.ts";
import type { PeerIdentity } from "#live/wire.ts";
import type { AttendanceLedger } from "../attendance.ts";
import type { ChatLimiter } from "../chat.ts";
import type { MediaConfig } from "../config.ts";
import { ClientError } from "../errors.ts";
import type { SlidingWindowLimiter } from "../limits.ts";
import type { Logger } from "../log.ts";
import type { Peer } from "../peer.ts";
import type { CrossNodeEvents } from "../cluster/events.ts";
import type { Recordings } from "../recording/recordings.ts";
import type { Room, RoomRegistry } from "../room.ts";
import type { MediaSocket } from "../socket.ts";
import { scheduleAudience } from "./audience.ts";

export type HandlerDeps = {
  db: Db;
  config: MediaConfig;
  registry: RoomRegistry;
  ledger: AttendanceLedger;
  log: Logger;
  joinLimiter: SlidingWindowLimiter;
  chatLimiter: ChatLimiter;
  recordings: Recordings;
  /** Other media nodes, when socket.io runs on the shared adapter (ADR 0016). */
  crossNode?: CrossNodeEvents;
};

const bySocket = new WeakMap<MediaSocket, Connection>();

/** The connection state of a socket (server shutdown detaches every peer before closing sockets). */
export function connectionOf(socket: MediaSocket): Connection | undefined {
  return bySocket.get(socket);
}

export class Connection {
  readonly identity: PeerIdentity;
  readonly sessionId: number;
  peer: Peer | undefined;
  room: Room | undefined;

  constructor(
    readonly socket: MediaSocket,
    readonly deps: HandlerDeps,
  ) {
    this.identity = socket.data.auth.identity;
    this.sessionId = socket.data.auth.token.sessionId;
    bySocket.set(socket, this);
  }

  /** The joined peer and its room, or `not-joined`. */
  current(): { peer: Peer; room: Room } {
    const { peer, room } = this;
    if (!peer || !room || peer.closed || room.closed) throw new ClientError("not-joined");
    return { peer, room };
  }

  /** The joined peer and room when the peer has this role, else `forbidden`. */
  currentAs(role: JoinRole): { peer: Peer; room: Room } {
    const c = this.current();
    if (c.peer.id.role !== role) throw new ClientError("forbidden");
    return c;
  }

  attach(peer: Peer, room: Room) {
    this.peer = peer;
    this.room = room;
  }

  /** Forgets the peer and room; returns what was attached. */
  detach(): { peer: Peer | undefined; room: Room | undefined } {
    const { peer, room } = this;
    this.peer = undefined;
    this.room = undefined;
    return { peer, room };
  }

  /** Server shutdown: the peer receives nothing more, and the disconnect that follows records nothing. */
  shutdown() {
    if (this.peer) this.peer.closed = true;
    this.detach();
  }

  audienceChanged(room: Room) {
    scheduleAudience(this.deps.db, room, this.deps.log, this.deps.crossNode);
  }

  /** Second tab or device of the same member: the newer socket replaces the older one. */
  replaceOther(room: Room, peer: Peer | undefined) {
    const other = room.peers.get(this.identity.memberId);
    if (!other || other === peer) return;
    other.notify("replaced", { code: "replaced" });
    other.closed = true;
    room.removePeer(other);
    other.socket.disconnect(true);
  }

  /** Closes the connection's interval in the ledger (a failure is logged: the socket still goes). */
  async appendClose(peer: Peer, reason: string) {
    try {
      await this.deps.ledger.append({
        sessionId: this.sessionId,
        memberId: peer.memberId,
        kind: "socket-disconnect",
        via: "individual",
        connectionId: peer.connectionId,
        at: Date.now(),
        detail: { reason },
      });
    } catch (e) {
      this.deps.log.error("attendance append failed", { error: e, memberId: peer.memberId });
    }
  }
}
