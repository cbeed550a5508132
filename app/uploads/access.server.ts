import { first } from "#db/first.ts";
import { and, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { courseItems, courses, courseVersions, liveSessions, uploads } from "#db/schema/index.ts";
import { scopeOf } from "#app/auth/permissions.server.ts";
import type { SessionMember } from "#app/auth/session.server.ts";
import { readableCourseIds } from "#app/courses/learning.server.ts";
import { joinAccess, sessionAccess } from "#app/live/sessions.server.ts";

const NAME_RE = /^[a-f0-9]{64}\.[a-z0-9]+$/;

/**
 * Whether the member may fetch an uploaded file: only if they can see something that uses it.
 * Names are content hashes, so guessing is hard, but links travel (a forwarded session PDF, a
 * lesson image's address). Who may:
 * - administrators, and whoever uploaded it;
 * - readers of a published course whose cover or current lesson content uses it (assigned members;
 *   managers preview every published course, as the course page lets them);
 * - authors of a course whose draft uses it;
 * - members who may open, or managers in scope of, a live session whose document it is.
 * Lesson content is matched as text: the published snapshot and drafts hold `/uploads/<name>`.
 */
export async function mayReadUpload(db: Db, member: SessionMember, name: string): Promise<boolean> {
  if (!NAME_RE.test(name)) return false;
  if (member.role === "admin") return true;
  const url = `/uploads/${name}`;
  const sha = name.slice(0, 64);
  const mine = await first(db
    .select({ id: uploads.id })
    .from(uploads)
    .where(and(eq(uploads.sha256, sha), eq(uploads.uploadedBy, member.id))));
  if (mine) return true;

  const scope = await scopeOf(db, member);
  const manager = scope.all || scope.roots.length > 0;
  // A learner's lesson images search only the courses they may read, not every published snapshot.
  const readable = manager ? null : await readableCourseIds(db, member.id);
  if (readable === null || readable.length > 0) {
    const used = await first(db
      .select({ id: courses.id })
      .from(courses)
      .innerJoin(courseVersions, eq(courseVersions.id, courses.publishedVersionId))
      .where(
        and(
          eq(courses.state, "published"),
          readable ? inArray(courses.id, readable) : undefined,
          or(eq(courses.coverFile, name), sql`${courseVersions.snapshot} LIKE ${`%${url}%`}`),
        ),
      )
      .limit(1));
    if (used) return true;
  }

  if (member.role === "trainer") {
    const drafts = await db
      .selectDistinct({ id: courses.id })
      .from(courses)
      .innerJoin(courseItems, eq(courseItems.courseId, courses.id))
      .where(and(eq(courses.createdBy, member.id), or(eq(courses.coverFile, name), sql`${courseItems.body} LIKE ${`%${url}%`}`)));
    if (drafts.length > 0) return true;
  }

  const sessions = await db.select({ id: liveSessions.id }).from(liveSessions).where(and(isNotNull(liveSessions.documentUrl), eq(liveSessions.documentUrl, url)));
  for (const s of sessions) {
    if (await joinAccess(db, s.id, member)) return true;
    if (manager && await sessionAccess(db, scope, s.id)) return true;
  }
  return false;
}
