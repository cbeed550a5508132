/** Vietnamese strings of the quiz pages (merged into vi.ts). */
export const viQuiz = {
  "nav.quiz": "Bài kiểm tra",
} as const;
