import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exportGift, exportGiftDetailed, parseGift, type GiftProblem } from "../../app/quizzes/gift.ts";
import { questionArb } from "#tests/factories/gift-questions.ts";
import type { Question, QuestionKind } from "../../app/quizzes/types.ts";

const root = path.resolve(import.meta.dirname, "../..");
const coursesDir = path.join(root, "content/courses");
const fixture = fs.readFileSync(path.join(root, "tests/fixtures/gift/varied.gift"), "utf8");

function countByKind(questions: Question[]): Partial<Record<QuestionKind, number>> {
  const out: Partial<Record<QuestionKind, number>> = {};
  for (const q of questions) out[q.kind] = (out[q.kind] ?? 0) + 1;
  return out;
}

function byTitle(questions: Question[], title: string): Question {
  const q = questions.find((x) => x.title === title);
  if (!q) throw new Error(`no question titled ${title}`);
  return q;
}

function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => allStrings(x, out));
  else if (v && typeof v === "object") Object.values(v).forEach((x) => allStrings(x, out));
  return out;
}

const problemLines = (problems: GiftProblem[]) => problems.map((p) => ({ line: p.line, code: p.code }));

// ---------------------------------------------------------------------------------------------
// Shipped banks
// ---------------------------------------------------------------------------------------------

/** Counted by hand from the files (not by the parser). */
const SHIPPED: Record<string, Record<QuestionKind, number>> = {
  "an-toan-thong-tin": { single: 5, multiple: 3, truefalse: 3, short: 1, matching: 2, numerical: 1, ordering: 0, essay: 0 },
  "chuyen-doi-so-trong-co-quan": { single: 6, multiple: 2, truefalse: 3, short: 1, matching: 1, numerical: 2, ordering: 0, essay: 0 },
  "dich-vu-cong-truc-tuyen": { single: 5, multiple: 2, truefalse: 3, short: 1, matching: 1, numerical: 3, ordering: 0, essay: 0 },
  "ky-nang-so-co-ban": { single: 6, multiple: 2, truefalse: 3, short: 1, matching: 2, numerical: 1, ordering: 0, essay: 0 },
};

const shippedBanks = fs
  .readdirSync(coursesDir)
  .filter((d) => fs.existsSync(path.join(coursesDir, d, "quiz.gift")))
  .sort();

function readBank(slug: string): string {
  return fs.readFileSync(path.join(coursesDir, slug, "quiz.gift"), "utf8");
}

describe("shipped question banks (content/courses/*/quiz.gift)", () => {
  it("the expectations table lists exactly the shipped banks", () => {
    expect(shippedBanks).toEqual(Object.keys(SHIPPED).sort());
  });

  for (const slug of Object.keys(SHIPPED)) {
    describe(slug, () => {
      const result = parseGift(readBank(slug));

      it("parses with zero problems", () => {
        expect(result.problems).toEqual([]);
      });

      it("has 15 questions with the expected kinds", () => {
        const expected = Object.fromEntries(Object.entries(SHIPPED[slug]!).filter(([, n]) => n > 0));
        expect(countByKind(result.questions)).toEqual(expected);
        expect(result.questions).toHaveLength(15);
      });

      it("puts every question in the category <slug>/cuoi-khoa, with a title and a unique id", () => {
        for (const q of result.questions) {
          expect(q.category).toEqual([slug, "cuoi-khoa"]);
          expect(q.title).toBeTruthy();
        }
        expect(new Set(result.questions.map((q) => q.id)).size).toBe(15);
      });

      it("yields NFC text with no GIFT syntax left over", () => {
        for (const s of allStrings(result.questions)) {
          expect(s.normalize("NFC")).toBe(s);
          expect(s).not.toMatch(/\\[:~=#{}]/);
          expect(s).not.toMatch(/^\s|\s$/);
        }
      });

      it("round-trips: parse(export(parse(x))) deep-equals parse(x)", () => {
        const again = parseGift(exportGift(result.questions));
        expect(again.problems).toEqual([]);
        expect(again.questions).toStrictEqual(result.questions);
      });
    });
  }

  it("reads representative shipped questions exactly", () => {
    const at = parseGift(readBank("an-toan-thong-tin")).questions;
    const at02 = byTitle(at, "at-02 Dùng chung mật khẩu");
    expect(at02).toMatchObject({ kind: "truefalse", correct: false });
    expect(at02.kind === "truefalse" && at02.feedbackWrong).toMatch(/^Chưa đúng\. Chỉ cần một trang bị lộ/);
    expect(at02.kind === "truefalse" && at02.feedbackRight).toMatch(/^Đúng, nhận định này sai\./);

    const at03 = byTitle(at, "at-03 Trình quản lý mật khẩu");
    expect(at03.kind).toBe("multiple");
    expect(at03.kind === "multiple" && at03.options.map((o) => o.percent)).toEqual([50, 50, -100, -100]);

    const at04 = byTitle(at, "at-04 Tên gọi mã dùng một lần");
    expect(at04.kind === "short" && at04.answers.map((a) => [a.text, a.percent])).toEqual([
      ["OTP", 100],
      ["mã OTP", 100],
    ]);
    expect(at04.generalFeedback).toBe("OTP là viết tắt của One-Time Password, tức mật khẩu dùng một lần.");

    const at06 = byTitle(at, "at-06 Kịch bản lừa đảo và sự thật");
    expect(at06.generalFeedback).toContain("dấu hiệu chung: gấp gáp");
    expect(at06.kind === "matching" && at06.pairs[0]!.left).toBe('Người tự xưng công an gọi điện, yêu cầu chuyển tiền vào "tài khoản tạm giữ"');

    const at09 = byTitle(at, "at-09 Số độ mật");
    expect(at09).toMatchObject({
      kind: "numerical",
      answers: [{ mode: "tolerance", value: 3, tolerance: 0, percent: 100, feedback: "Đúng. Ba độ mật là Tuyệt mật, Tối mật và Mật." }],
      generalFeedback: "Độ mật do người có thẩm quyền xác định, không do người soạn thảo hay người nhận tự đặt.",
    });

    const cds = parseGift(readBank("chuyen-doi-so-trong-co-quan")).questions;
    expect(byTitle(cds, "do-phan-giai-quet")).toMatchObject({ kind: "numerical", answers: [{ mode: "range", min: 200, max: 300, percent: 100 }] });
    const vb = byTitle(cds, "vai-tro-van-ban-den");
    expect(vb.kind === "matching" && vb.pairs.map((p) => p.left)).toEqual(["Văn thư", "Lãnh đạo", "Chuyên viên chủ trì", "Đơn vị phối hợp"]);
    expect(byTitle(cds, "ke-hoach-02")).toMatchObject({ kind: "truefalse", correct: true, feedbackRight: "Đúng." });

    const kn = parseGift(readBank("ky-nang-so-co-ban")).questions;
    const kn11 = byTitle(kn, "kn-11 Toán tử tìm kiếm");
    expect(kn11.kind === "matching" && kn11.pairs.map((p) => p.left)).toEqual([
      "site:chinhphu.vn",
      "filetype:pdf",
      "Dấu trừ đặt ngay trước một từ",
      "Cụm từ đặt trong dấu ngoặc kép",
    ]);
    const kn01 = byTitle(kn, "kn-01 Khóa máy tính khi rời chỗ");
    expect(kn01.kind === "single" && kn01.options.map((o) => o.percent)).toEqual([100, 0, 0, 0]);
    expect(kn01.kind === "single" && kn01.options[0]!.text).toBe("Nhấn tổ hợp phím Windows + L để khóa máy");

    const dvc = parseGift(readBank("dich-vu-cong-truc-tuyen")).questions;
    expect(byTitle(dvc, "thoi-han-thong-bao-vi-pham")).toMatchObject({ kind: "numerical", answers: [{ value: 72, tolerance: 0 }] });
    expect(byTitle(dvc, "viec-nen-lam-khi-nop").generalFeedback).toBe(
      "Nộp hồ sơ trực tuyến cần cẩn thận như nộp ở bộ phận một cửa: giữ mã hồ sơ, theo dõi trạng thái, bổ sung đúng chỗ.",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Varied fixture
// ---------------------------------------------------------------------------------------------

describe("tests/fixtures/gift/varied.gift", () => {
  const result = parseGift(fixture);
  const qs = result.questions;
  const fixtureLines = fixture.split("\n");

  it("reports the description with its line number, and nothing else (the essay is a question)", () => {
    expect(problemLines(result.problems)).toEqual([{ line: 110, code: "unsupported-description" }]);
    expect(fixtureLines[110 - 1]).toMatch(/^::Mô tả::/);
    for (const p of result.problems) {
      expect(p.message.vi.length).toBeGreaterThan(10);
      expect(p.message.en.length).toBeGreaterThan(10);
    }
  });

  it("returns every other question, the essay among them, including the one after the unsupported one", () => {
    expect(qs).toHaveLength(23);
    expect(countByKind(qs)).toEqual({ single: 5, multiple: 3, truefalse: 5, short: 3, matching: 2, numerical: 4, essay: 1 });
    expect(byTitle(qs, "Tiểu luận")).toEqual({
      id: "tieu-luan",
      title: "Tiểu luận",
      text: "Hãy trình bày suy nghĩ của đồng chí về chuyển đổi số.",
      format: "moodle",
      category: ["thu-nghiem", "so"],
      weight: 1,
      kind: "essay",
    });
    expect(result.lines[qs.findIndex((q) => q.title === "Tiểu luận")]).toBe(108);
    expect(qs.at(-1)!.title).toBe("Sau lỗi");
    expect(result.lines).toHaveLength(23);
    expect(result.lines[0]).toBe(4);
    expect(result.lines.at(-1)).toBe(112);
  });

  it("ignores // comments, including one inside a question", () => {
    for (const s of allStrings(qs)) expect(s).not.toMatch(/chú thích|^\/\//);
    const q = byTitle(qs, "Ghép tỉnh");
    expect(q.kind === "matching" && q.pairs.map((p) => p.left)).toEqual(["Lào Cai", "Cần Thơ", "Huế"]);
  });

  it("tracks $CATEGORY: (Moodle's $course$/top/ prefix dropped); questions before it have none", () => {
    expect(byTitle(qs, "Không danh mục").category).toEqual([]);
    expect(byTitle(qs, "Thủ đô").category).toEqual(["thu-nghiem", "mot-dap-an"]);
    expect(byTitle(qs, "Số nguyên tố").category).toEqual(["thu-nghiem", "nhieu-dap-an"]);
    expect(byTitle(qs, "Sau lỗi").category).toEqual(["thu-nghiem", "so"]);
  });

  it("single choice: = and ~, per-option feedback, general feedback, partial weight", () => {
    expect(byTitle(qs, "Thủ đô")).toEqual({
      id: "thu-do",
      title: "Thủ đô",
      text: "Thủ đô của Việt Nam là thành phố nào?",
      format: "moodle",
      category: ["thu-nghiem", "mot-dap-an"],
      weight: 1,
      generalFeedback: "Hà Nội là thủ đô từ năm 1010 (Thăng Long).",
      kind: "single",
      options: [
        { id: expect.stringMatching(/^o-/), text: "Hà Nội", percent: 100, feedback: "Đúng rồi." },
        { id: expect.stringMatching(/^o-/), text: "Thành phố Hồ Chí Minh", percent: 0, feedback: "Chưa đúng, đây là thành phố lớn nhất." },
        { id: expect.stringMatching(/^o-/), text: "Đà Nẵng", percent: 0 },
      ],
      shuffle: true,
    });
    const multi = qs.find((q) => q.text.startsWith("Câu hỏi này viết trên"))!;
    expect(multi.kind === "single" && multi.options.map((o) => [o.text, o.percent, o.feedback])).toEqual([
      ["Đúng vậy", 100, undefined],
      ["Gần đúng", 50, "Được một nửa số điểm."],
      ["Sai hoàn toàn", 0, undefined],
    ]);
  });

  it("multi-line question text keeps its line breaks; an untitled question gets a positional id", () => {
    const multi = qs.find((q) => q.text.startsWith("Câu hỏi này viết trên"))!;
    expect(multi.text).toBe("Câu hỏi này viết trên\nnhiều dòng liên tiếp;\ndòng trống mới kết thúc câu hỏi.");
    expect(multi.title).toBeUndefined();
    expect(multi.id).toBe("q-4");
    expect(byTitle(qs, "Thủ đô").id).toBe("thu-do");
  });

  it("fill the blank: answers in the middle of the text", () => {
    const q = byTitle(qs, "Điền vào chỗ trống");
    expect(q.text).toBe("Chủ tịch Hồ Chí Minh đọc Tuyên ngôn Độc lập tại quảng trường ");
    expect(q.textAfter).toBe(" năm 1945.");
    expect(q.kind === "single" && q.options.map((o) => o.text)).toEqual(["Ba Đình", "Hoàn Kiếm", "Lam Sơn"]);
    expect(byTitle(qs, "Thủ đô").textAfter).toBeUndefined();
  });

  it("every escape: \\~ \\= \\# \\{ \\} \\: \\\\ and \\n", () => {
    const q = byTitle(qs, "Thoát ký tự");
    expect(q.text).toBe("Ký tự đặc biệt: dấu ngã ~, dấu bằng =, dấu thăng #, ngoặc { và }, gạch chéo ngược \\.\nDòng mới nhờ \\n.");
    expect(q.kind).toBe("single");
    if (q.kind !== "single") return;
    expect(q.options.map((o) => [o.text, o.percent, o.feedback])).toEqual([
      ["a = b ~ c", 100, "phản hồi có # và : và {ngoặc}"],
      ["%không phải trọng số", 0, undefined],
      ["C:\\Windows", 0, undefined],
    ]);
    expect(byTitle(qs, "Không danh mục").text).toBe("Câu hỏi này đứng trước mọi dòng $CATEGORY: nên không thuộc danh mục nào.");
    const sym = byTitle(qs, "Ghép ký hiệu");
    expect(sym.kind === "matching" && sym.pairs.map((p) => [p.left, p.right])).toEqual([
      ["x:y", "tỉ lệ"],
      ["a", "b -> vế phải được chứa mũi tên"],
    ]);
  });

  it("format prefixes are recorded and the text is kept verbatim (never turned into HTML)", () => {
    expect(byTitle(qs, "Số nguyên tố")).toMatchObject({ format: "html", text: "Những số nào là <b>số nguyên tố</b>? (Chọn tất cả đáp án đúng)" });
    expect(byTitle(qs, "Chọn đủ mới được điểm")).toMatchObject({ format: "markdown", text: "Chọn **các** màu của quốc kỳ Việt Nam." });
    expect(byTitle(qs, "Trọng số lẻ")).toMatchObject({ format: "plain", text: "Chọn ba đáp án đúng." });
    expect(byTitle(qs, "Đúng dài")).toMatchObject({ format: "moodle", text: "Hà Nội là thủ đô của Việt Nam." });
    expect(byTitle(qs, "Thủ đô").format).toBe("moodle");
  });

  it("multiple choice: weights (negative, fractional), feedback, directive for all-or-nothing and weight", () => {
    const primes = byTitle(qs, "Số nguyên tố");
    expect(primes).toMatchObject({ kind: "multiple", scoring: "partial", weight: 1, generalFeedback: "Số nguyên tố chỉ chia hết cho 1 và chính nó." });
    expect(primes.kind === "multiple" && primes.options.map((o) => [o.text, o.percent, o.feedback])).toEqual([
      ["2", 50, "Đúng, 2 là số nguyên tố chẵn duy nhất."],
      ["3", 50, undefined],
      ["4", -100, "Sai, 4 = 2 × 2."],
      ["9", -100, undefined],
    ]);
    expect(byTitle(qs, "Chọn đủ mới được điểm")).toMatchObject({ kind: "multiple", scoring: "all-or-nothing", weight: 2 });
    const odd = byTitle(qs, "Trọng số lẻ");
    expect(odd.kind === "multiple" && odd.options.map((o) => o.percent)).toEqual([33.33333, 33.33333, 33.33333, -100]);
  });

  it("true/false: T, TRUE, F, FALSE, wrong/right feedback and general feedback", () => {
    expect(byTitle(qs, "Đúng ngắn")).toMatchObject({ kind: "truefalse", correct: true });
    expect(byTitle(qs, "Đúng ngắn")).not.toHaveProperty("feedbackRight");
    expect(byTitle(qs, "Đúng dài")).toMatchObject({ kind: "truefalse", correct: true, feedbackWrong: "Sai rồi, hãy xem lại.", feedbackRight: "Chính xác." });
    expect(byTitle(qs, "Sai có phản hồi")).toMatchObject({
      kind: "truefalse",
      correct: false,
      feedbackWrong: "Chưa đúng: một năm có 12 tháng.",
      feedbackRight: "Đúng: một năm có 12 tháng.",
      generalFeedback: "Lịch dương có 12 tháng.",
    });
    const f = byTitle(qs, "Sai dài");
    expect(f).toMatchObject({ kind: "truefalse", correct: false, feedbackWrong: "Nước sôi ở 100 độ C." });
    expect(f).not.toHaveProperty("feedbackRight");
  });

  it("short answer: several answers, =%50% partial, feedback, ignoreDiacritics directive, wildcard", () => {
    const q = byTitle(qs, "Tên ứng dụng");
    expect(q).toMatchObject({ kind: "short", ignoreDiacritics: false });
    expect(q.kind === "short" && q.answers.map((a) => [a.text, a.percent, a.feedback])).toEqual([
      ["VNeID", 100, "Chính xác."],
      ["ứng dụng VNeID", 100, undefined],
      ["VNID", 50, "Gần đúng, thiếu chữ e."],
    ]);
    expect(byTitle(qs, "Không cần dấu")).toMatchObject({ kind: "short", ignoreDiacritics: true });
    const w = byTitle(qs, "Ký tự đại diện");
    expect(w.kind === "short" && w.answers.map((a) => [a.text, a.percent])).toEqual([
      ["chuyển*", 100],
      ["*", 0],
    ]);
  });

  it("matching: pairs with feedback, a distractor, general feedback", () => {
    const q = byTitle(qs, "Ghép tỉnh");
    expect(q).toMatchObject({
      kind: "matching",
      distractors: ["Tây Nguyên"],
      generalFeedback: "Có một phương án thừa.",
      pairs: [
        { left: "Lào Cai", right: "Trung du và miền núi phía Bắc", feedback: "Lào Cai giáp Trung Quốc." },
        { left: "Cần Thơ", right: "Đồng bằng sông Cửu Long" },
        { left: "Huế", right: "Bắc Trung Bộ" },
      ],
    });
  });

  it("numerical: value:tolerance, min..max, several weighted answers with a catch-all, negatives", () => {
    expect(byTitle(qs, "Số pi")).toMatchObject({ kind: "numerical", answers: [{ mode: "tolerance", value: 3.14, tolerance: 0.01, percent: 100 }] });
    expect(byTitle(qs, "Khoảng")).toMatchObject({ kind: "numerical", answers: [{ mode: "range", min: 1, max: 5, feedback: "Đúng, nằm trong khoảng." }] });
    const many = byTitle(qs, "Nhiều đáp án số");
    expect(many).toMatchObject({
      kind: "numerical",
      otherFeedback: "Hãy xem lại bài học.",
      generalFeedback: "Cách mạng Tháng Tám năm 1945.",
      answers: [
        { mode: "tolerance", value: 1945, tolerance: 0, percent: 100, feedback: "Chính xác." },
        { mode: "tolerance", value: 1945, tolerance: 1, percent: 50, feedback: "Gần đúng." },
      ],
    });
    expect(byTitle(qs, "Số âm")).toMatchObject({ answers: [{ value: -38.83, tolerance: 0.5 }] });
  });

  it("Vietnamese text comes out NFC even from NFD input", () => {
    const nfd = fixture.normalize("NFD");
    expect(nfd).not.toBe(fixture);
    const fromNfd = parseGift(nfd);
    expect(fromNfd.questions).toStrictEqual(qs);
    expect(fromNfd.problems).toEqual(result.problems);
    for (const s of allStrings(fromNfd.questions)) expect(s.normalize("NFC")).toBe(s);
  });

  it("CRLF, lone CR and a BOM change nothing, line numbers included", () => {
    for (const variant of ["\uFEFF" + fixture.replace(/\n/g, "\r\n"), fixture.replace(/\n/g, "\r"), "\uFEFF" + fixture]) {
      const r = parseGift(variant);
      expect(r.questions).toStrictEqual(qs);
      expect(r.problems).toEqual(result.problems);
      expect(r.lines).toEqual(result.lines);
    }
  });

  it("round-trips: parse(export(parse(x))) deep-equals parse(x), and export is a fixed point", () => {
    const text = exportGift(qs);
    const again = parseGift(text);
    expect(again.problems).toEqual([]);
    expect(again.questions).toStrictEqual(qs);
    expect(exportGift(again.questions)).toBe(text);
    // Settings GIFT cannot express travel in a comment Moodle ignores.
    expect(text).toContain('// @hocso {"weight":2,"scoring":"all-or-nothing"}');
    expect(text).toContain('// @hocso {"ignoreDiacritics":true}');
    expect(text).toMatch(/^::Không danh mục::/);
    expect(text).toContain("$CATEGORY: thu-nghiem/mot-dap-an\n");
  });
});

// ---------------------------------------------------------------------------------------------
// Problems and edge cases
// ---------------------------------------------------------------------------------------------

describe("problems are reported with their line, and parsing goes on", () => {
  const cases: [string, string, { line: number; code: string }][] = [
    ["unclosed brace", "::a::Câu hỏi{=x ~y\n=z\n\n::b::Tiếp{T}", { line: 1, code: "braces" }],
    ["closing brace first", "::a::Câu } hỏi{=x ~y}\n\n::b::Tiếp{T}", { line: 1, code: "braces" }],
    ["two answer blocks", "::a::Câu {T} và\n{F}\n\n::b::Tiếp{T}", { line: 2, code: "braces" }],
    ["nested brace", "::a::Câu {=x {y} ~z}\n\n::b::Tiếp{T}", { line: 1, code: "braces" }],
    ["unterminated title", "::a Câu hỏi{T}\n\n::b::Tiếp{T}", { line: 1, code: "title" }],
    ["answer without = or ~", "::a::Câu hỏi{Hà Nội}\n\n::b::Tiếp{T}", { line: 1, code: "unknown-kind" }],
    ["text before the first answer", "::a::Câu hỏi{\nchữ thừa =x ~y}\n\n::b::Tiếp{T}", { line: 2, code: "stray-text" }],
    ["weight out of range, on its own line", "// chú thích\n::a::Câu hỏi{\n=x\n~y\n~%150%z\n}\n\n::b::Tiếp{T}", { line: 5, code: "weight" }],
    ["malformed weight", "::a::Câu hỏi{=x ~%5 0%y}\n\n::b::Tiếp{T}", { line: 1, code: "weight" }],
    ["negative short-answer weight", "::a::Câu hỏi{=x =%-50%y}\n\n::b::Tiếp{T}", { line: 1, code: "weight" }],
    ["empty option", "::a::Câu hỏi{=x ~#chỉ có phản hồi}\n\n::b::Tiếp{T}", { line: 1, code: "empty-answer" }],
    ["not a number", "::a::Câu hỏi{#ba}\n\n::b::Tiếp{T}", { line: 1, code: "number" }],
    ["negative tolerance", "::a::Câu hỏi{#3:-1}\n\n::b::Tiếp{T}", { line: 1, code: "number" }],
    ["text after ~ in numerical", "::a::Câu hỏi{#3:0 ~4#sai}\n\n::b::Tiếp{T}", { line: 1, code: "numerical-other" }],
    ["matching pair without ->", "::a::Ghép{\n=a -> 1\n=b -> 2\n=c\n}\n\n::b::Tiếp{T}", { line: 4, code: "matching-arrow" }],
    ["matching with one pair", "::a::Ghép{=a -> 1}\n\n::b::Tiếp{T}", { line: 1, code: "invalid" }],
    ["single choice without a 100% option", "::a::Câu hỏi{=%50%x ~y}\n\n::b::Tiếp{T}", { line: 1, code: "invalid" }],
    ["multiple choice not adding up to 100%", "::a::Câu hỏi{~%50%x ~%40%y ~z}\n\n::b::Tiếp{T}", { line: 1, code: "invalid" }],
    ["multiple choice without a positive weight", "::a::Câu hỏi{~x ~y}\n\n::b::Tiếp{T}", { line: 1, code: "invalid" }],
    ["numerical range reversed", "::a::Câu hỏi{#5..1}\n\n::b::Tiếp{T}", { line: 1, code: "invalid" }],
    ["empty $CATEGORY:", "$CATEGORY:\n\n::b::Tiếp{T}", { line: 1, code: "category" }],
    ["directive that is not JSON", "// @hocso weight=2\n::a::Câu hỏi{T}\n\n::b::Tiếp{T}", { line: 1, code: "directive" }],
    ["directive with an unknown key", '// @hocso {"colour": "red"}\n::a::Câu hỏi{T}\n\n::b::Tiếp{T}', { line: 1, code: "directive" }],
    ["directive that does not fit the kind", '// @hocso {"ignoreDiacritics": true}\n::a::Câu hỏi{T}\n\n::b::Tiếp{T}', { line: 1, code: "directive" }],
    ["directive separated from its question", '// @hocso {"weight": 3}\n\n::b::Tiếp{T}', { line: 1, code: "directive" }],
  ];
  for (const [name, src, expected] of cases) {
    it(name, () => {
      const r = parseGift(src);
      expect(problemLines(r.problems)).toEqual([expected]);
      expect(r.questions.map((q) => q.title)).toEqual(["b"]);
      expect(r.questions[0]!.kind).toBe("truefalse");
    });
  }

  it("an empty file or one with only comments has no questions and no problems", () => {
    expect(parseGift("")).toEqual({ questions: [], problems: [], lines: [] });
    expect(parseGift("// chỉ có chú thích\n\n   \n// nữa\n")).toEqual({ questions: [], problems: [], lines: [] });
  });
});

describe("lenient and Moodle-compatible details", () => {
  it("$CATEGORY: may be directly followed by a question in the same block", () => {
    const r = parseGift("$CATEGORY: a/b\n::q::Câu{T}");
    expect(r.problems).toEqual([]);
    expect(r.questions[0]).toMatchObject({ category: ["a", "b"], title: "q", kind: "truefalse" });
    expect(r.lines).toEqual([2]);
  });

  it("category names may contain a slash written as //", () => {
    const r = parseGift("$CATEGORY: Đơn vị//phòng ban/ Tổ 1 \n\n::q::Câu{T}");
    expect(r.questions[0]!.category).toEqual(["Đơn vị/phòng ban", "Tổ 1"]);
    expect(parseGift(exportGift(r.questions)).questions).toStrictEqual(r.questions);
  });

  it("T/F keywords are case-insensitive", () => {
    const r = parseGift("::a::A{true}\n\n::b::B{f#sai}");
    expect(r.questions.map((q) => q.kind === "truefalse" && q.correct)).toEqual([true, false]);
  });

  it("a format prefix without a title, and a title-less text that looks like a comment survive export", () => {
    const r = parseGift("[html]<i>x</i>{T}\n\n::t::[moodle][html] là chữ{T}\n\n[plain]//không phải chú thích{T}");
    expect(r.problems).toEqual([]);
    expect(r.questions.map((q) => [q.format, q.text])).toEqual([
      ["html", "<i>x</i>"],
      ["moodle", "[html] là chữ"],
      ["plain", "//không phải chú thích"],
    ]);
    const moodleComment = { ...r.questions[2]!, id: "q-1", format: "moodle" as const };
    for (const qs of [r.questions, [moodleComment]]) expect(parseGift(exportGift(qs)).questions).toStrictEqual(qs);
  });

  it("duplicate titles get distinct ids; ids do not depend on the option order", () => {
    const r = parseGift("::Giống::A{T}\n\n::Giống::B{F}\n\n::Khác::C{=x ~y ~z}\n\n::Khác 2::C{~y =x ~z}");
    expect(r.questions.map((q) => q.id)).toEqual(["giong", "giong-2", "khac", "khac-2"]);
    const [c1, c2] = [r.questions[2]!, r.questions[3]!];
    if (c1.kind !== "single" || c2.kind !== "single") throw new Error("expected single choice");
    const idOf = (q: typeof c1, text: string) => q.options.find((o) => o.text === text)!.id;
    for (const t of ["x", "y", "z"]) expect(idOf(c1, t)).toBe(idOf(c2, t));
    expect(new Set(c1.options.map((o) => o.id)).size).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------
// Export of arbitrary questions
// ---------------------------------------------------------------------------------------------

describe("exportGift", () => {
  const base = { format: "moodle" as const, category: [] as string[], weight: 1 };

  it("leaves out what GIFT cannot express, says so in the file, and lists it", () => {
    const ordering: Question = {
      ...base,
      id: "thu-tu",
      title: "Thứ tự",
      text: "Sắp xếp",
      kind: "ordering",
      items: [
        { id: "i1", text: "một" },
        { id: "i2", text: "hai" },
      ],
      scoring: "position",
    };
    const arrowShort: Question = { ...base, id: "mui-ten", title: "Mũi tên", text: "?", kind: "short", answers: [{ id: "a1", text: "a -> b", percent: 100 }], ignoreDiacritics: false };
    const invalid: Question = { ...base, id: "hong", title: "Hỏng", text: "?", kind: "single", options: [{ id: "o1", text: "x", percent: 50 }], shuffle: true };
    const ok: Question = { ...base, id: "duoc", title: "Được", text: "Câu", kind: "truefalse", correct: true };
    const { text, skipped } = exportGiftDetailed([ordering, arrowShort, invalid, ok]);
    expect(skipped.map((s) => s.id)).toEqual(["thu-tu", "mui-ten", "hong"]);
    expect(text).toContain('// Không xuất được câu hỏi "Thứ tự" (ordering)');
    expect(text).toContain('// Not exported "Mũi tên" (short)');
    const back = parseGift(text);
    expect(back.problems).toEqual([]);
    expect(back.questions).toStrictEqual([ok]);
  });

  it("protects option texts that look like weights, and numbers like -0", () => {
    const r = parseGift("::p::Phần trăm?{=đủ ~%50% là một nửa ~%0%%100%#không phải trọng số ~50%}\n\n::z::Không?{#-0:0}\n\n::y::Âm?{#-0.0..-0}\n\n::x::Viết khác?{#=%50%3.0:1e0 =3:0}");
    expect(r.problems).toEqual([]);
    const p = r.questions[0]!;
    expect(p.kind === "single" && p.options.map((o) => [o.text, o.percent])).toEqual([
      ["đủ", 100],
      ["là một nửa", 50],
      ["%100%", 0],
      ["50%", 0],
    ]);
    expect(r.questions[1]).toMatchObject({ answers: [{ value: 0, tolerance: 0 }] });
    expect(Object.is((r.questions[1] as { answers: { value: number }[] }).answers[0]!.value, 0)).toBe(true);
    expect(r.questions[3]).toMatchObject({ answers: [{ value: 3, tolerance: 1, percent: 50 }, { value: 3, tolerance: 0, percent: 100 }] });
    expect(parseGift(exportGift(r.questions)).questions).toStrictEqual(r.questions);
    const q: Question = {
      ...base,
      id: "t",
      title: "t",
      text: "Câu",
      kind: "single",
      shuffle: true,
      options: [
        { id: "o1", text: "%50% là một nửa", percent: 100 },
        { id: "o2", text: "%-100%x", percent: 0 },
      ],
    };
    const back = parseGift(exportGift([q])).questions[0]!;
    expect(back.kind === "single" && back.options.map((o) => [o.text, o.percent])).toEqual([
      ["%50% là một nửa", 100],
      ["%-100%x", 0],
    ]);
  });

  it("writes uncategorised questions first, then one $CATEGORY: line per run", () => {
    const q = (id: string, category: string[]): Question => ({ ...base, id, title: id, text: "Câu", category, kind: "truefalse", correct: true });
    const text = exportGift([q("a", ["x"]), q("b", ["x"]), q("c", []), q("d", ["y", "z"])]);
    expect(text).toBe("::c::Câu{T}\n\n$CATEGORY: x\n\n::a::Câu{T}\n\n::b::Câu{T}\n\n$CATEGORY: y/z\n\n::d::Câu{T}\n");
  });


  /** Ids are derived by the parser; compare everything else. */
  function withoutIds(q: Question): unknown {
    return JSON.parse(JSON.stringify(q, (key, value) => (key === "id" ? undefined : value)));
  }

  it("property: export → parse gives back the question (ids aside), and ids are stable", () => {
    fc.assert(
      fc.property(questionArb, (q) => {
        const text = exportGift([q]);
        const r = parseGift(text);
        expect(r.problems).toEqual([]);
        expect(r.questions).toHaveLength(1);
        expect(withoutIds(r.questions[0]!)).toEqual(withoutIds(q));
        const again = parseGift(exportGift(r.questions));
        expect(again.questions).toStrictEqual(r.questions);
      }),
      { numRuns: 400 },
    );
  });
});
