import { rawRows } from "#db/dialect.server.ts";
/**
 * What a report page is asked for: the courses (among those assigned within the caller's scope)
 * and the day. Read from the query string (?c=3&c=5&date=2025-04-01), validated with zod; a course
 * outside the list answers 404 like a missing one.
 */
import { asc, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "#db/client.server.ts";
import { courses } from "#db/schema/index.ts";
import { notFound, type Scope } from "#app/auth/permissions.server.ts";
import { isDay, reportInstant, vnDay } from "#app/common/vietnam-time.ts";

export type ReportCourse = { id: number; slug: string; title: string; state: string };

export type ReportFilters = {
  /** Every course the caller may report on, by title. */
  available: ReportCourse[];
  /** The chosen ones (all available when none is chosen). */
  chosen: ReportCourse[];
  courseIds: number[];
  /** The report day (YYYY-MM-DD, Vietnam) and the instant it is computed at. */
  day: string;
  at: Date;
  today: string;
  /** Whether the caller chose courses explicitly (kept in links). */
  explicit: boolean;
};

/**
 * Courses with at least one assignment that reaches into the scope: on a unit in it, on an
 * ancestor of one of its roots (a root-level assignment reaches every trainer), or by name to a
 * member whose current unit is in it. The assignments are today's and, with `at`, those in force
 * then (an assignment removed since still offers its course for that day); the scope test uses
 * today's tree.
 */
export async function reportableCourses(db: Db, scope: Scope, at?: Date): Promise<ReportCourse[]> {
  const then = at
    ? sql`
      UNION
      SELECT h.course_id, h.unit_id, h.member_id FROM course_assignment_history h
      WHERE h.valid_from <= ${at.getTime()} AND (h.valid_to IS NULL OR h.valid_to > ${at.getTime()})`
    : sql``;
  const rows = await rawRows<{ courseId: number; unitPath: string | null; memberPath: string | null }>(db, sql`
    SELECT DISTINCT a.course_id AS "courseId", u.path AS "unitPath", mu.path AS "memberPath"
    FROM (SELECT course_id, unit_id, member_id FROM course_assignments${then}) a
      LEFT JOIN units u ON u.id = a.unit_id
      LEFT JOIN members m ON m.id = a.member_id
      LEFT JOIN units mu ON mu.id = m.unit_id
  `);
  const ids = new Set<number>();
  for (const r of rows) {
    if (scope.all) ids.add(r.courseId);
    else if (
      scope.roots.some(
        (root) =>
          (r.unitPath != null && (r.unitPath.startsWith(root.path) || root.path.startsWith(r.unitPath))) ||
          (r.memberPath != null && r.memberPath.startsWith(root.path)),
      )
    )
      ids.add(r.courseId);
  }
  if (ids.size === 0) return [];
  return await db
    .select({ id: courses.id, slug: courses.slug, title: courses.title, state: courses.state })
    .from(courses)
    .where(inArray(courses.id, [...ids]))
    .orderBy(asc(courses.title));
}

const idList = z.array(z.coerce.number().int().positive()).max(200);

/** Reads ?c=…&date=… against the courses the scope may report on. Bad input: 400; unknown course: 404. */
export async function readReportFilters(db: Db, scope: Scope, url: URL, now: Date = new Date()): Promise<ReportFilters> {
  const today = vnDay(now);
  const rawDate = url.searchParams.get("date") ?? "";
  if (rawDate && !isDay(rawDate)) throw new Response("Bad Request", { status: 400 });
  // A future day shows today's figures: there is nothing recorded after now.
  const day = rawDate && rawDate < today ? rawDate : today;
  const parsed = idList.safeParse(url.searchParams.getAll("c").filter((v) => v !== ""));
  if (!parsed.success) throw new Response("Bad Request", { status: 400 });
  const at = reportInstant(day, now);
  const available = await reportableCourses(db, scope, day === today ? undefined : at);
  const byId = new Map(available.map((c) => [c.id, c]));
  const wanted = [...new Set(parsed.data)];
  for (const id of wanted) if (!byId.has(id)) notFound();
  const chosen = wanted.length ? available.filter((c) => wanted.includes(c.id)) : available;
  return { available, chosen, courseIds: chosen.map((c) => c.id), day, at, today, explicit: wanted.length > 0 };
}

/** The query string that keeps the same filters (courses only when chosen explicitly). */
export function filterQuery(f: Pick<ReportFilters, "courseIds" | "day" | "today" | "explicit">, extra: Record<string, string | number> = {}): string {
  const p = new URLSearchParams();
  if (f.explicit) for (const id of f.courseIds) p.append("c", String(id));
  if (f.day !== f.today) p.set("date", f.day);
  for (const [k, v] of Object.entries(extra)) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}
