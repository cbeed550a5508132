import type { viQuiz } from "./vi-quiz.ts";

/** English strings of the quiz pages; exactly the keys of vi-quiz.ts. */
export const enQuiz: Record<keyof typeof viQuiz, string> = {
  "nav.quiz": "Quizzes",
};
