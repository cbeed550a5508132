import { rawRows } from "#db/dialect.server.ts";
import { first, one } from "#db/first.ts";
/**
 * The history of course assignments (course_assignment_history, ADR 0009): what was in force and
 * when, so a report for a past day reads that day's assignments and due dates. Called inside the
 * write transactions of assignToUnit / assignToMember / removeAssignment, never on its own.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { courseAssignmentHistory, courseAssignments } from "#db/schema/index.ts";

type Assignment = typeof courseAssignments.$inferSelect;

/**
 * The open history row of an assignment; one is written first (from its creation, with its current
 * due date) for an assignment that has none because something wrote it around these functions.
 */
async function openRow(tx: Db, a: Assignment) {
  const open = await first(tx
    .select()
    .from(courseAssignmentHistory)
    .where(and(eq(courseAssignmentHistory.assignmentId, a.id), isNull(courseAssignmentHistory.validTo))));
  if (open) return open;
  const any = await first(tx.select({ id: courseAssignmentHistory.id }).from(courseAssignmentHistory).where(eq(courseAssignmentHistory.assignmentId, a.id)).limit(1));
  if (any) return undefined;
  return await one(tx
    .insert(courseAssignmentHistory)
    .values({ assignmentId: a.id, courseId: a.courseId, unitId: a.unitId, memberId: a.memberId, dueAt: a.dueAt, changedBy: a.assignedBy, validFrom: a.createdAt, validTo: null })
    .returning());
}

/**
 * Ends the version in force at `now` and returns that instant. A version that began at `now` (or
 * later, with a clock set back) never held at any instant and goes; what replaces it starts where
 * it started, so versions never overlap.
 */
async function closeAt(tx: Db, historyId: number, validFrom: Date, now: Date): Promise<Date> {
  if (validFrom.getTime() < now.getTime()) {
    await tx.update(courseAssignmentHistory).set({ validTo: now }).where(eq(courseAssignmentHistory.id, historyId));
    return now;
  }
  await tx.delete(courseAssignmentHistory).where(eq(courseAssignmentHistory.id, historyId));
  return validFrom;
}

/**
 * After an assignment was created (`before` undefined) or written again (`before` = the row as it
 * was, `a` = as it is now): a new assignment opens its first version; a different due date closes
 * the version in force and opens the next, both at `now`; the same due date changes nothing.
 */
export async function recordAssignmentVersion(tx: Db, before: Assignment | undefined, a: Assignment, actorId: number | null, now: Date): Promise<void> {
  const open = before ? await openRow(tx, before) : undefined;
  if (open && (open.dueAt?.getTime() ?? null) === (a.dueAt?.getTime() ?? null)) return;
  const from = open ? await closeAt(tx, open.id, open.validFrom, now) : now;
  await tx.insert(courseAssignmentHistory)
    .values({ assignmentId: a.id, courseId: a.courseId, unitId: a.unitId, memberId: a.memberId, dueAt: a.dueAt, changedBy: actorId, validFrom: from, validTo: null });
}

/** Before an assignment row is deleted: its version in force ends at `now`. */
export async function recordAssignmentRemoval(tx: Db, a: Assignment, now: Date): Promise<void> {
  const open = await openRow(tx, a);
  if (open) await closeAt(tx, open.id, open.validFrom, now);
}

export type AssignmentAt = { courseId: number; unitId: number | null; memberId: number | null; dueAt: number | null };

/**
 * The assignments in force at `atMs` (of these courses, or all), with the due date they had then.
 * An assignment row without any history (written around the functions above) counts from its
 * creation with its current due date, as before history was kept.
 */
export async function assignmentsAt(db: Db, atMs: number, courseIds: number[] | null): Promise<AssignmentAt[]> {
  const only = (alias: string) => (courseIds ? sql.raw(` AND ${alias}.course_id IN (${courseIds.map((id) => Number(id)).join(", ") || "NULL"})`) : sql``);
  return await rawRows<AssignmentAt>(db, sql`
    SELECT h.course_id AS "courseId", h.unit_id AS "unitId", h.member_id AS "memberId", h.due_at AS "dueAt"
    FROM course_assignment_history h
    WHERE h.valid_from <= ${atMs} AND (h.valid_to IS NULL OR h.valid_to > ${atMs})${only("h")}
    UNION ALL
    SELECT a.course_id, a.unit_id, a.member_id, a.due_at
    FROM course_assignments a
    WHERE a.created_at <= ${atMs}${only("a")}
      AND NOT EXISTS (SELECT 1 FROM course_assignment_history x WHERE x.assignment_id = a.id)`);
}
