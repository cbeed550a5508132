/**
 * Semantic checks of a question, shared by the GIFT parser, the GIFT exporter and the editor.
 * Pure and client-safe.
 */
import { questionSchema, type LocalizedMessage, type Question } from "./types.ts";

/** Tolerance on "the positive weights add up to 100 %" (3 × 33.33333 is fine). */
export const PERCENT_SUM_TOLERANCE = 0.1;

const msg = (vi: string, en: string): LocalizedMessage => ({ vi, en });

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/** Problems that make a question unusable; [] when it can be used in a quiz. */
export function validateQuestion(q: Question): LocalizedMessage[] {
  const parsed = questionSchema.safeParse(q);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join(".")}: ${first.message}` : "";
    return [msg(`Dữ liệu câu hỏi không hợp lệ (${where}).`, `Invalid question data (${where}).`)];
  }
  const out: LocalizedMessage[] = [];
  if (q.text.trim() === "" && (q.textAfter ?? "").trim() === "") out.push(msg("Câu hỏi không có nội dung.", "The question has no text."));

  switch (q.kind) {
    case "single": {
      if (q.options.length < 2) out.push(msg("Câu một đáp án đúng cần ít nhất hai phương án.", "A single-choice question needs at least two options."));
      if (!q.options.some((o) => o.percent === 100)) out.push(msg("Câu một đáp án đúng cần một phương án được 100% (dấu =).", "A single-choice question needs an option worth 100% (marked with =)."));
      break;
    }
    case "multiple": {
      if (q.options.length < 2) out.push(msg("Câu nhiều đáp án đúng cần ít nhất hai phương án.", "A multiple-choice question needs at least two options."));
      const positive = q.options.filter((o) => o.percent > 0).reduce((s, o) => s + o.percent, 0);
      if (Math.abs(positive - 100) > PERCENT_SUM_TOLERANCE) {
        out.push(
          msg(
            `Tổng trọng số của các phương án đúng phải là 100% (hiện là ${round(positive)}%).`,
            `The positive option weights must add up to 100% (they add up to ${round(positive)}%).`,
          ),
        );
      }
      break;
    }
    case "truefalse":
    case "essay":
      break;
    case "short": {
      if (q.answers.length === 0) out.push(msg("Câu trả lời ngắn cần ít nhất một đáp án.", "A short-answer question needs at least one accepted answer."));
      else if (!q.answers.some((a) => a.percent === 100)) out.push(msg("Câu trả lời ngắn cần một đáp án được 100%.", "A short-answer question needs an answer worth 100%."));
      break;
    }
    case "numerical": {
      if (q.answers.length === 0) out.push(msg("Câu trả lời số cần ít nhất một đáp án.", "A numerical question needs at least one answer."));
      else if (!q.answers.some((a) => a.percent === 100)) out.push(msg("Câu trả lời số cần một đáp án được 100%.", "A numerical question needs an answer worth 100%."));
      for (const a of q.answers) {
        if (a.mode === "range" && a.min > a.max) out.push(msg(`Khoảng ${a.min}..${a.max} không hợp lệ: số đầu lớn hơn số cuối.`, `Range ${a.min}..${a.max} is invalid: the minimum exceeds the maximum.`));
      }
      break;
    }
    case "matching": {
      if (q.pairs.length < 2) out.push(msg("Câu ghép đôi cần ít nhất hai cặp.", "A matching question needs at least two pairs."));
      const dup = duplicates(q.pairs.map((p) => p.left.normalize("NFC")));
      if (dup.length) out.push(msg(`Vế trái bị trùng: "${dup[0]}".`, `Duplicate left-hand item: "${dup[0]}".`));
      break;
    }
    case "ordering": {
      if (q.items.length < 2) out.push(msg("Câu sắp xếp cần ít nhất hai mục.", "An ordering question needs at least two items."));
      const dup = duplicates(q.items.map((i) => i.text.normalize("NFC")));
      if (dup.length) out.push(msg(`Mục bị trùng: "${dup[0]}".`, `Duplicate item: "${dup[0]}".`));
      break;
    }
  }

  const ids = partIds(q);
  const dupIds = duplicates(ids);
  if (dupIds.length) out.push(msg(`Mã phương án bị trùng: ${dupIds[0]}.`, `Duplicate option id: ${dupIds[0]}.`));
  return out;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function partIds(q: Question): string[] {
  switch (q.kind) {
    case "single":
    case "multiple":
      return q.options.map((o) => o.id);
    case "short":
      return q.answers.map((a) => a.id);
    case "numerical":
      return q.answers.map((a) => a.id);
    case "matching":
      return q.pairs.map((p) => p.id);
    case "ordering":
      return q.items.map((i) => i.id);
    case "truefalse":
    case "essay":
      return [];
  }
}
