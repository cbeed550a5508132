import { sql } from "drizzle-orm";
import { sqliteTable, integer, text, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { members, units } from "./org.ts";
import { liveSessions } from "./live.ts";
import { serialId, timestampMs, createdUpdatedAt, requiredRef, validFromTo, oneOpenRow } from "./columns.ts";

export const COURSE_STATES = ["draft", "published", "archived"] as const;
/**
 * "live": attend a live study session (complete when the ledger says present or late).
 * "reflection": write a bài thu hoạch on a prompt (complete when graded pass; app/reflections).
 */
export const ITEM_TYPES = ["lesson", "quiz", "live", "reflection"] as const;

/**
 * A course as authors edit it. Learners never read these draft rows: they read the snapshot of
 * the version that was last published (course_versions), so editing cannot change what a member
 * is in the middle of, and a completion can say which version it was.
 */
export const courses = sqliteTable(
  "courses",
  {
    id: serialId(),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    titleEn: text("title_en"),
    summary: text("summary").notNull().default(""),
    estimatedMinutes: integer("estimated_minutes").notNull().default(0),
    coverFile: text("cover_file"),
    state: text("state", { enum: COURSE_STATES }).notNull().default("draft"),
    publishedVersionId: integer("published_version_id"),
    /** Optional overall grade (average of the best score of each required quiz) to complete. */
    minGradePercent: integer("min_grade_percent"),
    /** The trainer who created it may edit it; administrators may edit every course. */
    createdBy: integer("created_by").references(() => members.id, { onDelete: "set null" }),
    ...createdUpdatedAt(),
  },
  (t) => [uniqueIndex("courses_slug_uq").on(t.slug)],
);

export const courseModules = sqliteTable(
  "course_modules",
  {
    id: serialId(),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    key: text("key").notNull(),
    title: text("title").notNull(),
    position: integer("position").notNull(),
  },
  (t) => [uniqueIndex("course_modules_key_uq").on(t.courseId, t.key)],
);

/** Item keys are identity: progress is recorded against (course, key), across versions. */
export const courseItems = sqliteTable(
  "course_items",
  {
    id: serialId(),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    moduleId: requiredRef("module_id", () => courseModules.id, "cascade"),
    key: text("key").notNull(),
    type: text("type", { enum: ITEM_TYPES }).notNull(),
    title: text("title").notNull(),
    position: integer("position").notNull(),
    estimatedMinutes: integer("estimated_minutes").notNull().default(0),
    required: integer("required", { mode: "boolean" }).notNull().default(true),
    /** tiptap JSON document (lessons). */
    body: text("body", { mode: "json" }),
    /** Plain text derived from body, for search. */
    bodyText: text("body_text").notNull().default(""),
    /** Source text for items that are not rich text (e.g. a GIFT question bank). */
    source: text("source"),
    /** The session a "live" item asks the member to attend. */
    liveSessionId: integer("live_session_id").references(() => liveSessions.id, { onDelete: "restrict" }),
    /** "reflection" items: length, due day, graders and scale (ReflectionSettings); the prompt is `body`. */
    settings: text("settings", { mode: "json" }),
    /** "live" items: watching the session's published recording (make-up study) also completes it. */
    acceptMakeUp: integer("accept_make_up", { mode: "boolean" }).notNull().default(false),
    updatedAt: timestampMs("updated_at").notNull(),
  },
  (t) => [uniqueIndex("course_items_key_uq").on(t.courseId, t.key), index("course_items_module_idx").on(t.moduleId)],
);

/** A published, immutable snapshot: modules, items and their bodies as JSON. */
export const courseVersions = sqliteTable(
  "course_versions",
  {
    id: serialId(),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    version: integer("version").notNull(),
    snapshot: text("snapshot", { mode: "json" }).notNull(),
    contentHash: text("content_hash").notNull(),
    publishedAt: timestampMs("published_at").notNull(),
    publishedBy: integer("published_by").references(() => members.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("course_versions_uq").on(t.courseId, t.version)],
);

/**
 * A course given to everyone in a unit's subtree (now and later) or to one named member.
 * Exactly one of unit_id / member_id is set.
 */
export const courseAssignments = sqliteTable(
  "course_assignments",
  {
    id: serialId(),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    unitId: integer("unit_id").references(() => units.id, { onDelete: "cascade" }),
    memberId: integer("member_id").references(() => members.id, { onDelete: "cascade" }),
    dueAt: timestampMs("due_at"),
    assignedBy: integer("assigned_by").references(() => members.id, { onDelete: "set null" }),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [
    index("course_assignments_course_idx").on(t.courseId),
    index("course_assignments_unit_idx").on(t.unitId),
    index("course_assignments_member_idx").on(t.memberId),
    uniqueIndex("course_assignments_unit_uq").on(t.courseId, t.unitId).where(sql`unit_id IS NOT NULL`),
    uniqueIndex("course_assignments_member_uq").on(t.courseId, t.memberId).where(sql`member_id IS NOT NULL`),
  ],
);

/**
 * What course_assignments said, and when: one row per assignment and due date, in force over
 * [valid_from, valid_to). Assigning opens a row; changing the due date closes it and opens the
 * next; removing the assignment closes it (the course_assignments row goes, this one stays). A
 * report for a past day reads the rows in force that day, so none of these rewrites it.
 * `assignment_id` has no foreign key on purpose: it outlives the assignment it names.
 */
export const courseAssignmentHistory = sqliteTable(
  "course_assignment_history",
  {
    id: serialId(),
    assignmentId: integer("assignment_id").notNull(),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    unitId: integer("unit_id").references(() => units.id, { onDelete: "cascade" }),
    memberId: integer("member_id").references(() => members.id, { onDelete: "cascade" }),
    dueAt: timestampMs("due_at"),
    /** Who made this version (assigned, or changed the due date); removals keep the last one. */
    changedBy: integer("changed_by").references(() => members.id, { onDelete: "set null" }),
    ...validFromTo(),
  },
  (t) => [
    index("cah_course_idx").on(t.courseId, t.validFrom),
    index("cah_assignment_idx").on(t.assignmentId, t.validFrom),
    index("cah_unit_idx").on(t.unitId),
    index("cah_member_idx").on(t.memberId),
    oneOpenRow("cah_one_open_uq", t.assignmentId),
  ],
);

export const ITEM_PROGRESS_STATES = ["started", "completed"] as const;

/** One row per member and item key; completed rows are never downgraded by a new version. */
export const itemProgress = sqliteTable(
  "item_progress",
  {
    id: serialId(),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    itemKey: text("item_key").notNull(),
    state: text("state", { enum: ITEM_PROGRESS_STATES }).notNull(),
    versionId: integer("version_id").references(() => courseVersions.id, { onDelete: "set null" }),
    startedAt: timestampMs("started_at").notNull(),
    completedAt: timestampMs("completed_at"),
    /** Seconds the lesson page was open and visible, reported by the reading heartbeat. */
    secondsSpent: integer("seconds_spent").notNull().default(0),
    /**
     * Seconds of the lesson's video actually played, counted by the server from playback beats
     * (each beat credits at most the time elapsed since the previous one), and the video's length
     * as first reported (never lowered afterwards).
     */
    watchSeconds: integer("watch_seconds").notNull().default(0),
    watchDuration: integer("watch_duration"),
    lastWatchAt: timestampMs("last_watch_at"),
  },
  (t) => [
    uniqueIndex("item_progress_uq").on(t.memberId, t.courseId, t.itemKey),
    index("item_progress_course_idx").on(t.courseId, t.state),
    // Covers the roll-up's progress read: a member's rows in course order (DISTINCT without a
    // sort), one course's rows one range (bench/rollup.ts).
    index("item_progress_member_course_started_idx").on(t.memberId, t.courseId, t.startedAt),
  ],
);

/** The moment a member met the last requirement of a course, and on which version. */
export const courseCompletions = sqliteTable(
  "course_completions",
  {
    id: serialId(),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    versionId: integer("version_id").references(() => courseVersions.id, { onDelete: "set null" }),
    completedAt: timestampMs("completed_at").notNull(),
  },
  (t) => [
    uniqueIndex("course_completions_uq").on(t.memberId, t.courseId),
    index("course_completions_course_idx").on(t.courseId),
    index("course_completions_member_at_idx").on(t.memberId, t.completedAt, t.courseId),
  ],
);

/** Uploaded files (images, PDFs, videos) by content hash; the bytes live under DATA_DIR/uploads. */
export const uploads = sqliteTable(
  "uploads",
  {
    id: serialId(),
    sha256: text("sha256").notNull(),
    mime: text("mime").notNull(),
    size: integer("size").notNull(),
    originalName: text("original_name").notNull(),
    uploadedBy: integer("uploaded_by").references(() => members.id, { onDelete: "set null" }),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [uniqueIndex("uploads_sha_uq").on(t.sha256)],
);
