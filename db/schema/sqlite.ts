export * from "./org.ts";
export * from "./auth.ts";
export * from "./audit.ts";
export * from "./courses.ts";
export * from "./live.ts";
export * from "./quizzes.ts";
export * from "./records.ts";
export * from "./reflections.ts";
