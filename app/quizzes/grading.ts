/**
 * Grading and presentation of questions (pure, client-safe; the server is the grader).
 *
 * - `responseSchema(q)` — zod schema of a member's response to `q`, checked against the question's
 *   own ids (an unknown option id is a malformed response).
 * - `grade(q, response)` — score in 0..1 for any input; malformed responses score 0, never throw.
 *   An essay always scores 0 here: a person grades it (`essay-grading.server.ts`), so its share of
 *   an attempt's score is provisional until then.
 * - `presentQuestion(q, seed)` — what a member may SEE: texts and opaque ids only (no correctness,
 *   feedback, weights or accepted answers), options shuffled deterministically by `seed`, so an
 *   attempt stores the seed and re-renders exactly what the member saw. Responses refer to these
 *   ids, which do not depend on the shuffle.
 */
import { z } from "zod";
import { answerMatches, seededRandom, shuffled, stableIds } from "./text.ts";
import type { MatchingQuestion, NumericalAnswer, Question, QuestionKind, TextFormat } from "./types.ts";
import { PERCENT_SUM_TOLERANCE } from "./validate.ts";

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

export type SingleResponse = { choice: string | null };
export type MultipleResponse = { choices: string[] };
export type TrueFalseResponse = { value: boolean | null };
export type ShortResponse = { text: string };
/** A number, or what the member typed ("3,14" and "3.14" both read as 3.14). */
export type NumericalResponse = { value: number | string };
/** stem id → choice id; stems left out are unanswered. */
export type MatchingResponse = { pairs: Record<string, string> };
/** Every item id, in the member's order. */
export type OrderingResponse = { order: string[] };
/** The member's text (NFC), at most MAX_ESSAY_CHARS characters. */
export type EssayResponse = { text: string };

export interface ResponseByKind {
  single: SingleResponse;
  multiple: MultipleResponse;
  truefalse: TrueFalseResponse;
  short: ShortResponse;
  numerical: NumericalResponse;
  matching: MatchingResponse;
  ordering: OrderingResponse;
  essay: EssayResponse;
}
export type QuizResponse = ResponseByKind[QuestionKind];

/** One question of an attempt as its review shows it (the server builds it, the quiz component shows it). */
export type ReviewItem = {
  number: number;
  question: PresentedQuestion;
  response: unknown;
  score: number | null;
  correct: boolean | null;
  feedback: string[];
  generalFeedback: string | null;
  correctResponse: QuizResponse | null;
  /**
   * Essays only: whether it was answered, and — for the member only once the attempt's score is
   * final — the points and the grader's comment. `pending` while the attempt awaits grading.
   */
  essay: { answered: boolean; pending: boolean; points: number | null; max: number; comment: string | null } | null;
};

export const MAX_TEXT_RESPONSE = 1000;
/** Longest essay answer, in characters (code points) after NFC: a few pages, far below the body limit. */
export const MAX_ESSAY_CHARS = 10_000;

/** The longest grader's comment on an essay, in characters. */
export const MAX_ESSAY_COMMENT = 5000;

/** Characters as a reader counts them (code points, after NFC). */
export function essayLength(text: string): number {
  return [...text.normalize("NFC")].length;
}

/**
 * Reads a typed number: spaces (also non-breaking/thin) are ignored, "," or "." is the decimal
 * separator, "−" is a minus. Thousands separators are NOT understood ("1.000" is 1). null if not a number.
 */
export function parseNumberInput(input: string): number | null {
  const s = input.replace(/[\s\u00a0\u202f]/g, "").replace(/\u2212/g, "-");
  if (!/^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$/.test(s)) return null;
  const n = Number(s.replace(",", "."));
  return Number.isFinite(n) ? n : null;
}

/** Right-hand choices of a matching question (pairs' right sides then distractors, unique by text). */
export function matchingChoices(q: MatchingQuestion): { id: string; text: string }[] {
  const texts: string[] = [];
  for (const t of [...q.pairs.map((p) => p.right), ...q.distractors]) {
    const n = t.normalize("NFC");
    if (!texts.includes(n)) texts.push(n);
  }
  const ids = stableIds("c", texts);
  return texts.map((text, i) => ({ id: ids[i]!, text }));
}

function choiceIdOf(q: MatchingQuestion): Map<string, string> {
  return new Map(matchingChoices(q).map((c) => [c.text, c.id]));
}

/**
 * Schemas are cached per question object (questions are treated as immutable values: an edited
 * question is a new object).
 */
const schemaCache = new WeakMap<Question, z.ZodType<QuizResponse>>();

/** zod schema of a well-formed response to `q`. */
export function responseSchema(q: Question): z.ZodType<QuizResponse> {
  let schema = schemaCache.get(q);
  if (!schema) {
    schema = buildResponseSchema(q);
    schemaCache.set(q, schema);
  }
  return schema;
}

function buildResponseSchema(q: Question): z.ZodType<QuizResponse> {
  switch (q.kind) {
    case "single": {
      const ids = new Set(q.options.map((o) => o.id));
      return z
        .object({ choice: z.string().nullable() })
        .strict()
        .refine((r) => r.choice === null || ids.has(r.choice), "unknown option");
    }
    case "multiple": {
      const ids = new Set(q.options.map((o) => o.id));
      return z
        .object({ choices: z.array(z.string()).max(q.options.length) })
        .strict()
        .refine((r) => r.choices.every((c) => ids.has(c)) && new Set(r.choices).size === r.choices.length, "unknown or repeated option");
    }
    case "truefalse":
      return z.object({ value: z.boolean().nullable() }).strict();
    case "short":
      return z.object({ text: z.string().max(MAX_TEXT_RESPONSE) }).strict();
    case "numerical":
      return z
        .object({ value: z.union([z.number().finite(), z.string().max(100)]) })
        .strict()
        .refine((r) => typeof r.value === "number" || r.value.trim() === "" || parseNumberInput(r.value) !== null, "not a number");
    case "matching": {
      const stems = new Set(q.pairs.map((p) => p.id));
      const choices = new Set(matchingChoices(q).map((c) => c.id));
      return z
        .object({ pairs: z.record(z.string(), z.string()) })
        .strict()
        .refine((r) => Object.entries(r.pairs).every(([s, c]) => stems.has(s) && choices.has(c)), "unknown stem or choice");
    }
    case "essay":
      return z
        .object({ text: z.string().transform((t) => t.normalize("NFC")) })
        .strict()
        .refine((r) => essayLength(r.text) <= MAX_ESSAY_CHARS, "too long");
    case "ordering": {
      const ids = q.items.map((i) => i.id);
      return z
        .object({ order: z.array(z.string()) })
        .strict()
        .refine((r) => r.order.length === ids.length && new Set(r.order).size === ids.length && r.order.every((id) => ids.includes(id)), "not a permutation of the items");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Grading
// ---------------------------------------------------------------------------------------------

export interface GradeResult {
  /** 0..1; a quiz multiplies it by the question's weight. */
  score: number;
  /** score === 1 */
  correct: boolean;
  /** false when the response was malformed (and scored 0). */
  valid: boolean;
  /**
   * Per part, whether the member got it right: multiple choice — option id → chosen iff positive;
   * matching — stem id → matched correctly; ordering — item id → in its right position.
   */
  perPart?: Record<string, boolean>;
  /** Feedback for what the member answered (for the review, after submission only). */
  feedback: string[];
}

const INVALID: GradeResult = Object.freeze({ score: 0, correct: false, valid: false, feedback: [] }) as GradeResult;

function clamp01(n: number): number {
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

function numericalMatches(a: NumericalAnswer, x: number): boolean {
  const lo = a.mode === "range" ? a.min : a.value - a.tolerance;
  const hi = a.mode === "range" ? a.max : a.value + a.tolerance;
  // Absorbs binary rounding (3.14 + 0.01 is 3.1500000000000004), far below any meaningful tolerance.
  const eps = 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi));
  return x >= lo - eps && x <= hi + eps;
}

type Graded = { score: number; perPart?: Record<string, boolean>; feedback: string[] };

function gradeValid(q: Question, response: QuizResponse): Graded {
  switch (q.kind) {
    case "single": {
      const r = response as SingleResponse;
      const o = q.options.find((x) => x.id === r.choice);
      return { score: o ? o.percent / 100 : 0, feedback: o?.feedback ? [o.feedback] : [] };
    }
    case "multiple": {
      const chosen = new Set((response as MultipleResponse).choices);
      const perPart: Record<string, boolean> = {};
      for (const o of q.options) perPart[o.id] = chosen.has(o.id) === o.percent > 0;
      const feedback = q.options.filter((o) => chosen.has(o.id) && o.feedback).map((o) => o.feedback!);
      if (q.scoring === "all-or-nothing") return { score: Object.values(perPart).every(Boolean) ? 1 : 0, perPart, feedback };
      let sum = q.options.filter((o) => chosen.has(o.id)).reduce((s, o) => s + o.percent, 0);
      if (Math.abs(sum - 100) <= PERCENT_SUM_TOLERANCE) sum = 100; // 3 × 33.33333 %
      return { score: sum / 100, perPart, feedback };
    }
    case "truefalse": {
      const v = (response as TrueFalseResponse).value;
      if (v === null) return { score: 0, feedback: [] };
      const right = v === q.correct;
      const fb = right ? q.feedbackRight : q.feedbackWrong;
      return { score: right ? 1 : 0, feedback: fb ? [fb] : [] };
    }
    case "short": {
      const text = (response as ShortResponse).text;
      if (text.trim() === "") return { score: 0, feedback: [] };
      let best: (typeof q.answers)[number] | undefined;
      for (const a of q.answers) {
        if ((!best || a.percent > best.percent) && answerMatches(a.text, text, q.ignoreDiacritics)) best = a;
      }
      return { score: best ? best.percent / 100 : 0, feedback: best?.feedback ? [best.feedback] : [] };
    }
    case "numerical": {
      const v = (response as NumericalResponse).value;
      const x = typeof v === "number" ? v : v.trim() === "" ? null : parseNumberInput(v);
      if (x === null) return { score: 0, feedback: [] };
      let best: NumericalAnswer | undefined;
      for (const a of q.answers) if ((!best || a.percent > best.percent) && numericalMatches(a, x)) best = a;
      const fb = best ? best.feedback : q.otherFeedback;
      return { score: best ? best.percent / 100 : 0, feedback: fb ? [fb] : [] };
    }
    case "matching": {
      const given = (response as MatchingResponse).pairs;
      const ids = choiceIdOf(q);
      const perPart: Record<string, boolean> = {};
      const feedback: string[] = [];
      let right = 0;
      for (const p of q.pairs) {
        const answered = Object.prototype.hasOwnProperty.call(given, p.id);
        const ok = answered && given[p.id] === ids.get(p.right.normalize("NFC"));
        perPart[p.id] = ok;
        if (ok) right++;
        if (answered && p.feedback) feedback.push(p.feedback);
      }
      return { score: q.pairs.length ? right / q.pairs.length : 0, perPart, feedback };
    }
    case "ordering": {
      const order = (response as OrderingResponse).order;
      const perPart: Record<string, boolean> = {};
      let right = 0;
      q.items.forEach((item, i) => {
        perPart[item.id] = order[i] === item.id;
        if (perPart[item.id]) right++;
      });
      const all = right === q.items.length;
      const feedback = q.items.filter((i) => i.feedback).map((i) => i.feedback!);
      return { score: q.scoring === "all-or-nothing" ? (all ? 1 : 0) : q.items.length ? right / q.items.length : 0, perPart, feedback };
    }
    case "essay":
      return { score: 0, feedback: [] };
  }
}

/** Grades any input against `q`. Never throws; malformed input scores 0 with `valid: false`. */
export function grade(q: Question, response: unknown): GradeResult {
  try {
    const parsed = responseSchema(q).safeParse(response);
    if (!parsed.success) return { ...INVALID, feedback: [] };
    const r = gradeValid(q, parsed.data);
    const score = clamp01(r.score);
    return { score, correct: score === 1, valid: true, ...(r.perPart ? { perPart: r.perPart } : {}), feedback: r.feedback };
  } catch {
    return { ...INVALID, feedback: [] };
  }
}

/** A response that earns full credit (for reviews that show the right answer, and for tests). */
export function correctResponse(q: Question): QuizResponse {
  switch (q.kind) {
    case "single": {
      const best = q.options.reduce<(typeof q.options)[number] | undefined>((b, o) => (!b || o.percent > b.percent ? o : b), undefined);
      return { choice: best ? best.id : null };
    }
    case "multiple":
      return { choices: q.options.filter((o) => o.percent > 0).map((o) => o.id) };
    case "truefalse":
      return { value: q.correct };
    case "short": {
      const a = q.answers.find((x) => x.percent === 100) ?? q.answers[0];
      // A wildcard answer: drop the `*`, keep literal `\*` as `*`.
      return { text: a ? a.text.replace(/\\\*/g, "\u0000").replace(/\*/g, "").replace(/\u0000/g, "*") : "" };
    }
    case "numerical": {
      const a = q.answers.find((x) => x.percent === 100) ?? q.answers[0];
      if (!a) return { value: "" };
      return { value: a.mode === "range" ? (a.min + a.max) / 2 : a.value };
    }
    case "matching": {
      const ids = choiceIdOf(q);
      return { pairs: Object.fromEntries(q.pairs.map((p) => [p.id, ids.get(p.right.normalize("NFC"))!])) };
    }
    case "ordering":
      return { order: q.items.map((i) => i.id) };
    case "essay":
      // There is no answer key: any text may earn full marks from its grader.
      return { text: "" };
  }
}

// ---------------------------------------------------------------------------------------------
// Presentation
// ---------------------------------------------------------------------------------------------

export type PresentedChoice = { id: string; text: string };

interface PresentedBase {
  id: string;
  text: string;
  textAfter?: string;
  /** Declared authoring format; render the text as plain text regardless. */
  format: TextFormat;
}

export type PresentedQuestion =
  | (PresentedBase & { kind: "single" | "multiple"; options: PresentedChoice[] })
  | (PresentedBase & { kind: "truefalse" | "short" | "numerical" })
  | (PresentedBase & { kind: "matching"; stems: PresentedChoice[]; choices: PresentedChoice[] })
  | (PresentedBase & { kind: "ordering"; items: PresentedChoice[] })
  | (PresentedBase & { kind: "essay"; maxChars: number });

/**
 * The client-safe view of `q` for one attempt. Deterministic in (`q`, `seed`); different questions
 * of the same attempt get different shuffles from the same seed.
 */
export function presentQuestion(q: Question, seed: string | number): PresentedQuestion {
  const random = seededRandom(`${String(seed)}\u0000${q.id}`);
  const base: PresentedBase = { id: q.id, text: q.text, ...(q.textAfter !== undefined ? { textAfter: q.textAfter } : {}), format: q.format };
  switch (q.kind) {
    case "single":
    case "multiple": {
      const options = q.shuffle ? shuffled(q.options, random) : q.options;
      return { ...base, kind: q.kind, options: options.map((o) => ({ id: o.id, text: o.text })) };
    }
    case "truefalse":
    case "short":
    case "numerical":
      return { ...base, kind: q.kind };
    case "matching": {
      const stems = (q.shuffle ? shuffled(q.pairs, random) : q.pairs).map((p) => ({ id: p.id, text: p.left }));
      const all = matchingChoices(q);
      // Unshuffled choices in pair order would give the answers away: sort them when not shuffling.
      const choices = q.shuffle ? shuffled(all, random) : [...all].sort((a, b) => a.text.localeCompare(b.text, "vi"));
      return { ...base, kind: "matching", stems, choices };
    }
    case "ordering": {
      let items = shuffled(q.items, random);
      // Never show the items already in the right order.
      if (items.length >= 2 && items.every((it, i) => it.id === q.items[i]!.id)) items = [...items.slice(1), items[0]!];
      return { ...base, kind: "ordering", items: items.map((i) => ({ id: i.id, text: i.text })) };
    }
    case "essay":
      return { ...base, kind: "essay", maxChars: MAX_ESSAY_CHARS };
  }
}
