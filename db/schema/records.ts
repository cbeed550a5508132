import { sqliteTable, integer, text, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { members, units } from "./org.ts";
import { courses, courseCompletions } from "./courses.ts";
import { serialId, timestampMs, requiredRef } from "./columns.ts";

/**
 * A certificate freezes what it certifies (name, unit, course title, date) at issue time, so a
 * later rename does not change a document someone already printed. Public verification by code.
 */
export const certificates = sqliteTable(
  "certificates",
  {
    id: serialId(),
    code: text("code").notNull(),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    completionId: integer("completion_id").references(() => courseCompletions.id, { onDelete: "set null" }),
    memberName: text("member_name").notNull(),
    unitName: text("unit_name").notNull(),
    courseTitle: text("course_title").notNull(),
    completedAt: timestampMs("completed_at").notNull(),
    issuedAt: timestampMs("issued_at").notNull(),
    revokedAt: timestampMs("revoked_at"),
    revokedReason: text("revoked_reason"),
    revokedBy: integer("revoked_by").references(() => members.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("certificates_code_uq").on(t.code), uniqueIndex("certificates_member_course_uq").on(t.memberId, t.courseId)],
);

/** In-app notices (reminders from trainers, system messages), shown on the member's next visit. */
export const notifications = sqliteTable(
  "notifications",
  {
    id: serialId(),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull().default(""),
    link: text("link"),
    createdBy: integer("created_by").references(() => members.id, { onDelete: "set null" }),
    createdAt: timestampMs("created_at").notNull(),
    readAt: timestampMs("read_at"),
    emailedAt: timestampMs("emailed_at"),
    emailError: text("email_error"),
    /**
     * The outbox: an e-mail is due while email_next_at is set (and emailed_at is not); the sender
     * job clears it on success or after the last attempt. The absolute link is fixed when queued.
     */
    emailNextAt: timestampMs("email_next_at"),
    emailAttempts: integer("email_attempts").notNull().default(0),
    emailUrl: text("email_url"),
  },
  (t) => [index("notifications_member_idx").on(t.memberId, t.readAt), index("notifications_email_due_idx").on(t.emailNextAt)],
);

/**
 * Completion figures per unit and course as they stood at the end of a day, kept so that last
 * week's number does not change when someone completes today.
 */
export const completionSnapshots = sqliteTable(
  "completion_snapshots",
  {
    id: serialId(),
    day: text("day").notNull(),
    unitId: requiredRef("unit_id", () => units.id, "cascade"),
    courseId: requiredRef("course_id", () => courses.id, "cascade"),
    assigned: integer("assigned").notNull(),
    completed: integer("completed").notNull(),
    inProgress: integer("in_progress").notNull(),
    notStarted: integer("not_started").notNull(),
    overdue: integer("overdue").notNull(),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [uniqueIndex("completion_snapshots_uq").on(t.day, t.unitId, t.courseId), index("completion_snapshots_course_idx").on(t.courseId, t.day)],
);
