/**
 * A question as the bank editor's form holds it (every field a string, rows as arrays) and the
 * two conversions: a stored question → the form's values, and the form's values → a question,
 * with the same rule set as the GIFT importer (`validateQuestion`, and the parser's ids).
 * Pure and client-safe: the editor page renders drafts, the server converts them.
 */
import { z } from "zod";
import { parseNumberInput } from "./grading.ts";
import { stableIds } from "./text.ts";
import { MULTIPLE_SCORING, QUESTION_DEFAULTS, TEXT_FORMATS, type LocalizedMessage, type Question, type QuestionKind } from "./types.ts";
import { validateQuestion } from "./validate.ts";

/** The kinds a bank can hold: the bank is GIFT, and GIFT has no ordering question. */
export const EDITABLE_KINDS = ["single", "multiple", "truefalse", "short", "numerical", "matching", "essay"] as const satisfies readonly QuestionKind[];
export type EditableKind = (typeof EDITABLE_KINDS)[number];

/** Generous bounds that keep one form far below the 1 MiB body limit. */
const MAX_TEXT = 10_000;
const MAX_PART = 2_000;
const MAX_ROWS = 50;

const text = (max: number) => z.string().max(max).default("");
const rows = <T extends z.ZodTypeAny>(row: T) => z.array(row).max(MAX_ROWS).default([]);

const optionRow = z.object({ text: text(MAX_PART), percent: text(20), feedback: text(MAX_PART) });
const numericRow = z.object({
  mode: z.enum(["tolerance", "range"]).default("tolerance"),
  value: text(40),
  tolerance: text(40),
  min: text(40),
  max: text(40),
  percent: text(20),
  feedback: text(MAX_PART),
});
const pairRow = z.object({ left: text(MAX_PART), right: text(MAX_PART), feedback: text(MAX_PART) });

export const questionDraftSchema = z.object({
  kind: z.enum(EDITABLE_KINDS),
  format: z.enum(TEXT_FORMATS).default(QUESTION_DEFAULTS.format),
  title: text(200),
  text: text(MAX_TEXT),
  textAfter: text(MAX_TEXT),
  category: text(500),
  weight: text(20),
  generalFeedback: text(MAX_TEXT),
  shuffle: z.enum(["on", ""]).default(""),
  scoring: z.enum(MULTIPLE_SCORING).default(QUESTION_DEFAULTS.multipleScoring),
  ignoreDiacritics: z.enum(["on", ""]).default(""),
  correct: z.enum(["true", "false"]).default("true"),
  feedbackRight: text(MAX_PART),
  feedbackWrong: text(MAX_PART),
  otherFeedback: text(MAX_PART),
  options: rows(optionRow),
  answers: rows(optionRow),
  numeric: rows(numericRow),
  pairs: rows(pairRow),
  distractors: rows(text(MAX_PART)),
});
export type QuestionDraft = z.infer<typeof questionDraftSchema>;
export type OptionRow = z.infer<typeof optionRow>;
export type NumericRow = z.infer<typeof numericRow>;
export type PairRow = z.infer<typeof pairRow>;

/**
 * Form entries named `options.2.text`, `distractors.0`, `title` → the nested object the schema
 * reads. Indexes may have gaps (a row removed in the browser); rows keep their index order.
 */
export function nestFormEntries(entries: Iterable<[string, FormDataEntryValue]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const lists = new Map<string, Map<number, unknown>>();
  for (const [name, value] of entries) {
    if (typeof value !== "string") continue;
    const m = /^(options|answers|numeric|pairs|distractors)\.(\d{1,3})(?:\.([a-zA-Z]+))?$/.exec(name);
    if (!m) {
      out[name] = value;
      continue;
    }
    const [, list, index, field] = m;
    const byIndex = lists.get(list!) ?? new Map<number, unknown>();
    lists.set(list!, byIndex);
    const i = Number(index);
    if (field === undefined) byIndex.set(i, value);
    else byIndex.set(i, { ...((byIndex.get(i) as object | undefined) ?? {}), [field]: value });
  }
  for (const [list, byIndex] of lists) out[list] = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  return out;
}

const EMPTY: QuestionDraft = questionDraftSchema.parse({ kind: "single" });

/** A new question's form: two or three blank rows where the kind needs rows, the first option right. */
export function blankDraft(kind: EditableKind): QuestionDraft {
  const blankOption = (percent: string): OptionRow => ({ text: "", percent, feedback: "" });
  return {
    ...EMPTY,
    kind,
    weight: String(QUESTION_DEFAULTS.weight),
    shuffle: "on",
    options: kind === "single" ? [blankOption("100"), blankOption("0"), blankOption("0")] : kind === "multiple" ? [blankOption("50"), blankOption("50"), blankOption("0")] : [],
    answers: kind === "short" ? [blankOption("100")] : [],
    numeric: kind === "numerical" ? [{ mode: "tolerance", value: "", tolerance: "0", min: "", max: "", percent: "100", feedback: "" }] : [],
    pairs: kind === "matching" ? [0, 1, 2].map(() => ({ left: "", right: "", feedback: "" })) : [],
  };
}

/** A stored question → the form's values. */
export function draftOfQuestion(q: Question): QuestionDraft {
  if (q.kind === "ordering") throw new Error("ordering questions cannot be in a GIFT bank");
  const common: QuestionDraft = {
    ...EMPTY,
    kind: q.kind,
    format: q.format,
    title: q.title ?? "",
    text: q.text.trim(),
    textAfter: (q.textAfter ?? "").trim(),
    category: q.category.join("/"),
    weight: String(q.weight),
    generalFeedback: q.generalFeedback ?? "",
  };
  const option = (o: { text: string; percent: number; feedback?: string | undefined }): OptionRow => ({ text: o.text, percent: String(o.percent), feedback: o.feedback ?? "" });
  switch (q.kind) {
    case "single":
      return { ...common, options: q.options.map(option), shuffle: q.shuffle ? "on" : "" };
    case "multiple":
      return { ...common, options: q.options.map(option), scoring: q.scoring, shuffle: q.shuffle ? "on" : "" };
    case "truefalse":
      return { ...common, correct: q.correct ? "true" : "false", feedbackRight: q.feedbackRight ?? "", feedbackWrong: q.feedbackWrong ?? "" };
    case "short":
      return { ...common, answers: q.answers.map(option), ignoreDiacritics: q.ignoreDiacritics ? "on" : "" };
    case "numerical":
      return {
        ...common,
        otherFeedback: q.otherFeedback ?? "",
        numeric: q.answers.map((a) => ({
          mode: a.mode,
          value: a.mode === "tolerance" ? String(a.value) : "",
          tolerance: a.mode === "tolerance" ? String(a.tolerance) : "",
          min: a.mode === "range" ? String(a.min) : "",
          max: a.mode === "range" ? String(a.max) : "",
          percent: String(a.percent),
          feedback: a.feedback ?? "",
        })),
      };
    case "matching":
      return { ...common, pairs: q.pairs.map((p) => ({ left: p.left, right: p.right, feedback: p.feedback ?? "" })), distractors: [...q.distractors], shuffle: q.shuffle ? "on" : "" };
    case "essay":
      return common;
  }
}

export type DraftResult = { ok: true; question: Question } | { ok: false; errors: LocalizedMessage[] };

const msg = (vi: string, en: string): LocalizedMessage => ({ vi, en });

/** Fields a spare row comes with filled in (its defaults): a row with only these is blank. */
const SPARE_KEYS = new Set(["mode", "percent", "tolerance"]);

function filled<T extends object>(list: T[]): T[] {
  return list.filter((r) => Object.entries(r).some(([k, v]) => !SPARE_KEYS.has(k) && typeof v === "string" && v.trim() !== ""));
}

/**
 * The draft without its blank rows: what a refused form shows again (with one spare row of its
 * own), so that row numbers in the messages match the rows on the page.
 */
export function compactDraft(d: QuestionDraft): QuestionDraft {
  return { ...d, options: filled(d.options), answers: filled(d.answers), numeric: filled(d.numeric), pairs: filled(d.pairs), distractors: d.distractors.filter((x) => x.trim() !== "") };
}

/** NFC, Windows line ends gone, outer whitespace trimmed: what the GIFT parser reads back. */
function clean(s: string): string {
  return s.replace(/\r\n?/g, "\n").normalize("NFC").trim();
}

const optional = (key: string, s: string) => {
  const v = clean(s);
  return v ? { [key]: v } : {};
};

/**
 * The form's values → a question, or every problem found (numbers that are not numbers, then the
 * importer's own checks). Rows left entirely blank are ignored, as a form always shows spare rows.
 */
export function questionFromDraft(d: QuestionDraft): DraftResult {
  const errors: LocalizedMessage[] = [];
  const number = (raw: string, label: LocalizedMessage, fallback?: number): number => {
    const v = raw.trim();
    if (v === "" && fallback !== undefined) return fallback;
    const n = parseNumberInput(v);
    if (n === null) {
      errors.push(msg(`${label.vi}: "${v}" không phải là số.`, `${label.en}: "${v}" is not a number.`));
      return 0;
    }
    return n + 0;
  };

  const category = d.category.split("/").map((s) => s.normalize("NFC").trim()).filter((s) => s !== "");
  if (category[0] !== undefined && /^\$[a-z]+\$$/.test(category[0])) {
    errors.push(msg(`Danh mục không được bắt đầu bằng "${category[0]}": GIFT (Moodle) đọc đó là ngữ cảnh, không phải tên danh mục.`, `A category cannot start with "${category[0]}": GIFT (Moodle) reads it as a context, not a category name.`));
  }
  const weight = number(d.weight, msg("Điểm của câu hỏi", "Question mark"), QUESTION_DEFAULTS.weight);
  if (weight <= 0) errors.push(msg("Điểm của câu hỏi phải lớn hơn 0.", "The question's mark must be greater than 0."));
  const textAfter = clean(d.textAfter);
  // With a blank, the spaces around it are kept in the GIFT text as an author would type them.
  const common = {
    id: "draft",
    ...optional("title", d.title),
    text: textAfter && clean(d.text) ? `${clean(d.text)} ` : clean(d.text),
    ...(textAfter ? { textAfter: ` ${textAfter}` } : {}),
    format: d.format,
    category,
    weight,
    ...optional("generalFeedback", d.generalFeedback),
  };

  const requireTexts = (list: { text: string }[], vi: string, en: string) => {
    for (const [i, r] of list.entries()) if (r.text === "") errors.push(msg(`${vi} ${i + 1} chưa có nội dung.`, `${en} ${i + 1} has no text.`));
  };
  const rowLabel = (vi: string, en: string, i: number) => msg(`${vi} ${i + 1}`, `${en} ${i + 1}`);

  let q: Question;
  switch (d.kind) {
    case "single":
    case "multiple": {
      const raw = filled(d.options).map((o, i) => ({
        text: clean(o.text),
        percent: number(o.percent, rowLabel("Trọng số phương án", "Weight of option", i), 0),
        ...optional("feedback", o.feedback),
      }));
      requireTexts(raw, "Phương án", "Option");
      const ids = stableIds("o", raw.map((o) => o.text));
      const options = raw.map((o, i) => ({ id: ids[i]!, ...o }));
      q =
        d.kind === "single"
          ? { ...common, kind: "single", options, shuffle: d.shuffle === "on" }
          : { ...common, kind: "multiple", options, scoring: d.scoring, shuffle: d.shuffle === "on" };
      break;
    }
    case "truefalse":
      q = { ...common, kind: "truefalse", correct: d.correct === "true", ...optional("feedbackRight", d.feedbackRight), ...optional("feedbackWrong", d.feedbackWrong) };
      break;
    case "short": {
      const raw = filled(d.answers).map((a, i) => ({ text: clean(a.text), percent: number(a.percent, rowLabel("Trọng số đáp án", "Weight of answer", i), 100), ...optional("feedback", a.feedback) }));
      requireTexts(raw, "Đáp án", "Answer");
      const ids = stableIds("a", raw.map((a) => a.text));
      q = { ...common, kind: "short", answers: raw.map((a, i) => ({ id: ids[i]!, ...a })), ignoreDiacritics: d.ignoreDiacritics === "on" };
      break;
    }
    case "numerical": {
      const raw = filled(d.numeric).map((a, i) => {
        const label = (vi: string, en: string) => msg(`${vi} (đáp án ${i + 1})`, `${en} (answer ${i + 1})`);
        const percent = number(a.percent, label("Trọng số", "Weight"), 100);
        const fb = optional("feedback", a.feedback);
        if (a.mode === "range") {
          const min = number(a.min, label("Số nhỏ nhất", "Minimum"));
          const max = number(a.max, label("Số lớn nhất", "Maximum"));
          return { key: `r:${min}:${max}`, v: { percent, ...fb, mode: "range" as const, min, max } };
        }
        const value = number(a.value, label("Giá trị", "Value"));
        const tolerance = number(a.tolerance, label("Sai số", "Tolerance"), 0);
        if (tolerance < 0) errors.push(msg("Sai số không được âm.", "The tolerance cannot be negative."));
        return { key: `t:${value}:${tolerance}`, v: { percent, ...fb, mode: "tolerance" as const, value, tolerance } };
      });
      // The parser's ids hash the numbers, not their spelling.
      const ids = stableIds("n", raw.map((r) => r.key));
      q = { ...common, kind: "numerical", answers: raw.map((r, i) => ({ id: ids[i]!, ...r.v })), ...optional("otherFeedback", d.otherFeedback) };
      break;
    }
    case "matching": {
      const raw = filled(d.pairs).map((p) => ({ left: clean(p.left), right: clean(p.right), ...optional("feedback", p.feedback) }));
      for (const [i, p] of raw.entries()) {
        if (p.left === "" || p.right === "") errors.push(msg(`Cặp ${i + 1} cần cả vế trái và vế phải.`, `Pair ${i + 1} needs both a left and a right side.`));
      }
      const ids = stableIds("s", raw.map((p) => p.left));
      const distractors = d.distractors.map(clean).filter((s) => s !== "");
      q = { ...common, kind: "matching", pairs: raw.map((p, i) => ({ id: ids[i]!, ...p })), distractors, shuffle: d.shuffle === "on" };
      break;
    }
    case "essay":
      // No answer key: the text, its mark (the most a grader may give) and general feedback.
      q = { ...common, kind: "essay" };
      break;
  }
  if (errors.length) return { ok: false, errors };
  const invalid = validateQuestion(q);
  return invalid.length ? { ok: false, errors: invalid } : { ok: true, question: q };
}
