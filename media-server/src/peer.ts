/**
 * A peer is one authenticated member in one room, keyed by member id (never by socket id): a
 * second tab or device of the same member replaces the first, so each member has one timeline.
 * The peer owns its transports; closing a transport closes its producers and consumers.
 */
import { randomUUID } from "node:crypto";
import type { types } from "mediasoup";
import type { PeerIdentity, ServerToClientEvents } from "#live/wire.ts";
import type { RouterSlot } from "./router-slot.ts";
import type { MediaSocket, Notification } from "./socket.ts";

export type Direction = "send" | "recv";

export class Peer {
  /** Names this socket connection in the attendance ledger. */
  readonly connectionId = randomUUID();
  slot: RouterSlot | undefined;
  /** Consumer slots reserved on `slot`'s worker. */
  reserved = 0;
  audioOnly = false;
  saveData = false;
  rtpCapabilities: types.RtpCapabilities | undefined;
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly producers = new Map<string, types.Producer>();
  readonly consumers = new Map<string, types.Consumer>();
  closed = false;

  constructor(
    readonly id: PeerIdentity,
    readonly socket: MediaSocket,
  ) {}

  get memberId() {
    return this.id.memberId;
  }

  transportFor(direction: Direction): types.WebRtcTransport | undefined {
    for (const t of this.transports.values()) if ((t.appData as { direction?: Direction }).direction === direction) return t;
    return undefined;
  }

  /** Closes every transport (cascading to producers and consumers) and forgets the router. */
  resetMedia() {
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
    for (const p of this.producers.values()) p.close();
    this.producers.clear();
    for (const c of this.consumers.values()) c.close();
    this.consumers.clear();
    this.rtpCapabilities = undefined;
  }

  /** Sends a notification; a peer that is closed (replaced, left) receives nothing more. */
  notify<E extends Notification>(event: E, ...args: Parameters<ServerToClientEvents[E]>) {
    if (!this.closed) this.socket.emit(event, ...args);
  }
}
