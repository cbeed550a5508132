import { first } from "#db/first.ts";
/**
 * The graders' side: the queue by unit, one submission read beside its prompt with the copies
 * found, grading (alone or in bulk), and the completion that a pass brings. Every grade is a new
 * row: changing a grade adds one, the earlier stays as history.
 */
import { and, asc, desc, eq, gt, inArray, or, sql, type SQL } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { courseCompletions, courses, itemProgress, members, reflectionGraders, reflectionGrades, reflectionSubmissions, reflectionVersions, units } from "#db/schema/index.ts";
import type { ReflectionOutcome } from "#db/schema/enums.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { subtreeCondition } from "#app/org/units.server.ts";
import { getCourse, publishedSnapshot } from "#app/courses/courses.server.ts";
import { recomputeCompletion } from "#app/courses/completion.server.ts";
import { lessonHtml } from "#app/courses/version-cache.server.ts";
import { publishedVersion } from "#app/courses/version-cache.server.ts";
import { reflectionSettingsOf, type ReflectionSettings } from "./settings.ts";
import { canGradeSubmission, canSeeSubmission, handedInColumns, joinHandedIn, namedGraders, queueUnits, type GraderContext } from "./graders.server.ts";
import { dueAtOf, latestGrade, versionsWithGrades } from "./writing.server.ts";
import { pairsOf } from "./similarity.server.ts";
import { sharedSegments, shingles } from "./similarity.ts";

import type { QueueFilter } from "./queue-filters.ts";

/** The item's rules in the course's current published version (what grading applies). */
async function settingsNow(db: Db, courseId: number, itemKey: string): Promise<ReflectionSettings | null> {
  const c = await getCourse(db, courseId);
  const pub = c && await publishedSnapshot(db, c);
  const item = pub?.items.find((i) => i.key === itemKey && i.type === "reflection");
  return item ? reflectionSettingsOf(item.reflection) : null;
}

/** Submissions the actor may see at all: named grader, or the unit within their scope (everything for an administrator). */
function visibleCondition(ctx: GraderContext): SQL | undefined {
  if (ctx.scope.all) return undefined;
  const named = sql`${reflectionSubmissions.id} IN (SELECT ${reflectionGraders.submissionId} FROM ${reflectionGraders} WHERE ${reflectionGraders.memberId} = ${ctx.actor.id})`;
  return or(named, ...ctx.scope.roots.map((r) => subtreeCondition(r.path)));
}

export type QueueRow = Awaited<ReturnType<typeof gradingQueue>>["rows"][number];

/**
 * The queue: submitted reflections the actor may see, by unit (the writer's unit when they
 * submitted). Waiting = submitted and not graded since; overdue = waiting past the item's due day.
 */
export async function gradingQueue(db: Db, ctx: GraderContext, opts: { filter: QueueFilter; unitId?: number | null; courseId?: number | null; now?: Date }) {
  const now = opts.now ?? new Date();
  const conds = [gt(reflectionSubmissions.versionNo, 0), visibleCondition(ctx)];
  if (opts.unitId) conds.push(eq(reflectionSubmissions.unitId, opts.unitId));
  if (opts.courseId) conds.push(eq(reflectionSubmissions.courseId, opts.courseId));
  const query = db
    .select({
      id: reflectionSubmissions.id,
      state: reflectionSubmissions.state,
      itemKey: reflectionSubmissions.itemKey,
      versionNo: reflectionSubmissions.versionNo,
      submittedAt: reflectionSubmissions.submittedAt,
      gradersRule: reflectionSubmissions.gradersRule,
      memberId: members.id,
      ...handedInColumns(),
      courseId: courses.id,
      courseSlug: courses.slug,
      publishedVersionId: courses.publishedVersionId,
    })
    .from(reflectionSubmissions)
    .$dynamic();
  const raw = await joinHandedIn(query, reflectionSubmissions)
    .where(and(...conds))
    .orderBy(asc(units.path), asc(reflectionSubmissions.submittedAt));
  const named = await namedGraders(
    db,
    raw.map((r) => r.id),
  );
  const flagged = new Map<number, number>();
  if (raw.length) {
    const latest = await db
      .select({ id: reflectionVersions.id, submissionId: reflectionVersions.submissionId })
      .from(reflectionVersions)
      .innerJoin(reflectionSubmissions, and(eq(reflectionSubmissions.id, reflectionVersions.submissionId), eq(reflectionSubmissions.versionNo, reflectionVersions.versionNo)))
      .where(inArray(reflectionVersions.submissionId, raw.map((r) => r.id)));
    const subOf = new Map(latest.map((l) => [l.id, l.submissionId]));
    for (const p of await pairsOf(db, [...subOf.keys()])) {
      const s = subOf.get(p.versionId)!;
      flagged.set(s, Math.max(flagged.get(s) ?? 0, p.score));
    }
  }
  const grades = new Map<number, { outcome: ReflectionOutcome; score: number | null; gradedAt: Date; graderName: string | null }>();
  if (raw.length) {
    const rows = await db
      .select({ submissionId: reflectionGrades.submissionId, outcome: reflectionGrades.outcome, score: reflectionGrades.score, gradedAt: reflectionGrades.gradedAt, id: reflectionGrades.id, graderName: members.fullName })
      .from(reflectionGrades)
      .leftJoin(members, eq(members.id, reflectionGrades.graderId))
      .where(inArray(reflectionGrades.submissionId, raw.map((r) => r.id)))
      .orderBy(asc(reflectionGrades.gradedAt), asc(reflectionGrades.id));
    for (const g of rows) grades.set(g.submissionId, g);
  }
  const rows = await Promise.all(raw.map(async (r) => {
    const item = r.publishedVersionId ? (await publishedVersion(db, r.publishedVersionId))?.items.find((i) => i.key === r.itemKey) : undefined;
    const settings = reflectionSettingsOf(item?.reflection);
    const dueAt = dueAtOf(settings);
    const names = named.get(r.id) ?? [];
    return {
      ...r,
      itemTitle: item?.title ?? r.itemKey,
      scale: settings.scale,
      dueAt,
      late: !!(dueAt && r.submittedAt && r.submittedAt > dueAt),
      overdue: r.state === "submitted" && !!dueAt && now > dueAt,
      grade: grades.get(r.id) ?? null,
      similarity: flagged.get(r.id) ?? null,
      canGrade: canGradeSubmission(ctx, r, names),
    };
  }));
  const pick = (r: (typeof rows)[number]) =>
    opts.filter === "all" ||
    (opts.filter === "waiting" && r.state === "submitted") ||
    (opts.filter === "graded" && r.state === "passed") ||
    (opts.filter === "returned" && r.state === "returned") ||
    (opts.filter === "overdue" && r.overdue);
  const counts = {
    waiting: rows.filter((r) => r.state === "submitted").length,
    graded: rows.filter((r) => r.state === "passed").length,
    returned: rows.filter((r) => r.state === "returned").length,
    overdue: rows.filter((r) => r.overdue).length,
    all: rows.length,
  };
  return { rows: rows.filter(pick), counts, units: queueUnits(rows) };
}

async function loadSubmission(db: Db, submissionId: number) {
  return await first(db
    .select({ s: reflectionSubmissions, unitPath: units.path, unitCode: units.code, unitName: units.name, memberName: members.fullName, memberCode: members.code })
    .from(reflectionSubmissions)
    .innerJoin(members, eq(members.id, reflectionSubmissions.memberId))
    .leftJoin(units, eq(units.id, reflectionSubmissions.unitId))
    .where(eq(reflectionSubmissions.id, submissionId)));
}

/** The submission if the actor may see it (404 otherwise, like a missing id), and whether they may grade it. */
export async function requireVisibleSubmission(db: Db, ctx: GraderContext, submissionId: number) {
  const row = Number.isSafeInteger(submissionId) ? await loadSubmission(db, submissionId) : undefined;
  if (!row || row.s.versionNo === 0) throw new DomainError("reflection.error.notFound", {}, 404);
  const named = (await namedGraders(db, [row.s.id])).get(row.s.id) ?? [];
  const access = { gradersRule: row.s.gradersRule, unitPath: row.unitPath };
  if (!canSeeSubmission(ctx, access, named)) throw new DomainError("reflection.error.notFound", {}, 404);
  return { ...row, named, canGrade: canGradeSubmission(ctx, access, named) };
}

/**
 * One submission as a grader reads it: the prompt (sanitised HTML of the published version), every
 * version with its grades, and the copies found for the latest version — the other text shown,
 * highlighted, only when the actor may see that submission too; otherwise its score and unit alone.
 */
export async function gradingView(db: Db, ctx: GraderContext, submissionId: number) {
  const row = await requireVisibleSubmission(db, ctx, submissionId);
  const course = (await getCourse(db, row.s.courseId))!;
  const pub = await publishedSnapshot(db, course);
  const item = pub?.items.find((i) => i.key === row.s.itemKey);
  const settings = reflectionSettingsOf(item?.reflection);
  const versions = await versionsWithGrades(db, row.s.id);
  const latest = versions[versions.length - 1];
  const similar = (await pairsOf(db, [latest.id])).sort((a, b) => b.score - a.score);
  const others = similar.length
    ? (await db
        .select({ id: reflectionVersions.id, text: reflectionVersions.text, submissionId: reflectionVersions.submissionId, memberName: members.fullName, unitName: units.name })
        .from(reflectionVersions)
        .innerJoin(members, eq(members.id, reflectionVersions.memberId))
        .leftJoin(units, eq(units.id, reflectionVersions.unitId))
        .where(inArray(reflectionVersions.id, similar.map((p) => p.otherVersionId))))
    : [];
  const mineSet = shingles(latest.text);
  const copies = await Promise.all(similar.map(async (p) => {
    const o = others.find((x) => x.id === p.otherVersionId)!;
    let visible = false;
    try {
      await requireVisibleSubmission(db, ctx, o.submissionId);
      visible = true;
    } catch {
      visible = false;
    }
    const otherSet = shingles(o.text);
    return {
      score: p.score,
      otherUnitName: o.unitName ?? "",
      mine: sharedSegments(latest.text, otherSet),
      other: visible ? { memberName: o.memberName, unitName: o.unitName ?? "", submissionId: o.submissionId, segments: sharedSegments(o.text, mineSet) } : null,
    };
  }));
  return {
    submission: { id: row.s.id, state: row.s.state, versionNo: row.s.versionNo, submittedAt: row.s.submittedAt, itemKey: row.s.itemKey },
    member: { name: row.memberName, code: row.memberCode },
    unit: { code: row.unitCode ?? "", name: row.unitName ?? "" },
    course: { id: course.id, slug: course.slug, title: course.title },
    item: { title: item?.title ?? row.s.itemKey, promptHtml: item && pub ? lessonHtml(db, pub.versionId, item) : "" },
    settings,
    dueAt: dueAtOf(settings),
    versions: versions.map(({ text: _t, ...v }) => v),
    copies,
    canGrade: row.canGrade,
  };
}

export type GradeInput = { outcome?: ReflectionOutcome; score?: number | null; comment: string };

/** Scale rules: a score decides the outcome by the pass mark; "revise" needs a comment to revise by. */
function outcomeOf(settings: ReflectionSettings, input: GradeInput): { outcome: ReflectionOutcome; score: number | null } {
  if (settings.scale === "score") {
    if (input.score === undefined || input.score === null || !Number.isInteger(input.score) || input.score < 0 || input.score > 100) {
      throw new DomainError("reflection.error.scoreRequired", {}, 422);
    }
    return { outcome: input.score >= (settings.passMark ?? 50) ? "pass" : "revise", score: input.score };
  }
  if (!input.outcome) throw new DomainError("reflection.error.outcomeRequired", {}, 422);
  return { outcome: input.outcome, score: null };
}

async function gradeInTx(tx: Db, ctx: GraderContext, submissionId: number, input: GradeInput, now: Date) {
  const row = await requireVisibleSubmission(tx, ctx, submissionId);
  if (!row.canGrade) throw new DomainError("reflection.error.notGrader", {}, 403);
  const sub = row.s;
  const settings = await settingsNow(tx, sub.courseId, sub.itemKey);
  if (!settings) throw new DomainError("reflection.error.notFound", {}, 404);
  const { outcome, score } = outcomeOf(settings, input);
  const comment = input.comment.normalize("NFC").trim();
  if (outcome === "revise" && !comment) throw new DomainError("reflection.error.commentRequired", {}, 422);
  const version = (await first(tx
    .select({ id: reflectionVersions.id })
    .from(reflectionVersions)
    .where(and(eq(reflectionVersions.submissionId, sub.id), eq(reflectionVersions.versionNo, sub.versionNo)))))!;
  await tx.insert(reflectionGrades).values({ submissionId: sub.id, versionId: version.id, graderId: ctx.actor.id, outcome, score, comment, gradedAt: now });
  await tx.update(reflectionSubmissions)
    .set({ state: outcome === "pass" ? "passed" : "returned", updatedAt: now })
    .where(eq(reflectionSubmissions.id, sub.id));
  const course = (await getCourse(tx, sub.courseId))!;
  const pub = await publishedSnapshot(tx, course);
  const progress = and(eq(itemProgress.memberId, sub.memberId), eq(itemProgress.courseId, sub.courseId), eq(itemProgress.itemKey, sub.itemKey));
  let courseCompleted = false;
  if (outcome === "pass") {
    await tx.insert(itemProgress)
      .values({ memberId: sub.memberId, courseId: sub.courseId, itemKey: sub.itemKey, state: "completed", versionId: pub?.versionId ?? null, startedAt: sub.createdAt, completedAt: now })
      .onConflictDoUpdate({ target: [itemProgress.memberId, itemProgress.courseId, itemProgress.itemKey], set: { state: "completed", completedAt: now } });
    if (pub) courseCompleted = await recomputeCompletion(tx, sub.memberId, sub.courseId, pub, now);
  } else {
    // A pass changed to "revise" takes the item back — unless the course was completed with it:
    // a completion (and its certificate) is revoked by its own path, never silently.
    const completed = await first(tx.select({ id: courseCompletions.id }).from(courseCompletions).where(and(eq(courseCompletions.memberId, sub.memberId), eq(courseCompletions.courseId, sub.courseId))));
    if (!completed) await tx.update(itemProgress).set({ state: "started", completedAt: null }).where(progress);
  }
  return { outcome, courseCompleted };
}

export async function gradeSubmission(db: Db, ctx: GraderContext, submissionId: number, input: GradeInput, now = new Date()) {
  return writeTx(db, async (tx) => gradeInTx(tx, ctx, submissionId, input, now));
}

/**
 * Bulk grading, pass/revise scale only (a score is a judgement per text): all or nothing, one
 * transaction, each submission checked exactly as if graded alone.
 */
export async function gradeMany(db: Db, ctx: GraderContext, submissionIds: number[], input: { outcome: ReflectionOutcome; comment: string }, now = new Date()) {
  return writeTx(db, async (tx) => {
    let n = 0;
    for (const id of [...new Set(submissionIds)]) {
      const row = await requireVisibleSubmission(tx, ctx, id);
      const settings = await settingsNow(tx, row.s.courseId, row.s.itemKey);
      if (settings?.scale !== "pass-revise") throw new DomainError("reflection.error.bulkScore", {}, 422);
      if (row.s.state !== "submitted") continue;
      await gradeInTx(tx, ctx, id, input, now);
      n++;
    }
    return n;
  });
}

/** Grades of a submission, newest first (history for print and exports). */
export async function gradeHistory(db: Db, submissionId: number) {
  return await db.select().from(reflectionGrades).where(eq(reflectionGrades.submissionId, submissionId)).orderBy(desc(reflectionGrades.gradedAt), desc(reflectionGrades.id));
}

export { latestGrade };
