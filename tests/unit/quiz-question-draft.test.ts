import fc from "fast-check";
import { expect, test } from "vitest";
import { questionArb } from "#tests/factories/gift-questions.ts";
import { exportGift, parseGift } from "#app/quizzes/gift.ts";
import { draftOfQuestion, nestFormEntries, questionDraftSchema, questionFromDraft, type QuestionDraft } from "#app/quizzes/question-draft.ts";

/**
 * The editor's form loses nothing: any question a GIFT file can hold, put into the form's fields,
 * posted as form entries and read back, is the same question (ids included, as the parser makes them).
 */
function formEntries(d: QuestionDraft): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(d)) {
    if (typeof value === "string") {
      // An unticked checkbox is not posted at all.
      if (value !== "" || (key !== "shuffle" && key !== "ignoreDiacritics")) out.push([key, value]);
    } else {
      (value as (string | Record<string, string>)[]).forEach((row, i) => {
        if (typeof row === "string") out.push([`${key}.${i}`, row]);
        else for (const [field, v] of Object.entries(row)) out.push([`${key}.${i}.${field}`, v]);
      });
    }
  }
  return out;
}

test("property: question → form fields → posted entries → question is the identity", () => {
  fc.assert(
    fc.property(questionArb, (generated) => {
      const [q] = parseGift(exportGift([generated])).questions;
      const draft = draftOfQuestion(q!);
      const posted = questionDraftSchema.parse(nestFormEntries(formEntries(draft)));
      expect(posted).toEqual(draft);
      const back = questionFromDraft(posted);
      expect(back).toEqual({ ok: true, question: { ...q, id: "draft" } });
    }),
    { numRuns: 300 },
  );
});
