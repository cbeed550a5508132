import { plural, type Template } from "../format.ts";
import type { viQuizEssays } from "./vi-quiz-essays.ts";

/** English strings of essay questions in quizzes and their grading; exactly the keys of vi-quiz-essays.ts. */
export const enQuizEssays = {
  "quizEditor.kind.essay": "Essay",
  "quizEditor.essayHint":
    "An essay has no answer key: the member writes an answer, and a trainer responsible for the member's unit gives points (at most the question's mark) and a comment. The attempt's score is final only once every essay in it is graded.",
  "quiz.essay.chars": "{n}/{max} characters",
  "quiz.essay.pending": "Awaiting grading",
  "quiz.essay.points": "Points: {points}/{max}",
  "quiz.essay.comment": "Grader's comment",
  "quiz.essay.empty": "Left blank (0 points, nothing to grade)",
  "quiz.awaitingGrading": "Essays awaiting grading",
  "quiz.awaitingGradingNote":
    "The essays are waiting for a trainer to grade them. The score below is only the provisional score of the automatically graded questions; pass or fail is decided once every essay is graded, and you will be notified.",
  "quiz.provisionalScore": "Provisional score: {percent}%",
  "quiz.error.noSuchQuestion": "This attempt has no such question; the answer was not saved.",
  "quiz.error.essayTooLong": "The essay answer is longer than {max} characters, so it was not saved; please shorten it. Your text is still on this device and the previously saved version is kept.",
  "quiz.error.pointsRequired": "Enter the points for this question, from 0 to {max}. Nothing was saved.",
  "quiz.error.pointsRange": "Points must be a number from 0 to {max}. Nothing was saved.",
  "quiz.error.commentTooLong": "The comment is longer than {max} characters. Nothing was saved.",
  "quiz.error.notEssay": "This attempt has no such essay to grade. Nothing was saved.",
  "quiz.error.essayFinal": "This attempt already has its final score; its essay points can no longer be changed.",
  "quiz.error.notEssayGrader": "You may read this attempt but you are not its grader (only trainers responsible for the member's unit are).",
  "grading.essays.heading": "Quiz essays",
  "grading.essays.hint": "Quiz attempts with essays waiting for a trainer responsible for the member's unit; an attempt's score and result are final only once every essay in it is graded.",
  "grading.essays.empty": "No quiz attempt with essays in this view.",
  "grading.essays.waiting": plural("n", { one: "{n} essay to grade", other: "{n} essays to grade" }),
  "grading.essays.graded": "Fully graded",
  "grading.essays.attempt": "Attempt {n}",
  "grading.essays.title": "Essays of {name} ({unit})",
  "grading.essays.autoScore": "Automatically graded part: {percent}% (provisional, essays not included)",
  "grading.essays.final": "Final score: {percent}%",
  "grading.essays.answer": "Answer",
  "grading.essays.points": "Points (0–{max})",
  "grading.essays.save": "Save this question's points",
  "grading.essays.saved": "Points saved.",
  "grading.essays.finished": "Every essay is graded: the attempt's score and result are computed and the member has been notified.",
  "grading.essays.locked": "The attempt has its final score; the points can no longer be changed.",
  "grading.essays.history": "Grades given to this question",
  "notifications.quizGraded.title": "Your quiz was graded: {item}",
} as const satisfies Record<keyof typeof viQuizEssays, Template>;
