import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseGift } from "../../app/quizzes/gift.ts";
import { correctResponse, grade, parseNumberInput, presentQuestion, responseSchema, type PresentedQuestion } from "../../app/quizzes/grading.ts";
import type {
  MatchingQuestion,
  MultipleChoiceQuestion,
  NumericalQuestion,
  OrderingQuestion,
  Question,
  ShortAnswerQuestion,
  SingleChoiceQuestion,
} from "../../app/quizzes/types.ts";

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const BASE = { text: "Câu hỏi?", format: "moodle" as const, category: [] as string[], weight: 1 };

/** Vietnamese vowels with every tone, and — independently of the code under test — their bare letter. */
const VOWEL_BASE: Record<string, string> = { a: "a", ă: "a", â: "a", e: "e", ê: "e", i: "i", o: "o", ô: "o", ơ: "o", u: "u", ư: "u", y: "y" };
const TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"];
const STRIP = new Map<string, string>([["đ", "d"], ["Đ", "D"]]);
const VOWELS: string[] = [];
for (const [v, bare] of Object.entries(VOWEL_BASE)) {
  for (const t of TONES) {
    const c = (v + t).normalize("NFC");
    VOWELS.push(c);
    STRIP.set(c, bare);
  }
}
const CONSONANTS = [..."bcdđghklmnpqrstvx"];
const strip = (s: string) => [...s].map((c) => STRIP.get(c) ?? c).join("");

const syllable = fc
  .tuple(fc.constantFrom(...CONSONANTS, ""), fc.array(fc.constantFrom(...VOWELS), { minLength: 1, maxLength: 2 }), fc.constantFrom(...CONSONANTS, "", ""))
  .map(([a, v, b]) => a + v.join("") + b);
/** 1–4 Vietnamese-looking words separated by single spaces (NFC). */
const vnAnswer = fc.array(syllable, { minLength: 1, maxLength: 4 }).map((w) => w.join(" "));

const SPACES = [" ", "  ", "\t", "\n", " \u00a0 ", "\u3000", " \n\t "];
/** Same answer typed differently: random case per letter, random whitespace runs, maybe NFD. */
function typedVariant(answer: string): fc.Arbitrary<string> {
  return fc
    .record({
      upper: fc.array(fc.boolean(), { minLength: 128, maxLength: 128 }),
      gaps: fc.array(fc.constantFrom(...SPACES), { minLength: 8, maxLength: 8 }),
      lead: fc.constantFrom("", ...SPACES),
      trail: fc.constantFrom("", ...SPACES),
      nfd: fc.boolean(),
    })
    .map(({ upper, gaps, lead, trail, nfd }) => {
      const cased = [...answer].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join("");
      const spaced = lead + cased.split(" ").reduce((acc, w, i) => (i === 0 ? w : acc + gaps[i % gaps.length] + w), "") + trail;
      return nfd ? spaced.normalize("NFD") : spaced;
    });
}

const uniqueTexts = (min: number, max: number) => fc.uniqueArray(vnAnswer, { minLength: min, maxLength: max });

const singleArb: fc.Arbitrary<SingleChoiceQuestion> = fc
  .tuple(uniqueTexts(2, 6), fc.array(fc.integer({ min: -100, max: 99 }), { minLength: 6, maxLength: 6 }), fc.nat())
  .map(([texts, ps, c]) => {
    const correct = c % texts.length;
    return {
      ...BASE,
      id: "single",
      kind: "single",
      shuffle: true,
      options: texts.map((text, i) => ({ id: `o${i}`, text, percent: i === correct ? 100 : ps[i]!, feedback: `§fb${i}` })),
    };
  });

/** Positive weights are integers adding up to exactly 100; the others are 0 or negative. */
const multipleArb = (scoring: "partial" | "all-or-nothing"): fc.Arbitrary<MultipleChoiceQuestion> =>
  fc
    .tuple(uniqueTexts(2, 6), fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 4 }), fc.array(fc.integer({ min: -100, max: 0 }), { minLength: 6, maxLength: 6 }), fc.nat())
    .map(([texts, cuts, negs, shift]) => {
      const k = Math.min(cuts.length + 1, texts.length);
      const bounds = [0, ...cuts.slice(0, k - 1).sort((a, b) => a - b), 100];
      const positives = bounds.slice(1).map((b, i) => b - bounds[i]!);
      const percents = texts.map((_, i) => (i < k ? positives[i]! : negs[i]!));
      // Rotate so that the positive options are not always first.
      const r = shift % texts.length;
      const rotated = [...percents.slice(r), ...percents.slice(0, r)];
      return {
        ...BASE,
        id: "multiple",
        kind: "multiple",
        scoring,
        shuffle: true,
        options: texts.map((text, i) => ({ id: `o${i}`, text, percent: rotated[i]!, feedback: `§fb${i}` })),
      };
    });

const shortArb: fc.Arbitrary<ShortAnswerQuestion> = fc.tuple(uniqueTexts(1, 3), fc.boolean()).map(([texts, ignoreDiacritics]) => ({
  ...BASE,
  id: "short",
  kind: "short",
  ignoreDiacritics,
  answers: texts.map((text, i) => ({ id: `a${i}`, text: `§${text}`, percent: i === 0 ? 100 : 50 })),
}));

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map((n) => n + 0);

const numericalArb: fc.Arbitrary<NumericalQuestion> = fc
  .array(
    fc.oneof(
      fc.record({ value: finite(-1e6, 1e6), tolerance: finite(0, 1000) }).map((a) => ({ mode: "tolerance" as const, ...a })),
      fc.tuple(finite(-1e6, 1e6), finite(-1e6, 1e6)).map(([a, b]) => ({ mode: "range" as const, min: Math.min(a, b), max: Math.max(a, b) })),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((answers) => ({
    ...BASE,
    id: "numerical",
    kind: "numerical",
    otherFeedback: "§other",
    answers: answers.map((a, i) => ({ id: `n${i}`, percent: i === 0 ? 100 : 50, feedback: `§n${i}`, ...a })),
  }));

const matchingArb: fc.Arbitrary<MatchingQuestion> = fc
  .tuple(uniqueTexts(2, 5), fc.array(vnAnswer, { minLength: 5, maxLength: 5 }), fc.array(vnAnswer, { maxLength: 2 }), fc.boolean())
  .map(([lefts, rights, distractors, shuffle]) => ({
    ...BASE,
    id: "matching",
    kind: "matching",
    shuffle,
    distractors,
    pairs: lefts.map((left, i) => ({ id: `s${i}`, left, right: rights[i]!, feedback: `§p${i}` })),
  }));

const orderingArb = (scoring: "position" | "all-or-nothing"): fc.Arbitrary<OrderingQuestion> =>
  uniqueTexts(2, 6).map((texts) => ({
    ...BASE,
    id: "ordering",
    kind: "ordering",
    scoring,
    items: texts.map((text, i) => ({ id: `i${i}`, text, feedback: `§i${i}` })),
  }));

const trueFalseArb: fc.Arbitrary<Question> = fc.boolean().map((correct) => ({ ...BASE, id: "tf", kind: "truefalse", correct, feedbackRight: "§right", feedbackWrong: "§wrong" }));

const anyQuestion: fc.Arbitrary<Question> = fc
  .tuple(
    fc.oneof(singleArb, multipleArb("partial"), multipleArb("all-or-nothing"), trueFalseArb, shortArb, numericalArb, matchingArb, orderingArb("position"), orderingArb("all-or-nothing")),
    fc.constantFrom("q-a", "q-b", "tiếng-việt"),
  )
  .map(([q, id]) => ({ ...q, id, title: `§title ${id}`, category: ["§cat"], generalFeedback: "§general", weight: 3 }) as Question);

/** A well-formed response built only from what the member sees (presented ids). */
function visibleResponse(q: Question, seed: number): fc.Arbitrary<unknown> {
  const p = presentQuestion(q, seed);
  switch (p.kind) {
    case "single":
      return fc.option(fc.constantFrom(...p.options.map((o) => o.id)), { nil: null }).map((choice) => ({ choice }));
    case "multiple":
      return fc.subarray(p.options.map((o) => o.id)).map((choices) => ({ choices }));
    case "truefalse":
      return fc.option(fc.boolean(), { nil: null }).map((value) => ({ value }));
    case "short":
      return fc.oneof(vnAnswer, fc.string()).map((text) => ({ text }));
    case "numerical":
      return fc.oneof(finite(-2e6, 2e6), fc.string({ maxLength: 10 })).map((value) => ({ value }));
    case "matching":
      return fc
        .array(fc.option(fc.constantFrom(...p.choices.map((c) => c.id)), { nil: undefined }), { minLength: p.stems.length, maxLength: p.stems.length })
        .map((picks) => ({ pairs: Object.fromEntries(p.stems.flatMap((s, i) => (picks[i] === undefined ? [] : [[s.id, picks[i]]]))) }));
    case "ordering":
      return fc.shuffledSubarray(p.items.map((i) => i.id), { minLength: p.items.length, maxLength: p.items.length }).map((order) => ({ order }));
    case "essay":
      return fc.string({ maxLength: 50 }).map((text) => ({ text }));
  }
}

/** The right answer, worked out in the test from the model (not with correctResponse()). */
function rightAnswer(q: Question, seed = 1): unknown {
  switch (q.kind) {
    case "single":
      return { choice: q.options.find((o) => o.percent === 100)!.id };
    case "multiple":
      return { choices: q.options.filter((o) => o.percent > 0).map((o) => o.id) };
    case "truefalse":
      return { value: q.correct };
    case "short":
      return { text: q.answers.find((a) => a.percent === 100)!.text };
    case "numerical": {
      const a = q.answers.find((x) => x.percent === 100)!;
      return { value: a.mode === "range" ? a.min : a.value };
    }
    case "matching": {
      const p = presentQuestion(q, seed);
      if (p.kind !== "matching") throw new Error("kind");
      const byText = new Map(p.choices.map((c) => [c.text, c.id]));
      return { pairs: Object.fromEntries(q.pairs.map((pair) => [pair.id, byText.get(pair.right)])) };
    }
    case "ordering":
      return { order: q.items.map((i) => i.id) };
  }
}

// ---------------------------------------------------------------------------------------------
// Every kind
// ---------------------------------------------------------------------------------------------

describe("grade(): every kind", () => {
  it("property: the score is always within [0, 1], correct ⇔ score = 1, and grading never throws", () => {
    fc.assert(
      fc.property(
        anyQuestion.chain((q) => fc.tuple(fc.constant(q), fc.oneof(fc.anything(), fc.jsonValue(), visibleResponse(q, 7)))),
        ([q, response]) => {
          const r = grade(q, response);
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(1);
          expect(r.correct).toBe(r.score === 1);
          if (!r.valid) expect(r.score).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("property: the right answer always scores 1 (and so does correctResponse())", () => {
    fc.assert(
      fc.property(anyQuestion, (q) => {
        const mine = grade(q, rightAnswer(q));
        expect(mine).toMatchObject({ score: 1, correct: true, valid: true });
        expect(grade(q, correctResponse(q)).score).toBe(1);
        expect(responseSchema(q).safeParse(correctResponse(q)).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("malformed responses score 0 with valid: false", () => {
    const single: SingleChoiceQuestion = {
      ...BASE,
      id: "s",
      kind: "single",
      shuffle: true,
      options: [
        { id: "o1", text: "a", percent: 100 },
        { id: "o2", text: "b", percent: 0 },
      ],
    };
    const ordering: OrderingQuestion = { ...BASE, id: "o", kind: "ordering", scoring: "position", items: ["a", "b", "c"].map((t) => ({ id: t, text: t })) };
    const matching: MatchingQuestion = {
      ...BASE,
      id: "m",
      kind: "matching",
      shuffle: true,
      distractors: [],
      pairs: [
        { id: "s1", left: "x", right: "1" },
        { id: "s2", left: "y", right: "2" },
      ],
    };
    const numerical: NumericalQuestion = { ...BASE, id: "n", kind: "numerical", answers: [{ id: "n1", percent: 100, mode: "tolerance", value: 0, tolerance: 1e9 }] };
    const short: ShortAnswerQuestion = { ...BASE, id: "t", kind: "short", ignoreDiacritics: false, answers: [{ id: "a", text: "*", percent: 100 }] };
    const multiple: MultipleChoiceQuestion = { ...single, kind: "multiple", scoring: "partial" };
    const tf: Question = { ...BASE, id: "tf", kind: "truefalse", correct: true };
    const c1 = presentQuestion(matching, 1);
    if (c1.kind !== "matching") throw new Error("kind");
    const cases: [Question, unknown][] = [
      [single, undefined],
      [single, null],
      [single, 42],
      [single, "o1"],
      [single, ["o1"]],
      [single, {}],
      [single, { choice: "o3" }],
      [single, { choice: 1 }],
      [single, { choice: "o1", extra: true }],
      [single, { choices: ["o1"] }],
      [multiple, { choices: ["o1", "o1"] }],
      [multiple, { choices: "o1" }],
      [multiple, { choices: ["o1", "zzz"] }],
      [ordering, { order: ["a", "b"] }],
      [ordering, { order: ["a", "a", "b"] }],
      [ordering, { order: ["a", "b", "c", "d"] }],
      [matching, { pairs: { nope: c1.choices[0]!.id } }],
      [matching, { pairs: { s1: "nope" } }],
      [matching, { pairs: [c1.choices[0]!.id] }],
      [numerical, { value: "abc" }],
      [numerical, { value: Number.NaN }],
      [numerical, { value: Number.POSITIVE_INFINITY }],
      [numerical, { value: "1.2.3" }],
      [short, { text: "x".repeat(1001) }],
      [short, { text: 5 }],
      [tf, { value: "true" }],
      [tf, { value: 1 }],
    ];
    for (const [q, response] of cases) {
      // Every one of these questions accepts anything valid with full marks, so a 0 means "rejected".
      expect(grade(q, rightAnswer(q)).score, `${q.kind} right answer`).toBe(1);
      const r = grade(q, response);
      expect(r, `${q.kind} ${JSON.stringify(response)}`).toMatchObject({ score: 0, correct: false, valid: false });
    }
    // A polluted key is not an answer, and nothing is polluted.
    const polluted = JSON.parse(`{"pairs": {"__proto__": {"s1": "${c1.choices[0]!.id}"}}}`);
    expect(grade(matching, polluted).score).toBe(0);
    expect(({} as Record<string, unknown>).s1).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Single and multiple choice
// ---------------------------------------------------------------------------------------------

describe("choice questions", () => {
  it("property: single choice scores the chosen option's weight, never below 0", () => {
    fc.assert(
      fc.property(singleArb, fc.nat(), (q, n) => {
        const o = q.options[n % q.options.length]!;
        const r = grade(q, { choice: o.id });
        expect(r.score).toBeCloseTo(Math.max(0, o.percent) / 100, 12);
        expect(r.feedback).toEqual([o.feedback]);
        expect(grade(q, { choice: null }).score).toBe(0);
      }),
    );
  });

  it("property: partial credit = the sum of the chosen weights, clamped to [0, 1]", () => {
    fc.assert(
      fc.property(multipleArb("partial").chain((q) => fc.tuple(fc.constant(q), fc.subarray(q.options))), ([q, chosen]) => {
        const r = grade(q, { choices: chosen.map((o) => o.id) });
        const sum = chosen.reduce((s, o) => s + o.percent, 0);
        expect(r.score).toBeCloseTo(Math.min(1, Math.max(0, sum / 100)), 12);
        for (const o of q.options) expect(r.perPart![o.id]).toBe(chosen.includes(o) === o.percent > 0);
        expect(r.feedback).toEqual(q.options.filter((o) => chosen.includes(o)).map((o) => o.feedback));
      }),
      { numRuns: 300 },
    );
  });

  it("property: all-or-nothing gives 1 exactly for the set of positive options, else 0", () => {
    fc.assert(
      fc.property(
        multipleArb("all-or-nothing").chain((q) =>
          fc.tuple(
            fc.constant(q),
            // Half the time start from the right set and flip one option.
            fc.oneof(fc.subarray(q.options), fc.nat().map((n) => {
              const right = q.options.filter((o) => o.percent > 0);
              const flip = q.options[n % q.options.length]!;
              return right.includes(flip) ? right.filter((o) => o !== flip) : [...right, flip];
            })),
          ),
        ),
        ([q, chosen]) => {
          const right = new Set(q.options.filter((o) => o.percent > 0).map((o) => o.id));
          const ids = chosen.map((o) => o.id);
          const exact = ids.length === right.size && ids.every((id) => right.has(id));
          expect(grade(q, { choices: ids }).score).toBe(exact ? 1 : 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("examples: penalties clamp at 0, and 3 × 33.33333 % counts as full marks", () => {
    const q = parseGift("::a::Chọn{~%50%a ~%50%b ~%-100%c ~d}").questions[0]! as MultipleChoiceQuestion;
    const id = (t: string) => q.options.find((o) => o.text === t)!.id;
    expect(grade(q, { choices: [id("a")] }).score).toBe(0.5);
    expect(grade(q, { choices: [id("a"), id("b")] }).score).toBe(1);
    expect(grade(q, { choices: [id("a"), id("c")] }).score).toBe(0);
    expect(grade(q, { choices: [id("a"), id("b"), id("d")] }).score).toBe(1);
    expect(grade(q, { choices: [] }).score).toBe(0);
    const aon = { ...q, scoring: "all-or-nothing" as const };
    expect(grade(aon, { choices: [id("a"), id("b")] }).score).toBe(1);
    expect(grade(aon, { choices: [id("a"), id("b"), id("d")] }).score).toBe(0);
    expect(grade(aon, { choices: [id("a")] }).score).toBe(0);

    const thirds = parseGift("::t::Ba{~%33.33333%x ~%33.33333%y ~%33.33333%z ~%-100%w}").questions[0]! as MultipleChoiceQuestion;
    const all = thirds.options.filter((o) => o.percent > 0).map((o) => o.id);
    expect(grade(thirds, { choices: all })).toMatchObject({ score: 1, correct: true });
    expect(grade(thirds, { choices: all.slice(0, 2) }).score).toBeCloseTo(0.6666666, 6);
  });
});

// ---------------------------------------------------------------------------------------------
// True/false
// ---------------------------------------------------------------------------------------------

describe("true/false", () => {
  it("scores the right value 1 with the right feedback, the wrong one 0 with the wrong feedback", () => {
    for (const correct of [true, false]) {
      const q: Question = { ...BASE, id: "tf", kind: "truefalse", correct, feedbackRight: "đúng rồi", feedbackWrong: "sai rồi" };
      expect(grade(q, { value: correct })).toMatchObject({ score: 1, correct: true, feedback: ["đúng rồi"] });
      expect(grade(q, { value: !correct })).toMatchObject({ score: 0, correct: false, valid: true, feedback: ["sai rồi"] });
      expect(grade(q, { value: null })).toMatchObject({ score: 0, valid: true, feedback: [] });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Short answer
// ---------------------------------------------------------------------------------------------

const shortQ = (answer: string, ignoreDiacritics: boolean): ShortAnswerQuestion => ({
  ...BASE,
  id: "short",
  kind: "short",
  ignoreDiacritics,
  answers: [{ id: "a", text: answer, percent: 100, feedback: "khớp" }],
});

describe("short answer normalisation", () => {
  it("property: any case / whitespace / NFD variant of an accepted answer scores 1", () => {
    fc.assert(
      fc.property(vnAnswer.chain((a) => fc.tuple(fc.constant(a), typedVariant(a), fc.boolean())), ([answer, typed, ignore]) => {
        expect(grade(shortQ(answer, ignore), { text: typed })).toMatchObject({ score: 1, feedback: ["khớp"] });
      }),
      { numRuns: 500 },
    );
  });

  it("property: with diacritics optional, fully or partly stripped variants score 1", () => {
    fc.assert(
      fc.property(
        vnAnswer.chain((a) => fc.tuple(fc.constant(a), fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }))).chain(([a, which]) => {
          const stripped = [...a].map((c, i) => (which[i] ? strip(c) : c)).join("");
          return fc.tuple(fc.constant(a), typedVariant(stripped));
        }),
        ([answer, typed]) => {
          expect(grade(shortQ(answer, true), { text: typed }).score).toBe(1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("property: without that option, a stripped variant scores 0 whenever it differs", () => {
    fc.assert(
      fc.property(vnAnswer.chain((a) => fc.tuple(fc.constant(a), typedVariant(strip(a)))), ([answer, typed]) => {
        const differs = strip(answer) !== answer;
        expect(grade(shortQ(answer, false), { text: typed }).score).toBe(differs ? 0 : 1);
      }),
      { numRuns: 500 },
    );
  });

  it("examples: tone placement, đ, tones that differ, other words", () => {
    const cases: [string, string, boolean, number][] = [
      ["hòa bình", "hoà bình", false, 1],
      ["thủy lợi", "thuỷ lợi", false, 1],
      ["khỏe", "KHOẺ", false, 1],
      ["hòa", "hóa", false, 0],
      ["hòa", "hoa", false, 0],
      ["hòa", "hoa", true, 1],
      ["Đảng", "dang", false, 0],
      ["Đảng", "dang", true, 1],
      ["Đảng", "Đang", false, 0],
      ["Trần Phú", "tran   phu", true, 1],
      ["Trần Phú", "Trần Phú Quốc", true, 0],
      ["Trần Phú", "", true, 0],
      ["Trần Phú", "   ", true, 0],
      ["OTP", "O T P", false, 0],
    ];
    for (const [accepted, typed, ignore, score] of cases) expect(grade(shortQ(accepted, ignore), { text: typed }).score, `${accepted} / ${typed}`).toBe(score);
  });

  it("the best matching answer wins; `*` is a wildcard, `\\*` a literal asterisk", () => {
    const q = parseGift("::w::Từ?{=chuyển đổi số#đủ =%50%chuyển*#một nửa =%0%*#không khớp}").questions[0]!;
    expect(grade(q, { text: "Chuyển   đổi số" })).toMatchObject({ score: 1, feedback: ["đủ"] });
    expect(grade(q, { text: "chuyển giao" })).toMatchObject({ score: 0.5, feedback: ["một nửa"] });
    expect(grade(q, { text: "số hóa" })).toMatchObject({ score: 0, feedback: ["không khớp"] });
    // A lower-weighted answer listed first does not hide a better one.
    const order = parseGift("::o::Từ?{=%50%chuyển*#một nửa =chuyển đổi số#đủ}").questions[0]!;
    expect(grade(order, { text: "chuyển đổi số" })).toMatchObject({ score: 1, feedback: ["đủ"] });
    // Wildcards compare normalised text too (NFD input, case, spaces).
    const wild = shortQ("Hà *", false);
    expect(grade(wild, { text: "  HÀ   Nội ".normalize("NFD") }).score).toBe(1);
    expect(grade(shortQ("Hà *", true), { text: "ha noi" }).score).toBe(1);
    expect(grade(wild, { text: "Hạ Long" }).score).toBe(0);
    const star = shortQ("a\\*b", false);
    expect(grade(star, { text: "a*b" }).score).toBe(1);
    expect(grade(star, { text: "axb" }).score).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Numerical
// ---------------------------------------------------------------------------------------------

const numQ = (answers: NumericalQuestion["answers"]): NumericalQuestion => ({ ...BASE, id: "n", kind: "numerical", answers, otherFeedback: "khác" });

describe("numerical", () => {
  const value = finite(-1e6, 1e6);
  const tolerance = finite(0, 1000);

  it("property: inside value ± tolerance (boundaries included) scores 1", () => {
    fc.assert(
      fc.property(value, tolerance, fc.double({ min: -1, max: 1, noNaN: true }), (v, t, f) => {
        const q = numQ([{ id: "a", percent: 100, mode: "tolerance", value: v, tolerance: t }]);
        for (const x of [v + t * f, v + t, v - t, v]) expect(grade(q, { value: x }).score, `${v}±${t} at ${x}`).toBe(1);
      }),
      { numRuns: 500 },
    );
  });

  it("property: just outside value ± tolerance scores 0", () => {
    fc.assert(
      fc.property(value, tolerance, fc.double({ min: 1e-9, max: 1, noNaN: true }), (v, t, rel) => {
        const q = numQ([{ id: "a", percent: 100, mode: "tolerance", value: v, tolerance: t }]);
        const d = (1 + Math.abs(v) + t) * Math.max(rel, 1e-9);
        for (const x of [v + t + d, v - t - d]) expect(grade(q, { value: x })).toMatchObject({ score: 0, feedback: ["khác"] });
      }),
      { numRuns: 500 },
    );
  });

  it("property: a min..max range includes its ends and nothing beyond", () => {
    fc.assert(
      fc.property(value, value, fc.double({ min: 0, max: 1, noNaN: true }), (a, b, f) => {
        const [min, max] = [Math.min(a, b), Math.max(a, b)];
        const q = numQ([{ id: "r", percent: 100, mode: "range", min, max }]);
        for (const x of [min, max, min + (max - min) * f]) expect(grade(q, { value: x }).score).toBe(1);
        const d = (1 + Math.abs(min) + Math.abs(max)) * 1e-9;
        for (const x of [min - d, max + d]) expect(grade(q, { value: x }).score).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it("several answers: the best weight wins; typed input with a decimal comma and spaces", () => {
    const q = parseGift("::n::Năm?{#=1945:0#đúng =%50%1945:1#gần ~#sai}").questions[0]!;
    expect(grade(q, { value: 1945 })).toMatchObject({ score: 1, feedback: ["đúng"] });
    expect(grade(q, { value: "1946" })).toMatchObject({ score: 0.5, feedback: ["gần"] });
    expect(grade(q, { value: " 1 944,0 " })).toMatchObject({ score: 0.5, feedback: ["gần"] });
    expect(grade(q, { value: 1947 })).toMatchObject({ score: 0, feedback: ["sai"] });
    expect(grade(q, { value: "" })).toMatchObject({ score: 0, valid: true });
    const pi = parseGift("::p::Pi?{#3.14:0.01}").questions[0]!;
    expect(grade(pi, { value: "3,15" }).score).toBe(1);
    expect(grade(pi, { value: "3.13" }).score).toBe(1);
    expect(grade(pi, { value: "3,151" }).score).toBe(0);
    expect(grade(pi, { value: "−3,14" }).score).toBe(0);
  });

  it("parseNumberInput", () => {
    expect(parseNumberInput("3,14")).toBe(3.14);
    expect(parseNumberInput(" -2.5 ")).toBe(-2.5);
    expect(parseNumberInput("−7")).toBe(-7);
    expect(parseNumberInput("1 000")).toBe(1000);
    expect(parseNumberInput("1e3")).toBe(1000);
    expect(parseNumberInput(",5")).toBe(0.5);
    for (const bad of ["", "abc", "1,2,3", "1.000,5", "--1", "Infinity", "0x10"]) expect(parseNumberInput(bad), bad).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Matching and ordering
// ---------------------------------------------------------------------------------------------

describe("matching", () => {
  it("property: the score is the share of stems matched to the right text, with per-stem results", () => {
    fc.assert(
      fc.property(
        matchingArb.chain((q) => fc.tuple(fc.constant(q), fc.nat(), fc.array(fc.option(fc.nat(), { nil: undefined }), { minLength: 5, maxLength: 5 }))),
        ([q, seed, picks]) => {
          const p = presentQuestion(q, seed) as Extract<PresentedQuestion, { kind: "matching" }>;
          const textOf = new Map(p.choices.map((c) => [c.id, c.text]));
          const pairs: Record<string, string> = {};
          p.stems.forEach((s, i) => {
            if (picks[i] !== undefined) pairs[s.id] = p.choices[picks[i]! % p.choices.length]!.id;
          });
          const r = grade(q, { pairs });
          const right = q.pairs.filter((pair) => pairs[pair.id] !== undefined && textOf.get(pairs[pair.id]!) === pair.right);
          expect(r.score).toBeCloseTo(right.length / q.pairs.length, 12);
          for (const pair of q.pairs) expect(r.perPart![pair.id]).toBe(right.includes(pair));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("examples: half right scores 0.5; two stems may share a right-hand side; distractors are choices", () => {
    const q = parseGift("::g::Ghép{=a -> 1 =b -> 2 =c -> 1 =d -> 3 = -> 4}").questions[0]! as MatchingQuestion;
    const p = presentQuestion(q, "seed") as Extract<PresentedQuestion, { kind: "matching" }>;
    expect(p.choices.map((c) => c.text).sort()).toEqual(["1", "2", "3", "4"]);
    const c = (t: string) => p.choices.find((x) => x.text === t)!.id;
    const s = (t: string) => p.stems.find((x) => x.text === t)!.id;
    expect(grade(q, { pairs: { [s("a")]: c("1"), [s("b")]: c("2"), [s("c")]: c("1"), [s("d")]: c("3") } }).score).toBe(1);
    expect(grade(q, { pairs: { [s("a")]: c("1"), [s("b")]: c("1"), [s("c")]: c("1"), [s("d")]: c("4") } }).score).toBe(0.5);
    expect(grade(q, { pairs: { [s("a")]: c("1") } }).score).toBe(0.25);
    expect(grade(q, { pairs: {} })).toMatchObject({ score: 0, valid: true });
  });
});

describe("ordering", () => {
  it("property: position scoring = share of items in place; all-or-nothing = 1 only for the exact order", () => {
    fc.assert(
      fc.property(
        orderingArb("position").chain((q) => fc.tuple(fc.constant(q), fc.shuffledSubarray(q.items, { minLength: q.items.length, maxLength: q.items.length }))),
        ([q, order]) => {
          const ids = order.map((i) => i.id);
          const inPlace = q.items.filter((item, i) => ids[i] === item.id).length;
          const r = grade(q, { order: ids });
          expect(r.score).toBeCloseTo(inPlace / q.items.length, 12);
          for (const [i, item] of q.items.entries()) expect(r.perPart![item.id]).toBe(ids[i] === item.id);
          expect(grade({ ...q, scoring: "all-or-nothing" }, { order: ids }).score).toBe(inPlace === q.items.length ? 1 : 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("examples", () => {
    const q: OrderingQuestion = { ...BASE, id: "o", kind: "ordering", scoring: "position", items: ["một", "hai", "ba", "bốn"].map((t) => ({ id: t, text: t })) };
    expect(grade(q, { order: ["một", "hai", "ba", "bốn"] }).score).toBe(1);
    expect(grade(q, { order: ["hai", "một", "ba", "bốn"] }).score).toBe(0.5);
    expect(grade(q, { order: ["bốn", "ba", "hai", "một"] }).score).toBe(0);
    expect(grade({ ...q, scoring: "all-or-nothing" }, { order: ["một", "hai", "bốn", "ba"] }).score).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Presentation
// ---------------------------------------------------------------------------------------------

const PRESENTED_KEYS = new Set(["id", "kind", "text", "textAfter", "format", "options", "stems", "choices", "items"]);
const CHOICE_KEYS = new Set(["id", "text"]);

function checkShape(p: PresentedQuestion): void {
  for (const [k, v] of Object.entries(p)) {
    expect(PRESENTED_KEYS.has(k), `key ${k}`).toBe(true);
    if (Array.isArray(v)) {
      for (const c of v) {
        expect(Object.keys(c).every((x) => CHOICE_KEYS.has(x)), JSON.stringify(c)).toBe(true);
        expect(typeof c.id).toBe("string");
        expect(typeof c.text).toBe("string");
      }
    } else expect(typeof v, `value of ${k}`).toBe("string");
  }
}

const canaryQuestions: Question[] = [
  {
    ...BASE,
    id: "c1",
    title: "CANARY-TITLE",
    category: ["CANARY-CATEGORY"],
    weight: 7.25,
    generalFeedback: "CANARY-GENERAL",
    kind: "single",
    shuffle: true,
    options: [
      { id: "o1", text: "đúng", percent: 100, feedback: "CANARY-FB-1" },
      { id: "o2", text: "sai", percent: -37.5, feedback: "CANARY-FB-2" },
      { id: "o3", text: "gần", percent: 62.5, feedback: "CANARY-FB-3" },
    ],
  },
  {
    ...BASE,
    id: "c2",
    generalFeedback: "CANARY-GENERAL",
    kind: "multiple",
    scoring: "all-or-nothing",
    shuffle: true,
    options: [
      { id: "o1", text: "x", percent: 37.5, feedback: "CANARY-FB-1" },
      { id: "o2", text: "y", percent: 62.5, feedback: "CANARY-FB-2" },
      { id: "o3", text: "z", percent: -100, feedback: "CANARY-FB-3" },
    ],
  },
  { ...BASE, id: "c3", kind: "truefalse", correct: false, feedbackRight: "CANARY-RIGHT", feedbackWrong: "CANARY-WRONG", generalFeedback: "CANARY-GENERAL" },
  {
    ...BASE,
    id: "c4",
    kind: "short",
    ignoreDiacritics: true,
    answers: [
      { id: "a1", text: "CANARY-ANSWER", percent: 100, feedback: "CANARY-FB-1" },
      { id: "a2", text: "CANARY-PARTIAL", percent: 37.5 },
    ],
  },
  {
    ...BASE,
    id: "c5",
    kind: "numerical",
    otherFeedback: "CANARY-OTHER",
    answers: [
      { id: "n1", percent: 100, mode: "tolerance", value: 31337.75, tolerance: 0.125, feedback: "CANARY-FB-1" },
      { id: "n2", percent: 37.5, mode: "range", min: 27182, max: 27183 },
    ],
  },
  {
    ...BASE,
    id: "c6",
    kind: "matching",
    shuffle: false,
    distractors: ["thừa"],
    pairs: [
      { id: "s1", left: "trái 1", right: "phải 1", feedback: "CANARY-FB-1" },
      { id: "s2", left: "trái 2", right: "phải 2", feedback: "CANARY-FB-2" },
    ],
  },
  {
    ...BASE,
    id: "c7",
    kind: "ordering",
    scoring: "all-or-nothing",
    items: [
      { id: "i1", text: "đầu", feedback: "CANARY-FB-1" },
      { id: "i2", text: "giữa" },
      { id: "i3", text: "cuối" },
    ],
  },
];

describe("presentQuestion: what a member may see", () => {
  it("contains no correctness data: no canary, no weights, no numbers, only whitelisted keys", () => {
    for (const q of canaryQuestions) {
      for (const seed of [0, 1, "attempt-42"]) {
        const p = presentQuestion(q, seed);
        const json = JSON.stringify(p);
        expect(json, q.id).not.toContain("CANARY");
        for (const secret of ["31337", "27182", "37.5", "62.5", "7.25", "percent", "correct", "feedback", "weight", "answers", "scoring", "title", "category"]) {
          expect(json, `${q.id} leaks ${secret}`).not.toContain(secret);
        }
        expect(json).not.toMatch(/:\s*(true|false|-?\d)/);
        checkShape(p);
        expect(p.id).toBe(q.id);
        expect(p.kind).toBe(q.kind);
      }
    }
    // The canaries are really in the questions (the test above would be vacuous otherwise).
    expect(JSON.stringify(canaryQuestions).match(/CANARY/g)!.length).toBeGreaterThan(20);
  });

  it("property: no secret (marked §) of any generated question reaches the presented form", () => {
    fc.assert(
      fc.property(anyQuestion, fc.oneof(fc.integer(), fc.string()), (q, seed) => {
        expect(JSON.stringify(q)).toContain("§");
        const p = presentQuestion(q, seed);
        expect(JSON.stringify(p)).not.toContain("§");
        checkShape(p);
      }),
      { numRuns: 500 },
    );
  });

  it("property: options, stems, choices and items are permutations of the question's", () => {
    fc.assert(
      fc.property(anyQuestion, fc.integer(), (q, seed) => {
        const p = presentQuestion(q, seed);
        const sorted = (xs: { id: string; text: string }[]) => xs.map((x) => `${x.id}\u0000${x.text}`).sort();
        if ((q.kind === "single" || q.kind === "multiple") && (p.kind === "single" || p.kind === "multiple")) {
          expect(sorted(p.options)).toEqual(sorted(q.options));
        } else if (q.kind === "matching" && p.kind === "matching") {
          expect(sorted(p.stems)).toEqual(sorted(q.pairs.map((x) => ({ id: x.id, text: x.left }))));
          expect(p.choices.map((c) => c.text).sort()).toEqual([...new Set([...q.pairs.map((x) => x.right), ...q.distractors])].sort());
          expect(new Set(p.choices.map((c) => c.id)).size).toBe(p.choices.length);
        } else if (q.kind === "ordering" && p.kind === "ordering") {
          expect(sorted(p.items)).toEqual(sorted(q.items));
          // Never shown already in the right order.
          expect(p.items.map((i) => i.id)).not.toEqual(q.items.map((i) => i.id));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("property: deterministic per seed (a stored seed re-renders exactly what the member saw)", () => {
    fc.assert(
      fc.property(anyQuestion, fc.oneof(fc.integer(), fc.string()), (q, seed) => {
        expect(presentQuestion(structuredClone(q), seed)).toStrictEqual(presentQuestion(q, seed));
      }),
    );
  });

  it("different seeds give different orders, and the correct option lands everywhere", () => {
    const q = parseGift("::q::Câu?{=đúng ~sai một ~sai hai ~sai ba ~sai bốn}").questions[0]! as SingleChoiceQuestion;
    const orders = new Set<string>();
    const positions = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const p = presentQuestion(q, seed);
      if (p.kind !== "single") throw new Error("kind");
      orders.add(p.options.map((o) => o.text).join("|"));
      positions.add(p.options.findIndex((o) => o.text === "đúng"));
    }
    expect(orders.size).toBeGreaterThan(50);
    expect([...positions].sort()).toEqual([0, 1, 2, 3, 4]);
    // Two questions of the same attempt do not share one shuffle.
    const other = { ...q, id: "khac" };
    const differ = [...Array(20).keys()].some(
      (seed) => JSON.stringify((presentQuestion(q, seed) as { options: unknown }).options) !== JSON.stringify((presentQuestion(other, seed) as { options: unknown }).options),
    );
    expect(differ).toBe(true);
  });

  it("shuffle: false keeps the authoring order; unshuffled matching choices are sorted, not in pair order", () => {
    const q = { ...(parseGift("::q::Câu?{=a ~b ~c ~d}").questions[0]! as SingleChoiceQuestion), shuffle: false };
    for (const seed of [1, 2, 3]) expect((presentQuestion(q, seed) as { options: { text: string }[] }).options.map((o) => o.text)).toEqual(["a", "b", "c", "d"]);
    const m = { ...(parseGift("::m::Ghép{=x -> gamma =y -> alpha =z -> beta}").questions[0]! as MatchingQuestion), shuffle: false };
    const p = presentQuestion(m, 9) as Extract<PresentedQuestion, { kind: "matching" }>;
    expect(p.stems.map((s) => s.text)).toEqual(["x", "y", "z"]);
    expect(p.choices.map((c) => c.text)).toEqual(["alpha", "beta", "gamma"]);
  });

  it("property: grading uses the presented ids, whatever the seed", () => {
    fc.assert(
      fc.property(singleArb, fc.integer(), (q, seed) => {
        const p = presentQuestion(q, seed);
        if (p.kind !== "single") throw new Error("kind");
        const correctText = q.options.find((o) => o.percent === 100)!.text;
        const seen = p.options.find((o) => o.text === correctText)!;
        expect(grade(q, { choice: seen.id }).score).toBe(1);
        const wrong = p.options.find((o) => o.text !== correctText)!;
        expect(grade(q, { choice: wrong.id }).score).toBe(Math.max(0, q.options.find((o) => o.text === wrong.text)!.percent) / 100);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Shipped banks
// ---------------------------------------------------------------------------------------------

describe("shipped banks", () => {
  const dir = path.resolve(import.meta.dirname, "../../content/courses");
  const banks = Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((d) => fs.existsSync(path.join(dir, d, "quiz.gift")))
      .map((d) => [d, parseGift(fs.readFileSync(path.join(dir, d, "quiz.gift"), "utf8")).questions]),
  );
  const q = (slug: string, title: string) => banks[slug]!.find((x) => x.title === title)!;

  it("every question: the right answer scores 1, and nothing secret is presented", () => {
    let checked = 0;
    for (const questions of Object.values(banks)) {
      for (const question of questions) {
        expect(grade(question, rightAnswer(question)).score, question.title).toBe(1);
        const json = JSON.stringify(presentQuestion(question, "attempt-1"));
        const secrets = [
          question.generalFeedback,
          ...(question.kind === "single" || question.kind === "multiple" ? question.options.map((o) => o.feedback) : []),
          ...(question.kind === "short" ? question.answers.flatMap((a) => [a.text, a.feedback]) : []),
          ...(question.kind === "numerical" ? question.answers.map((a) => a.feedback) : []),
          ...(question.kind === "truefalse" ? [question.feedbackRight, question.feedbackWrong] : []),
        ].filter((s): s is string => typeof s === "string" && s.length >= 8);
        for (const s of secrets) expect(json, `${question.title}: ${s}`).not.toContain(JSON.stringify(s).slice(1, -1));
        checked++;
      }
    }
    expect(checked).toBe(60);
  });

  it("grades real questions as a member would answer them", () => {
    const otp = q("an-toan-thong-tin", "at-04 Tên gọi mã dùng một lần");
    expect(grade(otp, { text: "otp" }).score).toBe(1);
    expect(grade(otp, { text: "  Mã   OTP " }).score).toBe(1);
    // Members on phones without a Vietnamese keyboard: these two banks accept answers without accents.
    expect(grade(otp, { text: "ma OTP" }).score).toBe(1);
    expect(grade(otp, { text: "OTPP" }).score).toBe(0);
    const seal = q("chuyen-doi-so-trong-co-quan", "chu-ky-so-co-quan");
    expect(grade(seal, { text: "Đóng dấu" }).score).toBe(1);
    expect(grade(seal, { text: "dong dau" }).score).toBe(1);
    expect(grade(seal, { text: "ky ten" }).score).toBe(0);
    const dpi = q("chuyen-doi-so-trong-co-quan", "do-phan-giai-quet");
    expect(grade(dpi, { value: 250 }).score).toBe(1);
    expect(grade(dpi, { value: "300,0" }).score).toBe(1);
    expect(grade(dpi, { value: "199" }).score).toBe(0);
    const bcc = q("ky-nang-so-co-ban", "kn-06 Trường người nhận ẩn");
    expect(grade(bcc, { text: "bcc" }).score).toBe(1);
    expect(grade(bcc, { text: "cc" }).score).toBe(0);

    const at03 = q("an-toan-thong-tin", "at-03 Trình quản lý mật khẩu") as MultipleChoiceQuestion;
    const [p1, p2, n1] = at03.options;
    expect(grade(at03, { choices: [p1!.id, p2!.id] }).score).toBe(1);
    expect(grade(at03, { choices: [p1!.id] }).score).toBe(0.5);
    expect(grade(at03, { choices: [p1!.id, n1!.id] }).score).toBe(0);

    const at14 = q("an-toan-thong-tin", "at-14 Báo cho ai") as MatchingQuestion;
    const right = rightAnswer(at14) as { pairs: Record<string, string> };
    const [a, b] = at14.pairs;
    const swapped = { ...right.pairs, [a!.id]: right.pairs[b!.id]!, [b!.id]: right.pairs[a!.id]! };
    expect(grade(at14, { pairs: swapped }).score).toBe(0.5);

    const tf = q("an-toan-thong-tin", "at-02 Dùng chung mật khẩu");
    expect(grade(tf, { value: true })).toMatchObject({ score: 0, feedback: [expect.stringMatching(/^Chưa đúng/)] });
    expect(grade(tf, { value: false })).toMatchObject({ score: 1, feedback: [expect.stringMatching(/^Đúng, nhận định này sai/)] });
  });
});
