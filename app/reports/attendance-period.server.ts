import { and, asc, gte, lt, or, isNotNull } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { liveSessions, units } from "#db/schema/index.ts";
import { sessionAttendance } from "#app/live/attendance.server.ts";
import { madeUpMembers } from "#app/live/recordings.server.ts";
import { subtreeCondition } from "#app/org/units.server.ts";
import { sumUpTree } from "./tree-sum.ts";

/**
 * Columns, in order, of every per-unit attendance row. "madeUp" (watched the published recording
 * to its threshold) is its own column beside the live statuses, never one of them.
 */
export const ATTENDANCE_COLUMNS = ["invited", "present", "late", "leftEarly", "absent", "excused", "madeUp"] as const;
export type AttendanceCounts = Record<(typeof ATTENDANCE_COLUMNS)[number], number> & { rate: number | null };

const W = ATTENDANCE_COLUMNS.length;
const COL: Record<string, number> = { present: 1, late: 2, "left-early": 3, absent: 4, excused: 5 };
const MADE_UP = 6;

function counts(a: Float64Array, i: number): AttendanceCounts {
  const c = Object.fromEntries(ATTENDANCE_COLUMNS.map((k, j) => [k, a[i * W + j]])) as Record<(typeof ATTENDANCE_COLUMNS)[number], number>;
  const attended = c.present + c.late + c.leftEarly;
  return { ...c, rate: c.invited ? attended / c.invited : null };
}

/**
 * Attendance over a period, per unit at every level: each (invited member, session) pair that
 * started in [from, to) counts once, at the member's unit and every ancestor; a correction's
 * status replaces the computed one. Members are placed in their current unit (the ledger keys
 * invitations by current membership).
 */
export async function attendanceForPeriod(db: Db, opts: { from: Date; to: Date; withinPaths: string[] | null; reconnectWindowMs: number; now?: number }) {
  const sessions = await db
    .select()
    .from(liveSessions)
    .where(and(gte(liveSessions.scheduledStartAt, opts.from), lt(liveSessions.scheduledStartAt, opts.to), or(isNotNull(liveSessions.actualStartAt), lt(liveSessions.scheduledStartAt, new Date(opts.now ?? Date.now())))))
    .orderBy(asc(liveSessions.scheduledStartAt));
  const scopeCond = opts.withinPaths ? (opts.withinPaths.length ? or(...opts.withinPaths.map((p) => subtreeCondition(p))) : undefined) : undefined;
  if (opts.withinPaths && opts.withinPaths.length === 0) return { sessions: [], units: [], total: counts(new Float64Array(W), 0) };
  const unitRows = await db.select({ id: units.id, parentId: units.parentId, path: units.path, code: units.code, name: units.name }).from(units).where(scopeCond).orderBy(asc(units.path));
  const index = new Map(unitRows.map((u, i) => [u.id, i]));
  const own = new Float64Array(unitRows.length * W);
  const perSession: { id: number; title: string; start: Date; counts: AttendanceCounts }[] = [];
  for (const s of sessions) {
    const rep = await sessionAttendance(db, s.id, { reconnectWindowMs: opts.reconnectWindowMs, now: opts.now });
    if (!rep) continue;
    const one = new Float64Array(W);
    const madeUp = await madeUpMembers(db, s.id);
    for (const m of rep.members) {
      const i = index.get(m.unitId);
      if (i === undefined) continue;
      const status = m.corrected?.status ?? m.status;
      own[i * W] += 1;
      own[i * W + COL[status]] += 1;
      one[0] += 1;
      one[COL[status]] += 1;
      if (madeUp.has(m.memberId)) {
        own[i * W + MADE_UP] += 1;
        one[MADE_UP] += 1;
      }
    }
    perSession.push({ id: s.id, title: s.title, start: rep.start, counts: counts(one, 0) });
  }
  const total = sumUpTree(unitRows.map((u) => ({ unitId: u.id, parentId: u.parentId, path: u.path })), own, W);
  const ids = new Set(unitRows.map((u) => u.id));
  const all = new Float64Array(W);
  unitRows.forEach((u, i) => {
    if (u.parentId == null || !ids.has(u.parentId)) for (let k = 0; k < W; k++) all[k] += total[i * W + k];
  });
  return {
    sessions: perSession,
    units: unitRows.map((u, i) => ({ ...u, own: counts(own, i), total: counts(total, i) })),
    total: counts(all, 0),
  };
}

