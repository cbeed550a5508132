import { sqliteTable, integer, text, real, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import { members, units } from "./org.ts";
import { courses, courseVersions } from "./courses.ts";
import { REFLECTION_GRADERS, REFLECTION_OUTCOMES, REFLECTION_STATES } from "./enums.ts";
import { serialId, timestampMs, createdUpdatedAt, requiredRef } from "./columns.ts";

/**
 * A member's reflection (bài thu hoạch) on one course item: the draft being written (autosaved)
 * and where it stands. One row per member and item key, across course versions, like item_progress.
 * `unit_id` is the member's unit when they last submitted: the queue and the graders follow it,
 * not a later transfer.
 */
export const reflectionSubmissions = sqliteTable(
  "reflection_submissions",
  {
    id: serialId(),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    itemKey: text("item_key").notNull(),
    state: text("state", { enum: REFLECTION_STATES }).notNull().default("draft"),
    draftDoc: text("draft_doc", { mode: "json" }),
    draftSavedAt: timestampMs("draft_saved_at"),
    /** Number of the last submitted version (0: never submitted). */
    versionNo: integer("version_no").notNull().default(0),
    unitId: integer("unit_id").references(() => units.id, { onDelete: "set null" }),
    /** The item's grader rule when last submitted ("cell": reflection_graders names them). */
    gradersRule: text("graders_rule", { enum: REFLECTION_GRADERS }),
    submittedAt: timestampMs("submitted_at"),
    ...createdUpdatedAt(),
  },
  (t) => [
    uniqueIndex("reflection_submissions_uq").on(t.memberId, t.courseId, t.itemKey),
    index("reflection_submissions_item_idx").on(t.courseId, t.itemKey, t.state),
    index("reflection_submissions_unit_idx").on(t.unitId, t.state),
  ],
);

/** Every submitted text, never overwritten: a "revise" leads to the next version, not an edit. */
export const reflectionVersions = sqliteTable(
  "reflection_versions",
  {
    id: serialId(),
    submissionId: requiredRef("submission_id", () => reflectionSubmissions.id, "cascade"),
    versionNo: integer("version_no").notNull(),
    doc: text("doc", { mode: "json" }).notNull(),
    text: text("text").notNull(),
    words: integer("words").notNull(),
    /** Denormalised from the submission so the similarity check reads one table. */
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    courseVersionId: integer("course_version_id").references(() => courseVersions.id, { onDelete: "set null" }),
    unitId: integer("unit_id").references(() => units.id, { onDelete: "set null" }),
    submittedAt: timestampMs("submitted_at").notNull(),
  },
  (t) => [uniqueIndex("reflection_versions_uq").on(t.submissionId, t.versionNo), index("reflection_versions_course_idx").on(t.courseId)],
);

/**
 * Who may grade a submission under the "cell" rule: the secretaries and deputies of the member's
 * unit at the moment of submission, written then (a later change of position does not move it).
 */
export const reflectionGraders = sqliteTable(
  "reflection_graders",
  {
    submissionId: requiredRef("submission_id", () => reflectionSubmissions.id, "cascade"),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
  },
  (t) => [primaryKey({ columns: [t.submissionId, t.memberId] }), index("reflection_graders_member_idx").on(t.memberId)],
);

/** Every grade ever given, append-only: the latest of a submission is its grade, the rest its history. */
export const reflectionGrades = sqliteTable(
  "reflection_grades",
  {
    id: serialId(),
    submissionId: requiredRef("submission_id", () => reflectionSubmissions.id, "cascade"),
    versionId: requiredRef("version_id", () => reflectionVersions.id, "cascade"),
    graderId: integer("grader_id").references(() => members.id, { onDelete: "set null" }),
    outcome: text("outcome", { enum: REFLECTION_OUTCOMES }).notNull(),
    score: integer("score"),
    comment: text("comment").notNull().default(""),
    gradedAt: timestampMs("graded_at").notNull(),
  },
  (t) => [index("reflection_grades_submission_idx").on(t.submissionId, t.gradedAt), index("reflection_grades_grader_idx").on(t.graderId)],
);

/**
 * Locality-sensitive buckets of each version's MinHash signature: versions sharing a bucket in
 * any band are the only candidates the similarity check compares exactly.
 */
export const reflectionLshBuckets = sqliteTable(
  "reflection_lsh_buckets",
  {
    courseId: integer("course_id").notNull(),
    band: integer("band").notNull(),
    bucket: integer("bucket").notNull(),
    versionId: requiredRef("version_id", () => reflectionVersions.id, "cascade"),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.band, t.bucket, t.versionId] }), index("reflection_lsh_version_idx").on(t.versionId)],
);

/** Pairs of versions by different members whose similarity reached the threshold when checked. */
export const reflectionSimilarities = sqliteTable(
  "reflection_similarities",
  {
    id: serialId(),
    versionId: requiredRef("version_id", () => reflectionVersions.id, "cascade"),
    otherVersionId: requiredRef("other_version_id", () => reflectionVersions.id, "cascade"),
    score: real("score").notNull(),
  },
  (t) => [uniqueIndex("reflection_similarities_uq").on(t.versionId, t.otherVersionId), index("reflection_similarities_other_idx").on(t.otherVersionId)],
);
