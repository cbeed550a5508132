import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exportGift, parseGift, type GiftProblem } from "../../app/quizzes/gift.ts";
import { grade } from "../../app/quizzes/grading.ts";
import type { Question } from "../../app/quizzes/types.ts";

/**
 * Moodle's own GIFT format tests (question/format/gift/tests/giftformat_test.php), one `it` per test
 * method, restated in Học Số's model: the same GIFT inputs, the meaning Moodle's test expects.
 * Moodle's answer fractions are our percents (1 → 100, -0.5 → -50); Moodle's true/false
 * "feedbacktrue/feedbackfalse" are our feedbackWrong/feedbackRight depending on the right answer;
 * a matching sub-question with an empty text is our distractor. Per-part formats ([html] on one
 * answer) have no equivalent: the marker is removed from the text, as Moodle removes it, and the
 * text is rendered as plain text like every other text.
 *
 * Each `test_export_*` case parses the GIFT text Moodle's exporter writes (so banks exported from
 * Moodle import as the question Moodle exported), then round-trips it through our exporter.
 * Essays are questions graded by a person (ADR 0017): Moodle's essay cases import as essays with
 * Moodle's name, text, format and default mark, and export as the GIFT Moodle's exporter writes
 * (Moodle's response format, field lines and grader info have no GIFT syntax and no equivalent here).
 * Where a case is really about text handling (backslashes, <pre>), the same text is also checked in
 * another kind.
 */

/** Ids are derived from texts; the shape of the question is what Moodle's tests assert. */
function shape(q: Question): unknown {
  return JSON.parse(JSON.stringify(q, (key, value) => (key === "id" ? undefined : value)));
}

function only(gift: string): Question {
  const r = parseGift(gift);
  expect(r.problems).toEqual([]);
  expect(r.questions).toHaveLength(1);
  return r.questions[0]!;
}

function problemsOf(gift: string): { line: number; code: GiftProblem["code"] }[] {
  const r = parseGift(gift);
  expect(r.questions).toEqual([]);
  return r.problems.map((p) => ({ line: p.line, code: p.code }));
}

/** export → import gives the same question back, ids included, and Moodle's exporter would agree. */
function expectRoundTrip(q: Question): void {
  const text = exportGift([q]);
  const back = parseGift(text);
  expect(back.problems).toEqual([]);
  expect(back.questions).toStrictEqual([q]);
}

const common = { category: [], weight: 1 };
const colours = "What's between orange and green in the spectrum?";
/**
 * The shape Moodle's colour questions parse to, options as [text, percent, feedback]: a single
 * choice, or a multiple one (scored partially) where more than one answer carries weight.
 */
const colourQuestion = (title: string, kind: "single" | "multiple", options: [string, number, string][]) => ({
  ...common,
  title,
  text: colours,
  format: "moodle",
  kind,
  options: options.map(([text, percent, feedback]) => ({ text, percent, feedback })),
  ...(kind === "multiple" ? { scoring: "partial" } : {}),
  shuffle: true,
});

describe("Moodle giftformat_test.php, restated", () => {
  it("test_import_essay: name Q8, text 'How are you?', Moodle format, mark 1, no general feedback", () => {
    const r = parseGift("\n// essay\n::Q8:: How are you? {}");
    expect(r.problems).toEqual([]);
    expect(r.lines).toEqual([3]);
    expect(shape(r.questions[0]!)).toEqual({ ...common, kind: "essay", title: "Q8", text: "How are you?", format: "moodle" });
    expectRoundTrip(r.questions[0]!);
  });

  it("test_export_essay: our exporter writes Moodle's ::Q8::How are you?{} and it reads back as the same essay", () => {
    const q = only("// question: 666  name: Q8\n::Q8::How are you?{}\n\n");
    expect(shape(q)).toEqual({ ...common, kind: "essay", title: "Q8", text: "How are you?", format: "moodle" });
    expect(exportGift([q])).toBe("::Q8::How are you?{}\n");
    expectRoundTrip(q);
  });

  it("test_import_match: format markers are removed from the left-hand items; = -> Chat is a distractor", () => {
    const gift = `
// question: 2  name: Moodle activities
::Moodle activities::[html]Match the <b>activity</b> to the description.{
    =[html]An activity supporting asynchronous discussions. -> Forum
    =[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice
    =[plain]A bank of record entries which participants can add to. -> Database
    =[markdown]A collection of web pages that anyone can add to or edit. -> Wiki
    = -> Chat
}`;
    expect(shape(only(gift))).toEqual({
      ...common,
      title: "Moodle activities",
      text: "Match the <b>activity</b> to the description.",
      format: "html",
      kind: "matching",
      pairs: [
        { left: "An activity supporting asynchronous discussions.", right: "Forum" },
        { left: "A teacher asks a question and specifies a choice of multiple responses.", right: "Choice" },
        { left: "A bank of record entries which participants can add to.", right: "Database" },
        { left: "A collection of web pages that anyone can add to or edit.", right: "Wiki" },
      ],
      distractors: ["Chat"],
      shuffle: true,
    });
  });

  it("test_export_match: Moodle's export (escaped =, per-item markers) imports and round-trips", () => {
    const gift = String.raw`// question: 666  name: Moodle activities
::Moodle activities::[html]Match the <b>activity</b> to the description.{
	=<div class\="frog">An activity supporting asynchronous discussions.</div> -> Forum
	=[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice
	=[plain]A bank of record entries which participants can add to. -> Database
	=[markdown]A collection of web pages that anyone can add to or edit. -> Wiki
	= -> Chat
}

`;
    const q = only(gift);
    expect(q.kind === "matching" && [q.pairs.map((p) => [p.left, p.right]), q.distractors]).toEqual([
      [
        ['<div class="frog">An activity supporting asynchronous discussions.</div>', "Forum"],
        ["A teacher asks a question and specifies a choice of multiple responses.", "Choice"],
        ["A bank of record entries which participants can add to.", "Database"],
        ["A collection of web pages that anyone can add to or edit.", "Wiki"],
      ],
      ["Chat"],
    ]);
    expect(q).toMatchObject({ title: "Moodle activities", format: "html", text: "Match the <b>activity</b> to the description." });
    expectRoundTrip(q);
  });

  it("test_import_multichoice: markers are removed from answers and answer feedback", () => {
    const gift = `
// multiple choice with specified feedback for right and wrong answers
::Q2:: What's between orange and green in the spectrum?
{
    =yellow # right; good!
    ~red # [html]wrong, it's yellow
    ~[plain]blue # wrong, it's yellow
}`;
    expect(shape(only(gift))).toEqual(
      colourQuestion("Q2", "single", [
        ["yellow", 100, "right; good!"],
        ["red", 0, "wrong, it's yellow"],
        ["blue", 0, "wrong, it's yellow"],
      ]),
    );
  });

  it("test_import_multichoice_multi: weights then markers, negative weights, multiple answers", () => {
    const gift = `
// multiple choice, multiple response with specified feedback for right and wrong answers
::colours:: What's between orange and green in the spectrum?
{
    ~%50%yellow # right; good!
    ~%-100%red # [html]wrong
    ~%50%off-beige # right; good!
    ~%-100%[plain]blue # wrong
}`;
    expect(shape(only(gift))).toEqual(
      colourQuestion("colours", "multiple", [
        ["yellow", 50, "right; good!"],
        ["red", -100, "wrong"],
        ["off-beige", 50, "right; good!"],
        ["blue", -100, "wrong"],
      ]),
    );
  });

  it("test_import_multichoice_multi_tricky: ~%100% with negative weights is multiple, not single", () => {
    const gift = `
// multiple choice, multiple response with specified feedback for right and wrong answers
::colours:: What's between orange and green in the spectrum?
{
    ~%100%yellow # right; good!
    ~%-50%red # wrong
    ~%-50%blue # wrong
}`;
    expect(shape(only(gift))).toEqual(
      colourQuestion("colours", "multiple", [
        ["yellow", 100, "right; good!"],
        ["red", -50, "wrong"],
        ["blue", -50, "wrong"],
      ]),
    );
  });

  it("test_export_multichoice: Moodle's export with [html]/[plain] parts imports and round-trips", () => {
    const gift = `// question: 666  name: Q8
::Q8::What's between orange and green in the spectrum?{
\t=yellow#right; good!
\t~red#[html]wrong, it's yellow
\t~[plain]blue#wrong, it's yellow
}

`;
    const q = only(gift);
    expect(shape(q)).toEqual(
      colourQuestion("Q8", "single", [
        ["yellow", 100, "right; good!"],
        ["red", 0, "wrong, it's yellow"],
        ["blue", 0, "wrong, it's yellow"],
      ]),
    );
    expectRoundTrip(q);
  });

  it("test_export_multichoice_multi_tricky: Moodle's export imports and round-trips", () => {
    const gift = `// question: 666  name: Q8
::Q8::What's between orange and green in the spectrum?{
\t~%100%yellow#right; good!
\t~%-50%red#wrong, it's yellow
\t~%-50%blue#wrong, it's yellow
}

`;
    const q = only(gift);
    expect(q.kind === "multiple" && q.options.map((o) => [o.text, o.percent, o.feedback])).toEqual([
      ["yellow", 100, "right; good!"],
      ["red", -50, "wrong, it's yellow"],
      ["blue", -50, "wrong, it's yellow"],
    ]);
    expectRoundTrip(q);
  });

  it("test_import_numerical: value:tolerance and feedback for any other answer", () => {
    const gift = "\n// math range question\n::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}";
    expect(shape(only(gift))).toEqual({
      ...common,
      title: "Q5",
      text: "What is a number from 1 to 5?",
      format: "moodle",
      kind: "numerical",
      answers: [{ mode: "tolerance", value: 3, tolerance: 2, percent: 100 }],
      otherFeedback: "Completely wrong",
    });
  });

  it("test_export_numerical: Moodle's multi-line {# =%100%3:2# ~#…} imports and round-trips", () => {
    const gift = "// question: 666  name: Q5\n::Q5::What is a number from 1 to 5?{#\n\t=%100%3:2#\n\t~#Completely wrong\n}\n\n";
    const q = only(gift);
    expect(q).toMatchObject({ kind: "numerical", answers: [{ mode: "tolerance", value: 3, tolerance: 2, percent: 100 }], otherFeedback: "Completely wrong" });
    expect(q.kind === "numerical" && q.answers[0]).not.toHaveProperty("feedback");
    expectRoundTrip(q);
  });

  const shortAnswers = [
    { text: "Frog", percent: 100, feedback: "Good!" },
    { text: "Cat", percent: 50, feedback: "What is it with Moodlers and cats?" },
    { text: "*", percent: 0, feedback: "Completely wrong" },
  ];
  const shortQuestion = { ...common, title: "Shortanswer", text: "Which is the best animal?", format: "moodle", kind: "short", answers: shortAnswers, ignoreDiacritics: false };

  it("test_import_shortanswer: weights %50% and %0%, a * wildcard, feedback", () => {
    const gift = `
// question: 666  name: Shortanswer
::Shortanswer::Which is the best animal?{
    =Frog#Good!
    =%50%Cat#What is it with Moodlers and cats?
    =%0%*#Completely wrong
}`;
    expect(shape(only(gift))).toEqual(shortQuestion);
  });

  it("test_import_shortanswer_with_general_feedback: the [html] marker is removed from the general feedback", () => {
    const gift = `
// question: 666  name: Shortanswer
::Shortanswer::Which is the best animal?{
    =Frog#Good!
    =%50%Cat#What is it with Moodlers and cats?
    =%0%*#Completely wrong
    ####[html]Here is some general feedback!
}`;
    expect(shape(only(gift))).toEqual({ ...shortQuestion, generalFeedback: "Here is some general feedback!" });
  });

  it("test_export_shortanswer: Moodle's =%100%…# export imports and round-trips", () => {
    const gift = "// question: 666  name: Shortanswer\n::Shortanswer::Which is the best animal?{\n\t=%100%Frog#Good!\n\t=%50%Cat#What is it with Moodlers and cats?\n\t=%0%*#Completely wrong\n}\n\n";
    const q = only(gift);
    expect(shape(q)).toEqual(shortQuestion);
    expectRoundTrip(q);
  });

  it("test_export_shortanswer_with_general_feedback: Moodle's \\t####[html]… imports and round-trips", () => {
    const gift =
      "// question: 666  name: Shortanswer\n::Shortanswer::Which is the best animal?{\n\t=%100%Frog#Good!\n\t=%50%Cat#What is it with Moodlers and cats?\n\t=%0%*#Completely wrong\n\t####[html]Here is some general feedback!\n}\n\n";
    const q = only(gift);
    expect(shape(q)).toEqual({ ...shortQuestion, generalFeedback: "Here is some general feedback!" });
    expectRoundTrip(q);
  });

  it("test_import_truefalse: FALSE#wrong#right on the line after {", () => {
    const gift = "\n// true/false\n::Q1:: 42 is the Absolute Answer to everything.{\nFALSE#42 is the Ultimate Answer.#You gave the right answer.}";
    expect(shape(only(gift))).toEqual({
      ...common,
      title: "Q1",
      text: "42 is the Absolute Answer to everything.",
      format: "moodle",
      kind: "truefalse",
      correct: false,
      // Moodle: feedbacktrue (shown to who answered True, i.e. wrongly) and feedbackfalse.
      feedbackWrong: "42 is the Ultimate Answer.",
      feedbackRight: "You gave the right answer.",
    });
  });

  it("test_import_truefalse_true_answer1: {T}, a title with a dash and a space", () => {
    const q = only("// name 0-11\n::2-08 TSL::TSL is blablabla.{T}");
    expect(shape(q)).toEqual({ ...common, title: "2-08 TSL", text: "TSL is blablabla.", format: "moodle", kind: "truefalse", correct: true });
    expect(q.id).toBe("2-08-tsl");
  });

  it("test_import_truefalse_true_answer2: {TRUE}", () => {
    expect(shape(only("// name 0-11\n::2-08 TSL::TSL is blablabla.{TRUE}"))).toEqual({
      ...common,
      title: "2-08 TSL",
      text: "TSL is blablabla.",
      format: "moodle",
      kind: "truefalse",
      correct: true,
    });
  });

  it("test_export_truefalse: the [html] marker on the wrong-answer feedback is removed; round-trips", () => {
    const gift = "// question: 666  name: Q1\n::Q1::42 is the Absolute Answer to everything.{TRUE#[html]42 is the Ultimate Answer.#You gave the right answer.}\n\n";
    const q = only(gift);
    expect(shape(q)).toEqual({
      ...common,
      title: "Q1",
      text: "42 is the Absolute Answer to everything.",
      format: "moodle",
      kind: "truefalse",
      correct: true,
      feedbackWrong: "42 is the Ultimate Answer.",
      feedbackRight: "You gave the right answer.",
    });
    expectRoundTrip(q);
  });

  it("test_export_backslash: a backslash is written \\\\ (MDL-34171) and reads back as one", () => {
    // Moodle's case is an essay: its text reads back with its backslashes, and exports as Moodle's…
    const essay = only(String.raw`// question: 666  name: backslash
::backslash::A \\ B \\\\ C{}

`);
    expect(essay).toMatchObject({ kind: "essay", title: "backslash", text: String.raw`A \ B \\ C` });
    expect(exportGift([essay])).toBe(String.raw`::backslash::A \\ B \\\\ C{}` + "\n");
    expectRoundTrip(essay);
    // …and the same text in another kind.
    const q: Question = { ...common, id: "backslash", title: "backslash", text: String.raw`A \ B \\ C`, format: "moodle", kind: "truefalse", correct: true };
    expect(exportGift([q])).toBe(String.raw`::backslash::A \\ B \\\\ C{T}` + "\n");
    expectRoundTrip(q);
  });

  it("test_import_backslash: \\\\ in the file is one backslash in the text (MDL-34171)", () => {
    expect(only(String.raw`
// essay
::double backslash:: A \\ B \\\\ C{}`)).toMatchObject({ kind: "essay", title: "double backslash", text: String.raw`A \ B \\ C` });
    expect(only(String.raw`::double backslash:: A \\ B \\\\ C{T}`).text).toBe(String.raw`A \ B \\ C`);
  });

  const preText = `<p>What would running the test method print?</p>
<pre>
    public void test() \\{
        method1();
        method2();
        method3();
    \\}
</pre>`;

  it("test_import_pre_content: indentation inside a multi-line question text is kept", () => {
    const essay = only(`\n::Q001::[html]${preText}\n{}`);
    expect(essay.kind).toBe("essay");
    expect(essay.text).toBe("<p>What would running the test method print?</p>\n<pre>\n    public void test() {\n        method1();\n        method2();\n        method3();\n    }\n</pre>");
    expectRoundTrip(essay);
    const q = only(`\n::Q001::[html]${preText}\n{T}`);
    expect(q).toMatchObject({
      title: "Q001",
      format: "html",
      text: "<p>What would running the test method print?</p>\n<pre>\n    public void test() {\n        method1();\n        method2();\n        method3();\n    }\n</pre>",
    });
    expectRoundTrip(q);
  });

  it("test_import_question_with_tags: comments carrying [tag:] and [id:] are ignored; the essay imports as without them", () => {
    const comments = "\n// This question is to test importing tags: [tag:tag] [tag:other-tag].\n// And an idnumber: [id:myid].\n";
    expect(only(`${comments}::Question name:: How are you? {}`)).toStrictEqual(only("::Question name:: How are you? {}"));
    expect(only("::Question name:: How are you? {}")).toMatchObject({ kind: "essay", title: "Question name", text: "How are you?" });
    expect(only(`${comments}::Question name:: How are you? {T}`)).toStrictEqual(only("::Question name:: How are you? {T}"));
  });

  it("test_extract_idnumber_and_tags_from_comment: no idnumber or tags in our model; such comments change nothing", () => {
    const plain = only("::q::Câu hỏi{=a ~b}");
    for (const comment of [
      "// A basic comment.",
      "// A comment with [id:frog] <-- an idnumber.",
      "// Look tags: [tag:frog] [tag:toad].",
      "// [tag:add] [tag:basic] [id:four]",
      "// [tag:  basic] Here is  \n// a [id:   four   ] que[tag:add   ]stion.",
      "// Ceci n\\'est pas une [tag:\n// \\ frog].",
      "// [id:i\\]d].",
      "// [tag:t\\]ag].",
    ]) {
      expect(only(`${comment}\n::q::Câu hỏi{=a ~b}`)).toStrictEqual(plain);
    }
  });

  it("test_export_question_with_tags_and_idnumber: Moodle's export with an [id:]/[tag:] comment imports and round-trips", () => {
    const gift =
      "// question: 42  name: True/false question\n// [id:myid] [tag:tag1] [tag:tag2]\n::True/false question::[html]The answer is true.{TRUE#This is the wrong answer.#This is the right answer.####You should have selected true.}\n\n";
    const q = only(gift);
    expect(shape(q)).toEqual({
      ...common,
      title: "True/false question",
      text: "The answer is true.",
      format: "html",
      generalFeedback: "You should have selected true.",
      kind: "truefalse",
      correct: true,
      feedbackWrong: "This is the wrong answer.",
      feedbackRight: "This is the right answer.",
    });
    expectRoundTrip(q);
  });
});

describe("format markers on every part, as Moodle reads them (issue 10)", () => {
  it("a short answer written =[plain]x is matched by typing x", () => {
    const q = only("::q::Gõ chữ x{=[plain]x#[html]Đúng}");
    expect(q.kind === "short" && q.answers.map((a) => [a.text, a.feedback])).toEqual([["x", "Đúng"]]);
    expect(grade(q, { text: "x" }).score).toBe(1);
  });

  it("members never see a marker as an option: [plain]blue is shown as blue", () => {
    const q = only("::q::Màu?{=[moodle]vàng ~[plain]xanh ~[markdown]đỏ}");
    expect(q.kind === "single" && q.options.map((o) => o.text)).toEqual(["vàng", "xanh", "đỏ"]);
  });

  it("true/false feedback, general feedback and numerical feedback lose their markers too", () => {
    expect(only("::a::A{F#[html]sai#[plain]đúng####[markdown]chung}")).toMatchObject({ feedbackWrong: "sai", feedbackRight: "đúng", generalFeedback: "chung" });
    expect(only("::b::B{#=[plain]3:1#[html]gần ~#[plain]khác}")).toMatchObject({ answers: [{ value: 3, tolerance: 1, feedback: "gần" }], otherFeedback: "khác" });
  });

  it("like Moodle: only a known, lower-case marker at the very start is one; the right-hand side of a pair keeps it", () => {
    const q = only("::q::Ghép{=[HTML]a -> [plain]x =[tex]b -> y =c [html] -> z}");
    expect(q.kind === "matching" && q.pairs.map((p) => [p.left, p.right])).toEqual([
      ["[HTML]a", "[plain]x"],
      ["[tex]b", "y"],
      ["c [html]", "z"],
    ]);
    // Moodle compares the format name case-sensitively, on the question text too.
    expect(only("[HTML]<b>x</b>{T}")).toMatchObject({ format: "moodle", text: "[HTML]<b>x</b>" });
  });

  it("the exporter protects a text that really starts with a marker, everywhere a marker would be removed", () => {
    const m = "[html]<b>chữ</b>";
    const base = { category: [], weight: 1, format: "plain" as const };
    const qs: Question[] = [
      { ...base, id: "a", title: "a", text: "[plain]câu", generalFeedback: m, kind: "single", shuffle: true, options: [{ id: "o1", text: m, percent: 100, feedback: "[moodle]x" }, { id: "o2", text: "[markdown]y", percent: 0 }] },
      { ...base, id: "b", title: "b", text: "Câu", kind: "short", ignoreDiacritics: false, answers: [{ id: "a1", text: "[plain]x", percent: 100, feedback: m }] },
      { ...base, id: "c", title: "c", text: "Câu", kind: "truefalse", correct: false, feedbackWrong: m, feedbackRight: "[plain]r" },
      { ...base, id: "d", title: "d", text: "Câu", kind: "matching", shuffle: true, distractors: ["[html]z"], pairs: [{ id: "s1", left: "[html]a", right: "[html]b" }, { id: "s2", left: "c", right: "d" }] },
      { ...base, id: "e", title: "e", text: "Câu", kind: "numerical", answers: [{ id: "n1", mode: "tolerance", value: 1, tolerance: 0, percent: 100, feedback: m }], otherFeedback: "[html]k" },
    ];
    const text = exportGift(qs);
    // Written the way Moodle reads it back: the question's own format, then the text.
    expect(text).toContain("=[plain][html]<b>chữ</b>#[plain][moodle]x");
    expect(text).toContain("=[plain][html]a -> [html]b");
    const back = parseGift(text);
    expect(back.problems).toEqual([]);
    expect(back.questions.map(shape)).toEqual(qs.map(shape));
  });
});

describe("property: texts that start with a format marker survive export → import", () => {
  const marker = fc.constantFrom("", "", "[html]", "[plain]", "[markdown]", "[moodle]", "[HTML]", " [plain]");
  const word = fc
    .array(fc.constantFrom(..."aăâđêôơưbc xyz0123~=#{}:\\%[]->\n".split("")), { minLength: 1, maxLength: 12 })
    .map((cs) => cs.join(""));
  // Texts are trimmed by the parser, and a matching left side cannot hold "->".
  const text = fc.tuple(marker, word).map(([m, w]) => `${m}${w}`.normalize("NFC").trim()).filter((s) => s !== "" && !s.includes("->"));
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const fb = (feedback: string | undefined) => (feedback === undefined ? {} : { feedback });

  const question: fc.Arbitrary<Question> = fc
    .record({
      format: fc.constantFrom("moodle", "html", "markdown", "plain"),
      text: text,
      general: opt(text),
      texts: fc.uniqueArray(text, { minLength: 3, maxLength: 3 }),
      feedbacks: fc.array(opt(text), { minLength: 3, maxLength: 3 }),
      right: text,
      kind: fc.constantFrom("single", "short", "truefalse", "matching", "numerical"),
    })
    .map(({ format, text: t, general, texts, feedbacks, right, kind }) => {
      const base = { id: "q-1", text: t, format, category: [], weight: 1, ...(general !== undefined ? { generalFeedback: general } : {}) };
      switch (kind) {
        case "single":
          return { ...base, kind, shuffle: true, options: texts.map((x, i) => ({ id: `o${i}`, text: x, percent: i === 0 ? 100 : 0, ...fb(feedbacks[i]) })) };
        case "short":
          return { ...base, kind, ignoreDiacritics: false, answers: texts.map((x, i) => ({ id: `a${i}`, text: x, percent: i === 0 ? 100 : 50, ...fb(feedbacks[i]) })) };
        case "truefalse":
          return { ...base, kind, correct: true, ...(feedbacks[0] !== undefined ? { feedbackWrong: feedbacks[0] } : {}), ...(feedbacks[1] !== undefined ? { feedbackRight: feedbacks[1] } : {}) };
        case "matching":
          return { ...base, kind, shuffle: true, distractors: [right], pairs: texts.map((x, i) => ({ id: `s${i}`, left: x, right, ...fb(feedbacks[i]) })) };
        default:
          return { ...base, kind: "numerical", answers: [{ id: "n0", mode: "tolerance", value: 1, tolerance: 0, percent: 100, ...fb(feedbacks[0]) }], ...(feedbacks[1] !== undefined ? { otherFeedback: feedbacks[1] } : {}) };
      }
    }) as fc.Arbitrary<Question>;

  it("every part comes back exactly, ids aside", () => {
    fc.assert(
      fc.property(question, (q) => {
        const r = parseGift(exportGift([q]));
        expect(r.problems).toEqual([]);
        expect(r.questions.map(shape)).toEqual([shape(q)]);
      }),
      { numRuns: 300 },
    );
  });
});
