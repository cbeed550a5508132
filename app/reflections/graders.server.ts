import { first } from "#db/first.ts";
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import type { SQLiteColumn, SQLiteSelect } from "drizzle-orm/sqlite-core";
import { courses, members, reflectionGraders, units } from "#db/schema/index.ts";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { scopeOf, unitInScope, type Scope } from "#app/auth/permissions.server.ts";
import type { SessionMember } from "#app/auth/session.server.ts";

/**
 * Who grades a reflection. Under the "cell" rule: the members who hold the position (chức vụ) of
 * secretary or deputy secretary of the writer's unit when the reflection is submitted — recorded
 * then in reflection_graders, so a later election or transfer moves neither the queue nor the
 * right to grade what was already submitted. Under the "trainers" rule, and under "cell" when the
 * unit had nobody in those positions (nothing may wait forever), trainers whose scope covers the
 * unit the writer was in. Administrators may grade anything.
 */

/**
 * What both grading queues (reflections, quiz essays) show of a piece of work: who handed it in,
 * the unit recorded with it then (not the writer's unit now), and the course. Select these, then
 * join with joinHandedIn.
 */
export const handedInColumns = () => ({
  memberName: members.fullName,
  memberCode: members.code,
  unitId: units.id,
  unitCode: units.code,
  unitName: units.name,
  unitPath: units.path,
  courseTitle: courses.title,
});

/** The joins behind handedInColumns, from a work row's member, recorded unit and course. */
export function joinHandedIn<Q extends SQLiteSelect>(q: Q, work: { memberId: SQLiteColumn; unitId: SQLiteColumn; courseId: SQLiteColumn }): Q {
  // A dynamic query ($dynamic()) keeps its type through joins; TypeScript cannot see that through Q.
  return q
    .innerJoin(members, eq(members.id, work.memberId))
    .innerJoin(units, eq(units.id, work.unitId))
    .innerJoin(courses, eq(courses.id, work.courseId)) as unknown as Q;
}

/** The units a queue's rows come from, once each in the rows' order: the choices of its unit filter. */
export function queueUnits(rows: { unitId: number; unitCode: string; unitName: string }[]) {
  return [...new Map(rows.map((r) => [r.unitId, { id: r.unitId, code: r.unitCode, name: r.unitName }])).values()];
}

/** "Bí thư chi bộ", "Phó Bí thư", "PHÓ BÍ THƯ CHI BỘ" (with or without tone marks); not "Chi ủy viên". */
const SECRETARY = /^(pho )?bi thu( |$)/;

export function isSecretaryPosition(position: string): boolean {
  return SECRETARY.test(foldVietnamese(position));
}

/** Active, enabled members of the unit holding a secretary or deputy position, other than the writer. */
export async function cellGradersOf(db: Db, unitId: number, writerId: number): Promise<number[]> {
  return (await db
    .select({ id: members.id, position: members.position })
    .from(members)
    .where(and(eq(members.unitId, unitId), eq(members.status, "active"), isNull(members.disabledAt), ne(members.id, writerId))))
    .filter((m) => isSecretaryPosition(m.position))
    .map((m) => m.id);
}

/** Replaces the graders named for a submission with those of its latest submission. */
export async function recordCellGraders(tx: Db, submissionId: number, graderIds: number[]) {
  await tx.delete(reflectionGraders).where(eq(reflectionGraders.submissionId, submissionId));
  for (const memberId of graderIds) await tx.insert(reflectionGraders).values({ submissionId, memberId });
}

/** submission id → the graders named for it. */
export async function namedGraders(db: Db, submissionIds: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  for (let i = 0; i < submissionIds.length; i += 500) {
    const rows = await db.select().from(reflectionGraders).where(inArray(reflectionGraders.submissionId, submissionIds.slice(i, i + 500)));
    for (const r of rows) out.set(r.submissionId, [...(out.get(r.submissionId) ?? []), r.memberId]);
  }
  return out;
}

export type GraderContext = { actor: SessionMember; scope: Scope };

export async function graderContext(db: Db, actor: SessionMember): Promise<GraderContext> {
  return { actor, scope: await scopeOf(db, actor) };
}

type SubmissionForAccess = { gradersRule: "cell" | "trainers" | null; unitPath: string | null };

/** May the actor see this submission (its text, grades, similarity)? Graders, and managers of its unit. */
export function canSeeSubmission(ctx: GraderContext, sub: SubmissionForAccess, named: number[]): boolean {
  if (ctx.scope.all) return true;
  if (named.includes(ctx.actor.id)) return true;
  return sub.unitPath !== null && unitInScope(ctx.scope, { path: sub.unitPath });
}

/** May the actor grade it? (see the module comment) */
export function canGradeSubmission(ctx: GraderContext, sub: SubmissionForAccess, named: number[]): boolean {
  if (ctx.scope.all) return true;
  if (sub.gradersRule === "cell" && named.length > 0) return named.includes(ctx.actor.id);
  return ctx.actor.role === "trainer" && sub.unitPath !== null && unitInScope(ctx.scope, { path: sub.unitPath });
}

/** The unit's path, for scope checks of a submission recorded against it. */
export async function unitPathOf(db: Db, unitId: number | null): Promise<string | null> {
  if (unitId === null) return null;
  return (await first(db.select({ path: units.path }).from(units).where(eq(units.id, unitId))))?.path ?? null;
}

/** Whether the member has ever been named a grader (the menu shows them the grading queue). */
export async function isNamedGrader(db: Db, memberId: number): Promise<boolean> {
  return !!(await first(db.select({ m: reflectionGraders.memberId }).from(reflectionGraders).where(eq(reflectionGraders.memberId, memberId)).limit(1)));
}
