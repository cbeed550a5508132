import { first } from "#db/first.ts";
/**
 * Editing a quiz item's question bank in the browser. The bank stays what it always was: the
 * item's GIFT text (draft; members see it once the course is published, and an attempt keeps the
 * questions it started with). Every edit parses the stored text, changes the list, writes it back
 * with the GIFT exporter and reads it again with the GIFT importer: a change the importer would not
 * read back exactly is refused, so the browser and a hand-edited file obey one rule set, and a
 * download after an edit is the file a hand edit would give.
 */
import crypto from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { and, eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { courseItems } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { exportGiftDetailed, parseGift, type GiftProblem } from "./gift.ts";
import { presentQuestion, type PresentedQuestion } from "./grading.ts";
import { questionFromDraft, type QuestionDraft } from "./question-draft.ts";
import type { LocalizedMessage, Question } from "./types.ts";

export type EditableBank = {
  /** Changes when the stored text changes: an edit made on an older page is refused, not merged. */
  revision: string;
  questions: Question[];
  problems: GiftProblem[];
};

export type EditResult = { ok: true; index: number; revision: string } | { ok: false; errors: LocalizedMessage[] };

export function bankRevision(source: string): string {
  return crypto.createHash("sha256").update(source).digest("hex").slice(0, 16);
}

async function quizItem(db: Db, courseId: number, itemKey: string) {
  const item = await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, itemKey))));
  if (!item || item.type !== "quiz") throw new DomainError("course.error.itemNotFound", {}, 404);
  return item;
}

export async function editableBank(db: Db, courseId: number, itemKey: string): Promise<EditableBank> {
  const source = (await quizItem(db, courseId, itemKey)).source ?? "";
  const parsed = parseGift(source);
  return { revision: bankRevision(source), questions: parsed.questions, problems: parsed.problems };
}

/**
 * GIFT cannot go back to the top level after a `$CATEGORY:` line, so the exporter writes the
 * uncategorised questions first; the bank's order is kept that way so that what the editor lists
 * is what the file says.
 */
function giftOrder(questions: readonly Question[]): Question[] {
  return [...questions.filter((q) => q.category.length === 0), ...questions.filter((q) => q.category.length > 0)];
}

const withoutId = (q: Question) => JSON.parse(JSON.stringify({ ...q, id: "" })) as unknown;

const msg = (vi: string, en: string): LocalizedMessage => ({ vi, en });

/** The first place two plain JSON values differ, as a path ("options.1.text"), for the message. */
function firstDifference(a: unknown, b: unknown, path: string[] = []): string {
  if (a && b && typeof a === "object" && typeof b === "object") {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const x = (a as Record<string, unknown>)[k];
      const y = (b as Record<string, unknown>)[k];
      if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, [...path, k]);
    }
  }
  return path.join(".") || "—";
}

/**
 * Runs `change` on the stored bank and stores the result, in one write transaction. Refused when
 * the page was made from another revision, or when the stored text has questions the importer
 * rejected (writing the bank back would drop them without a word).
 */
async function editBank(
  db: Db,
  courseId: number,
  itemKey: string,
  revision: string,
  change: (questions: Question[]) => { questions: Question[]; focus: Question | null },
): Promise<EditResult> {
  return writeTx(db, async (tx) => {
    const source = (await quizItem(tx, courseId, itemKey)).source ?? "";
    if (bankRevision(source) !== revision) throw new DomainError("quizEditor.error.stale", {}, 409);
    const parsed = parseGift(source);
    if (parsed.problems.length) throw new DomainError("quizEditor.error.bankHasProblems", { n: parsed.problems.length }, 409);
    const { questions, focus } = change(parsed.questions);
    const ordered = giftOrder(questions);
    const { text, skipped } = exportGiftDetailed(ordered);
    if (skipped.length) return { ok: false as const, errors: skipped.map((s) => s.reason) };
    const reread = parseGift(text);
    if (reread.problems.length) return { ok: false as const, errors: reread.problems.map((p) => p.message) };
    for (const [i, q] of ordered.entries()) {
      const back = reread.questions[i];
      if (!back || !isDeepStrictEqual(withoutId(back), withoutId(q))) {
        const where = back ? firstDifference(withoutId(q), withoutId(back)) : "—";
        return {
          ok: false as const,
          errors: [
            msg(
              `Câu ${i + 1} không ghi được thành GIFT để đọc lại y nguyên (khác ở: ${where}).`,
              `Question ${i + 1} cannot be written as GIFT and read back unchanged (differs at: ${where}).`,
            ),
          ],
        };
      }
    }
    await tx.update(courseItems).set({ source: text, updatedAt: new Date() }).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, itemKey)));
    return { ok: true as const, index: focus ? ordered.indexOf(focus) : -1, revision: bankRevision(text) };
  });
}

/**
 * The author's preview: the question as an attempt presents it, with the quiz's "no shuffle"
 * setting overriding the question's own, as `startAttempt` does. Texts and ids only, like a member's.
 */
export function previewOf(q: Question, quizShuffles: boolean): PresentedQuestion {
  return presentQuestion(quizShuffles ? q : ({ ...q, shuffle: false } as Question), "preview");
}

function requireIndex(questions: readonly Question[], index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= questions.length) throw new DomainError("quizEditor.error.noSuchQuestion", {}, 404);
}

/**
 * Adds a question (`index` null: at the end of its place in the bank) or replaces the one at
 * `index` (0-based). The draft is checked like a GIFT question; every problem comes back at once.
 */
export async function saveQuestion(db: Db, courseId: number, itemKey: string, input: { revision: string; index: number | null; draft: QuestionDraft }): Promise<EditResult> {
  const built = questionFromDraft(input.draft);
  if (!built.ok) {
    // A stale page or a missing question says so before the draft's own problems.
    const bank = await editableBank(db, courseId, itemKey);
    if (bank.revision !== input.revision) throw new DomainError("quizEditor.error.stale", {}, 409);
    if (input.index !== null) requireIndex(bank.questions, input.index);
    return built;
  }
  const q = built.question;
  return editBank(db, courseId, itemKey, input.revision, (questions) => {
    if (input.index === null) return { questions: [...questions, q], focus: q };
    requireIndex(questions, input.index);
    return { questions: questions.map((x, i) => (i === input.index ? q : x)), focus: q };
  });
}

/** Moves the question at `from` to `to` (0-based; it cannot leave its GIFT place, see giftOrder). */
export async function moveQuestion(db: Db, courseId: number, itemKey: string, input: { revision: string; from: number; to: number }): Promise<EditResult> {
  return editBank(db, courseId, itemKey, input.revision, (questions) => {
    requireIndex(questions, input.from);
    requireIndex(questions, input.to);
    const next = [...questions];
    const [moved] = next.splice(input.from, 1);
    next.splice(input.to, 0, moved!);
    return { questions: next, focus: moved! };
  });
}

export async function deleteQuestion(db: Db, courseId: number, itemKey: string, input: { revision: string; index: number }): Promise<EditResult> {
  return editBank(db, courseId, itemKey, input.revision, (questions) => {
    requireIndex(questions, input.index);
    return { questions: questions.filter((_, i) => i !== input.index), focus: null };
  });
}
