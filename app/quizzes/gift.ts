/**
 * Moodle GIFT import/export (pure, client-safe). https://docs.moodle.org/en/GIFT_format
 *
 * Follows Moodle's parser (question/format/gift/format.php) for the classification of questions:
 *   `{}` essay · `{#…}` numerical · any `~` → choice (single when some answer uses `=`, otherwise
 *   multiple with weights) · `=` with `->` → matching · `T`/`TRUE`/`F`/`FALSE` → true/false ·
 *   `=a =b` → short answer · no braces → description.
 * Essays (`{}`, optionally `{####general feedback}`) are questions graded by a person (ADR 0017);
 * Moodle's exporter writes them `::title::text{}` and so does ours. Descriptions are NOT supported:
 * they are reported as problems with their line number, as is every question with a syntax or
 * consistency error. A question with a problem is not returned; nothing is dropped silently.
 *
 * Deliberate differences from Moodle (checked against Moodle's own GIFT tests in
 * tests/unit/quiz-gift-moodle.test.ts; all but two only accept or report more):
 *   - an essay has no response format, field size or grader information (Moodle's defaults:
 *     editor, 15 lines, no attachments): GIFT does not carry them either;
 *   - `$CATEGORY:` may be followed by a question in the same block;
 *   - T/F keywords are case-insensitive (Moodle reads `{true}` as a short answer "true");
 *   - a short-answer block must use `=` (Moodle accepts `{answer}`; here it is reported);
 *   - matching pairs may carry feedback (`=a -> b#feedback`; Moodle keeps `#feedback` in the
 *     answer), and `= -> x` adds a distractor (as in Moodle);
 *   - `// @hocso {json}` comment lines (ignored by Moodle) carry settings GIFT cannot express:
 *     {"weight": 2, "ignoreDiacritics": true, "scoring": "all-or-nothing", "shuffle": false}.
 *
 * Escapes: `\~ \= \# \{ \} \: \\` and `\n` (a newline). Any other backslash is kept as is.
 * Format markers `[html]`, `[markdown]`, `[plain]`, `[moodle]` (lower case, at the very start, as
 * Moodle reads them): on the question text the marker is recorded in `format`; on every other part
 * Moodle reads one (answers, answer feedback, matching left-hand items, true/false and numerical
 * feedback, general feedback) it is removed, because Moodle's own exporter writes one whenever a
 * part's format differs from the question's. Texts are rendered as plain text whatever the format.
 * The exporter writes the question's marker before a text that really starts with one.
 *
 * Whitespace inside a multi-line question text is kept (indentation in `<pre>`), as Moodle keeps it;
 * only the question's outer whitespace is trimmed.
 */
import { z } from "zod";
import { slugify, stableIds } from "./text.ts";
import {
  QUESTION_DEFAULTS,
  type ChoiceOption,
  type LocalizedMessage,
  type MatchingPair,
  type NumericalAnswer,
  type Question,
  type QuestionKind,
  type ShortAnswer,
  type TextFormat,
} from "./types.ts";
import { validateQuestion } from "./validate.ts";

export type GiftProblemCode =
  | "unsupported-description"
  | "braces"
  | "title"
  | "unknown-kind"
  | "stray-text"
  | "weight"
  | "empty-answer"
  | "matching-arrow"
  | "number"
  | "numerical-other"
  | "category"
  | "directive"
  | "encoding"
  | "invalid";

export interface GiftProblem {
  /** 1-based line number in the source (the line where the question starts, or the offending line). */
  line: number;
  code: GiftProblemCode;
  message: LocalizedMessage;
}

export interface GiftParseResult {
  questions: Question[];
  problems: GiftProblem[];
  /** Source line where each returned question starts (parallel to `questions`). */
  lines: number[];
}

export const GIFT_DIRECTIVE = "@hocso";

// ---------------------------------------------------------------------------------------------
// Escapes: escaped characters become noncharacters while parsing, so that the structural search
// (`{`, `}`, `::`, `~`, `=`, `#`) never sees them; `release` turns them back into text.
// ---------------------------------------------------------------------------------------------

const PROTECT: Record<string, string> = {
  "\\": "\uFDD0",
  "~": "\uFDD1",
  "=": "\uFDD2",
  "#": "\uFDD3",
  "{": "\uFDD4",
  "}": "\uFDD5",
  ":": "\uFDD6",
  n: "\uFDD7",
};
const RELEASE: Record<string, string> = {
  "\uFDD0": "\\",
  "\uFDD1": "~",
  "\uFDD2": "=",
  "\uFDD3": "#",
  "\uFDD4": "{",
  "\uFDD5": "}",
  "\uFDD6": ":",
  "\uFDD7": "\n",
};

function protect(line: string): string {
  let out = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const next = line[i + 1];
    if (c === "\\" && next !== undefined && PROTECT[next] !== undefined) {
      out += PROTECT[next];
      i++;
    } else out += c;
  }
  return out;
}

function release(s: string): string {
  return s.replace(/[\uFDD0-\uFDD7]/g, (c) => RELEASE[c]!).normalize("NFC");
}

/** Trim (escaped newlines survive: they are content) and unescape. */
function clean(s: string): string {
  return release(s.trim());
}

/** A part's text: trimmed, its format marker removed (see the header), unescaped. */
function cleanPart(s: string): string {
  const t = s.trim();
  const m = FORMAT_RE.exec(t);
  return clean(m ? t.slice(m[0].length) : t);
}

const msg = (vi: string, en: string): LocalizedMessage => ({ vi, en });

class BlockError extends Error {
  constructor(readonly problem: GiftProblem) {
    super(problem.message.en);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

interface SourceLine {
  no: number;
  raw: string;
}

const directiveSchema = z
  .object({
    weight: z.number().finite().positive().optional(),
    ignoreDiacritics: z.boolean().optional(),
    scoring: z.enum(["partial", "all-or-nothing", "position"]).optional(),
    shuffle: z.boolean().optional(),
  })
  .strict();
type Directive = z.infer<typeof directiveSchema>;

const NUM = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`;
const RANGE_RE = new RegExp(`^(${NUM})\\s*\\.\\.\\s*(${NUM})$`);
const TOLERANCE_RE = new RegExp(`^(${NUM})\\s*:\\s*(${NUM})$`);
const VALUE_RE = new RegExp(`^(${NUM})$`);
const WEIGHT_RE = /^%(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)%/;
// Moodle compares the name case-sensitively: "[HTML]" is text.
const FORMAT_RE = /^\[(html|markdown|plain|moodle)\]/;
const TF_WORDS = new Map([
  ["T", true],
  ["TRUE", true],
  ["F", false],
  ["FALSE", false],
]);

/** -0 → 0 so that numbers survive a text round trip. */
const num = (s: string) => Number(s) + 0;

function parseCategory(rest: string): string[] {
  const segments: string[] = [];
  let cur = "";
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "/") {
      if (rest[i + 1] === "/") {
        cur += "/";
        i++;
      } else {
        segments.push(cur);
        cur = "";
      }
    } else cur += rest[i];
  }
  segments.push(cur);
  const out = segments.map((s) => s.trim().normalize("NFC")).filter((s) => s !== "");
  // Moodle exports "$course$/top/Default for …": the context token and "top" are not categories.
  if (out[0] !== undefined && /^\$[a-z]+\$$/.test(out[0])) {
    out.shift();
    if (out[0] === "top") out.shift();
  }
  return out;
}

/** A slice of the (escape-protected) question text and its offset, for line numbers. */
interface Located {
  body: string;
  at: number;
}

/** Parses GIFT text (UTF-8 string, with or without BOM, LF/CRLF/CR line ends). Never throws. */
export function parseGift(input: string): GiftParseResult {
  const text = input
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .replace(/[\uFDD0-\uFDD7]/g, "\uFFFD")
    .normalize("NFC");
  const rawLines = text.split("\n");

  const blocks: SourceLine[][] = [];
  let cur: SourceLine[] = [];
  rawLines.forEach((raw, i) => {
    if (raw.trim() === "") {
      if (cur.length) blocks.push(cur);
      cur = [];
    } else cur.push({ no: i + 1, raw });
  });
  if (cur.length) blocks.push(cur);

  const questions: Question[] = [];
  const lines: number[] = [];
  const problems: GiftProblem[] = [];
  let category: string[] = [];

  for (const block of blocks) {
    const content: SourceLine[] = [];
    const directives: { line: number; json: string }[] = [];
    for (const l of block) {
      const t = l.raw.trim();
      if (t.startsWith("//")) {
        const m = new RegExp(`^//\\s*${GIFT_DIRECTIVE}\\b\\s*(.*)$`).exec(t);
        if (m) directives.push({ line: l.no, json: m[1]! });
      } else content.push(l);
    }
    while (content[0] && content[0].raw.trim().startsWith("$CATEGORY:")) {
      const l = content.shift()!;
      const path = parseCategory(l.raw.trim().slice("$CATEGORY:".length));
      if (path.length === 0) {
        problems.push({ line: l.no, code: "category", message: msg("Dòng $CATEGORY: không có tên danh mục.", "The $CATEGORY: line names no category.") });
      } else category = path;
    }
    if (content.length === 0) {
      for (const d of directives) {
        problems.push({
          line: d.line,
          code: "directive",
          message: msg(`Dòng ${GIFT_DIRECTIVE} phải nằm ngay trên câu hỏi, không cách dòng trống.`, `A ${GIFT_DIRECTIVE} line must be directly above its question (no blank line).`),
        });
      }
      continue;
    }
    try {
      const q = parseQuestionBlock(content, category, directives);
      const invalid = validateQuestion(q);
      if (invalid.length) {
        for (const m of invalid) problems.push({ line: content[0]!.no, code: "invalid", message: m });
        continue;
      }
      questions.push(q);
      lines.push(content[0]!.no);
    } catch (e) {
      if (e instanceof BlockError) problems.push(e.problem);
      else problems.push({ line: content[0]!.no, code: "invalid", message: msg(`Lỗi không xác định: ${String(e)}`, `Unexpected error: ${String(e)}`) });
    }
  }

  assignQuestionIds(questions);
  return { questions, problems, lines };
}

/** Question ids: the slug of the title, or q-N (N = position among the returned questions). */
function assignQuestionIds(questions: Question[]): void {
  const used = new Set<string>();
  questions.forEach((q, i) => {
    const baseId = (q.title !== undefined && slugify(q.title)) || `q-${i + 1}`;
    let id = baseId;
    for (let n = 2; used.has(id); n++) id = `${baseId}-${n}`;
    used.add(id);
    q.id = id;
  });
}

function parseQuestionBlock(content: SourceLine[], category: string[], directiveLines: { line: number; json: string }[]): Question {
  const startLine = content[0]!.no;
  let S = "";
  const starts: number[] = [];
  // Lines are kept as written (indentation inside <pre> is content); only the block's outer
  // whitespace goes, as in Moodle.
  content.forEach((l, i) => {
    if (i) S += "\n";
    starts.push(S.length);
    let raw = l.raw;
    if (i === 0) raw = raw.trimStart();
    if (i === content.length - 1) raw = raw.trimEnd();
    S += protect(raw);
  });
  const lineAt = (offset: number): number => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= offset) i++;
    return content[i]!.no;
  };
  const fail = (offset: number | null, code: GiftProblemCode, message: LocalizedMessage): never => {
    throw new BlockError({ line: offset === null ? startLine : lineAt(offset), code, message });
  };

  // Directive comments.
  let directive: Directive = {};
  for (const d of directiveLines) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(d.json);
    } catch {
      parsed = undefined;
    }
    const r = directiveSchema.safeParse(parsed);
    if (!r.success) {
      throw new BlockError({
        line: d.line,
        code: "directive",
        message: msg(
          `Dòng ${GIFT_DIRECTIVE} không hợp lệ; cần JSON như {"weight": 2, "ignoreDiacritics": true, "scoring": "all-or-nothing", "shuffle": false}.`,
          `Invalid ${GIFT_DIRECTIVE} line; expected JSON such as {"weight": 2, "ignoreDiacritics": true, "scoring": "all-or-nothing", "shuffle": false}.`,
        ),
      });
    }
    directive = { ...directive, ...r.data };
  }

  // ::title::
  let pos = 0;
  let title: string | undefined;
  if (S.startsWith("::")) {
    const end = S.indexOf("::", 2);
    if (end < 0) fail(0, "title", msg("Tên câu hỏi mở bằng :: nhưng không có :: đóng.", "The question title opens with :: but is never closed with ::."));
    title = clean(S.slice(2, end)) || undefined;
    pos = end + 2;
  }
  while (pos < S.length && /\s/.test(S[pos]!)) pos++;

  // [format]
  let format: TextFormat = QUESTION_DEFAULTS.format;
  const fm = FORMAT_RE.exec(S.slice(pos));
  if (fm) {
    format = fm[1]!.toLowerCase() as TextFormat;
    pos += fm[0].length;
    while (pos < S.length && /\s/.test(S[pos]!)) pos++;
  }

  // { answers }
  const open = S.indexOf("{", pos);
  const close = S.indexOf("}", pos);
  if (open < 0 && close < 0) {
    fail(
      null,
      "unsupported-description",
      msg(
        "Câu hỏi không có phần đáp án {…} (dạng mô tả — description) chưa được hỗ trợ; câu này không được nhập.",
        "A question without an answer block {…} (a description) is not supported; it was not imported.",
      ),
    );
  }
  if (open < 0 || close < 0 || close < open) {
    fail(open < 0 ? close : open, "braces", msg("Thiếu dấu { hoặc } của phần đáp án (hãy thoát bằng \\{ \\} nếu là chữ).", "Missing { or } around the answers (escape them as \\{ \\} in text)."));
  }
  const nested = S.indexOf("{", open + 1);
  if (nested >= 0 && nested < close) fail(nested, "braces", msg("Dấu { lồng trong phần đáp án; hãy thoát bằng \\{.", "A { inside the answers; escape it as \\{."));
  const extra = Math.max(S.indexOf("{", close + 1), S.indexOf("}", close + 1));
  if (extra >= 0) fail(extra, "braces", msg("Mỗi câu hỏi chỉ có một phần đáp án {…}; hãy thoát { } trong nội dung.", "Only one answer block {…} per question; escape { } in text."));

  const before = S.slice(pos, open);
  const after = S.slice(close + 1);
  let questionText: string;
  let textAfter: string | undefined;
  if (after.trim() === "") questionText = release(before.trimEnd());
  else {
    questionText = release(before);
    textAfter = release(after.trimEnd());
  }

  // ####general feedback
  let answers: Located = { body: S.slice(open + 1, close), at: open + 1 };
  let generalFeedback: string | undefined;
  const gf = answers.body.lastIndexOf("####");
  if (gf >= 0) {
    generalFeedback = cleanPart(answers.body.slice(gf + 4)) || undefined;
    answers = { body: answers.body.slice(0, gf), at: answers.at };
  }

  const common = {
    id: "pending", // replaced by assignQuestionIds
    ...(title !== undefined ? { title } : {}),
    text: questionText,
    ...(textAfter !== undefined ? { textAfter } : {}),
    format,
    category: [...category],
    weight: directive.weight ?? QUESTION_DEFAULTS.weight,
    ...(generalFeedback !== undefined ? { generalFeedback } : {}),
  };

  const t = answers.body.trim();
  let q: Question;
  if (t === "") q = { ...(common as object), kind: "essay" } as Question;
  else if (t.startsWith("#")) q = parseNumerical(answers, common, fail);
  else if (t.includes("~")) q = parseChoice(answers, common, directive, fail);
  else if (t.includes("=") && t.includes("->")) q = parseMatching(answers, common, directive, fail);
  else {
    const hash = t.indexOf("#");
    const word = (hash >= 0 ? t.slice(0, hash) : t).trim().toUpperCase();
    if (TF_WORDS.has(word)) q = parseTrueFalse(t, TF_WORDS.get(word)!, common);
    else if (t.startsWith("=")) q = parseShort(answers, common, directive, fail);
    else
      fail(
        answers.at,
        "unknown-kind",
        msg(
          "Không nhận ra dạng câu hỏi: đáp án phải bắt đầu bằng = hoặc ~, hoặc là T/F, hoặc #số.",
          "Unknown question kind: answers must start with = or ~, or be T/F, or #number.",
        ),
      );
  }

  // Directive keys must fit the kind.
  const fits: Record<keyof Directive, (k: QuestionKind, d: Directive) => boolean> = {
    weight: () => true,
    ignoreDiacritics: (k) => k === "short",
    scoring: (k, d) => (k === "multiple" && d.scoring !== "position") || (k === "ordering" && d.scoring !== "partial"),
    shuffle: (k) => k === "single" || k === "multiple" || k === "matching",
  };
  for (const key of Object.keys(directive) as (keyof Directive)[]) {
    if (!fits[key](q!.kind, directive)) {
      throw new BlockError({
        line: directiveLines[0]?.line ?? startLine,
        code: "directive",
        message: msg(`Thiết lập "${key}" không áp dụng cho dạng câu hỏi này.`, `Setting "${key}" does not apply to this kind of question.`),
      });
    }
  }
  return q!;
}

type Fail = (offset: number | null, code: GiftProblemCode, message: LocalizedMessage) => never;
type Common = Record<string, unknown>;

/** Splits `=a ~b …` at unescaped markers; text before the first marker must be blank. */
function splitAnswers(a: Located, markers: string, fail: Fail): { marker: string; body: string; at: number }[] {
  const parts: { marker: string; body: string; at: number }[] = [];
  let start = -1;
  let marker = "";
  for (let i = 0; i <= a.body.length; i++) {
    const c = a.body[i];
    if (i === a.body.length || markers.includes(c!)) {
      if (start < 0) {
        const lead = a.body.slice(0, i);
        if (lead.trim() !== "") {
          fail(a.at + lead.length - lead.trimStart().length, "stray-text", msg(`Có chữ trước đáp án đầu tiên; mỗi đáp án phải bắt đầu bằng ${[...markers].join(" hoặc ")}.`, `Text before the first answer; each answer must start with ${[...markers].join(" or ")}.`));
        }
      } else parts.push({ marker, body: a.body.slice(start, i), at: a.at + start });
      if (i < a.body.length) {
        marker = c!;
        start = i + 1;
      }
    }
  }
  return parts;
}

/** `%50%rest` → 50 and the rest. */
function takeWeight(part: { body: string; at: number }, fallback: number, fail: Fail): { percent: number; rest: string } {
  const body = part.body.trimStart();
  const m = WEIGHT_RE.exec(body);
  if (m) {
    const percent = num(m[1]!);
    if (percent < -100 || percent > 100) fail(part.at, "weight", msg(`Trọng số ${m[1]}% nằm ngoài khoảng -100%..100%.`, `Weight ${m[1]}% is outside -100%..100%.`));
    return { percent, rest: body.slice(m[0].length) };
  }
  if (/^%[-+\d.,\s]*%/.test(body)) fail(part.at, "weight", msg("Trọng số viết sai; dùng dạng %50% hoặc %-33.33333%.", "Malformed weight; write it as %50% or %-33.33333%."));
  return { percent: fallback, rest: body };
}

/**
 * `text#feedback` at the first unescaped #. Format markers are removed from both, except from the
 * right-hand side of a matching pair, which Moodle reads as plain text.
 */
function takeFeedback(s: string, textHasMarker = true): { text: string; feedback?: string } {
  const i = s.indexOf("#");
  const text = (t: string) => (textHasMarker ? cleanPart(t) : clean(t));
  if (i < 0) return { text: text(s) };
  const feedback = cleanPart(s.slice(i + 1));
  return { text: text(s.slice(0, i)), ...(feedback ? { feedback } : {}) };
}

function requireText(text: string, at: number, fail: Fail): void {
  if (text === "") fail(at, "empty-answer", msg("Có đáp án rỗng.", "An answer is empty."));
}

function parseChoice(a: Located, common: Common, d: Directive, fail: Fail): Question {
  const parts = splitAnswers(a, "=~", fail);
  const raw = parts.map((p) => {
    const { percent, rest } = takeWeight(p, p.marker === "=" ? 100 : 0, fail);
    const { text, feedback } = takeFeedback(rest);
    requireText(text, p.at, fail);
    return { text, percent, ...(feedback !== undefined ? { feedback } : {}) };
  });
  const ids = stableIds("o", raw.map((o) => o.text));
  const options: ChoiceOption[] = raw.map((o, i) => ({ id: ids[i]!, ...o }));
  const shuffle = d.shuffle ?? QUESTION_DEFAULTS.shuffle;
  if (parts.some((p) => p.marker === "=")) return { ...(common as object), kind: "single", options, shuffle } as Question;
  const scoring = d.scoring === "all-or-nothing" ? "all-or-nothing" : QUESTION_DEFAULTS.multipleScoring;
  return { ...(common as object), kind: "multiple", options, scoring, shuffle } as Question;
}

function parseMatching(a: Located, common: Common, d: Directive, fail: Fail): Question {
  const parts = splitAnswers(a, "=", fail);
  const raw: Omit<MatchingPair, "id">[] = [];
  const distractors: string[] = [];
  for (const p of parts) {
    const arrow = p.body.indexOf("->");
    if (arrow < 0) fail(p.at, "matching-arrow", msg("Mỗi cặp ghép đôi phải có dạng =vế trái -> vế phải.", "Each matching pair must read =left -> right."));
    const left = cleanPart(p.body.slice(0, arrow));
    const { text: right, feedback } = takeFeedback(p.body.slice(arrow + 2), false);
    requireText(right, p.at, fail);
    if (left === "") {
      if (feedback !== undefined) fail(p.at, "matching-arrow", msg("Phương án nhiễu (= -> …) không có phản hồi.", "A distractor (= -> …) cannot carry feedback."));
      distractors.push(right);
    } else raw.push({ left, right, ...(feedback !== undefined ? { feedback } : {}) });
  }
  const ids = stableIds("s", raw.map((p) => p.left));
  const pairs = raw.map((p, i) => ({ id: ids[i]!, ...p }));
  return { ...(common as object), kind: "matching", pairs, distractors, shuffle: d.shuffle ?? QUESTION_DEFAULTS.shuffle } as Question;
}

function parseShort(a: Located, common: Common, d: Directive, fail: Fail): Question {
  const parts = splitAnswers(a, "=", fail);
  const raw = parts.map((p) => {
    const { percent, rest } = takeWeight(p, 100, fail);
    if (percent < 0) fail(p.at, "weight", msg("Đáp án trả lời ngắn không có trọng số âm.", "Short answers cannot have a negative weight."));
    const { text, feedback } = takeFeedback(rest);
    requireText(text, p.at, fail);
    return { text, percent, ...(feedback !== undefined ? { feedback } : {}) };
  });
  const ids = stableIds("a", raw.map((r) => r.text));
  const answers: ShortAnswer[] = raw.map((r, i) => ({ id: ids[i]!, ...r }));
  return { ...(common as object), kind: "short", answers, ignoreDiacritics: d.ignoreDiacritics ?? QUESTION_DEFAULTS.ignoreDiacritics } as Question;
}

function parseTrueFalse(t: string, correct: boolean, common: Common): Question {
  const hash = t.indexOf("#");
  let feedbackWrong: string | undefined;
  let feedbackRight: string | undefined;
  if (hash >= 0) {
    const rest = t.slice(hash + 1);
    const second = rest.indexOf("#");
    feedbackWrong = cleanPart(second >= 0 ? rest.slice(0, second) : rest) || undefined;
    feedbackRight = second >= 0 ? cleanPart(rest.slice(second + 1)) || undefined : undefined;
  }
  return {
    ...(common as object),
    kind: "truefalse",
    correct,
    ...(feedbackRight !== undefined ? { feedbackRight } : {}),
    ...(feedbackWrong !== undefined ? { feedbackWrong } : {}),
  } as Question;
}

function parseNumerical(a: Located, common: Common, fail: Fail): Question {
  const hashAt = a.body.indexOf("#");
  let body: Located = { body: a.body.slice(hashAt + 1), at: a.at + hashAt + 1 };
  let otherFeedback: string | undefined;
  const tilde = body.body.indexOf("~");
  if (tilde >= 0) {
    const other = body.body.slice(tilde + 1);
    const h = other.indexOf("#");
    const label = clean(h >= 0 ? other.slice(0, h) : other);
    if (label !== "" && label !== "*") {
      fail(body.at + tilde, "numerical-other", msg("Sau ~ trong câu trả lời số chỉ được có phản hồi: ~#phản hồi.", "In a numerical question ~ may only carry feedback: ~#feedback."));
    }
    otherFeedback = h >= 0 ? cleanPart(other.slice(h + 1)) || undefined : undefined;
    body = { body: body.body.slice(0, tilde), at: body.at };
  }
  const parts = body.body.trim().startsWith("=") ? splitAnswers(body, "=", fail) : [{ marker: "=", body: body.body, at: body.at }];
  const raw = parts.map((p) => {
    const { percent, rest } = takeWeight(p, 100, fail);
    if (percent < 0) fail(p.at, "weight", msg("Đáp án số không có trọng số âm.", "Numerical answers cannot have a negative weight."));
    const { text: spec, feedback } = takeFeedback(rest);
    const fb = feedback !== undefined ? { feedback } : {};
    let m = RANGE_RE.exec(spec);
    // Ids hash the numbers, not their spelling ("3.0" and "3" are the same answer).
    if (m) {
      const [min, max] = [num(m[1]!), num(m[2]!)];
      return { key: `r:${min}:${max}`, v: { percent, ...fb, mode: "range" as const, min, max } };
    }
    m = TOLERANCE_RE.exec(spec) ?? VALUE_RE.exec(spec);
    if (m) {
      const tolerance = m[2] !== undefined ? num(m[2]) : 0;
      if (tolerance < 0) fail(p.at, "number", msg("Sai số không được âm.", "The tolerance cannot be negative."));
      const value = num(m[1]!);
      return { key: `t:${value}:${tolerance}`, v: { percent, ...fb, mode: "tolerance" as const, value, tolerance } };
    }
    return fail(
      p.at,
      "number",
      msg(`"${spec}" không phải là đáp án số; dùng 3.14:0.01 (giá trị:sai số) hoặc 1..5 (khoảng).`, `"${spec}" is not a numerical answer; write 3.14:0.01 (value:tolerance) or 1..5 (range).`),
    );
  });
  const ids = stableIds("n", raw.map((r) => r.key));
  const answers = raw.map((r, i) => ({ id: ids[i]!, ...r.v })) as NumericalAnswer[];
  return { ...(common as object), kind: "numerical", answers, ...(otherFeedback !== undefined ? { otherFeedback } : {}) } as Question;
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

export interface GiftSkipped {
  id: string;
  title?: string;
  kind: QuestionKind;
  reason: LocalizedMessage;
}

/** Escapes text for GIFT: `\ ~ = # { } :` get a backslash, newlines become `\n`. */
export function escapeGift(s: string): string {
  return s
    .replace(/\r\n?/g, "\n")
    .replace(/[\\~=#{}:]/g, (c) => `\\${c}`)
    .replace(/\n/g, "\\n");
}

const fmtNum = (n: number) => String(n);

function weightPrefix(percent: number, text: string, implied: number): string {
  return percent !== implied || text.startsWith("%") ? `%${fmtNum(percent)}%` : "";
}

/**
 * A part's text, escaped; one that really starts with a format marker gets the question's marker in
 * front, so that Moodle and our parser remove that one and keep the text (e.g. `[moodle][html]x`).
 */
function partText(q: Question, text: string): string {
  return `${FORMAT_RE.test(text) ? `[${q.format}]` : ""}${escapeGift(text)}`;
}

function feedbackSuffix(q: Question, feedback: string | undefined): string {
  return feedback ? `#${partText(q, feedback)}` : "";
}

function exportability(q: Question): LocalizedMessage | null {
  const problems = validateQuestion(q);
  if (problems.length) return problems[0]!;
  if (q.kind === "ordering") return msg("GIFT không có dạng câu hỏi sắp xếp thứ tự.", "GIFT has no ordering question kind.");
  if (q.kind === "matching" && q.pairs.some((p) => p.left.includes("->")))
    return msg("Vế trái của câu ghép đôi chứa \"->\", GIFT không viết được.", "A matching left-hand item contains \"->\", which GIFT cannot express.");
  if (q.kind === "short" && q.answers.some((a) => a.text.includes("->")))
    return msg("Đáp án trả lời ngắn chứa \"->\", GIFT sẽ hiểu nhầm thành câu ghép đôi.", "A short answer contains \"->\", which GIFT would read as a matching question.");
  return null;
}

function directiveLine(q: Question): string | null {
  const d: Directive = {};
  if (q.weight !== QUESTION_DEFAULTS.weight) d.weight = q.weight;
  if (q.kind === "short" && q.ignoreDiacritics) d.ignoreDiacritics = true;
  if (q.kind === "multiple" && q.scoring !== QUESTION_DEFAULTS.multipleScoring) d.scoring = q.scoring;
  if ((q.kind === "single" || q.kind === "multiple" || q.kind === "matching") && q.shuffle !== QUESTION_DEFAULTS.shuffle) d.shuffle = q.shuffle;
  return Object.keys(d).length ? `// ${GIFT_DIRECTIVE} ${JSON.stringify(d)}` : null;
}

function answerParts(q: Question): { parts: string[]; inline?: string } {
  switch (q.kind) {
    case "single": {
      const first = q.options.findIndex((o) => o.percent === 100);
      return {
        parts: q.options.map((o, i) =>
          i === first ? `=${weightPrefix(o.percent, o.text, 100)}${partText(q, o.text)}${feedbackSuffix(q, o.feedback)}` : `~${weightPrefix(o.percent, o.text, 0)}${partText(q, o.text)}${feedbackSuffix(q, o.feedback)}`,
        ),
      };
    }
    case "multiple":
      return { parts: q.options.map((o) => `~${weightPrefix(o.percent, o.text, 0)}${partText(q, o.text)}${feedbackSuffix(q, o.feedback)}`) };
    case "short":
      return { parts: q.answers.map((a) => `=${weightPrefix(a.percent, a.text, 100)}${partText(q, a.text)}${feedbackSuffix(q, a.feedback)}`) };
    case "matching":
      return {
        parts: [
          ...q.pairs.map((p) => `=${partText(q, p.left)} -> ${escapeGift(p.right)}${feedbackSuffix(q, p.feedback)}`),
          ...q.distractors.map((d) => `= -> ${escapeGift(d)}`),
        ],
      };
    case "truefalse": {
      let s = q.correct ? "T" : "F";
      if (q.feedbackWrong || q.feedbackRight) s += `#${q.feedbackWrong ? partText(q, q.feedbackWrong) : ""}`;
      if (q.feedbackRight) s += `#${partText(q, q.feedbackRight)}`;
      return { parts: [], inline: s };
    }
    case "numerical": {
      const spec = (a: NumericalAnswer) => (a.mode === "range" ? `${fmtNum(a.min)}..${fmtNum(a.max)}` : `${fmtNum(a.value)}:${fmtNum(a.tolerance)}`);
      const only = q.answers[0];
      if (q.answers.length === 1 && only && only.percent === 100 && q.otherFeedback === undefined) {
        return { parts: [], inline: `#${spec(only)}${feedbackSuffix(q, only.feedback)}` };
      }
      const parts = q.answers.map((a) => `=${a.percent !== 100 ? `%${fmtNum(a.percent)}%` : ""}${spec(a)}${feedbackSuffix(q, a.feedback)}`);
      if (q.otherFeedback !== undefined) parts.push(`~${feedbackSuffix(q, q.otherFeedback)}`);
      return { parts: ["#", ...parts] };
    }
    case "essay":
      return { parts: [], inline: "" };
    case "ordering":
      return { parts: [] }; // unreachable: not exportable
  }
}

function exportQuestion(q: Question): string {
  const head = q.title !== undefined ? `::${escapeGift(q.title)}::` : "";
  const needsMarker = q.format !== "moodle" || FORMAT_RE.test(q.text) || (head === "" && q.text.startsWith("//"));
  const text = `${head}${needsMarker ? `[${q.format}]` : ""}${escapeGift(q.text)}`;
  const { parts, inline } = answerParts(q);
  const gf = q.generalFeedback ? `####${partText(q, q.generalFeedback)}` : "";
  let block: string;
  if (q.textAfter !== undefined) {
    const inner = inline ?? (parts[0] === "#" ? `#${parts.slice(1).join(" ")}` : parts.join(" "));
    block = `${text}{${inner}${gf}}${escapeGift(q.textAfter)}`;
  } else if (inline !== undefined) {
    block = `${text}{${inline}${gf}}`;
  } else {
    const body = parts[0] === "#" ? ["#", ...parts.slice(1)] : parts;
    block = `${text}{\n${[...body, ...(gf ? [gf] : [])].join("\n")}\n}`;
  }
  const d = directiveLine(q);
  return d ? `${d}\n${block}` : block;
}

/**
 * Writes a bank as GIFT, with `$CATEGORY:` lines. Questions GIFT cannot express (ordering, invalid
 * ones) are left out and listed in `skipped`, and a `//` comment marks their place in the file.
 * Uncategorised questions are written first (GIFT cannot return to the top level).
 */
export function exportGiftDetailed(questions: readonly Question[]): { text: string; skipped: GiftSkipped[] } {
  const ordered = [...questions.filter((q) => q.category.length === 0), ...questions.filter((q) => q.category.length > 0)];
  const blocks: string[] = [];
  const skipped: GiftSkipped[] = [];
  let current = "";
  for (const q of ordered) {
    const reason = exportability(q);
    if (reason) {
      skipped.push({ id: q.id, ...(q.title !== undefined ? { title: q.title } : {}), kind: q.kind, reason });
      const name = (q.title ?? q.id).replace(/\s+/g, " ");
      blocks.push(`// Không xuất được câu hỏi "${name}" (${q.kind}): ${reason.vi}\n// Not exported "${name}" (${q.kind}): ${reason.en}`);
      continue;
    }
    const path = q.category.map((s) => s.replace(/\//g, "//")).join("/");
    if (path !== current) {
      blocks.push(`$CATEGORY: ${path}`);
      current = path;
    }
    blocks.push(exportQuestion(q));
  }
  return { text: blocks.length ? `${blocks.join("\n\n")}\n` : "", skipped };
}

/** GIFT text of a bank; see `exportGiftDetailed` for the questions that cannot be exported. */
export function exportGift(questions: readonly Question[]): string {
  return exportGiftDetailed(questions).text;
}

