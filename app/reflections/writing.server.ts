import { first, one } from "#db/first.ts";
/**
 * The writer's side of a reflection: the draft (autosaved, every save validated like a lesson
 * document), submitting it (a new immutable version), and what they see of grades and comments.
 */
import { and, asc, desc, eq } from "drizzle-orm";
import type { JSONContent } from "@tiptap/core";
import { writeTx, type Db } from "#db/client.server.ts";
import { itemProgress, members, reflectionGrades, reflectionSubmissions, reflectionVersions } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { endOfVnDay } from "#app/common/vietnam-time.ts";
import { renderDocHtml, validateDoc } from "#app/editor/document.server.ts";
import { publishedSnapshot, type Course } from "#app/courses/courses.server.ts";
import type { SnapshotItem } from "#app/courses/snapshot.ts";
import { countWords, reflectionSettingsOf, type ReflectionSettings } from "./settings.ts";
import { cellGradersOf, recordCellGraders } from "./graders.server.ts";
import { checkAndIndexVersion } from "./similarity.server.ts";

export type Submission = typeof reflectionSubmissions.$inferSelect;

/** The reflection item of the course's published version, with its rules (404 for anything else). */
export async function reflectionItem(db: Db, course: Pick<Course, "publishedVersionId">, itemKey: string) {
  const pub = await publishedSnapshot(db, course);
  const item = pub?.items.find((i) => i.key === itemKey);
  if (!pub || !item || item.type !== "reflection") throw new DomainError("course.error.itemNotFound", {}, 404);
  return { pub, item, settings: reflectionSettingsOf(item.reflection) };
}

/** When the item is due (end of its due day in Vietnam), or null. */
export function dueAtOf(settings: Pick<ReflectionSettings, "dueDay">): Date | null {
  return settings.dueDay ? endOfVnDay(settings.dueDay) : null;
}

export async function submissionOf(db: Db, memberId: number, courseId: number, itemKey: string): Promise<Submission | undefined> {
  return await first(db
    .select()
    .from(reflectionSubmissions)
    .where(and(eq(reflectionSubmissions.memberId, memberId), eq(reflectionSubmissions.courseId, courseId), eq(reflectionSubmissions.itemKey, itemKey))));
}

/** Rich text like a lesson, but a reflection is the writer's own words: no images, files or videos. */
function validateReflectionDoc(doc: unknown): { doc: JSONContent; text: string } {
  const v = validateDoc(doc);
  if (!v.ok) throw new DomainError(v.problems[0].key, (v.problems[0].params ?? {}) as never, 422);
  const media = (n: JSONContent): boolean => n.type === "image" || n.type === "mediaEmbed" || (n.content ?? []).some(media);
  if (media(v.doc)) throw new DomainError("reflection.error.noMedia", {}, 422);
  return { doc: v.doc, text: v.text };
}

const EDITABLE = new Set(["draft", "returned"]);

/**
 * Autosave: stores the draft as it is (length is checked on submission, not while writing).
 * Refused once submitted and until returned: the grader reads what was submitted.
 */
export async function saveDraft(db: Db, memberId: number, course: Course, itemKey: string, doc: unknown, now = new Date()) {
  await reflectionItem(db, course, itemKey);
  const clean = validateReflectionDoc(doc);
  await writeTx(db, async (tx) => {
    const sub = await submissionOf(tx, memberId, course.id, itemKey);
    if (sub && !EDITABLE.has(sub.state)) throw new DomainError("reflection.error.locked", {}, 409);
    if (sub) await tx.update(reflectionSubmissions).set({ draftDoc: clean.doc, draftSavedAt: now, updatedAt: now }).where(eq(reflectionSubmissions.id, sub.id));
    else await tx.insert(reflectionSubmissions).values({ memberId, courseId: course.id, itemKey, state: "draft", draftDoc: clean.doc, draftSavedAt: now, createdAt: now, updatedAt: now });
  });
  return { savedAt: now, words: countWords(clean.text) };
}

/**
 * Submits the saved draft as the next version. Its length must be within the item's bounds; the
 * graders are fixed now, from the writer's unit and its secretaries at this moment; the text is
 * checked for copies against the course's other submissions before any grader sees it.
 */
export async function submitReflection(db: Db, memberId: number, course: Course, itemKey: string, now = new Date()) {
  const { pub, settings } = await reflectionItem(db, course, itemKey);
  return writeTx(db, async (tx) => {
    const sub = await submissionOf(tx, memberId, course.id, itemKey);
    if (!sub?.draftDoc) throw new DomainError("reflection.error.empty", {}, 422);
    if (!EDITABLE.has(sub.state)) throw new DomainError("reflection.error.locked", {}, 409);
    const clean = validateReflectionDoc(sub.draftDoc);
    const words = countWords(clean.text);
    if (words < settings.minWords) throw new DomainError("reflection.error.tooShort", { words, min: settings.minWords }, 422);
    if (words > settings.maxWords) throw new DomainError("reflection.error.tooLong", { words, max: settings.maxWords }, 422);
    const unitId = (await first(tx.select({ unitId: members.unitId }).from(members).where(eq(members.id, memberId))))!.unitId;
    const versionNo = sub.versionNo + 1;
    const v = await one(tx
      .insert(reflectionVersions)
      .values({ submissionId: sub.id, versionNo, doc: clean.doc, text: clean.text, words, courseId: course.id, memberId, courseVersionId: pub.versionId, unitId, submittedAt: now })
      .returning());
    await recordCellGraders(tx, sub.id, settings.graders === "cell" ? await cellGradersOf(tx, unitId, memberId) : []);
    await tx.update(reflectionSubmissions)
      .set({ state: "submitted", versionNo, unitId, gradersRule: settings.graders, submittedAt: now, updatedAt: now })
      .where(eq(reflectionSubmissions.id, sub.id));
    // The item has been started (reports count it), complete only when graded pass.
    await tx.insert(itemProgress).values({ memberId, courseId: course.id, itemKey, state: "started", versionId: pub.versionId, startedAt: now }).onConflictDoNothing();
    const similar = await checkAndIndexVersion(tx, { id: v.id, courseId: course.id, memberId, text: clean.text });
    return { versionNo, similar: similar.length };
  });
}

/** Versions with their grades, oldest first; each grade names its grader. */
export async function versionsWithGrades(db: Db, submissionId: number) {
  const versions = await db.select().from(reflectionVersions).where(eq(reflectionVersions.submissionId, submissionId)).orderBy(asc(reflectionVersions.versionNo));
  const grades = await db
    .select({ g: reflectionGrades, graderName: members.fullName })
    .from(reflectionGrades)
    .leftJoin(members, eq(members.id, reflectionGrades.graderId))
    .where(eq(reflectionGrades.submissionId, submissionId))
    .orderBy(asc(reflectionGrades.gradedAt), asc(reflectionGrades.id));
  return versions.map((v) => ({
    id: v.id,
    versionNo: v.versionNo,
    words: v.words,
    submittedAt: v.submittedAt,
    html: renderDocHtml(v.doc),
    text: v.text,
    grades: grades
      .filter((g) => g.g.versionId === v.id)
      .map((g) => ({ id: g.g.id, outcome: g.g.outcome, score: g.g.score, comment: g.g.comment, gradedAt: g.g.gradedAt, graderName: g.graderName ?? "" })),
  }));
}

/** The latest grade of a submission, if any. */
export async function latestGrade(db: Db, submissionId: number) {
  return await first(db.select().from(reflectionGrades).where(eq(reflectionGrades.submissionId, submissionId)).orderBy(desc(reflectionGrades.gradedAt), desc(reflectionGrades.id)).limit(1));
}

/** What the writer's page shows: the rules, their draft, and every version with its grades. */
export async function writerView(db: Db, memberId: number, course: Course, item: SnapshotItem) {
  const settings = reflectionSettingsOf(item.reflection);
  const sub = await submissionOf(db, memberId, course.id, item.key);
  return {
    settings,
    dueAt: dueAtOf(settings),
    state: sub?.state ?? ("draft" as const),
    draft: (sub?.draftDoc as JSONContent | null) ?? null,
    draftSavedAt: sub?.draftSavedAt ?? null,
    versions: sub ? (await versionsWithGrades(db, sub.id)).map(({ text: _t, ...v }) => v) : [],
  };
}
