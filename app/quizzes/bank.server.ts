import { first } from "#db/first.ts";
import { and, asc, eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { courseItems, courseModules } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { addItem } from "#app/courses/authoring.server.ts";
import { parseGift, type GiftProblem } from "./gift.ts";
import { decodeGiftBytes } from "./gift-file.server.ts";
import type { QuestionKind } from "./types.ts";

export type BankImport = { itemKey: string; questions: number; byKind: Partial<Record<QuestionKind, number>>; problems: GiftProblem[] };

/** The quiz item to put a bank into: the one named, else the course's first quiz, else a new one. */
async function targetItem(db: Db, courseId: number, itemKey: string | null): Promise<string> {
  if (itemKey) {
    const item = await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, itemKey))));
    if (!item || item.type !== "quiz") throw new DomainError("course.error.itemNotFound", {}, 404);
    return item.key;
  }
  const firstQuiz = await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.type, "quiz"))).orderBy(asc(courseItems.position)));
  if (firstQuiz) return firstQuiz.key;
  const lastModule = (await db.select().from(courseModules).where(eq(courseModules.courseId, courseId)).orderBy(asc(courseModules.position))).at(-1);
  if (!lastModule) throw new DomainError("course.error.notFound", {}, 404);
  return (await addItem(db, courseId, lastModule.key, "quiz", "Bài kiểm tra cuối khóa")).key;
}

/**
 * Replaces a quiz item's question bank (draft) with a GIFT text. Every question GIFT cannot carry
 * or we do not support is reported with its line number; when any is reported and `strict` is
 * set, nothing is written (the trainer fixes the file first).
 */
export async function importGiftBank(db: Db, courseId: number, itemKey: string | null, text: string, opts: { strict?: boolean } = {}): Promise<BankImport> {
  const parsed = parseGift(text);
  const byKind: Partial<Record<QuestionKind, number>> = {};
  for (const q of parsed.questions) byKind[q.kind] = (byKind[q.kind] ?? 0) + 1;
  if (parsed.questions.length === 0 || (opts.strict && parsed.problems.length > 0)) {
    return { itemKey: itemKey ?? "", questions: parsed.questions.length, byKind, problems: parsed.problems };
  }
  const key = await targetItem(db, courseId, itemKey);
  await writeTx(db, async (tx) =>
    await tx.update(courseItems).set({ source: text.replace(/^\uFEFF/, "").normalize("NFC"), updatedAt: new Date() }).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key))),
  );
  return { itemKey: key, questions: parsed.questions.length, byKind, problems: parsed.problems };
}

/**
 * `importGiftBank` for the bytes of a file (upload or `quiz:import`): decoded like the CSV importer
 * does (UTF-8, UTF-16, Windows-1258); a file in any other encoding writes nothing and comes back
 * as one problem, so no replacement character is ever stored.
 */
export async function importGiftFile(db: Db, courseId: number, itemKey: string | null, bytes: Uint8Array, opts: { strict?: boolean } = {}): Promise<BankImport> {
  const decoded = decodeGiftBytes(bytes);
  if (!decoded.ok) return { itemKey: "", questions: 0, byKind: {}, problems: [decoded.problem] };
  return importGiftBank(db, courseId, itemKey, decoded.text, opts);
}

export async function bankSource(db: Db, courseId: number, itemKey: string): Promise<string> {
  const item = await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, itemKey))));
  if (!item || item.type !== "quiz") throw new DomainError("course.error.itemNotFound", {}, 404);
  return item.source ?? "";
}
