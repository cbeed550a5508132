import { first } from "#db/first.ts";
import { and, eq } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { courseAssignments } from "#db/schema/index.ts";
import { scopePaths, unitInScope, type Scope } from "#app/auth/permissions.server.ts";
import { endOfVnDay } from "#app/common/vietnam-time.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { getUnit, getUnitByCode } from "#app/org/units.server.ts";
import { getMemberByCode } from "#app/org/members.server.ts";
import { assignToMember, assignToUnit, assignmentsOfCourse, removeAssignment } from "./learning.server.ts";

export type AssignInput = { courseId: number; unitCode?: string; memberCode?: string; dueDay?: string | null; actorId: number };

/**
 * Assigns a course to a unit's subtree or to one member, inside the caller's scope (a unit or member
 * outside it is reported like one that does not exist). "Due 30/11" means all of 30/11 in Vietnam.
 */
export async function assignCourse(db: Db, scope: Scope, input: AssignInput) {
  const dueAt = input.dueDay ? endOfVnDay(input.dueDay) : null;
  if (input.unitCode) {
    const unit = await getUnitByCode(db, input.unitCode);
    if (!unit || !unitInScope(scope, unit)) throw new DomainError("unit.error.notFound", {}, 404);
    return assignToUnit(db, { courseId: input.courseId, unitId: unit.id, dueAt, actorId: input.actorId });
  }
  if (input.memberCode) {
    const m = await getMemberByCode(db, input.memberCode);
    const unit = m && await getUnit(db, m.unitId);
    if (!m || !unit || !unitInScope(scope, unit)) throw new DomainError("member.error.notFound", {}, 404);
    return assignToMember(db, { courseId: input.courseId, memberId: m.id, dueAt, actorId: input.actorId });
  }
  throw new DomainError("manage.courses.assignTarget");
}

/** Removes an assignment of this course that the caller's scope sees; false when there is none. */
export async function unassignCourse(db: Db, scope: Scope, courseId: number, assignmentId: number): Promise<boolean> {
  const visible = (await assignmentsOfCourse(db, courseId, scopePaths(scope))).some((a) => a.id === assignmentId);
  const exists = await first(db
    .select({ id: courseAssignments.id })
    .from(courseAssignments)
    .where(and(eq(courseAssignments.id, assignmentId), eq(courseAssignments.courseId, courseId))));
  if (!visible || !exists) return false;
  await removeAssignment(db, assignmentId);
  return true;
}
