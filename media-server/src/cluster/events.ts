/**
 * Room-wide events across media nodes (ADR 0016), behind MEDIA_IO_ADAPTER=redis-streams: socket.io
 * runs on @socket.io/redis-streams-adapter, and what one node does to a session's shared state is
 * announced to the others with `serverSideEmit` (InterServerEvents in #live/wire.ts). Each node
 * then tells its own peers, as the node it happened on told its own: every peer hears it once.
 *
 * Today: chat messages and their moderation. The node that received `chatSend` stores the message
 * (one row) and shows it to its peers; the others keep it in their room's log (so a member joining
 * there sees it in the history, and a presenter there can moderate it) and show it to theirs.
 * Streams rather than pub/sub: a Redis blip delays these events instead of dropping them.
 */
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import { z } from "zod";
import type { Db } from "#db/client.server.ts";
import type { AudiencePart, ChatMessage, RecordingStatus } from "#live/wire.ts";
import { viewOf } from "../chat.ts";
import { scheduleAudience } from "../handlers/audience.ts";
import type { Poll } from "../polls.ts";
import type { Logger } from "../log.ts";
import type { Room, RoomRegistry } from "../room.ts";
import type { MediaIo } from "../socket.ts";

const chatMessage = z
  .object({
    id: z.string().uuid(),
    memberId: z.number().int().positive(),
    name: z.string().max(200),
    unitName: z.string().max(300).nullable(),
    text: z.string().max(4000),
    question: z.boolean(),
    at: z.number().int(),
    hidden: z.boolean(),
    pinnedAt: z.number().int().nullable(),
    answer: z.object({ text: z.string().max(4000), by: z.string().max(200), at: z.number().int() }).strict().nullable(),
  })
  .strict() satisfies z.ZodType<ChatMessage>;
const chatEvent = z.object({ sessionId: z.number().int().positive(), message: chatMessage }).strict();
const count = z.number().int().nonnegative();
const recordingEvent = z
  .object({ sessionId: z.number().int().positive(), status: z.object({ active: z.boolean(), since: z.number().int().nullable() }).strict() })
  .strict();
const sessionStateEvent = z.object({ sessionId: z.number().int().positive(), state: z.enum(["live", "ended"]), at: z.number().int() }).strict();
const pollEvent = z
  .object({
    sessionId: z.number().int().positive(),
    poll: z.object({ pollId: z.string().uuid(), question: z.string().max(500), openedAt: z.number().int(), closesAt: z.number().int() }).strict(),
  })
  .strict();
const audienceEvent = z
  .object({
    sessionId: z.number().int().positive(),
    node: z.string().min(1).max(64),
    part: z
      .object({
        viewers: count,
        cellRooms: count,
        checkedIn: count,
        byUnit: z.array(z.object({ unitId: z.number().int().positive(), viewers: count, cellRooms: count, checkedIn: count }).strict()).max(100_000),
        people: z.array(z.number().int().positive()).max(1_000_000),
      })
      .strict() satisfies z.ZodType<AudiencePart>,
  })
  .strict();
/** A node's share once its room is gone. */
export const NO_AUDIENCE: AudiencePart = { viewers: 0, cellRooms: 0, checkedIn: 0, byUnit: [], people: [] };

export type CrossNodeEvents = {
  /** A message this node added (and stored): the other nodes show it to their peers. */
  chat(sessionId: number, message: ChatMessage): void;
  /** A moderation this node applied (and stored). */
  chatUpdate(sessionId: number, message: ChatMessage): void;
  /** This node's share of a session's audience (an empty one when its room closes). */
  audience(sessionId: number, part: AudiencePart): void;
  /** The other nodes' shares of a session's audience, as they last announced them. */
  audienceParts(sessionId: number): AudiencePart[];
  /** A presenter started or ended the session here: members on the other nodes are told. */
  sessionState(sessionId: number, s: { state: "live" | "ended"; at: number }): void;
  /** Recording started or stopped here (the origin records): peers on the other nodes are told. */
  recording(sessionId: number, status: RecordingStatus): void;
  /** An attendance poll a presenter opened here: members on the other nodes get it too. */
  poll(sessionId: number, poll: Poll): void;
  /** Asks every other node for its share of a session's audience (a presenter's room here is new). */
  askAudience(sessionId: number): void;
  /** A node the registry reports dead: its shares no longer count. */
  forgetNode(nodeId: string): void;
  close(): Promise<void>;
};

export async function attachCrossNodeEvents(
  io: MediaIo,
  deps: {
    redisUrl: string;
    rooms: RoomRegistry;
    log: Logger;
    db: Db;
    nodeId: string;
    /** Another node's recording status for a room here (its recorder tells its peers and keeps it for joins). */
    recording?: (room: Room, status: RecordingStatus) => void;
  },
): Promise<CrossNodeEvents> {
  const { rooms, log } = deps;
  /** Other nodes' audience shares: session → node → share. */
  const parts = new Map<number, Map<string, AudiencePart>>();
  // The presenters here hear the new total (at most once a second, like a change here); with
  // `announce`, this node's share goes out too (asked for it), else it is not echoed back.
  const retell = (sessionId: number, announce = false) => {
    const room = rooms.peek(sessionId);
    if (room && !room.closed) scheduleAudience(deps.db, room, log, events, 1000, announce);
  };
  // Its own client, with the offline queue on (unlike the registry's): an event emitted while
  // Redis is away waits and goes out when it is back, rather than being lost.
  const client = createClient({ url: deps.redisUrl, socket: { reconnectStrategy: (n) => Math.min(100 * 2 ** n, 2_000) } });
  client.on("error", (e: Error) => log.warn("socket.io adapter: redis error", { error: e.message }));
  await client.connect();
  io.adapter(createAdapter(client, { streamName: "hocso:io" }));

  const parse = (event: string, raw: unknown) => {
    const p = chatEvent.safeParse(raw);
    if (!p.success) log.warn("cross-node event ignored: invalid payload", { event });
    return p.success ? p.data : undefined;
  };
  io.on("chat", (raw) => {
    const e = parse("chat", raw);
    const room = e && rooms.peek(e.sessionId);
    // No room here: no peer of that session on this node, and its history loads from the database.
    if (!e || !room || room.closed) return;
    const msg = room.chat.receive(e.message);
    if (msg) for (const p of room.peers.values()) p.notify("chat", viewOf(msg, p.id.role === "presenter"));
  });
  io.on("chatUpdate", (raw) => {
    const e = parse("chatUpdate", raw);
    const room = e && rooms.peek(e.sessionId);
    if (!e || !room || room.closed) return;
    const msg = room.chat.applyUpdate(e.message);
    if (msg) for (const p of room.peers.values()) p.notify("chatUpdate", viewOf(msg, p.id.role === "presenter"));
  });

  io.on("audience", (raw) => {
    const p = audienceEvent.safeParse(raw);
    if (!p.success) return log.warn("cross-node event ignored: invalid payload", { event: "audience" });
    const { sessionId, node, part } = p.data;
    if (node === deps.nodeId) return;
    let bySession = parts.get(sessionId);
    if (!bySession) parts.set(sessionId, (bySession = new Map()));
    if (part.viewers + part.cellRooms === 0) bySession.delete(node);
    else bySession.set(node, part);
    if (bySession.size === 0) parts.delete(sessionId);
    retell(sessionId);
  });

  io.on("sessionState", (raw) => {
    const p = sessionStateEvent.safeParse(raw);
    if (!p.success) return log.warn("cross-node event ignored: invalid payload", { event: "sessionState" });
    const room = rooms.peek(p.data.sessionId);
    // No room here: a member joining later reads the session's state from the database.
    if (!room || room.closed) return;
    for (const peer of room.peers.values()) {
      if (p.data.state === "live") peer.notify("sessionStarted", { startedAt: p.data.at });
      else peer.notify("sessionEnded", { endedAt: p.data.at });
    }
  });

  io.on("recording", (raw) => {
    const p = recordingEvent.safeParse(raw);
    if (!p.success) return log.warn("cross-node event ignored: invalid payload", { event: "recording" });
    const room = rooms.peek(p.data.sessionId);
    // No room here: nobody to tell.
    if (!room || room.closed) return;
    deps.recording?.(room, p.data.status);
  });

  io.on("poll", (raw) => {
    const p = pollEvent.safeParse(raw);
    if (!p.success) return log.warn("cross-node event ignored: invalid payload", { event: "poll" });
    const { sessionId, poll } = p.data;
    const room = rooms.peek(sessionId);
    // No room here: nobody here to ask (a member joining later is not asked, as on one node).
    if (!room || room.closed || !room.polls.receive(poll)) return;
    for (const peer of room.peers.values()) peer.notify("poll", { pollId: poll.pollId, question: poll.question, closesAt: poll.closesAt });
  });

  io.on("audienceAsk", (raw) => {
    const p = z.object({ sessionId: z.number().int().positive() }).strict().safeParse(raw);
    if (!p.success) return log.warn("cross-node event ignored: invalid payload", { event: "audienceAsk" });
    // Announced from the room's next audience tick.
    retell(p.data.sessionId, true);
  });

  // Once closed (the node stopping: its rooms close after this), nothing more goes out: the
  // adapter's client is gone, and the others forget this node's shares when it is dead.
  let closed = false;
  const events: CrossNodeEvents = {
    chat: (sessionId, message) => void (closed || io.serverSideEmit("chat", { sessionId, message })),
    chatUpdate: (sessionId, message) => void (closed || io.serverSideEmit("chatUpdate", { sessionId, message })),
    audience: (sessionId, part) => void (closed || io.serverSideEmit("audience", { sessionId, node: deps.nodeId, part })),
    sessionState: (sessionId, s) => void (closed || io.serverSideEmit("sessionState", { sessionId, ...s })),
    poll: (sessionId, poll) => void (closed || io.serverSideEmit("poll", { sessionId, poll })),
    recording: (sessionId, status) => void (closed || io.serverSideEmit("recording", { sessionId, status })),
    askAudience: (sessionId) => void (closed || io.serverSideEmit("audienceAsk", { sessionId })),
    audienceParts: (sessionId) => [...(parts.get(sessionId)?.values() ?? [])],
    forgetNode(nodeId) {
      for (const [sessionId, bySession] of parts) {
        if (!bySession.delete(nodeId)) continue;
        if (bySession.size === 0) parts.delete(sessionId);
        retell(sessionId);
      }
    },
    async close() {
      closed = true;
      await client.quit().catch(() => {});
    },
  };
  return events;
}
