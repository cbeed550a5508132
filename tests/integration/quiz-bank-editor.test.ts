import { first } from "#db/first.ts";
import { afterAll, beforeAll, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeQuizCourse } from "#tests/factories/courses.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { getCourse, publishCourse } from "#app/courses/courses.server.ts";
import { importGiftBank } from "#app/quizzes/bank.server.ts";
import { deleteQuestion, editableBank, moveQuestion, previewOf, saveQuestion } from "#app/quizzes/bank-editor.server.ts";
import { blankDraft, draftOfQuestion, nestFormEntries, questionDraftSchema, type EditableKind, type QuestionDraft } from "#app/quizzes/question-draft.ts";
import { exportGift, parseGift } from "#app/quizzes/gift.ts";
import { correctResponse } from "#app/quizzes/grading.ts";
import { saveAnswer, startAttempt, submitAttempt } from "#app/quizzes/attempts.server.ts";
import type { Question } from "#app/quizzes/types.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { courseItems } from "#db/schema/index.ts";

/**
 * The bank editor's domain functions: each question type made in the browser's form gives the bank
 * a hand-written GIFT file would, downloads and re-imports unchanged; reorder and delete keep the
 * rest; bad input comes back as every problem at once with nothing written; and an attempt already
 * started keeps its questions whatever the bank becomes.
 */
let db: Awaited<ReturnType<typeof testDb>>;
let courseId: number;

beforeAll(async () => {
  db = await testDb();
  courseId = (await createCourse(db, { slug: "khoa-soan", title: "Khóa soạn câu hỏi" })).id;
});
afterAll(() => dropDb(db));

let itemSeq = 0;
async function newQuiz(): Promise<string> {
  return (await addItem(db, courseId, "chuong-1", "quiz", `Kiểm tra ${++itemSeq}`)).key;
}

async function source(itemKey: string): Promise<string> {
  return (await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, itemKey)))))!.source ?? "";
}

function draft(kind: EditableKind, fields: Partial<QuestionDraft>): QuestionDraft {
  return { ...blankDraft(kind), ...fields };
}

/** What the editor's form posts, through the action's parsing (form entries → zod). */
function posted(entries: [string, string][]): QuestionDraft {
  return questionDraftSchema.parse(nestFormEntries(entries));
}

async function save(itemKey: string, d: QuestionDraft, index: number | null = null) {
  return saveQuestion(db, courseId, itemKey, { revision: (await editableBank(db, courseId, itemKey)).revision, index, draft: d });
}

async function refusal(fn: () => unknown): Promise<DomainError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

/** Each kind as the form fills it, and the GIFT an author would type for the same question. */
const CASES: { kind: EditableKind; draft: QuestionDraft; gift: string }[] = [
  {
    kind: "single",
    draft: draft("single", {
      title: "Thủ đô",
      text: "Thủ đô của Việt Nam là?",
      category: "dia-ly/co-ban",
      weight: "2",
      generalFeedback: "Hà Nội là thủ đô từ năm 1010 (Thăng Long).",
      options: [
        { text: "Hà Nội", percent: "100", feedback: "Đúng rồi." },
        { text: "Huế", percent: "0", feedback: "Huế là kinh đô triều Nguyễn." },
        { text: "Đà Nẵng", percent: "0", feedback: "" },
        { text: "", percent: "0", feedback: "" },
      ],
    }),
    gift: `$CATEGORY: dia-ly/co-ban\n\n// @hocso {"weight": 2}\n::Thủ đô::Thủ đô của Việt Nam là?{\n  =Hà Nội#Đúng rồi.\n  ~Huế#Huế là kinh đô triều Nguyễn.\n  ~Đà Nẵng\n  ####Hà Nội là thủ đô từ năm 1010 (Thăng Long).\n}\n`,
  },
  {
    kind: "multiple",
    draft: draft("multiple", {
      title: "Mật khẩu mạnh",
      text: "Những mật khẩu nào đủ mạnh? (chọn {hai})",
      scoring: "all-or-nothing",
      shuffle: "",
      options: [
        { text: "Tr0ng#Đồng~2024!", percent: "50", feedback: "" },
        { text: "ngựa-pin-kẹp-giấy-đúng", percent: "50", feedback: "Cụm từ dài." },
        { text: "123456", percent: "-100", feedback: "Quá dễ đoán." },
      ],
    }),
    gift: `// @hocso {"scoring":"all-or-nothing","shuffle":false}\n::Mật khẩu mạnh::Những mật khẩu nào đủ mạnh? (chọn \\{hai\\}){\n~%50%Tr0ng\\#Đồng\\~2024!\n~%50%ngựa-pin-kẹp-giấy-đúng#Cụm từ dài.\n~%-100%123456#Quá dễ đoán.\n}\n`,
  },
  {
    kind: "truefalse",
    draft: draft("truefalse", {
      title: "Hai bước",
      text: "Xác thực hai bước làm tài khoản an toàn hơn.",
      correct: "true",
      feedbackRight: "Chính xác.",
      feedbackWrong: "Xem lại bài 2.",
    }),
    gift: `::Hai bước::Xác thực hai bước làm tài khoản an toàn hơn.{TRUE#Xem lại bài 2.#Chính xác.}\n`,
  },
  {
    kind: "short",
    draft: draft("short", {
      title: "OTP",
      text: "Mật khẩu dùng một lần viết tắt là",
      textAfter: "(ba chữ cái).",
      ignoreDiacritics: "on",
      answers: [
        { text: "OTP", percent: "100", feedback: "" },
        { text: "mã OTP*", percent: "50", feedback: "Chỉ cần viết tắt." },
      ],
    }),
    gift: `// @hocso {"ignoreDiacritics": true}\n::OTP::Mật khẩu dùng một lần viết tắt là {=OTP =%50%mã OTP*#Chỉ cần viết tắt.} (ba chữ cái).\n`,
  },
  {
    kind: "numerical",
    draft: draft("numerical", {
      title: "Số pi",
      text: "Số pi (hai chữ số thập phân)?",
      otherFeedback: "Pi xấp xỉ 3,14.",
      numeric: [
        { mode: "tolerance", value: "3,14", tolerance: "0.005", min: "", max: "", percent: "100", feedback: "" },
        { mode: "range", value: "", tolerance: "", min: "3", max: "3.2", percent: "50", feedback: "Gần đúng." },
      ],
    }),
    gift: `::Số pi::Số pi (hai chữ số thập phân)?{#\n=3.14:0.005\n=%50%3..3.2#Gần đúng.\n~#Pi xấp xỉ 3,14.\n}\n`,
  },
  {
    kind: "matching",
    draft: draft("matching", {
      title: "Ghép",
      text: "Ghép cơ quan với chức năng.",
      category: "to-chuc",
      pairs: [
        { left: "Quốc hội", right: "Lập pháp", feedback: "" },
        { left: "Chính phủ", right: "Hành pháp", feedback: "Cơ quan hành chính cao nhất." },
        { left: "", right: "", feedback: "" },
      ],
      distractors: ["Kiểm toán", ""],
    }),
    gift: `$CATEGORY: to-chuc\n\n::Ghép::Ghép cơ quan với chức năng.{\n=Quốc hội -> Lập pháp\n=Chính phủ -> Hành pháp#Cơ quan hành chính cao nhất.\n= -> Kiểm toán\n}\n`,
  },
  {
    kind: "essay",
    draft: draft("essay", {
      title: "Thu hoạch",
      text: "Đồng chí sẽ làm gì sau khi học nghị quyết: {một} việc cụ thể?",
      weight: "4",
      category: "tu-luan",
      generalFeedback: "Nêu việc, thời hạn và kết quả.",
    }),
    gift: `$CATEGORY: tu-luan\n\n// @hocso {"weight": 4}\n::Thu hoạch::Đồng chí sẽ làm gì sau khi học nghị quyết\\: \\{một\\} việc cụ thể?{\n####Nêu việc, thời hạn và kết quả.\n}\n`,
  },
];

test.each(CASES)("a $kind question made in the editor is the one hand-written GIFT gives, and its download re-imports unchanged", async ({ draft: d, gift }) => {
  const edited = await newQuiz();
  const r = await save(edited, d);
  expect(r).toMatchObject({ ok: true, index: 0 });
  const bank = await editableBank(db, courseId, edited);
  expect(bank.problems).toEqual([]);

  const hand = parseGift(gift);
  expect(hand.problems).toEqual([]);
  expect(bank.questions).toEqual(hand.questions);
  expect(exportGift(bank.questions)).toBe(exportGift(hand.questions));

  // The download (what the GIFT route sends), uploaded into another quiz, is the same bank.
  const download = exportGift(bank.questions);
  const again = await newQuiz();
  expect((await importGiftBank(db, courseId, again, download, { strict: true })).problems).toEqual([]);
  expect((await editableBank(db, courseId, again)).questions).toEqual(bank.questions);

  // Opening the question in the form and saving it unchanged changes nothing.
  expect((await save(edited, draftOfQuestion(bank.questions[0]!), 0)).ok).toBe(true);
  expect((await editableBank(db, courseId, edited)).questions).toEqual(bank.questions);
});

test("the action's form parsing reads rows by index and ignores spare blank rows", async () => {
  const d = posted([
    ["kind", "single"],
    ["text", "Chọn đáp án đúng"],
    ["options.0.text", "Sai"],
    ["options.0.percent", "0"],
    ["options.2.text", "Đúng"],
    ["options.2.percent", "100"],
    ["options.3.text", ""],
    ["options.3.percent", "0"],
    ["shuffle", "on"],
  ]);
  const key = await newQuiz();
  expect((await save(key, d)).ok).toBe(true);
  const q = (await editableBank(db, courseId, key)).questions[0]!;
  expect(q.kind === "single" && q.options.map((o) => [o.text, o.percent])).toEqual([
    ["Sai", 0],
    ["Đúng", 100],
  ]);
  expect(() => posted([["kind", "ordering"]])).toThrow();
  expect(() => posted([["kind", "single"], ["options.0.percent", "x".repeat(21)]])).toThrow();
});

async function bankOf(itemKey: string) {
  return (await editableBank(db, courseId, itemKey)).questions.map((q) => q.text);
}

test("editing one question, reordering and deleting keep every other question as it was", async () => {
  const key = await newQuiz();
  await importGiftBank(db, courseId, key, "::a::Câu A{T}\n\n::b::Câu B{F}\n\n::c::Câu C{=x =y}\n\n$CATEGORY: nhom\n\n::d::Câu D{#4}\n\n::e::Câu E{T}\n");
  const before = (await editableBank(db, courseId, key)).questions;

  // Edit B: a new text and answer; A, C, D, E untouched.
  const b = draftOfQuestion(before[1]!);
  expect(await save(key, { ...b, text: "Câu B đã sửa", correct: "true" }, 1)).toMatchObject({ ok: true, index: 1 });
  const afterEdit = (await editableBank(db, courseId, key)).questions;
  expect(afterEdit[1]).toMatchObject({ id: "b", text: "Câu B đã sửa", kind: "truefalse", correct: true });
  expect([0, 2, 3, 4].map((i) => afterEdit[i])).toEqual([0, 2, 3, 4].map((i) => before[i]));

  const rev = async () => (await editableBank(db, courseId, key)).revision;
  expect(await moveQuestion(db, courseId, key, { revision: await rev(), from: 2, to: 0 })).toMatchObject({ ok: true, index: 0 });
  expect(await bankOf(key)).toEqual(["Câu C", "Câu A", "Câu B đã sửa", "Câu D", "Câu E"]);
  expect(await moveQuestion(db, courseId, key, { revision: await rev(), from: 4, to: 3 })).toMatchObject({ ok: true, index: 3 });
  expect(await bankOf(key)).toEqual(["Câu C", "Câu A", "Câu B đã sửa", "Câu E", "Câu D"]);
  // A categorised question cannot go above the uncategorised ones: GIFT has no way back to the top.
  expect(await moveQuestion(db, courseId, key, { revision: await rev(), from: 3, to: 0 })).toMatchObject({ ok: true, index: 3 });
  expect(await bankOf(key)).toEqual(["Câu C", "Câu A", "Câu B đã sửa", "Câu E", "Câu D"]);
  // Giving a question a category moves it to the first place GIFT allows: the top of the categories.
  const a = draftOfQuestion((await editableBank(db, courseId, key)).questions[1]!);
  expect(await save(key, { ...a, category: "nhom" }, 1)).toMatchObject({ ok: true, index: 2 });
  expect(await bankOf(key)).toEqual(["Câu C", "Câu B đã sửa", "Câu A", "Câu E", "Câu D"]);

  expect(await deleteQuestion(db, courseId, key, { revision: await rev(), index: 1 })).toMatchObject({ ok: true });
  expect(await bankOf(key)).toEqual(["Câu C", "Câu A", "Câu E", "Câu D"]);
  expect((await editableBank(db, courseId, key)).questions.find((q) => q.id === "c")).toEqual(before[2]);
  expect(await source(key)).toBe(exportGift((await editableBank(db, courseId, key)).questions));
});

test("invalid input comes back as clear messages in both languages and writes nothing", async () => {
  const key = await newQuiz();
  await importGiftBank(db, courseId, key, "::a::Câu A{T}\n");
  const stored = await source(key);
  const errorsOf = async (d: QuestionDraft) => {
    const r = await save(key, d);
    expect(r.ok).toBe(false);
    expect(await source(key)).toBe(stored);
    return r.ok ? [] : r.errors;
  };

  expect(await errorsOf(draft("single", { text: "Không có đáp án đúng", options: [{ text: "x", percent: "0", feedback: "" }, { text: "y", percent: "50", feedback: "" }] }))).toEqual([
    { vi: "Câu một đáp án đúng cần một phương án được 100% (dấu =).", en: "A single-choice question needs an option worth 100% (marked with =)." },
  ]);
  expect((await errorsOf(draft("multiple", { text: "Tổng 80", options: [{ text: "x", percent: "40", feedback: "" }, { text: "y", percent: "40", feedback: "" }] })))[0]!.vi).toBe(
    "Tổng trọng số của các phương án đúng phải là 100% (hiện là 80%).",
  );
  const many = await errorsOf(draft("numerical", { text: "", weight: "0", numeric: [{ mode: "range", value: "", tolerance: "", min: "năm", max: "2", percent: "100", feedback: "" }] }));
  expect(many.map((m) => m.en)).toEqual(["The question's mark must be greater than 0.", 'Minimum (answer 1): "năm" is not a number.']);
  expect((await errorsOf(draft("numerical", { text: "Khoảng", numeric: [{ mode: "range", value: "", tolerance: "", min: "5", max: "2", percent: "100", feedback: "" }] })))[0]!.en).toBe(
    "Range 5..2 is invalid: the minimum exceeds the maximum.",
  );
  expect((await errorsOf(draft("matching", { text: "Một cặp", pairs: [{ left: "a", right: "b", feedback: "" }, { left: "c", right: "", feedback: "" }] }))).map((m) => m.vi)).toEqual([
    "Cặp 2 cần cả vế trái và vế phải.",
  ]);
  expect((await errorsOf(draft("matching", { text: "Trùng", pairs: [{ left: "a", right: "b", feedback: "" }, { left: "a", right: "c", feedback: "" }] }))).map((m) => m.vi)).toEqual([
    'Vế trái bị trùng: "a".',
  ]);
  expect((await errorsOf(draft("short", { text: "Rỗng", answers: [{ text: "", percent: "100", feedback: "Chỉ có nhận xét" }] }))).map((m) => m.vi)).toEqual(["Đáp án 1 chưa có nội dung."]);
  expect((await errorsOf(draft("truefalse", { text: "   " }))).map((m) => m.en)).toEqual(["The question has no text."]);
  // GIFT reads a first category segment like "$course$" as Moodle's context and drops it.
  expect((await errorsOf(draft("truefalse", { text: "Danh mục lạ", category: "$course$/top" })))[0]!.en).toBe('A category cannot start with "$course$": GIFT (Moodle) reads it as a context, not a category name.');
  // A matching left side with "->" cannot be written in GIFT.
  expect((await errorsOf(draft("matching", { text: "Mũi tên", pairs: [{ left: "a -> b", right: "c", feedback: "" }, { left: "d", right: "e", feedback: "" }] })))[0]!.en).toMatch(/"->"/);
});

test("an edit made on an older page, a missing question and a bank with unreadable questions are refused", async () => {
  const key = await newQuiz();
  await importGiftBank(db, courseId, key, "::a::Câu A{T}\n");
  const old = (await editableBank(db, courseId, key)).revision;
  expect((await save(key, draft("truefalse", { text: "Câu mới" }))).ok).toBe(true);
  const stale = await refusal(() => saveQuestion(db, courseId, key, { revision: old, index: null, draft: draft("truefalse", { text: "Câu cũ" }) }));
  expect([stale.key, stale.status]).toEqual(["quizEditor.error.stale", 409]);
  expect((await refusal(() => deleteQuestion(db, courseId, key, { revision: old, index: 0 }))).key).toBe("quizEditor.error.stale");
  expect(await bankOf(key)).toEqual(["Câu A", "Câu mới"]);
  const rev = (await editableBank(db, courseId, key)).revision;
  expect((await refusal(() => deleteQuestion(db, courseId, key, { revision: rev, index: 2 }))).key).toBe("quizEditor.error.noSuchQuestion");
  expect((await refusal(() => saveQuestion(db, courseId, key, { revision: rev, index: 5, draft: draft("truefalse", { text: "x" }) }))).status).toBe(404);

  await importGiftBank(db, courseId, key, "::a::Câu A{T}\n\n::b::Mô tả không có đáp án\n");
  const broken = await editableBank(db, courseId, key);
  const e = await refusal(() => deleteQuestion(db, courseId, key, { revision: broken.revision, index: 0 }));
  expect([e.key, e.params]).toEqual(["quizEditor.error.bankHasProblems", { n: 1 }]);
  expect(await source(key)).toBe("::a::Câu A{T}\n\n::b::Mô tả không có đáp án\n");
});

test("changing the bank never changes an attempt already started", async () => {
  const t = await makeTree(db);
  const member = await makeMember(db, t.a1);
  const { course, quizKey } = await makeQuizCourse(db, {
    assignTo: t.root,
    passPercent: 100,
    gift: "::q1::Thủ đô?{=Hà Nội ~Huế}\n\n::q2::Một cộng một?{#2}\n\n::q3::Trời xanh.{T}\n",
  });
  const attempt = await startAttempt(db, member.id, course, quizKey);
  const pinned = structuredClone(attempt.questions) as Question[];

  // The trainer makes Huế the right answer, deletes q2, adds a question, and publishes.
  const bank = () => saveQuestionIn(course.id, quizKey);
  const q1 = draftOfQuestion((await editableBank(db, course.id, quizKey)).questions[0]!);
  expect((await bank()({ ...q1, options: q1.options.map((o) => ({ ...o, percent: o.text === "Huế" ? "100" : "0" })) }, 0)).ok).toBe(true);
  expect((await deleteQuestion(db, course.id, quizKey, { revision: (await editableBank(db, course.id, quizKey)).revision, index: 1 })).ok).toBe(true);
  expect((await bank()(draft("truefalse", { title: "q4", text: "Câu mới." }), null)).ok).toBe(true);
  await publishCourse(db, course.id, null);
  const republished = (await getCourse(db, course.id))!;

  const again = await startAttempt(db, member.id, republished, quizKey);
  expect(again.id).toBe(attempt.id);
  expect(again.questions).toEqual(pinned);

  // Graded against what the member was shown: the old right answers still score full marks.
  for (const q of pinned) await saveAnswer(db, member.id, attempt.id, q.id, correctResponse(q));
  const done = await submitAttempt(db, member.id, attempt.id);
  expect(done.score).toBe(1);
  expect(done.questions).toEqual(pinned);

  // The next attempt is drawn from the new bank.
  const next = await startAttempt(db, member.id, republished, quizKey);
  expect((next.questions as Question[]).map((q) => q.id)).toEqual(["q1", "q3", "q4"]);
  const newQ1 = (next.questions as Question[])[0]!;
  expect(newQ1.kind === "single" && newQ1.options.find((o) => o.percent === 100)?.text).toBe("Huế");
});

function saveQuestionIn(cId: number, itemKey: string) {
  return async (d: QuestionDraft, index: number | null) => saveQuestion(db, cId, itemKey, { revision: (await editableBank(db, cId, itemKey)).revision, index, draft: d });
}

test("the author's preview is what a member is shown: texts and ids only, in the quiz's order of options", async () => {
  const key = await newQuiz();
  await importGiftBank(db, courseId, key, "::p::Chọn?{=Đúng#CANARY-FEEDBACK ~Sai 1 ~Sai 2 ~Sai 3 ~Sai 4 ~Sai 5}\n");
  const [q] = (await editableBank(db, courseId, key)).questions;
  const fixed = previewOf(q!, false);
  expect(fixed.kind === "single" && fixed.options.map((o) => o.text)).toEqual(["Đúng", "Sai 1", "Sai 2", "Sai 3", "Sai 4", "Sai 5"]);
  const shuffled = previewOf(q!, true);
  expect(shuffled.kind === "single" && shuffled.options.map((o) => o.text)).not.toEqual(["Đúng", "Sai 1", "Sai 2", "Sai 3", "Sai 4", "Sai 5"]);
  for (const p of [fixed, shuffled]) expect(JSON.stringify(p)).not.toMatch(/CANARY|percent|feedback/);
});
