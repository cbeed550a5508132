import { describe, expect, it } from "vitest";
import { exportGift, parseGift } from "../../app/quizzes/gift.ts";
import { grade, MAX_ESSAY_CHARS, presentQuestion, responseSchema } from "../../app/quizzes/grading.ts";
import { blankDraft, draftOfQuestion, questionFromDraft } from "../../app/quizzes/question-draft.ts";
import type { Question } from "../../app/quizzes/types.ts";

/**
 * Essay questions (GIFT `{}`, ADR 0017) beyond Moodle's own cases (quiz-gift-moodle.test.ts):
 * general feedback and the mark travel through GIFT, settings that do not fit an essay are
 * refused, the bank editor's draft builds the question a hand-written file gives, and what a
 * member can see or send about an essay is bounded.
 */
function only(gift: string): Question {
  const r = parseGift(gift);
  expect(r.problems).toEqual([]);
  expect(r.questions).toHaveLength(1);
  return r.questions[0]!;
}

describe("GIFT essays", () => {
  it("general feedback and a mark other than 1 import and export as written", () => {
    const src = '// @hocso {"weight":5}\n::Suy nghĩ::Đồng chí sẽ làm gì sau khi học nghị quyết?{####Nêu việc cụ thể của bản thân.}\n';
    const q = only(src);
    expect(q).toEqual({
      id: "suy-nghi",
      title: "Suy nghĩ",
      text: "Đồng chí sẽ làm gì sau khi học nghị quyết?",
      format: "moodle",
      category: [],
      weight: 5,
      generalFeedback: "Nêu việc cụ thể của bản thân.",
      kind: "essay",
    });
    expect(exportGift([q])).toBe(src);
    expect(parseGift(exportGift([q])).questions).toStrictEqual([q]);
  });

  it("a blank between the braces is an essay; the text after it is kept like any missing-word text", () => {
    expect(only("::a::Viết về {   } ở cơ quan.")).toMatchObject({ kind: "essay", text: "Viết về ", textAfter: " ở cơ quan." });
  });

  it("settings that do not apply to an essay are a problem on their line, and the next question still imports", () => {
    const r = parseGift('// @hocso {"shuffle": false}\n::a::Viết{}\n\n::b::Tiếp{T}');
    expect(r.problems.map((p) => ({ line: p.line, code: p.code }))).toEqual([{ line: 1, code: "directive" }]);
    expect(r.problems[0]!.message.vi).toMatch(/không áp dụng/);
    expect(r.problems[0]!.message.en).toMatch(/does not apply/);
    expect(r.questions.map((q) => q.title)).toEqual(["b"]);
  });

  it("Vietnamese text typed in NFD comes out NFC, and a mixed bank round-trips to a fixed point", () => {
    const nfd = "::Tự luận::Trình bày ý kiến của đồng chí.{}".normalize("NFD");
    expect(only(nfd).text).toBe("Trình bày ý kiến của đồng chí.");
    const bank = `::e1::Viết một đoạn.{}\n\n::t::Đúng không?{T}\n\n$CATEGORY: tu-luan\n\n::e2::Viết thêm \\{ một \\} đoạn\\: có ký tự đặc biệt \\= \\~ \\#.{####Gợi ý}\n`;
    const first = parseGift(bank);
    expect(first.problems).toEqual([]);
    expect(first.questions.map((q) => q.kind)).toEqual(["essay", "truefalse", "essay"]);
    expect(first.questions[2]!.text).toBe("Viết thêm { một } đoạn: có ký tự đặc biệt = ~ #.");
    const text = exportGift(first.questions);
    expect(parseGift(text).questions).toStrictEqual(first.questions);
    expect(exportGift(parseGift(text).questions)).toBe(text);
  });
});

describe("the bank editor's essay draft", () => {
  it("builds the question the GIFT file gives, and reads back into the same draft", () => {
    const draft = { ...blankDraft("essay"), title: "Suy nghĩ", text: "  Đồng chí sẽ làm gì?  ", weight: "5", generalFeedback: "Nêu việc cụ thể." };
    const built = questionFromDraft(draft);
    expect(built.ok).toBe(true);
    const q = (built as { ok: true; question: Question }).question;
    const fromFile = only('// @hocso {"weight":5}\n::Suy nghĩ::Đồng chí sẽ làm gì?{####Nêu việc cụ thể.}');
    expect({ ...q, id: "" }).toEqual({ ...fromFile, id: "" });
    expect(draftOfQuestion(fromFile)).toMatchObject({ kind: "essay", title: "Suy nghĩ", text: "Đồng chí sẽ làm gì?", weight: "5", generalFeedback: "Nêu việc cụ thể." });
  });

  it("an essay without text, or with a mark of 0, is refused with messages in both languages", () => {
    const r = questionFromDraft({ ...blankDraft("essay"), text: "   ", weight: "0" });
    expect(r.ok).toBe(false);
    const errors = (r as { ok: false; errors: { vi: string; en: string }[] }).errors;
    expect(errors.map((e) => e.en).join(" ")).toMatch(/greater than 0/);
    for (const e of errors) expect(e.vi.length).toBeGreaterThan(5);
  });
});

describe("what a member sees and sends", () => {
  const q = only("::Suy nghĩ::Đồng chí sẽ làm gì?{####GỢI-Ý-BÍ-MẬT}");

  it("the presented essay carries its text and the length limit, nothing else (no feedback, no mark)", () => {
    const p = presentQuestion(q, "seed");
    expect(p).toEqual({ id: q.id, text: "Đồng chí sẽ làm gì?", format: "moodle", kind: "essay", maxChars: MAX_ESSAY_CHARS });
    expect(JSON.stringify(p)).not.toContain("GỢI-Ý");
  });

  it("a response is one text, stored NFC, at most MAX_ESSAY_CHARS characters (counted as letters, not UTF-16 units)", () => {
    const schema = responseSchema(q);
    expect(schema.parse({ text: "Tôi sẽ học tập".normalize("NFD") })).toEqual({ text: "Tôi sẽ học tập" });
    // NFD letters take two code points each; the limit is on the NFC text.
    expect(schema.safeParse({ text: "ệ".normalize("NFD").repeat(MAX_ESSAY_CHARS) }).success).toBe(true);
    expect(schema.safeParse({ text: "a".repeat(MAX_ESSAY_CHARS + 1) }).success).toBe(false);
    expect(schema.safeParse({ text: "x", score: 1 }).success).toBe(false);
    expect(schema.safeParse({ choice: "x" }).success).toBe(false);
  });

  it("nothing grades an essay automatically: any text scores 0 until a person grades it", () => {
    expect(grade(q, { text: "Một bài viết rất hay." })).toMatchObject({ score: 0, valid: true, feedback: [] });
  });
});
