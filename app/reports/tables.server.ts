import { rawRows } from "#db/dialect.server.ts";
/**
 * The report tables as rows of cells, built from the engine (completion.server.ts) and used by
 * the exports (CSV, XLSX) and the print page, so what is downloaded is what is shown. Headers and
 * labels are Vietnamese (the issue asks for Vietnamese headers whatever the reader's language).
 */
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { certificates, courses, quizAttempts, units } from "#db/schema/index.ts";
import { translate, type ArgsOf, type MessageKey, type PlainKey } from "#app/i18n/catalog.ts";
import {
  memberCompletion,
  membersMissing,
  type CompletionCounts,
  type CompletionRollup,
  type MemberRecord,
} from "./completion.server.ts";
import { pathIds } from "./tree-sum.ts";
import { vnDateTime } from "#app/common/vietnam-time.ts";
import { reminderKind } from "#app/notifications/kinds.ts";
import type { ReportFilters } from "./filters.server.ts";

export type Cell = string | number | null;

export const TABLE_KINDS = ["units", "members", "missing", "record", "quizzes", "attendance"] as const;
export type TableKind = (typeof TABLE_KINDS)[number];

export type ReportTable = {
  kind: TableKind;
  /** Title of the report (Vietnamese). */
  title: string;
  headers: string[];
  rows: Cell[][];
  /** Per column: "pct" for a percentage number (one decimal), otherwise text or a count. */
  columnTypes: ("text" | "count" | "pct")[];
  /** Filters and context, label → value (Vietnamese), printed above the data. */
  meta: [string, string][];
  /** Base of the download's file name (ASCII). */
  fileBase: string;
};

const vi = <K extends MessageKey>(key: K, ...args: ArgsOf<K>) => translate("vi", key, ...args);

/** Completion rate as a percentage with one decimal, or null when nothing is assigned. */
export function ratePct(c: Pick<CompletionCounts, "rate">): number | null {
  return c.rate == null ? null : Math.round(c.rate * 1000) / 10;
}

const COUNT_HEADERS: PlainKey[] = [
  "reports.col.assigned",
  "reports.col.completed",
  "reports.col.inProgress",
  "reports.col.notStarted",
  "reports.col.overdue",
  "reports.col.ratePct",
];
const countCells = (c: CompletionCounts): Cell[] => [c.assigned, c.completed, c.inProgress, c.notStarted, c.overdue, ratePct(c)];
const COUNT_TYPES: ReportTable["columnTypes"] = ["count", "count", "count", "count", "count", "pct"];

/** Names of every unit on the given paths (ancestors outside the scope included), by id. */
export async function unitNames(db: Db, paths: Iterable<string>, known: Map<number, string> = new Map()): Promise<Map<number, string>> {
  const missing = new Set<number>();
  for (const p of paths) for (const id of pathIds(p)) if (!known.has(id)) missing.add(id);
  const ids = [...missing];
  for (let i = 0; i < ids.length; i += 500) {
    for (const u of (await db.select({ id: units.id, name: units.name }).from(units).where(inArray(units.id, ids.slice(i, i + 500))))) known.set(u.id, u.name);
  }
  return known;
}

/** The hierarchy columns: one per level of the deepest path, holding the unit names from the top. */
export function hierarchy(paths: string[], names: Map<number, string>) {
  const levels = Math.max(1, ...paths.map((p) => pathIds(p).length));
  const headers = Array.from({ length: levels }, (_, i) => vi("reports.col.level", { n: i + 1 }));
  const cells = (path: string): Cell[] => {
    const ids = pathIds(path);
    return Array.from({ length: levels }, (_, i) => (i < ids.length ? (names.get(ids[i]) ?? "") : ""));
  };
  return { headers, cells, types: headers.map(() => "text" as const) };
}

function courseMeta(f: ReportFilters): [string, string] {
  return [vi("reports.meta.courses"), f.chosen.map((c) => c.title).join("; ")];
}

function dayMeta(f: ReportFilters): [string, string] {
  return [vi("reports.meta.date"), f.day === f.today ? vi("reports.meta.dateToday", { day: f.day, time: vnDateTime(f.at) }) : vi("reports.meta.dateEnd", { day: f.day })];
}

export type UnitScopeInfo = { id: number; code: string; name: string; path: string } | null;

function unitMeta(unit: UnitScopeInfo): [string, string] {
  return [vi("reports.meta.unit"), unit ? `${unit.name} (${unit.code})` : vi("reports.meta.wholeScope")];
}

/**
 * Every unit of the report (one unit's subtree, or the caller's whole scope), one row each with
 * its subtree figures, and after a unit that has both child units and members of its own a
 * "direct members" row with theirs: a unit row = its direct row + its children's rows.
 */
export async function unitsTable(db: Db, rollup: CompletionRollup, f: ReportFilters, unit: UnitScopeInfo): Promise<ReportTable> {
  const names = await unitNames(db, rollup.units.map((u) => u.path), new Map(rollup.units.map((u) => [u.unitId, u.name])));
  const h = hierarchy(rollup.units.map((u) => u.path), names);
  const hasChildren = new Set(rollup.units.map((u) => u.parentId));
  const rows: Cell[][] = [];
  for (const u of rollup.units) {
    rows.push([...h.cells(u.path), u.code, vi("reports.rowType.unit"), ...countCells(u.total)]);
    if (hasChildren.has(u.unitId) && u.own.assigned > 0) rows.push([...h.cells(u.path), u.code, vi("reports.rowType.direct"), ...countCells(u.own)]);
  }
  const t = rollup.total;
  return {
    kind: "units",
    title: vi("reports.export.title.units"),
    headers: [...h.headers, vi("reports.col.unitCode"), vi("reports.col.rowType"), ...COUNT_HEADERS.map((k) => vi(k))],
    columnTypes: [...h.types, "text", "text", ...COUNT_TYPES],
    rows,
    meta: [
      unitMeta(unit),
      courseMeta(f),
      dayMeta(f),
      [vi("reports.meta.total"), vi("reports.meta.totalValue", { completed: t.completed, assigned: t.assigned, rate: ratePct(t) ?? "—" })],
    ],
    fileBase: `bao-cao-don-vi-${unit?.code ?? "tat-ca"}-${f.day}`,
  };
}

const yesNo = (b: boolean) => (b ? vi("common.yes") : vi("common.no"));

/** One row per (member, course) pair assigned in the unit's subtree: the pairs the figures count. */
export async function membersTable(db: Db, f: ReportFilters, unit: NonNullable<UnitScopeInfo>, withinPaths: string[] | null): Promise<ReportTable> {
  const rows = await memberCompletion(db, { courseIds: f.courseIds, unitId: unit.id, at: f.at, withinPaths });
  const names = await unitNames(db, new Set(rows.map((r) => r.unitPath)));
  const h = hierarchy(rows.length ? [...new Set(rows.map((r) => r.unitPath))] : [unit.path], names);
  const title = new Map(f.chosen.map((c) => [c.id, c.title]));
  const out: Cell[][] = [];
  for (const r of rows) {
    for (const c of r.courses) {
      out.push([
        ...h.cells(r.unitPath),
        r.unitCode,
        r.code,
        r.fullName,
        yesNo(r.neverSignedIn),
        title.get(c.courseId) ?? String(c.courseId),
        vi(`reports.state.${c.state}`),
        yesNo(c.overdue),
        vnDateTime(c.dueAt),
        vnDateTime(c.completedAt),
      ]);
    }
  }
  return {
    kind: "members",
    title: vi("reports.export.title.members"),
    headers: [
      ...h.headers,
      vi("reports.col.unitCode"),
      vi("reports.col.memberCode"),
      vi("reports.col.fullName"),
      vi("reports.col.neverSignedIn"),
      vi("reports.col.course"),
      vi("reports.col.state"),
      vi("reports.col.overdue"),
      vi("reports.col.dueAt"),
      vi("reports.col.completedAt"),
    ],
    columnTypes: [...h.types, "text", "text", "text", "text", "text", "text", "text", "text", "text"],
    rows: out,
    meta: [unitMeta(unit), courseMeta(f), dayMeta(f)],
    fileBase: `bao-cao-thanh-vien-${unit.code}-${f.day}`,
  };
}

/** The last reminder about the course sent to each of these members (any day). */
export async function lastReminders(db: Db, courseId: number, memberIds: number[]): Promise<Map<number, Date>> {
  const out = new Map<number, Date>();
  for (let i = 0; i < memberIds.length; i += 500) {
    const chunk = memberIds.slice(i, i + 500);
    const rows = await rawRows<{ memberId: number; at: number }>(db, sql`
      SELECT member_id AS "memberId", MAX(created_at) AS at FROM notifications
      WHERE kind = ${reminderKind(courseId)} AND member_id IN (${sql.join(chunk.map((id) => sql`${id}`), sql`, `)})
      GROUP BY member_id
    `);
    for (const r of rows) out.set(r.memberId, new Date(r.at));
  }
  return out;
}

export type MissingFilter = "all" | "in_progress" | "not_started" | "overdue";

export async function missingRows(db: Db, opts: { courseId: number; unitId: number; at: Date; withinPaths: string[] | null; state: MissingFilter }) {
  const all = await membersMissing(db, { courseId: opts.courseId, unitId: opts.unitId, at: opts.at, withinPaths: opts.withinPaths });
  return opts.state === "all" ? all : all.filter((m) => (opts.state === "overdue" ? m.overdue : m.state === opts.state));
}

/** Members of the subtree who had not completed the course, with their state and last reminder. */
export async function missingTable(
  db: Db,
  f: ReportFilters,
  unit: NonNullable<UnitScopeInfo>,
  course: { id: number; title: string },
  withinPaths: string[] | null,
  state: MissingFilter,
): Promise<ReportTable> {
  const rows = await missingRows(db, { courseId: course.id, unitId: unit.id, at: f.at, withinPaths, state });
  const names = await unitNames(db, new Set(rows.map((r) => r.unitPath)));
  const h = hierarchy(rows.length ? [...new Set(rows.map((r) => r.unitPath))] : [unit.path], names);
  const reminded = await lastReminders(db, course.id, rows.map((r) => r.memberId));
  return {
    kind: "missing",
    title: vi("reports.export.title.missing"),
    headers: [
      ...h.headers,
      vi("reports.col.unitCode"),
      vi("reports.col.memberCode"),
      vi("reports.col.fullName"),
      vi("reports.col.state"),
      vi("reports.col.overdue"),
      vi("reports.col.dueAt"),
      vi("reports.col.startedAt"),
      vi("reports.col.neverSignedIn"),
      vi("reports.col.lastReminder"),
    ],
    columnTypes: [...h.types, "text", "text", "text", "text", "text", "text", "text", "text", "text"],
    rows: rows.map((r) => [
      ...h.cells(r.unitPath),
      r.unitCode,
      r.code,
      r.fullName,
      vi(`reports.state.${r.state}`),
      yesNo(r.overdue),
      vnDateTime(r.dueAt),
      vnDateTime(r.startedAt),
      yesNo(r.neverSignedIn),
      vnDateTime(reminded.get(r.memberId) ?? null),
    ]),
    meta: [
      unitMeta(unit),
      [vi("reports.meta.course"), course.title],
      dayMeta(f),
      [vi("reports.meta.stateFilter"), vi(`reports.missing.filter.${state}`)],
    ],
    fileBase: `chua-hoan-thanh-${unit.code}-${course.id}-${f.day}`,
  };
}

// ---- one member ---------------------------------------------------------------------------------

export type QuizGrade = { courseId: number; courseTitle: string; itemKey: string; itemTitle: string; best: number | null; attempts: number; passed: boolean };

/** Per quiz: the best score (0..1) among submitted attempts up to `at`, how many, and whether any passed. */
export async function quizGrades(db: Db, memberId: number, at: Date): Promise<QuizGrade[]> {
  return (await db
    .select({
      courseId: quizAttempts.courseId,
      courseTitle: courses.title,
      itemKey: quizAttempts.itemKey,
      itemTitle: sql<string | null>`(SELECT ci.title FROM course_items ci WHERE ci.course_id = ${quizAttempts.courseId} AND ci.key = ${quizAttempts.itemKey})`,
      best: sql<number | null>`MAX(${quizAttempts.score})`,
      attempts: sql<number>`COUNT(*)`,
      passed: sql<number>`MAX(CASE WHEN ${quizAttempts.passed} = 1 THEN 1 ELSE 0 END)`,
    })
    .from(quizAttempts)
    .innerJoin(courses, eq(courses.id, quizAttempts.courseId))
    .where(and(eq(quizAttempts.memberId, memberId), inArray(quizAttempts.state, ["submitted", "expired"]), lte(quizAttempts.submittedAt, at)))
    // courses.id (equal to the attempt's course) is grouped so that PostgreSQL sees courses.title
    // as determined by the group (its primary key); SQLite did not ask.
    .groupBy(quizAttempts.courseId, courses.id, quizAttempts.itemKey)
    .orderBy(courses.title, quizAttempts.itemKey))
    .map((r) => ({ ...r, itemTitle: r.itemTitle ?? r.itemKey, attempts: Number(r.attempts), passed: Number(r.passed) === 1 }));
}

export type CertificateRow = { code: string; courseTitle: string; completedAt: Date; issuedAt: Date; revokedAt: Date | null; revokedReason: string | null };

export async function memberCertificates(db: Db, memberId: number, at: Date): Promise<CertificateRow[]> {
  return await db
    .select({
      code: certificates.code,
      courseTitle: certificates.courseTitle,
      completedAt: certificates.completedAt,
      issuedAt: certificates.issuedAt,
      revokedAt: certificates.revokedAt,
      revokedReason: certificates.revokedReason,
    })
    .from(certificates)
    .where(and(eq(certificates.memberId, memberId), lte(certificates.issuedAt, at)))
    .orderBy(certificates.issuedAt);
}

export type MemberHeader = { id: number; code: string; fullName: string };

export async function recordTable(db: Db, member: MemberHeader, record: MemberRecord, f: ReportFilters): Promise<ReportTable> {
  const names = record.unit ? await unitNames(db, [record.unit.path]) : new Map<number, string>();
  const unitPath = record.unit ? pathIds(record.unit.path).map((id) => names.get(id) ?? "").join(" › ") : "";
  return {
    kind: "record",
    title: vi("reports.export.title.record"),
    headers: [
      vi("reports.col.course"),
      vi("reports.col.assignedNow"),
      vi("reports.col.state"),
      vi("reports.col.overdue"),
      vi("reports.col.dueAt"),
      vi("reports.col.startedAt"),
      vi("reports.col.itemsCompleted"),
      vi("reports.col.completedAt"),
      vi("reports.col.version"),
    ],
    columnTypes: ["text", "text", "text", "text", "text", "text", "count", "text", "count"],
    rows: record.courses.map((c) => [
      c.title,
      yesNo(c.assigned),
      vi(`reports.state.${c.state}`),
      yesNo(c.overdue),
      vnDateTime(c.dueAt),
      vnDateTime(c.startedAt),
      c.itemsCompleted,
      vnDateTime(c.completedAt),
      c.version,
    ]),
    meta: [
      [vi("reports.meta.member"), `${member.fullName} (${member.code})`],
      [vi("reports.meta.unit"), unitPath || vi("reports.record.noUnit")],
      dayMeta(f),
    ],
    fileBase: `ho-so-hoc-tap-${member.code}-${f.day}`,
  };
}

export function quizTable(member: MemberHeader, grades: QuizGrade[], f: ReportFilters): ReportTable {
  return {
    kind: "quizzes",
    title: vi("reports.export.title.quizzes"),
    headers: [vi("reports.col.course"), vi("reports.col.quiz"), vi("reports.col.bestPct"), vi("reports.col.attempts"), vi("reports.col.passed")],
    columnTypes: ["text", "text", "pct", "count", "text"],
    rows: grades.map((g) => [g.courseTitle, g.itemTitle, g.best == null ? null : Math.round(g.best * 1000) / 10, g.attempts, yesNo(g.passed)]),
    meta: [[vi("reports.meta.member"), `${member.fullName} (${member.code})`], dayMeta(f)],
    fileBase: `diem-kiem-tra-${member.code}-${f.day}`,
  };
}
