import { rawFirst } from "#db/dialect.server.ts";
import { first } from "#db/first.ts";
/**
 * What every report page's loader starts with: the caller (administrator or trainer), their
 * scope and the filters; plus the scope checks that answer 404 for anything outside it.
 */
import type { AppLoadContext } from "@remix-run/node";
import { eq, sql } from "drizzle-orm";
import { members, units } from "#db/schema/index.ts";
import { notFound, requireManager, requireUnitScope, scopePaths, unitInScope, type Scope } from "#app/auth/permissions.server.ts";
import { ancestors } from "#app/org/units.server.ts";
import type { Db } from "#db/client.server.ts";
import { readReportFilters } from "./filters.server.ts";
import type { CompletionCounts, CompletionRollup, RollupUnit } from "./completion.server.ts";
import { addDays } from "#app/common/vietnam-time.ts";
import { completionSeries } from "./snapshots.server.ts";

export async function reportRequest(request: Request, context: AppLoadContext) {
  const { session, scope } = await requireManager(request, context);
  const url = new URL(request.url);
  const filters = await readReportFilters(context.db, scope, url);
  return { session, scope, url, filters, withinPaths: scopePaths(scope) };
}

export async function reportUnit(db: Db, scope: Scope, raw: string | number | null | undefined) {
  const id = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isSafeInteger(id) || id < 1) notFound();
  return requireUnitScope(db, scope, id);
}

/** Ancestors the caller may open (their scope's part of the path), the unit itself excluded. */
export async function reportCrumbs(db: Db, scope: Scope, unit: { id: number; path: string }) {
  return (await ancestors(db, unit))
    .filter((u) => u.id !== unit.id && unitInScope(scope, u))
    .map((u) => ({ id: u.id, name: u.name }));
}

/**
 * The member, if the caller's scope covers the unit they are in now or the unit they were in at
 * `at` (a past report lists people who have moved since). Anything else: 404.
 */
export async function requireRecordScope(db: Db, scope: Scope, memberId: number, at: Date) {
  if (!Number.isSafeInteger(memberId) || memberId < 1) notFound();
  const m = await first(db
    .select({ id: members.id, code: members.code, fullName: members.fullName, status: members.status, unitPath: units.path })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(eq(members.id, memberId)));
  if (!m) notFound();
  if (unitInScope(scope, { path: m.unitPath })) return m;
  const then = await rawFirst<{ path: string }>(db, sql`
    SELECT u.path AS path FROM member_unit_history h JOIN units u ON u.id = h.unit_id
    WHERE h.member_id = ${memberId} AND h.valid_from <= ${at.getTime()} AND (h.valid_to IS NULL OR h.valid_to > ${at.getTime()})
  `);
  if (then && unitInScope(scope, then)) return m;
  notFound();
}

/** Units in a table: by name, numbers in names compared as numbers ("Chi bộ 2" before "Chi bộ 10"). */
export const byName = new Intl.Collator("vi", { numeric: true, sensitivity: "base" });

export type Row = { key: string; label: string; href: string | null; kind: "unit" | "direct" | "member"; counts: CompletionCounts; note?: string };

/** The rows under a unit: its children (subtree figures) and, if it has any, its direct members. */
export function childRows(rollup: CompletionRollup, unit: RollupUnit, href: (unitId: number) => string): { rows: Row[]; direct: boolean } {
  const children = rollup.units.filter((u) => u.parentId === unit.unitId).sort((a, b) => byName.compare(a.name, b.name));
  const rows: Row[] = children.map((c) => ({ key: `u${c.unitId}`, label: c.name, note: c.code, href: href(c.unitId), kind: "unit", counts: c.total }));
  const direct = children.length > 0 && unit.own.assigned > 0;
  if (direct) rows.push({ key: "direct", label: "", href: "#direct-members", kind: "direct", counts: unit.own });
  return { rows, direct };
}

/** The over-time points: stored snapshots of the 30 days up to the report day, plus today's live figure. */
export async function seriesPoints(db: Db, opts: { unitIds: number[]; courseIds: number[]; day: string; today: string; live: CompletionCounts }) {
  const from = addDays(opts.day, -30);
  const stored = await completionSeries(db, { unitIds: opts.unitIds, courseIds: opts.courseIds, from, to: opts.day });
  const points: { day: string; completed: number; assigned: number; rate: number | null; live?: boolean }[] = stored.map((p) => ({
    day: p.day,
    completed: p.completed,
    assigned: p.assigned,
    rate: p.rate,
  }));
  if (opts.day === opts.today && !points.some((p) => p.day === opts.today)) {
    points.push({ day: opts.today, completed: opts.live.completed, assigned: opts.live.assigned, rate: opts.live.rate, live: true });
  }
  return points;
}

/** Plain-data copy of the counts (for loaders). */
export function plainCounts(c: CompletionCounts): CompletionCounts {
  return { assigned: c.assigned, completed: c.completed, inProgress: c.inProgress, notStarted: c.notStarted, overdue: c.overdue, rate: c.rate };
}
