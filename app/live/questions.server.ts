/**
 * The chat and questions a session kept (live_chat_messages, written by the media server), as
 * trainers read them afterwards: on the questions page and as a CSV. Messages a presenter hid are
 * shown in full only to readers who could see them during the session (administrators and the
 * session's presenters); others learn only that one was hidden.
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { liveChatMessages } from "#db/schema/index.ts";
import { toCsvLine } from "#app/common/spreadsheet-safety.ts";
import { toLocalStamp } from "#app/common/vietnam-time.ts";

export type KeptMessage = {
  id: string;
  at: number;
  question: boolean;
  hidden: boolean;
  pinned: boolean;
  author: string | null;
  unit: string | null;
  text: string | null;
  answer: { text: string; by: string; at: number | null } | null;
  /** The last moderation of the message, for the record. */
  moderated: { action: string; by: string; at: number | null } | null;
};

export async function sessionMessages(db: Db, sessionId: number, opts: { seesHidden: boolean; questionsOnly: boolean }) {
  const rows = await db.select().from(liveChatMessages).where(eq(liveChatMessages.sessionId, sessionId)).orderBy(asc(liveChatMessages.createdAt), asc(liveChatMessages.id));
  const counts = { messages: rows.length, questions: rows.filter((r) => r.question).length, answered: rows.filter((r) => r.question && r.answerText != null).length };
  const messages: KeptMessage[] = (opts.questionsOnly ? rows.filter((r) => r.question) : rows).map((r) => {
    const withheld = r.hidden && !opts.seesHidden;
    return {
      id: r.id,
      at: r.createdAt.getTime(),
      question: r.question,
      hidden: r.hidden,
      pinned: r.pinnedAt != null,
      author: withheld ? null : r.authorName,
      unit: withheld ? null : r.unitName,
      text: withheld ? null : r.text,
      answer: withheld || r.answerText == null ? null : { text: r.answerText, by: r.answeredBy ?? "", at: r.answeredAt?.getTime() ?? null },
      moderated: r.moderation ? { action: r.moderation, by: r.moderatedBy ?? "", at: r.moderatedAt?.getTime() ?? null } : null,
    };
  });
  return { counts, messages };
}

export const QUESTION_CSV_HEADERS = ["Thời gian (giờ Việt Nam)", "Loại", "Người gửi", "Đơn vị", "Nội dung", "Trả lời", "Người trả lời", "Đã ẩn", "Đã ghim", "Điều phối gần nhất"] as const;

const ACTION_VI: Record<string, string> = { hide: "ẩn", unhide: "hiện lại", pin: "ghim", unpin: "bỏ ghim", answer: "trả lời" };

/** UTF-8 with a BOM and CRLF (what spreadsheet programs open without asking); cells neutralised. */
export function messagesCsv(messages: readonly KeptMessage[]): string {
  const lines = [
    toCsvLine([...QUESTION_CSV_HEADERS]),
    ...messages.map((m) =>
      toCsvLine([
        toLocalStamp(m.at),
        m.question ? "Câu hỏi" : "Tin nhắn",
        m.author ?? "",
        m.unit ?? "",
        m.text ?? "(đã ẩn)",
        m.answer?.text ?? "",
        m.answer?.by ?? "",
        m.hidden ? "có" : "",
        m.pinned ? "có" : "",
        m.moderated ? `${ACTION_VI[m.moderated.action] ?? m.moderated.action} — ${m.moderated.by}, ${toLocalStamp(m.moderated.at)}` : "",
      ]),
    ),
  ];
  return `\uFEFF${lines.map((l) => `${l}\r\n`).join("")}`;
}
