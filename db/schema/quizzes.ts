import { sql } from "drizzle-orm";
import { sqliteTable, integer, text, real, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { members, units } from "./org.ts";
import { courses, courseVersions } from "./courses.ts";

import { QUIZ_COMPLETION_RULES, REVIEW_ANSWERS } from "./enums.ts";
import { serialId, timestampMs, requiredRef } from "./columns.ts";
export { QUIZ_COMPLETION_RULES, REVIEW_ANSWERS } from "./enums.ts";

/**
 * Settings of a quiz item (the questions themselves are the item's GIFT bank in the course
 * snapshot). Missing row = defaults. Keyed by item key, so settings survive course versions.
 */
export const quizSettings = sqliteTable(
  "quiz_settings",
  {
    id: serialId(),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    itemKey: text("item_key").notNull(),
    passPercent: integer("pass_percent").notNull().default(70),
    /** 0 = unlimited. */
    attemptsAllowed: integer("attempts_allowed").notNull().default(3),
    timeLimitSeconds: integer("time_limit_seconds"),
    openAt: timestampMs("open_at"),
    closeAt: timestampMs("close_at"),
    /** JSON: [{ category: string | null, count: number | null }] — null count = every question. */
    draw: text("draw", { mode: "json" }),
    shuffle: integer("shuffle", { mode: "boolean" }).notNull().default(true),
    reviewCorrectness: integer("review_correctness", { mode: "boolean" }).notNull().default(true),
    reviewFeedback: integer("review_feedback", { mode: "boolean" }).notNull().default(true),
    reviewAnswers: text("review_answers", { enum: REVIEW_ANSWERS }).notNull().default("after-last-attempt"),
    completionRule: text("completion_rule", { enum: QUIZ_COMPLETION_RULES }).notNull().default("pass"),
    updatedAt: timestampMs("updated_at").notNull(),
  },
  (t) => [uniqueIndex("quiz_settings_uq").on(t.courseId, t.itemKey)],
);

export const ATTEMPT_STATES = ["open", "submitted", "expired"] as const;

/**
 * One attempt: the exact questions the member saw (with the seed of their shuffle) are stored,
 * so grading and review never depend on the bank changing later. At most one open attempt per
 * member and quiz (partial unique index), attempt numbers unique.
 */
export const quizAttempts = sqliteTable(
  "quiz_attempts",
  {
    id: serialId(),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    itemKey: text("item_key").notNull(),
    versionId: integer("version_id").references(() => courseVersions.id, { onDelete: "set null" }),
    attemptNo: integer("attempt_no").notNull(),
    seed: text("seed").notNull(),
    /** Full questions as drawn (server only, never sent to the browser before submission). */
    questions: text("questions", { mode: "json" }).notNull(),
    state: text("state", { enum: ATTEMPT_STATES }).notNull().default("open"),
    startedAt: timestampMs("started_at").notNull(),
    deadlineAt: timestampMs("deadline_at"),
    submittedAt: timestampMs("submitted_at"),
    /** Final score 0..1 (null while essays await grading). */
    score: real("score"),
    /** Null while essays await grading. */
    passed: integer("passed", { mode: "boolean" }),
    /**
     * Essays (answered, so needing a person) not graded yet; 0 = the score is final. An attempt with
     * essays is "awaiting grading" until it is 0 again (ADR 0017).
     */
    essaysPending: integer("essays_pending").notNull().default(0),
    /** The automatically graded part, 0..1 of the whole attempt (essays counted 0), while essays wait. */
    provisionalScore: real("provisional_score"),
    /** The member's unit at submission when essays were handed in: graders in its scope grade them. */
    unitId: integer("unit_id").references(() => units.id, { onDelete: "set null" }),
    /** When the last essay was graded (the score became final); null for attempts with no essay to grade. */
    gradedAt: timestampMs("graded_at"),
  },
  (t) => [
    uniqueIndex("quiz_attempts_no_uq").on(t.memberId, t.courseId, t.itemKey, t.attemptNo),
    uniqueIndex("quiz_attempts_open_uq").on(t.memberId, t.courseId, t.itemKey).where(sql`state = 'open'`),
    index("quiz_attempts_course_idx").on(t.courseId, t.itemKey),
    index("quiz_attempts_grading_idx").on(t.unitId, t.essaysPending),
  ],
);

export const quizAnswers = sqliteTable(
  "quiz_answers",
  {
    id: serialId(),
    attemptId: requiredRef("attempt_id", () => quizAttempts.id, "cascade"),
    questionId: text("question_id").notNull(),
    response: text("response", { mode: "json" }),
    score: real("score"),
    savedAt: timestampMs("saved_at").notNull(),
  },
  (t) => [uniqueIndex("quiz_answers_uq").on(t.attemptId, t.questionId)],
);

/**
 * Points given to one essay of an attempt, append-only: the latest row of (attempt, question) is
 * its grade, earlier ones its history, each with its grader and time.
 */
export const quizEssayGrades = sqliteTable(
  "quiz_essay_grades",
  {
    id: serialId(),
    attemptId: requiredRef("attempt_id", () => quizAttempts.id, "cascade"),
    questionId: text("question_id").notNull(),
    graderId: integer("grader_id").references(() => members.id, { onDelete: "set null" }),
    /** 0..the question's weight. */
    points: real("points").notNull(),
    comment: text("comment").notNull().default(""),
    gradedAt: timestampMs("graded_at").notNull(),
  },
  (t) => [index("quiz_essay_grades_attempt_idx").on(t.attemptId, t.questionId, t.gradedAt), index("quiz_essay_grades_grader_idx").on(t.graderId)],
);
