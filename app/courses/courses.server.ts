import { first, one } from "#db/first.ts";
import crypto from "node:crypto";
import { asc, desc, eq, max, sql } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { courseItems, courseModules, courses, courseVersions } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { courseFacts, snapshotItems, type CourseSnapshot } from "./snapshot.ts";
import { recomputeCourseCompletions } from "./completion.server.ts";
import { markLiveSessionsUnsettled } from "./live-settling-queue.server.ts";
import { publishedVersion, type PublishedVersion } from "./version-cache.server.ts";
import { prepared } from "#db/prepared.server.ts";
import { reflectionSettingsOf } from "#app/reflections/settings.ts";

export type Course = typeof courses.$inferSelect;

export async function getCourse(db: Db, id: number): Promise<Course | undefined> {
  return await first(db.select().from(courses).where(eq(courses.id, id)));
}

export async function getCourseBySlug(db: Db, slug: string): Promise<Course | undefined> {
  // Every course and lesson page starts here: prepared once per connection.
  return await first(prepared(db, "courses.bySlug", (d) => d.select().from(courses).where(eq(courses.slug, sql.placeholder("slug"))).prepare()).execute({ slug }));
}

/** The draft rows of a course, in order, as a snapshot (what publishing would freeze). */
export async function draftSnapshot(db: Db, courseId: number): Promise<CourseSnapshot> {
  const c = await getCourse(db, courseId);
  if (!c) throw new DomainError("course.error.notFound", {}, 404);
  const mods = await db.select().from(courseModules).where(eq(courseModules.courseId, courseId)).orderBy(asc(courseModules.position));
  const items = await db.select().from(courseItems).where(eq(courseItems.courseId, courseId)).orderBy(asc(courseItems.position));
  return {
    ...courseFacts(c),
    modules: mods.map((m) => ({
      key: m.key,
      title: m.title,
      items: items
        .filter((i) => i.moduleId === m.id)
        .map((i) => ({
          key: i.key,
          type: i.type,
          title: i.title,
          estimatedMinutes: i.estimatedMinutes,
          required: i.required,
          body: (i.body as CourseSnapshot["modules"][number]["items"][number]["body"]) ?? null,
          source: i.source ?? null,
          liveSessionId: i.type === "live" && i.liveSessionId != null ? i.liveSessionId : undefined,
          reflection: i.type === "reflection" ? reflectionSettingsOf(i.settings) : undefined,
          acceptMakeUp: i.type === "live" && i.acceptMakeUp ? (true as const) : undefined,
        })),
    })),
  };
}

/** Stable JSON (sorted keys) so equal content always hashes equal. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export async function latestVersion(db: Db, courseId: number) {
  return await first(db.select().from(courseVersions).where(eq(courseVersions.courseId, courseId)).orderBy(desc(courseVersions.version)).limit(1));
}

/**
 * Freezes the draft as a new version when it differs from the last published one. Members keep
 * progress on item keys that still exist; completions keep the version they were earned on.
 */
export async function publishCourse(db: Db, courseId: number, actorId: number | null, now = new Date()) {
  return writeTx(db, async (tx) => {
    const snap = await draftSnapshot(tx, courseId);
    if (snap.modules.every((m) => m.items.length === 0)) throw new DomainError("course.error.empty");
    const hash = crypto.createHash("sha256").update(canonicalJson(snap)).digest("hex");
    const last = await latestVersion(tx, courseId);
    const course = (await getCourse(tx, courseId))!;
    if (last && last.contentHash === hash) {
      if (course.state !== "published" || course.publishedVersionId !== last.id) {
        await tx.update(courses).set({ state: "published", publishedVersionId: last.id, updatedAt: now }).where(eq(courses.id, courseId));
      }
      return { version: last.version, versionId: last.id, created: false };
    }
    const n = ((await first(tx.select({ v: max(courseVersions.version) }).from(courseVersions).where(eq(courseVersions.courseId, courseId))))?.v ?? 0) + 1;
    const v = await one(tx.insert(courseVersions).values({ courseId, version: n, snapshot: snap, contentHash: hash, publishedAt: now, publishedBy: actorId }).returning());
    await tx.update(courses).set({ state: "published", publishedVersionId: v.id, updatedAt: now }).where(eq(courses.id, courseId));
    await recomputeCourseCompletions(tx, courseId, { versionId: v.id, snapshot: snap }, now);
    // Sessions this version asks to attend are settled again (members who already attended one
    // that has ended get the item without waiting for anything else).
    await markLiveSessionsUnsettled(tx, snapshotItems(snap));
    return { version: n, versionId: v.id, created: true };
  });
}

export async function setCourseState(db: Db, courseId: number, state: "draft" | "archived" | "published", now = new Date()) {
  await writeTx(db, async (tx) => await tx.update(courses).set({ state, updatedAt: now }).where(eq(courses.id, courseId)));
}

/** The version learners read, shared and frozen (see version-cache.server.ts): never mutate it. */
export async function publishedSnapshot(db: Db, course: Pick<Course, "publishedVersionId">): Promise<PublishedVersion | null> {
  return course.publishedVersionId ? await publishedVersion(db, course.publishedVersionId) : null;
}
