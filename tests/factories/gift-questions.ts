/**
 * Random questions of every kind GIFT can carry, for property tests: texts full of GIFT syntax,
 * newlines, Vietnamese letters, fill-the-blank texts, categories, marks and feedback. Their ids are
 * placeholders (the parser derives its own).
 */
import fc from "fast-check";
import type { Question } from "#app/quizzes/types.ts";

const alphabet = [..."aăâbcdđeêghiklmnoôơpqrstuưvxyAĐÊƠ0123456789 áàảãạếềểễệ~=#{}:\\%/[]*-_.,;!?\"'()", "\n", "\t"];
const str = fc
  .array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 24 })
  .map((cs) => cs.join("").normalize("NFC").trim())
  .filter((s) => s.length > 0 && !s.includes("->"));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const segment = fc.stringMatching(/^[a-zđ0-9][a-zđ0-9 -]{0,10}[a-zđ0-9]$/);
const numberArb = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((n) => n + 0);
const withFeedback = (o: Record<string, unknown>, feedback: string | undefined) => (feedback === undefined ? o : { ...o, feedback });

const common = fc.record({
  title: opt(str),
  text: str,
  blank: fc.option(fc.tuple(str, str), { nil: undefined }),
  format: fc.constantFrom("moodle", "html", "markdown", "plain"),
  category: fc.array(segment, { maxLength: 3 }),
  weight: fc.constantFrom(1, 1, 2, 0.5),
  generalFeedback: opt(str),
});

const kindPart: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ n: fc.integer({ min: 1, max: 4 }), fb: fc.array(opt(str), { minLength: 5, maxLength: 5 }), texts: fc.uniqueArray(str, { minLength: 5, maxLength: 5 }), p: fc.array(fc.integer({ min: -100, max: 99 }), { minLength: 5, maxLength: 5 }), shuffle: fc.boolean() }).map(({ n, fb, texts, p, shuffle }) => ({
    kind: "single",
    options: texts.slice(0, n + 1).map((t, i) => withFeedback({ id: `o${i}`, text: t, percent: i === 0 ? 100 : p[i]! }, fb[i])),
    shuffle,
  })),
  fc.record({ texts: fc.uniqueArray(str, { minLength: 4, maxLength: 4 }), fb: fc.array(opt(str), { minLength: 4, maxLength: 4 }), split: fc.integer({ min: 1, max: 99 }), neg: fc.constantFrom(0, -50, -100, -33.33333), scoring: fc.constantFrom("partial", "all-or-nothing"), shuffle: fc.boolean() }).map(
    ({ texts, fb, split, neg, scoring, shuffle }) => ({
      kind: "multiple",
      options: texts.map((t, i) => withFeedback({ id: `o${i}`, text: t, percent: [split, 100 - split, neg, 0][i]! }, fb[i])),
      scoring,
      shuffle,
    }),
  ),
  fc.record({ correct: fc.boolean(), right: opt(str), wrong: opt(str) }).map(({ correct, right, wrong }) => ({
    kind: "truefalse",
    correct,
    ...(right !== undefined ? { feedbackRight: right } : {}),
    ...(wrong !== undefined ? { feedbackWrong: wrong } : {}),
  })),
  fc.record({ texts: fc.uniqueArray(str, { minLength: 1, maxLength: 3 }), fb: opt(str), p: fc.integer({ min: 0, max: 100 }), ignoreDiacritics: fc.boolean() }).map(({ texts, fb, p, ignoreDiacritics }) => ({
    kind: "short",
    answers: texts.map((t, i) => withFeedback({ id: `a${i}`, text: t, percent: i === 0 ? 100 : p }, i === 0 ? fb : undefined)),
    ignoreDiacritics,
  })),
  fc.record({ lefts: fc.uniqueArray(str, { minLength: 2, maxLength: 4 }), rights: fc.array(str, { minLength: 4, maxLength: 4 }), fb: opt(str), distractors: fc.array(str, { maxLength: 2 }), shuffle: fc.boolean() }).map(({ lefts, rights, fb, distractors, shuffle }) => ({
    kind: "matching",
    pairs: lefts.map((l, i) => withFeedback({ id: `s${i}`, left: l, right: rights[i]! }, i === 0 ? fb : undefined)),
    distractors,
    shuffle,
  })),
  fc.record({
    answers: fc.array(
      fc.oneof(
        fc.record({ value: numberArb, tolerance: fc.double({ min: 0, max: 1000, noNaN: true }).map((n) => n + 0) }).map((a) => ({ mode: "tolerance", ...a })),
        fc.tuple(numberArb, numberArb).map(([a, b]) => ({ mode: "range", min: Math.min(a, b), max: Math.max(a, b) })),
      ),
      { minLength: 1, maxLength: 3 },
    ),
    p: fc.integer({ min: 0, max: 100 }),
    fb: opt(str),
    other: opt(str),
  }).map(({ answers, p, fb, other }) => ({
    kind: "numerical",
    answers: answers.map((a, i) => withFeedback({ id: `n${i}`, percent: i === 0 ? 100 : p, ...a }, fb)),
    ...(other !== undefined ? { otherFeedback: other } : {}),
  })),
);

export const questionArb: fc.Arbitrary<Question> = fc.tuple(common, kindPart).map(([c, k]) => {
  const { blank, title, generalFeedback, ...rest } = c;
  return {
    id: "x",
    ...(title !== undefined ? { title } : {}),
    ...rest,
    ...(blank ? { text: `${blank[0]} `, textAfter: ` ${blank[1]}` } : {}),
    ...(generalFeedback !== undefined ? { generalFeedback } : {}),
    ...k,
  } as unknown as Question;
});
