import { first } from "#db/first.ts";
import { eq, inArray } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { courses, courseVersions, liveSessions } from "#db/schema/index.ts";
import { snapshotItems, type CourseSnapshot, type SnapshotItem } from "./snapshot.ts";

/**
 * The to-do list of the live-item settling job (app/courses/live-items.server.ts): clearing
 * live_sessions.courses_settled_at asks the job to settle a session again. A leaf module, so that
 * publishing (courses.server.ts) and assigning (learning.server.ts) can ask for it without
 * importing the job, which itself reads assignments.
 */

/** A course was assigned (to more people): the sessions its current version asks to attend are settled again. */
export async function markCourseLiveSessionsUnsettled(tx: Db, courseId: number) {
  const row = await first(tx
    .select({ snapshot: courseVersions.snapshot })
    .from(courses)
    .innerJoin(courseVersions, eq(courseVersions.id, courses.publishedVersionId))
    .where(eq(courses.id, courseId)));
  if (row) await markLiveSessionsUnsettled(tx, snapshotItems(row.snapshot as CourseSnapshot));
}

/** The settling job should look at these sessions again. */
export async function markLiveSessionsUnsettled(tx: Db, items: readonly Pick<SnapshotItem, "type" | "liveSessionId">[]) {
  const ids = [...new Set(items.filter((i) => i.type === "live" && i.liveSessionId != null).map((i) => i.liveSessionId!))];
  if (ids.length) await tx.update(liveSessions).set({ coursesSettledAt: null }).where(inArray(liveSessions.id, ids));
}

