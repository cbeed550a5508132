/**
 * Reflections in the reports of a unit's subtree, as things stand now: per reflection item of the
 * published courses assigned there, how many members have not submitted, are waiting for grading
 * (its own count: the writer has done their part, the grader has not), were returned, or passed;
 * who has not submitted; which graders have submissions waiting on them; and the grades as an
 * export table. Placement is the member's unit now; a submission is counted once, with its writer.
 */
import { and, eq, inArray, isNull, or } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { courses, members, reflectionGraders, reflectionGrades, reflectionSubmissions, scopeGrants, units } from "#db/schema/index.ts";
import { subtreeCondition } from "#app/org/units.server.ts";
import { assignmentsAt } from "#app/courses/assignment-history.server.ts";
import { publishedVersion } from "#app/courses/version-cache.server.ts";
import { toLocalStamp } from "#app/common/vietnam-time.ts";
import { translate, type PlainKey } from "#app/i18n/catalog.ts";
import type { ExportTable } from "#app/reports/export.server.ts";
import { reflectionSettingsOf } from "./settings.ts";
import { dueAtOf } from "./writing.server.ts";

export type ReflectionCounts = { assigned: number; notSubmitted: number; waiting: number; returned: number; passed: number; overdue: number };

type Placed = { id: number; code: string; fullName: string; unitId: number; unitName: string; path: string };

async function placedUnder(db: Db, path: string): Promise<Placed[]> {
  return await db
    .select({ id: members.id, code: members.code, fullName: members.fullName, unitId: units.id, unitName: units.name, path: units.path })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(and(subtreeCondition(path), eq(members.status, "active")))
    .orderBy(units.path, members.fullNameFolded);
}

/** Published courses with reflection items, and those items with their rules. */
async function reflectionItems(db: Db) {
  const published = await db
    .select({ id: courses.id, title: courses.title, slug: courses.slug, versionId: courses.publishedVersionId })
    .from(courses)
    .where(eq(courses.state, "published"));
  const perCourse = await Promise.all(
    published.map(async (c) => {
      const items = c.versionId ? ((await publishedVersion(db, c.versionId))?.items ?? []) : [];
      return items
        .filter((i) => i.type === "reflection")
        .map((i) => ({ courseId: c.id, courseTitle: c.title, courseSlug: c.slug, key: i.key, title: i.title, settings: reflectionSettingsOf(i.reflection) }));
    }),
  );
  return perCourse.flat();
}

/** The unit's subtree: counts per reflection item, members who have not submitted, graders with work waiting. */
export async function reflectionReport(db: Db, unit: { id: number; path: string }, now = new Date()) {
  const people = await placedUnder(db, unit.path);
  const items = await reflectionItems(db);
  const courseIds = [...new Set(items.map((i) => i.courseId))];
  const assignments = courseIds.length ? await assignmentsAt(db, now.getTime(), courseIds) : [];
  const unitPaths = new Map((await db.select({ id: units.id, path: units.path }).from(units)).map((u) => [u.id, u.path]));
  const assigned = (p: Placed, courseId: number) =>
    assignments.some((a) => a.courseId === courseId && (a.memberId === p.id || (a.unitId != null && p.path.startsWith(unitPaths.get(a.unitId) ?? "\0"))));
  const ids = people.map((p) => p.id);
  const subs = new Map<string, { id: number; state: string; submittedAt: Date | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const s of (await db
      .select({ id: reflectionSubmissions.id, memberId: reflectionSubmissions.memberId, courseId: reflectionSubmissions.courseId, itemKey: reflectionSubmissions.itemKey, state: reflectionSubmissions.state, submittedAt: reflectionSubmissions.submittedAt })
      .from(reflectionSubmissions)
      .where(inArray(reflectionSubmissions.memberId, ids.slice(i, i + 500))))) {
      subs.set(`${s.memberId}:${s.courseId}:${s.itemKey}`, s);
    }
  }
  const waitingIds: number[] = [];
  const missing: { memberId: number; code: string; fullName: string; unitName: string; courseTitle: string; itemTitle: string; started: boolean; overdue: boolean }[] = [];
  const rows = items.map((item) => {
    const c: ReflectionCounts = { assigned: 0, notSubmitted: 0, waiting: 0, returned: 0, passed: 0, overdue: 0 };
    const due = dueAtOf(item.settings);
    for (const p of people) {
      if (!assigned(p, item.courseId)) continue;
      c.assigned++;
      const s = subs.get(`${p.id}:${item.courseId}:${item.key}`);
      const state = s?.state ?? "draft";
      const late = !!due && now > due;
      if (state === "draft") {
        c.notSubmitted++;
        if (late) c.overdue++;
        missing.push({ memberId: p.id, code: p.code, fullName: p.fullName, unitName: p.unitName, courseTitle: item.courseTitle, itemTitle: item.title, started: !!s, overdue: late });
      } else if (state === "submitted") {
        c.waiting++;
        waitingIds.push(s!.id);
      } else if (state === "returned") c.returned++;
      else c.passed++;
    }
    return { ...item, dueAt: due, counts: c };
  });
  return { items: rows.filter((r) => r.counts.assigned > 0), missing, graders: await gradersWaiting(db, waitingIds) };
}

/**
 * Graders with submissions waiting on them: the named ones (cell rule), and for submissions with
 * none named, the trainers whose grants cover the writer's unit at submission.
 */
async function gradersWaiting(db: Db, submissionIds: number[]) {
  const out = new Map<number, { memberId: number; code: string; fullName: string; unitName: string; waiting: number }>();
  const add = (m: { id: number; code: string; fullName: string; unitName: string }) => {
    const g = out.get(m.id) ?? { memberId: m.id, code: m.code, fullName: m.fullName, unitName: m.unitName, waiting: 0 };
    g.waiting++;
    out.set(m.id, g);
  };
  for (let i = 0; i < submissionIds.length; i += 500) {
    const chunk = submissionIds.slice(i, i + 500);
    const named = await db
      .select({ submissionId: reflectionGraders.submissionId, id: members.id, code: members.code, fullName: members.fullName, unitName: units.name })
      .from(reflectionGraders)
      .innerJoin(members, eq(members.id, reflectionGraders.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .where(inArray(reflectionGraders.submissionId, chunk));
    named.forEach(add);
    const withNamed = new Set(named.map((n) => n.submissionId));
    const rest = await db
      .select({ id: reflectionSubmissions.id, path: units.path })
      .from(reflectionSubmissions)
      .innerJoin(units, eq(units.id, reflectionSubmissions.unitId))
      .where(inArray(reflectionSubmissions.id, chunk.filter((id) => !withNamed.has(id))));
    if (rest.length === 0) continue;
    const trainers = await db
      .select({ id: members.id, code: members.code, fullName: members.fullName, unitName: units.name, grantPath: units.path })
      .from(scopeGrants)
      .innerJoin(members, eq(members.id, scopeGrants.memberId))
      .innerJoin(units, eq(units.id, scopeGrants.unitId))
      .where(and(eq(scopeGrants.kind, "trainer"), eq(members.role, "trainer"), isNull(members.disabledAt)));
    for (const s of rest) {
      const seen = new Set<number>();
      for (const t of trainers) if (s.path.startsWith(t.grantPath) && !seen.has(t.id)) (seen.add(t.id), add(t));
    }
  }
  return [...out.values()].sort((a, b) => b.waiting - a.waiting || a.fullName.localeCompare(b.fullName, "vi"));
}

const vi = (key: PlainKey) => translate("vi", key);

/** Every submission of the subtree's members (where they are now) with its latest grade, for the export engine. */
export async function gradesTable(db: Db, unit: { id: number; code: string; name: string; path: string }): Promise<ExportTable> {
  const subs = await db
    .select({
      id: reflectionSubmissions.id,
      unitCode: units.code,
      unitName: units.name,
      memberCode: members.code,
      memberName: members.fullName,
      courseTitle: courses.title,
      publishedVersionId: courses.publishedVersionId,
      itemKey: reflectionSubmissions.itemKey,
      state: reflectionSubmissions.state,
      versionNo: reflectionSubmissions.versionNo,
      submittedAt: reflectionSubmissions.submittedAt,
    })
    .from(reflectionSubmissions)
    .innerJoin(members, eq(members.id, reflectionSubmissions.memberId))
    .innerJoin(units, eq(units.id, members.unitId))
    .innerJoin(courses, eq(courses.id, reflectionSubmissions.courseId))
    .where(and(subtreeCondition(unit.path), or(eq(reflectionSubmissions.state, "submitted"), eq(reflectionSubmissions.state, "returned"), eq(reflectionSubmissions.state, "passed"))))
    .orderBy(units.path, members.fullNameFolded, courses.title, reflectionSubmissions.itemKey);
  const latest = new Map<number, { outcome: string; score: number | null; comment: string; gradedAt: Date; grader: string | null }>();
  for (let i = 0; i < subs.length; i += 500) {
    for (const g of (await db
      .select({ submissionId: reflectionGrades.submissionId, outcome: reflectionGrades.outcome, score: reflectionGrades.score, comment: reflectionGrades.comment, gradedAt: reflectionGrades.gradedAt, grader: members.fullName })
      .from(reflectionGrades)
      .leftJoin(members, eq(members.id, reflectionGrades.graderId))
      .where(inArray(reflectionGrades.submissionId, subs.slice(i, i + 500).map((s) => s.id)))
      .orderBy(reflectionGrades.gradedAt, reflectionGrades.id))) {
      latest.set(g.submissionId, g);
    }
  }
  const rows = await Promise.all(subs.map(async (s) => {
    const g = latest.get(s.id);
    const item = s.publishedVersionId ? (await publishedVersion(db, s.publishedVersionId))?.items.find((i) => i.key === s.itemKey) : undefined;
    return [
      s.unitCode,
      s.unitName,
      s.memberCode,
      s.memberName,
      s.courseTitle,
      item?.title ?? s.itemKey,
      translate("vi", `reflection.state.${s.state}`),
      s.versionNo,
      toLocalStamp(s.submittedAt),
      g ? translate("vi", g.outcome === "pass" ? "reflection.grade.pass" : "reflection.grade.revise") : "",
      g?.score ?? null,
      g?.grader ?? "",
      g ? toLocalStamp(g.gradedAt) : "",
      g?.comment ?? "",
    ];
  }));
  return {
    title: vi("reflection.export.title"),
    headers: [
      vi("reflection.export.unitCode"),
      vi("reflection.export.unitName"),
      vi("reflection.export.memberCode"),
      vi("reflection.export.memberName"),
      vi("reflection.export.course"),
      vi("reflection.export.item"),
      vi("reflection.export.state"),
      vi("reflection.export.version"),
      vi("reflection.export.submittedAt"),
      vi("reflection.export.outcome"),
      vi("reflection.export.score"),
      vi("reflection.export.grader"),
      vi("reflection.export.gradedAt"),
      vi("reflection.export.comment"),
    ],
    rows,
    columnTypes: ["text", "text", "text", "text", "text", "text", "text", "count", "text", "text", "count", "text", "text", "text"],
    meta: [[vi("reflection.export.unit"), `${unit.name} (${unit.code})`]],
    fileBase: `bai-thu-hoach-${unit.code}`,
  };
}

/** Reflections of the subtree's writers (their unit at submission) waiting for grading: the unit report's own count. */
export async function waitingForGrading(db: Db, unitPath: string): Promise<number> {
  return (await db
    .select({ id: reflectionSubmissions.id })
    .from(reflectionSubmissions)
    .innerJoin(units, eq(units.id, reflectionSubmissions.unitId))
    .where(and(eq(reflectionSubmissions.state, "submitted"), subtreeCondition(unitPath)))).length;
}
