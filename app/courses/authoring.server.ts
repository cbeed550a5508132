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
export function coursesForManagers(db: Db) {
  return db
    .select({ id: courses.id, slug: courses.slug, title: courses.title, state: courses.state, version: courseVersions.version })
    .from(courses)
    .leftJoin(courseVersions, eq(courseVersions.id, courses.publishedVersionId))
    .orderBy(asc(courses.title))
    .all();
}

export function createCourse(db: Db, input: { slug: string; title: string; titleEn?: string; summary?: string; createdBy?: number | null }, now = new Date()) {
  const slug = input.slug.trim() || slugify(input.title);
  if (!SLUG_RE.test(slug)) throw new DomainError("authoring.error.slug", { slug });
  const title = input.title.normalize("NFC").trim();
  if (!title) throw new DomainError("authoring.error.titleRequired");
  return writeTx(db, (tx) => {
    if (tx.select({ id: courses.id }).from(courses).where(eq(courses.slug, slug)).get()) throw new DomainError("authoring.error.slugTaken", { slug }, 409);
    const c = tx
      .insert(courses)
      .values({ slug, title, titleEn: input.titleEn?.trim() || null, summary: (input.summary ?? "").normalize("NFC").trim(), createdBy: input.createdBy ?? null, createdAt: now, updatedAt: now })
      .returning()
      .get();
    tx.insert(courseModules).values({ courseId: c.id, key: "chuong-1", title: "Chương 1", position: 0 }).run();
    return c;
  });
}

function uniqueKey(tx: Db, courseId: number, base: string, table: "items" | "modules"): string {
  const taken = new Set(
    table === "items"
      ? tx.select({ k: courseItems.key }).from(courseItems).where(eq(courseItems.courseId, courseId)).all().map((r) => r.k)
      : tx.select({ k: courseModules.key }).from(courseModules).where(eq(courseModules.courseId, courseId)).all().map((r) => r.k),
  );
  let key = base;
  for (let i = 2; taken.has(key); i++) key = `${base}-${i}`;
  return key;
}

/**
 * Whether a "live" item also accepts make-up study (watching the session's published recording
 * to its threshold). Like every draft change, it reaches members when the course is published.
 */
export function setLiveItemMakeUp(db: Db, courseId: number, key: string, accept: boolean, now = new Date()) {
  return writeTx(db, (tx) => {
    const item = tx.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key))).get();
    if (!item || item.type !== "live") throw new DomainError("authoring.error.liveItemMissing", {}, 404);
    tx.update(courseItems).set({ acceptMakeUp: accept, updatedAt: now }).where(eq(courseItems.id, item.id)).run();
    tx.update(courses).set({ updatedAt: now }).where(eq(courses.id, courseId)).run();
  });
}

/** The overall grade a member needs to complete the course (null: none). */
export function setMinGrade(db: Db, courseId: number, minGradePercent: number | null, now = new Date()) {
  writeTx(db, (tx) => tx.update(courses).set({ minGradePercent, updatedAt: now }).where(eq(courses.id, courseId)).run());
}

export function addModule(db: Db, courseId: number, title: string) {
  const clean = title.normalize("NFC").trim();
  if (!clean) throw new DomainError("authoring.error.titleRequired");
  return writeTx(db, (tx) => {
    const pos = (tx.select({ p: max(courseModules.position) }).from(courseModules).where(eq(courseModules.courseId, courseId)).get()?.p ?? -1) + 1;
    const key = uniqueKey(tx, courseId, slugify(clean), "modules");
    return tx.insert(courseModules).values({ courseId, key, title: clean, position: pos }).returning().get();
  });
}

/**
 * New items go at the end of their module; positions are course-wide so order is one sort.
 * A "live" item names the session to attend (`live`); its title defaults to the session's.
 */
export function addItem(
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
  return writeTx(db, (tx) => {
    const mod = tx.select().from(courseModules).where(and(eq(courseModules.courseId, courseId), eq(courseModules.key, moduleKey))).get();
    if (!mod) throw new DomainError("course.error.notFound", {}, 404);
    const items = tx.select().from(courseItems).where(eq(courseItems.courseId, courseId)).orderBy(asc(courseItems.position)).all();
    const mods = tx.select().from(courseModules).where(eq(courseModules.courseId, courseId)).orderBy(asc(courseModules.position)).all();
    // Renumber: every item of earlier modules, this module's items, the new one, then the rest.
    const order = mods.flatMap((m) => items.filter((i) => i.moduleId === m.id).map((i) => i.id).concat(m.id === mod.id ? [-1] : []));
    const key = uniqueKey(tx, courseId, slugify(clean), "items");
    const body =
      type === "lesson" || type === "reflection" ? { type: "doc", content: [{ type: "heading", attrs: { level: 1 }, content: [{ type: "text", text: clean }] }] } : null;
    const created = tx
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
      .returning()
      .get();
    order.forEach((id, pos) => {
      const target = id === -1 ? created.id : id;
      tx.update(courseItems).set({ position: pos }).where(eq(courseItems.id, target)).run();
    });
    tx.update(courses).set({ updatedAt: now }).where(eq(courses.id, courseId)).run();
    return created;
  });
}

export function getItem(db: Db, courseId: number, key: string) {
  return db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key))).get();
}

/** Saves an edited lesson draft (or a reflection's prompt) after validating it against the shared schema and URL policy. */
export function saveLessonDraft(db: Db, courseId: number, key: string, input: { title: string; doc: unknown }, now = new Date()) {
  const v = validateDoc(input.doc);
  if (!v.ok) return v;
  const title = input.title.normalize("NFC").trim();
  if (!title) return { ok: false as const, problems: [{ key: "authoring.error.titleRequired" as const }] };
  writeTx(db, (tx) => {
    const item = tx.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key))).get();
    if (!item || (item.type !== "lesson" && item.type !== "reflection")) throw new DomainError("course.error.itemNotFound", {}, 404);
    tx.update(courseItems).set({ title, body: v.doc, bodyText: v.text, updatedAt: now }).where(eq(courseItems.id, item.id)).run();
    tx.update(courses).set({ updatedAt: now }).where(eq(courses.id, courseId)).run();
  });
  return { ok: true as const, savedAt: now };
}

/** A reflection item's rules (draft: learners get them with the next published version). */
export function saveReflectionSettings(db: Db, courseId: number, key: string, input: unknown, now = new Date()): ReflectionSettings {
  const parsed = reflectionSettingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new DomainError("reflection.error.settings", { detail: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") }, 422);
  }
  writeTx(db, (tx) => {
    const item = tx.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, key))).get();
    if (!item || item.type !== "reflection") throw new DomainError("course.error.itemNotFound", {}, 404);
    tx.update(courseItems).set({ settings: parsed.data, updatedAt: now }).where(eq(courseItems.id, item.id)).run();
    tx.update(courses).set({ updatedAt: now }).where(eq(courses.id, courseId)).run();
  });
  return parsed.data;
}
