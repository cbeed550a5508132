import { and, eq } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { courseCompletions, itemProgress } from "#db/schema/index.ts";
import { snapshotItems, type CourseSnapshot } from "./snapshot.ts";

export function progressRows(db: Db, memberId: number, courseId: number) {
  return db.select().from(itemProgress).where(and(eq(itemProgress.memberId, memberId), eq(itemProgress.courseId, courseId))).all();
}

/**
 * A course is complete when every required item of the published version is complete; the date
 * is when the last of them was met. An existing completion is kept when a new version adds items.
 * Called after an item is completed and after a new version is published (which may remove the
 * last item a member was missing).
 */
export function recomputeCompletion(tx: Db, memberId: number, courseId: number, pub: { versionId: number; snapshot: CourseSnapshot }): boolean {
  if (tx.select({ id: courseCompletions.id }).from(courseCompletions).where(and(eq(courseCompletions.memberId, memberId), eq(courseCompletions.courseId, courseId))).get()) {
    return false;
  }
  const required = snapshotItems(pub.snapshot).filter((i) => i.required);
  if (required.length === 0) return false;
  const rows = progressRows(tx, memberId, courseId);
  const doneAt = new Map(rows.filter((r) => r.state === "completed" && r.completedAt).map((r) => [r.itemKey, r.completedAt!.getTime()]));
  if (!required.every((i) => doneAt.has(i.key))) return false;
  const last = Math.max(...required.map((i) => doneAt.get(i.key)!));
  tx.insert(courseCompletions).values({ memberId, courseId, versionId: pub.versionId, completedAt: new Date(last) }).onConflictDoNothing().run();
  return true;
}

/** After publishing: every member with progress on the course gets their completion re-checked. */
export function recomputeCourseCompletions(tx: Db, courseId: number, pub: { versionId: number; snapshot: CourseSnapshot }): number {
  const memberIds = [...new Set(tx.select({ m: itemProgress.memberId }).from(itemProgress).where(eq(itemProgress.courseId, courseId)).all().map((r) => r.m))];
  let n = 0;
  for (const id of memberIds) if (recomputeCompletion(tx, id, courseId, pub)) n++;
  return n;
}
