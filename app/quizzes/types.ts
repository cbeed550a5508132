/**
 * Question model of the quiz bank (pure, client-safe: no DB, no process.env, no Node APIs).
 *
 * The zod schemas are the source of truth: stored questions (JSON columns, uploads, editor
 * drafts) can be validated with `questionSchema`, and the TypeScript types are inferred from them.
 *
 * Conventions
 * - Every text is a plain string in Unicode NFC. `format` records the author's declared format
 *   (GIFT `[html]`, `[markdown]`, `[plain]`, `[moodle]`) but the text is ALWAYS rendered as plain,
 *   escaped text: nothing here ever produces HTML.
 * - Option / answer weights are percentages (`percent`): 100 = full credit, may be negative for
 *   multiple choice (a penalty), fractional values are allowed (33.33333).
 * - `weight` on a question is its mark in a quiz (default 1); `grade()` returns a 0..1 score that a
 *   quiz multiplies by the weight.
 * - Ids of options, answers, pairs and items are derived from their text (see `text.ts`,
 *   `stableId`), never from their position: the authoring order (where the correct option is
 *   often first) must not leak through the ids a member sees.
 * - Essays are the one kind graded by a person (`isManuallyGraded`).
 */
import { z } from "zod";

export const TEXT_FORMATS = ["moodle", "html", "markdown", "plain"] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];

export const QUESTION_KINDS = ["single", "multiple", "truefalse", "short", "matching", "ordering", "numerical", "essay"] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export type LocalizedMessage = { vi: string; en: string };

const percent = z.number().finite().min(-100).max(100);
const nonNegativePercent = z.number().finite().min(0).max(100);
const feedback = z.string().optional();

const base = {
  id: z.string().min(1),
  /** GIFT `::title::` — an internal name for trainers, never shown to members. */
  title: z.string().optional(),
  /** Question text. With a blank ("missing word" format) it is the part before the blank. */
  text: z.string(),
  /** Present only for "fill the blank" questions: the text after the blank. */
  textAfter: z.string().optional(),
  format: z.enum(TEXT_FORMATS),
  /** Category path, e.g. ["an-toan-thong-tin", "cuoi-khoa"]; [] = the bank's top level. */
  category: z.array(z.string().min(1)),
  /** Mark of the question in a quiz. */
  weight: z.number().finite().positive(),
  generalFeedback: z.string().optional(),
};

export const choiceOptionSchema = z.object({
  id: z.string().min(1),
  text: z.string().min(1),
  percent,
  feedback,
});
export type ChoiceOption = z.infer<typeof choiceOptionSchema>;

export const singleChoiceSchema = z.object({
  ...base,
  kind: z.literal("single"),
  options: z.array(choiceOptionSchema),
  /** Shuffle options per attempt (default true). */
  shuffle: z.boolean(),
});

export const MULTIPLE_SCORING = ["partial", "all-or-nothing"] as const;
export const multipleChoiceSchema = z.object({
  ...base,
  kind: z.literal("multiple"),
  options: z.array(choiceOptionSchema),
  /**
   * partial: score = sum of the chosen options' percents, clamped to 0..1 (Moodle's rule).
   * all-or-nothing: 1 only when exactly the options with a positive percent are chosen, else 0.
   */
  scoring: z.enum(MULTIPLE_SCORING),
  shuffle: z.boolean(),
});

export const trueFalseSchema = z.object({
  ...base,
  kind: z.literal("truefalse"),
  correct: z.boolean(),
  /** Shown when the member answered correctly (GIFT: second `#`). */
  feedbackRight: feedback,
  /** Shown when the member answered wrongly (GIFT: first `#`). */
  feedbackWrong: feedback,
});

export const shortAnswerSchema = z.object({
  id: z.string().min(1),
  /** Accepted text; `*` is a wildcard (Moodle), `\*` a literal asterisk. */
  text: z.string().min(1),
  percent: nonNegativePercent,
  feedback,
});
export type ShortAnswer = z.infer<typeof shortAnswerSchema>;

export const shortQuestionSchema = z.object({
  ...base,
  kind: z.literal("short"),
  answers: z.array(shortAnswerSchema),
  /**
   * Always: case-insensitive, whitespace collapsed, NFC, Vietnamese tone placement normalised
   * (hoà = hòa). When true, diacritics are ignored too (đ→d, tone marks and vowel shapes stripped).
   */
  ignoreDiacritics: z.boolean(),
});

export const matchingPairSchema = z.object({
  /** Id of the stem (left side). */
  id: z.string().min(1),
  left: z.string().min(1),
  right: z.string().min(1),
  feedback,
});
export type MatchingPair = z.infer<typeof matchingPairSchema>;

export const matchingSchema = z.object({
  ...base,
  kind: z.literal("matching"),
  pairs: z.array(matchingPairSchema),
  /** Extra right-hand choices that match no stem. */
  distractors: z.array(z.string().min(1)),
  shuffle: z.boolean(),
});

export const orderingItemSchema = z.object({ id: z.string().min(1), text: z.string().min(1), feedback });
export type OrderingItem = z.infer<typeof orderingItemSchema>;

export const ORDERING_SCORING = ["position", "all-or-nothing"] as const;
export const orderingSchema = z.object({
  ...base,
  kind: z.literal("ordering"),
  /** The items in the right order. */
  items: z.array(orderingItemSchema),
  /** position: share of items in their right position; all-or-nothing: 1 only for the exact order. */
  scoring: z.enum(ORDERING_SCORING),
});

const numericalCommon = { id: z.string().min(1), percent: nonNegativePercent, feedback };
export const numericalAnswerSchema = z.discriminatedUnion("mode", [
  z.object({ ...numericalCommon, mode: z.literal("tolerance"), value: z.number().finite(), tolerance: z.number().finite().min(0) }),
  z.object({ ...numericalCommon, mode: z.literal("range"), min: z.number().finite(), max: z.number().finite() }),
]);
export type NumericalAnswer = z.infer<typeof numericalAnswerSchema>;

export const numericalSchema = z.object({
  ...base,
  kind: z.literal("numerical"),
  answers: z.array(numericalAnswerSchema),
  /** Feedback for any answer matching none of `answers` (GIFT `~#…`). */
  otherFeedback: feedback,
});

/**
 * An essay (GIFT `{}`): the member writes a text; nothing grades it but a person. It has no answer
 * key at all, so there is nothing to leak; a grader in scope gives points (0..weight) and a
 * comment, and the attempt's score is final only when every essay in it is graded.
 */
export const essaySchema = z.object({
  ...base,
  kind: z.literal("essay"),
});

export const questionSchema = z.discriminatedUnion("kind", [
  singleChoiceSchema,
  multipleChoiceSchema,
  trueFalseSchema,
  shortQuestionSchema,
  matchingSchema,
  orderingSchema,
  numericalSchema,
  essaySchema,
]);

export type SingleChoiceQuestion = z.infer<typeof singleChoiceSchema>;
export type MultipleChoiceQuestion = z.infer<typeof multipleChoiceSchema>;
export type TrueFalseQuestion = z.infer<typeof trueFalseSchema>;
export type ShortAnswerQuestion = z.infer<typeof shortQuestionSchema>;
export type MatchingQuestion = z.infer<typeof matchingSchema>;
export type OrderingQuestion = z.infer<typeof orderingSchema>;
export type NumericalQuestion = z.infer<typeof numericalSchema>;
export type EssayQuestion = z.infer<typeof essaySchema>;
export type Question = z.infer<typeof questionSchema>;
export type QuestionOf<K extends QuestionKind> = Extract<Question, { kind: K }>;

/** Defaults applied by the GIFT parser and expected from the editor. */
export const QUESTION_DEFAULTS = {
  format: "moodle" as TextFormat,
  weight: 1,
  shuffle: true,
  multipleScoring: "partial" as (typeof MULTIPLE_SCORING)[number],
  orderingScoring: "position" as (typeof ORDERING_SCORING)[number],
  ignoreDiacritics: false,
};


/** Kinds no code can grade: a person in scope marks them (the grading queue). */
export function isManuallyGraded(q: { kind: QuestionKind }): boolean {
  return q.kind === "essay";
}
