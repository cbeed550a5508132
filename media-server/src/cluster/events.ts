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
import type { ChatMessage } from "#live/wire.ts";
import { viewOf } from "../chat.ts";
import type { Logger } from "../log.ts";
import type { RoomRegistry } from "../room.ts";
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

export type CrossNodeEvents = {
  /** A message this node added (and stored): the other nodes show it to their peers. */
  chat(sessionId: number, message: ChatMessage): void;
  /** A moderation this node applied (and stored). */
  chatUpdate(sessionId: number, message: ChatMessage): void;
  close(): Promise<void>;
};

export async function attachCrossNodeEvents(io: MediaIo, deps: { redisUrl: string; rooms: RoomRegistry; log: Logger }): Promise<CrossNodeEvents> {
  const { rooms, log } = deps;
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

  return {
    chat: (sessionId, message) => void io.serverSideEmit("chat", { sessionId, message }),
    chatUpdate: (sessionId, message) => void io.serverSideEmit("chatUpdate", { sessionId, message }),
    async close() {
      await client.quit().catch(() => {});
    },
  };
}
