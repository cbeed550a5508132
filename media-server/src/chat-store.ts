/**
 * Where a room's chat lives beyond memory: one row per message in live_chat_messages, written
 * before the message is shown to anyone (a message the sender saw acknowledged survives a crash),
 * updated in place by moderation, and read back when the room is created again after a restart.
 */
import { desc, eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { liveChatMessages } from "#db/schema/index.ts";
import type { ChatMessage } from "#live/wire.ts";
import type { ChatPersistence } from "./chat.ts";

type Row = typeof liveChatMessages.$inferSelect;

function messageOfRow(r: Row): ChatMessage {
  return {
    id: r.id,
    memberId: r.memberId,
    name: r.authorName,
    unitName: r.unitName,
    text: r.text,
    question: r.question,
    at: r.createdAt.getTime(),
    hidden: r.hidden,
    pinnedAt: r.pinnedAt?.getTime() ?? null,
    answer: r.answerText != null ? { text: r.answerText, by: r.answeredBy ?? "", at: r.answeredAt?.getTime() ?? r.createdAt.getTime() } : null,
  };
}

const moderation = (m: ChatMessage) => ({
  hidden: m.hidden,
  pinnedAt: m.pinnedAt != null ? new Date(m.pinnedAt) : null,
  answerText: m.answer?.text ?? null,
  answeredBy: m.answer?.by ?? null,
  answeredAt: m.answer ? new Date(m.answer.at) : null,
});

export class ChatStore {
  constructor(private readonly db: Db) {}

  /** The session's last `limit` messages, oldest first. */
  async load(sessionId: number, limit: number): Promise<ChatMessage[]> {
    return (await this.db
      .select()
      .from(liveChatMessages)
      .where(eq(liveChatMessages.sessionId, sessionId))
      .orderBy(desc(liveChatMessages.createdAt), desc(liveChatMessages.id))
      .limit(limit))
      .reverse()
      .map(messageOfRow);
  }

  forSession(sessionId: number): ChatPersistence {
    return {
      save: (m) =>
        writeTx(this.db, async (tx) =>
          await tx
            .insert(liveChatMessages)
            .values({
              id: m.id,
              sessionId,
              memberId: m.memberId,
              authorName: m.name,
              unitName: m.unitName,
              text: m.text,
              question: m.question,
              createdAt: new Date(m.at),
              ...moderation(m),
            }),
        ),
      update: (m, by) =>
        writeTx(this.db, async (tx) =>
          await tx
            .update(liveChatMessages)
            .set({ ...moderation(m), moderation: by.action, moderatedBy: by.by, moderatedAt: new Date(by.at) })
            .where(eq(liveChatMessages.id, m.id)),
        ),
    };
  }
}
