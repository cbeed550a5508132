import { first, one } from "#db/first.ts";
import { and, eq } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { courseCompletions, courses, itemProgress, members, quizAttempts } from "#db/schema/index.ts";
import { forUpdate } from "#db/dialect.server.ts";
import { snapshotItems, type CourseSnapshot } from "./snapshot.ts";
import { issueCertificateInTx } from "#app/certificates/issue.server.ts";

export async function progressRows(db: Db, memberId: number, courseId: number) {
  return await db.select().from(itemProgress).where(and(eq(itemProgress.memberId, memberId), eq(itemProgress.courseId, courseId)));
}

/** The member's completion of the course, if they have completed it. */
export async function completionOf(db: Db, memberId: number, courseId: number) {
  return await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, memberId), eq(courseCompletions.courseId, courseId))));
}

/**
 * A course is complete when every required item of the published version is complete; the date
 * is when the last of them was met. An existing completion is kept when a new version adds items.
 * Called after an item is completed and after a new version is published (which may remove the
 * last item a member was missing).
 */
export async function recomputeCompletion(tx: Db, memberId: number, courseId: number, pub: { versionId: number; snapshot: CourseSnapshot }, now = new Date()): Promise<boolean> {
  // One member's completions are decided one transaction at a time: two transactions completing
  // the last two items at once (two app processes) would each see only their own item done. The
  // second waits here, and its reads below see the first one's committed items.
  await first(forUpdate(tx, tx.select({ id: members.id }).from(members).where(eq(members.id, memberId)), "no key update"));
  if ((await first(tx.select({ id: courseCompletions.id }).from(courseCompletions).where(and(eq(courseCompletions.memberId, memberId), eq(courseCompletions.courseId, courseId)))))) {
    return false;
  }
  const required = snapshotItems(pub.snapshot).filter((i) => i.required);
  if (required.length === 0) return false;
  const rows = await progressRows(tx, memberId, courseId);
  const doneAt = new Map(rows.filter((r) => r.state === "completed" && r.completedAt).map((r) => [r.itemKey, r.completedAt!.getTime()]));
  if (!required.every((i) => doneAt.has(i.key))) return false;
  const gradeMetAt = await overallGradeMetAt(tx, memberId, courseId, required);
  if (gradeMetAt === false) return false;
  const last = Math.max(...required.map((i) => doneAt.get(i.key)!), gradeMetAt ? gradeMetAt.getTime() : 0);
  const row = await one(tx.insert(courseCompletions).values({ memberId, courseId, versionId: pub.versionId, completedAt: new Date(last) }).onConflictDoNothing().returning());
  // The certificate is issued in the same transaction as the completion it certifies.
  if (row) await issueCertificateInTx(tx, row, now);
  return true;
}

/**
 * When the course asks for a minimum overall grade, the average of the best score of each
 * required quiz must reach it. Returns when it was first reached (replaying the attempts in
 * order), false when it has not been, or null when the course has no such rule.
 */
export async function overallGradeMetAt(tx: Db, memberId: number, courseId: number, required: { key: string; type: string }[]): Promise<Date | false | null> {
  const min = (await first(tx.select({ m: courses.minGradePercent }).from(courses).where(eq(courses.id, courseId))))?.m;
  const quizzes = required.filter((i) => i.type === "quiz").map((i) => i.key);
  if (min === null || min === undefined || quizzes.length === 0) return null;
  const attempts = (await tx
    .select()
    .from(quizAttempts)
    .where(and(eq(quizAttempts.memberId, memberId), eq(quizAttempts.courseId, courseId))))
    .filter((a) => a.state !== "open" && a.submittedAt && quizzes.includes(a.itemKey))
    .sort((a, b) => a.submittedAt!.getTime() - b.submittedAt!.getTime());
  const best = new Map<string, number>();
  for (const a of attempts) {
    best.set(a.itemKey, Math.max(best.get(a.itemKey) ?? 0, a.score ?? 0));
    const avg = quizzes.reduce((sum, k) => sum + (best.get(k) ?? 0), 0) / quizzes.length;
    if (avg * 100 + 1e-9 >= min) return a.submittedAt!;
  }
  return false;
}

/** After publishing: every member with progress on the course gets their completion re-checked. */
export async function recomputeCourseCompletions(tx: Db, courseId: number, pub: { versionId: number; snapshot: CourseSnapshot }, now = new Date()): Promise<number> {
  const memberIds = [...new Set((await tx.select({ m: itemProgress.memberId }).from(itemProgress).where(eq(itemProgress.courseId, courseId))).map((r) => r.m))];
  let n = 0;
  for (const id of memberIds) if (await recomputeCompletion(tx, id, courseId, pub, now)) n++;
  return n;
}
