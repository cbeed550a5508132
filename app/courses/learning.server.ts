import { first, one } from "#db/first.ts";
import { and, asc, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { forUpdate } from "#db/dialect.server.ts";
import { courseAssignments, courseCompletions, courses, itemProgress, members, units } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { subtreeCondition } from "#app/org/units.server.ts";
import { publishedSnapshot, type Course } from "./courses.server.ts";
import { publishedVersion } from "./version-cache.server.ts";
import { prepared } from "#db/prepared.server.ts";
import { courseFacts, minReadSeconds, snapshotItems } from "./snapshot.ts";
import { progressRows, recomputeCompletion } from "./completion.server.ts";
import { lessonHasVideo, watchRemaining } from "./video-watch.server.ts";
import { markCourseLiveSessionsUnsettled } from "./live-settling-queue.server.ts";
import { recordAssignmentRemoval, recordAssignmentVersion } from "./assignment-history.server.ts";

export { progressRows };

// ---- assignments ------------------------------------------------------------------------------

export async function assignToUnit(db: Db, input: { courseId: number; unitId: number; dueAt: Date | null; actorId: number | null }, now = new Date()) {
  await assign(db, input, { unitId: input.unitId }, now);
}

export async function assignToMember(db: Db, input: { courseId: number; memberId: number; dueAt: Date | null; actorId: number | null }, now = new Date()) {
  await assign(db, input, { memberId: input.memberId }, now);
}

/**
 * A course to a unit's subtree or to one member: one assignment per course and target (a partial
 * unique index each), so assigning again changes its due date; either way its history gets a version.
 */
async function assign(db: Db, input: { courseId: number; dueAt: Date | null; actorId: number | null }, to: { unitId: number } | { memberId: number }, now: Date) {
  // targetWhere repeats the partial index's predicate, as the upsert must name that index.
  const [column, id, targetWhere] =
    "unitId" in to ? [courseAssignments.unitId, to.unitId, sql`unit_id IS NOT NULL`] : [courseAssignments.memberId, to.memberId, sql`member_id IS NOT NULL`];
  await writeTx(db, async (tx) => {
    const before = await first(tx.select().from(courseAssignments).where(and(eq(courseAssignments.courseId, input.courseId), eq(column, id))));
    const row = await one(tx
      .insert(courseAssignments)
      .values({ courseId: input.courseId, ...to, dueAt: input.dueAt, assignedBy: input.actorId, createdAt: now })
      .onConflictDoUpdate({
        target: [courseAssignments.courseId, column],
        targetWhere,
        set: { dueAt: input.dueAt, assignedBy: input.actorId },
      })
      .returning());
    await recordAssignmentVersion(tx, before, row, input.actorId, now);
    // Members who already attended a session the course asks for may now complete it.
    await markCourseLiveSessionsUnsettled(tx, input.courseId);
  });
}

/** Removes it from today on; reports for earlier days still count it (its history row is closed, not deleted). */
export async function removeAssignment(db: Db, id: number, now = new Date()) {
  await writeTx(db, async (tx) => {
    const row = await first(tx.select().from(courseAssignments).where(eq(courseAssignments.id, id)));
    if (!row) return;
    await recordAssignmentRemoval(tx, row, now);
    await tx.delete(courseAssignments).where(eq(courseAssignments.id, id));
  });
}

/** Assignments of a course, limited to a scope (the unit or the named member's unit in scope). */
export async function assignmentsOfCourse(db: Db, courseId: number, withinPaths: string[] | null) {
  const rows = await db
    .select({
      id: courseAssignments.id,
      dueAt: courseAssignments.dueAt,
      unitId: courseAssignments.unitId,
      memberId: courseAssignments.memberId,
      unitCode: units.code,
      unitName: units.name,
      unitPath: units.path,
      memberName: members.fullName,
      memberCode: members.code,
    })
    .from(courseAssignments)
    .leftJoin(members, eq(members.id, courseAssignments.memberId))
    .innerJoin(units, or(eq(units.id, courseAssignments.unitId), eq(units.id, members.unitId)))
    .where(eq(courseAssignments.courseId, courseId))
    .orderBy(asc(units.path));
  return withinPaths ? rows.filter((r) => withinPaths.some((p) => r.unitPath.startsWith(p))) : rows;
}

// ---- the learner's side -----------------------------------------------------------------------

// The learner's pages run these on every view: prepared once per connection (see prepared.server.ts).
const memberIdParam = sql.placeholder("memberId");
const pathParam = sql.placeholder("path");

async function memberUnitPath(db: Db, memberId: number): Promise<string> {
  const q = prepared(db, "learning.memberUnitPath", (d) =>
    d.select({ path: units.path }).from(members).innerJoin(units, eq(units.id, members.unitId)).where(eq(members.id, memberIdParam)).prepare(),
  );
  return (await first(q.execute({ memberId })))!.path;
}

/** Assignments that reach the member: by name, or to their unit or any unit above it. */
async function assignmentsReaching(db: Db, memberId: number) {
  const q = prepared(db, "learning.assignmentsReaching", (d) =>
    d
      .select({ courseId: courseAssignments.courseId, dueAt: courseAssignments.dueAt })
      .from(courseAssignments)
      .leftJoin(units, eq(units.id, courseAssignments.unitId))
      .where(or(eq(courseAssignments.memberId, memberIdParam), sql`${pathParam} LIKE ${units.path} || '%'`))
      .prepare(),
  );
  return await q.execute({ memberId, path: await memberUnitPath(db, memberId) });
}

/** The member's assignments, completions, and the ids of both: the courses the member may read. */
async function reachableCourses(db: Db, memberId: number) {
  const assigned = await assignmentsReaching(db, memberId);
  const completed = await prepared(db, "learning.completionsOf", (d) =>
    d
      .select({ courseId: courseCompletions.courseId, completedAt: courseCompletions.completedAt })
      .from(courseCompletions)
      .where(eq(courseCompletions.memberId, memberIdParam))
      .prepare(),
  ).execute({ memberId });
  const ids = [...new Set([...assigned.map((a) => a.courseId), ...completed.map((c) => c.courseId)])];
  return { assigned, completed, ids };
}

/** Ids of the courses a member may read as a learner (what `isAssigned` answers one at a time). */
export async function readableCourseIds(db: Db, memberId: number): Promise<number[]> {
  return (await reachableCourses(db, memberId)).ids;
}

/**
 * Courses assigned to the member now (through any ancestor unit or by name), plus courses they
 * completed elsewhere before a transfer. Due date: the earliest among their assignments.
 * Reads what a course card shows: the course row, the required item keys of its published version
 * (cached per version, never the lesson bodies per request) and the member's completed items, in
 * one query for all courses.
 */
export async function coursesForMember(db: Db, memberId: number) {
  const { assigned, completed, ids } = await reachableCourses(db, memberId);
  if (ids.length === 0) return [];
  const list = await db
    .select({
      id: courses.id,
      slug: courses.slug,
      title: courses.title,
      titleEn: courses.titleEn,
      summary: courses.summary,
      estimatedMinutes: courses.estimatedMinutes,
      coverFile: courses.coverFile,
      publishedVersionId: courses.publishedVersionId,
    })
    .from(courses)
    .where(and(inArray(courses.id, ids), eq(courses.state, "published"), isNotNull(courses.publishedVersionId)))
    .orderBy(asc(courses.title));
  const done = await completedItemKeys(db, memberId);
  return await Promise.all(list.map(async (c) => {
    const dues = assigned.filter((a) => a.courseId === c.id && a.dueAt).map((a) => a.dueAt!.getTime());
    const completion = completed.find((x) => x.courseId === c.id);
    const required = (await publishedVersion(db, c.publishedVersionId!))?.requiredKeys ?? [];
    const mine = done.get(c.id);
    return {
      id: c.id,
      ...courseFacts(c),
      publishedVersionId: c.publishedVersionId!,
      dueAt: dues.length ? new Date(Math.min(...dues)) : null,
      completedAt: completion?.completedAt ?? null,
      assigned: assigned.some((a) => a.courseId === c.id),
      itemsTotal: required.length,
      itemsDone: mine ? required.filter((k) => mine.has(k)).length : 0,
    };
  }));
}

/** course id → keys of the items the member completed, every course in one query. */
async function completedItemKeys(db: Db, memberId: number): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>();
  const rows = await prepared(db, "learning.completedItemKeys", (d) =>
    d
      .select({ courseId: itemProgress.courseId, itemKey: itemProgress.itemKey })
      .from(itemProgress)
      .where(and(eq(itemProgress.memberId, memberIdParam), eq(itemProgress.state, "completed")))
      .prepare(),
  ).execute({ memberId });
  for (const r of rows) {
    let set = out.get(r.courseId);
    if (!set) out.set(r.courseId, (set = new Set()));
    set.add(r.itemKey);
  }
  return out;
}

export async function isAssigned(db: Db, memberId: number, courseId: number): Promise<boolean> {
  const courseIdParam = sql.placeholder("courseId");
  const assigned = prepared(db, "learning.isAssigned", (d) =>
    d
      .select({ id: courseAssignments.id })
      .from(courseAssignments)
      .leftJoin(units, eq(units.id, courseAssignments.unitId))
      .where(and(eq(courseAssignments.courseId, courseIdParam), or(eq(courseAssignments.memberId, memberIdParam), sql`${pathParam} LIKE ${units.path} || '%'`)))
      .limit(1)
      .prepare(),
  );
  if (await first(assigned.execute({ memberId, courseId, path: await memberUnitPath(db, memberId) }))) return true;
  const completed = prepared(db, "learning.hasCompleted", (d) =>
    d
      .select({ id: courseCompletions.id })
      .from(courseCompletions)
      .where(and(eq(courseCompletions.memberId, memberIdParam), eq(courseCompletions.courseId, courseIdParam)))
      .prepare(),
  );
  return !!(await first(completed.execute({ memberId, courseId })));
}

/** First opening of an item starts its clock (the reading rule counts from here). */
export async function openItem(db: Db, memberId: number, courseId: number, itemKey: string, versionId: number, now = new Date()) {
  const q = prepared(db, "learning.itemProgressOf", (d) =>
    d
      .select()
      .from(itemProgress)
      .where(and(eq(itemProgress.memberId, memberIdParam), eq(itemProgress.courseId, sql.placeholder("courseId")), eq(itemProgress.itemKey, sql.placeholder("itemKey"))))
      .prepare(),
  );
  const read = () => first(q.execute({ memberId, courseId, itemKey }));
  // Reading again is the common case: only the first opening takes the write lock.
  const existing = await read();
  if (existing) return existing;
  await writeTx(db, async (tx) =>
    await tx.insert(itemProgress)
      .values({ memberId, courseId, itemKey, state: "started", versionId, startedAt: now })
      .onConflictDoNothing(),
  );
  return (await read())!;
}

/**
 * Marks a lesson read once it has been open long enough; then checks whether that completed the
 * course. Completing twice is harmless (idempotent), and never moves the completion date.
 */
export async function completeLesson(db: Db, memberId: number, course: Course, itemKey: string, now = new Date()) {
  const pub = await publishedSnapshot(db, course);
  const item = pub && snapshotItems(pub.snapshot).find((i) => i.key === itemKey);
  if (!pub || !item || item.type !== "lesson") throw new DomainError("course.error.itemNotFound", {}, 404);
  return writeTx(db, async (tx) => {
    // Locked: two completions of one lesson (two tabs, two app processes) complete it once.
    const p = await first(forUpdate(tx, tx
      .select()
      .from(itemProgress)
      .where(and(eq(itemProgress.memberId, memberId), eq(itemProgress.courseId, course.id), eq(itemProgress.itemKey, itemKey)))));
    if (!p) throw new DomainError("course.error.notOpened");
    if (p.state === "completed") return { alreadyDone: true, courseCompleted: false };
    const waited = (now.getTime() - p.startedAt.getTime()) / 1000;
    const need = minReadSeconds(item);
    if (waited < need) throw new DomainError("course.error.readLonger", { seconds: Math.ceil(need - waited) }, 409);
    // A lesson built around a video is done once most of the video has really played.
    if (lessonHasVideo(item.body)) {
      const left = watchRemaining(p);
      if (left > 0) throw new DomainError(Number.isFinite(left) ? "course.error.watchLonger" : "course.error.watchVideo", { seconds: left }, 409);
    }
    await tx.update(itemProgress).set({ state: "completed", completedAt: now, versionId: pub.versionId }).where(eq(itemProgress.id, p.id));
    const courseCompleted = await recomputeCompletion(tx, memberId, course.id, pub, now);
    return { alreadyDone: false, courseCompleted };
  });
}

/** Members of a subtree, for "assign to named members" pickers and scope checks. */
export async function membersUnder(db: Db, path: string) {
  return await db.select({ id: members.id }).from(members).innerJoin(units, eq(units.id, members.unitId)).where(subtreeCondition(path));
}
