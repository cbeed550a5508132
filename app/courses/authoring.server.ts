import { first, one } from "#db/first.ts";
import { and, asc, eq, max } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { courseItems, courseModules, courses, courseVersions } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { validateDoc } from "#app/editor/document.server.ts";
import { DEFAULT_REFLECTION_SETTINGS, reflectionSettingsSchema, type ReflectionSettings } from "#app/reflections/settings.ts";

export const SLUG_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** "Bài 1: Mật khẩu mạnh" → "bai-1-mat-khau-manh": keys stay readable ASCII. */
export function slugify(s: string): string {
  return foldVietnamese(s).replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "muc";
}

/** Administrators edit every course; a trainer edits the courses they created. */
export function canAuthor(member: { id: number; role: string }, course: { createdBy: number | null }): boolean {
  return member.role === "admin" || (member.role === "trainer" && course.createdBy === member.id);
}

/** Every course by title with its state and published version number, for the managers' list. */
export async function coursesForManagers(db: Db) {
  return await db
    .select({ id: courses.id, slug: courses.slug, title: courses.title, state: courses.state, version: courseVersions.version })
    .from(courses)
    .leftJoin(courseVersions, eq(courseVersions.id, courses.publishedVersionId))
    .orderBy(asc(courses.title));
}

export async function createCourse(db: Db, input: { slug: string; title: string; titleEn?: string; summary?: string; createdBy?: number | null }, now = new Date()) {
  const slug = input.slug.trim() || slugify(input.title);
  if (!SLUG_RE.test(slug)) throw new DomainError("authoring.error.slug", { slug });
  const title = input.title.normalize("NFC").trim();
  if (!title) throw new DomainError("authoring.error.titleRequired");
  return writeTx(db, async (tx) => {
    if ((await first(tx.select({ id: courses.id }).from(courses).where(eq(courses.slug, slug))))) throw new DomainError("authoring.error.slugTaken", { slug }, 409);
    const c = await one(tx
      .insert(courses)
      .values({ slug, title, titleEn: input.titleEn?.trim() || null, summary: (input.summary ?? "").normalize("NFC").trim(), createdBy: input.createdBy ?? null, createdAt: now, updatedAt: now })
      .returning());
    await tx.insert(courseModules).values({ courseId: c.id, key: "chuong-1", title: "Chương 1", position: 0 });
    return c;
  });
}

async function uniqueKey(tx: Db, courseId: number, base: string, table: "items" | "modules"): Promise<string> {
  const taken = new Set(
    table === "items"
      ? (await tx.select({ k: courseItems.key }).from(courseItems).where(eq(courseItems.courseId, courseId))).map((r) => r.k)
      : (await tx.select({ k: courseModules.key }).from(courseModules).where(eq(courseModules.courseId, courseId))).map((r) => r.k),
  );
  let key = base;
  for (let i = 2; taken.has(key); i++) key = `${base}-${i}`;
  return key;
}

/**
 * Whether a "live" item also accepts make-up study (watching the session's published recording
 * to its threshold). Like every draft change, it reaches members when the course is published.
 */
export async function setLiveItemMakeUp(db: Db, courseId: number, key: string, accept: boolean, now = new Date()) {
  return writeTx(db, async (tx) => {
    const item = await first(tx.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key))));
    if (!item || item.type !== "live") throw new DomainError("authoring.error.liveItemMissing", {}, 404);
    await tx.update(courseItems).set({ acceptMakeUp: accept, updatedAt: now }).where(eq(courseItems.id, item.id));
    await tx.update(courses).set({ updatedAt: now }).where(eq(courses.id, courseId));
  });
}

/** The overall grade a member needs to complete the course (null: none). */
export async function setMinGrade(db: Db, courseId: number, minGradePercent: number | null, now = new Date()) {
  await writeTx(db, async (tx) => await tx.update(courses).set({ minGradePercent, updatedAt: now }).where(eq(courses.id, courseId)));
}

export async function addModule(db: Db, courseId: number, title: string) {
  const clean = title.normalize("NFC").trim();
  if (!clean) throw new DomainError("authoring.error.titleRequired");
  return writeTx(db, async (tx) => {
    const pos = ((await first(tx.select({ p: max(courseModules.position) }).from(courseModules).where(eq(courseModules.courseId, courseId))))?.p ?? -1) + 1;
    const key = await uniqueKey(tx, courseId, slugify(clean), "modules");
    return await one(tx.insert(courseModules).values({ courseId, key, title: clean, position: pos }).returning());
  });
}

/**
 * New items go at the end of their module; positions are course-wide so order is one sort.
 * A "live" item names the session to attend (`live`); its title defaults to the session's.
 */
export async function addItem(
  db: Db,
  courseId: number,
  moduleKey: string,
  type: "lesson" | "quiz" | "live" | "reflection",
  title: string,
  now = new Date(),
  live?: { sessionId: number; minutes: number },
) {
  if (type === "live" && !live) throw new DomainError("authoring.error.liveSessionRequired");
  const clean = title.normalize("NFC").trim();
  if (!clean) throw new DomainError("authoring.error.titleRequired");
  return writeTx(db, async (tx) => {
    const mod = await first(tx.select().from(courseModules).where(and(eq(courseModules.courseId, courseId), eq(courseModules.key, moduleKey))));
    if (!mod) throw new DomainError("course.error.notFound", {}, 404);
    const items = await tx.select().from(courseItems).where(eq(courseItems.courseId, courseId)).orderBy(asc(courseItems.position));
    const mods = await tx.select().from(courseModules).where(eq(courseModules.courseId, courseId)).orderBy(asc(courseModules.position));
    // Renumber: every item of earlier modules, this module's items, the new one, then the rest.
    const order = mods.flatMap((m) => items.filter((i) => i.moduleId === m.id).map((i) => i.id).concat(m.id === mod.id ? [-1] : []));
    const key = await uniqueKey(tx, courseId, slugify(clean), "items");
    const body =
      type === "lesson" || type === "reflection" ? { type: "doc", content: [{ type: "heading", attrs: { level: 1 }, content: [{ type: "text", text: clean }] }] } : null;
    const created = await one(tx
      .insert(courseItems)
      .values({
        courseId,
        moduleId: mod.id,
        key,
        type,
        title: clean,
        position: order.indexOf(-1),
        body,
        bodyText: clean,
        source: type === "quiz" ? "" : null,
        liveSessionId: type === "live" ? live!.sessionId : null,
        settings: type === "reflection" ? DEFAULT_REFLECTION_SETTINGS : null,
        estimatedMinutes: type === "live" ? live!.minutes : 0,
        updatedAt: now,
      })
      .returning());
    for (const [pos, id] of order.entries()) {
      const target = id === -1 ? created.id : id;
      await tx.update(courseItems).set({ position: pos }).where(eq(courseItems.id, target));
    }
    await tx.update(courses).set({ updatedAt: now }).where(eq(courses.id, courseId));
    return created;
  });
}

export async function getItem(db: Db, courseId: number, key: string) {
  return await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key))));
}

/** Saves an edited lesson draft (or a reflection's prompt) after validating it against the shared schema and URL policy. */
export async function saveLessonDraft(db: Db, courseId: number, key: string, input: { title: string; doc: unknown }, now = new Date()) {
  const v = validateDoc(input.doc);
  if (!v.ok) return v;
  const title = input.title.normalize("NFC").trim();
  if (!title) return { ok: false as const, problems: [{ key: "authoring.error.titleRequired" as const }] };
  await writeTx(db, async (tx) => {
    const item = await first(tx.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key))));
    if (!item || (item.type !== "lesson" && item.type !== "reflection")) throw new DomainError("course.error.itemNotFound", {}, 404);
    await tx.update(courseItems).set({ title, body: v.doc, bodyText: v.text, updatedAt: now }).where(eq(courseItems.id, item.id));
    await tx.update(courses).set({ updatedAt: now }).where(eq(courses.id, courseId));
  });
  return { ok: true as const, savedAt: now };
}

/** A reflection item's rules (draft: learners get them with the next published version). */
export async function saveReflectionSettings(db: Db, courseId: number, key: string, input: unknown, now = new Date()): Promise<ReflectionSettings> {
  const parsed = reflectionSettingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new DomainError("reflection.error.settings", { detail: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") }, 422);
  }
  await writeTx(db, async (tx) => {
    const item = await first(tx.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key))));
    if (!item || item.type !== "reflection") throw new DomainError("course.error.itemNotFound", {}, 404);
    await tx.update(courseItems).set({ settings: parsed.data, updatedAt: now }).where(eq(courseItems.id, item.id));
    await tx.update(courses).set({ updatedAt: now }).where(eq(courses.id, courseId));
  });
  return parsed.data;
}
