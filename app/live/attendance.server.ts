import { first, one } from "#db/first.ts";
/**
 * The attendance report built from the ledger (what the media server observed), plus trainers'
 * corrections. The ledger's pure interval logic and its reads are shared with the media server
 * (`#live/attendance.ts`, `#live/ledger.server.ts`); who is invited is the shared access rule
 * (`#live/access.server.ts`).
 *
 * `sessionAttendance` applies the session's rule to every invited member, absentees included.
 */
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { attendanceCorrections, liveSessions, members, units, type AttendanceOverride, type AttendanceStatus } from "#db/schema/index.ts";
import { invitedCondition } from "#live/access.server.ts";
import { attendanceStatus, mergeIntervals, type AttendanceRule, type Interval, type LedgerEvent } from "#live/attendance.ts";
import { ledgerRows, toLedgerEvent } from "#live/ledger.server.ts";

// App callers ask "is this member invited" of the attendance domain; the rule itself is shared.
export { isMemberInvited } from "#live/access.server.ts";

// ---------------------------------------------------------------------------------------------
// Report (reads)
// ---------------------------------------------------------------------------------------------

export type MemberAttendance = {
  memberId: number;
  code: string;
  fullName: string;
  unitId: number;
  status: AttendanceStatus;
  /** The latest correction, if any (the computed status stays visible beside it). */
  corrected: { status: AttendanceOverride; reason: string; by: number | null; at: Date } | null;
  minutes: number;
  presentMs: number;
  percent: number;
  via: "individual" | "cell-room" | "both" | null;
  firstJoin: Date | null;
  lastLeave: Date | null;
  intervals: Interval[];
};

export type SessionAttendance = {
  sessionId: number;
  start: Date;
  end: Date;
  rule: AttendanceRule;
  members: MemberAttendance[];
};

export async function invitedMembers(db: Db, sessionId: number, only?: readonly number[]) {
  return await db
    .select({ id: members.id, code: members.code, fullName: members.fullName, unitId: members.unitId, status: members.status })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(only ? and(inArray(members.id, [...only]), invitedCondition(sessionId)) : invitedCondition(sessionId))
    .orderBy(asc(members.code));
}

/** The session's span: actual start (else scheduled) to actual end (else now while live, else planned end). */
export function sessionSpan(s: typeof liveSessions.$inferSelect, now: number): { start: number; end: number } {
  const start = (s.actualStartAt ?? s.scheduledStartAt).getTime();
  let end: number;
  if (s.actualEndAt) end = s.actualEndAt.getTime();
  else if (s.state === "live") end = Math.max(start, now);
  else end = s.plannedEndAt.getTime();
  return { start, end: Math.max(start, end) };
}

export async function sessionAttendance(
  db: Db,
  sessionId: number,
  /** `only`: just these members (one member's page), reading only their events and their cell rooms'. */
  opts: { reconnectWindowMs: number; now?: number; only?: readonly number[] },
): Promise<SessionAttendance | undefined> {
  const session = await first(db.select().from(liveSessions).where(eq(liveSessions.id, sessionId)));
  if (!session) return undefined;
  const { start, end } = sessionSpan(session, opts.now ?? Date.now());
  const rule = { presentMinPercent: session.presentMinPercent, lateAfterMinutes: session.lateAfterMinutes };
  const invited = await invitedMembers(db, sessionId, opts.only);

  const eventsOf = (ids?: readonly number[]) => ledgerRows(db, sessionId, ids);
  let rows = await eventsOf(opts.only);
  if (opts.only) {
    // The screens of the cell rooms these members were checked in at bound their presence there.
    const have = new Set(opts.only);
    const screens = [...new Set(rows.filter((r) => r.via === "cell-room" && r.cellRoomMemberId != null && !have.has(r.cellRoomMemberId)).map((r) => r.cellRoomMemberId!))];
    if (screens.length) rows = [...rows, ...(await eventsOf(screens))].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
  }
  const byMember = new Map<number, LedgerEvent[]>();
  for (const r of rows) {
    if (!byMember.has(r.memberId)) byMember.set(r.memberId, []);
    byMember.get(r.memberId)!.push(toLedgerEvent(r));
  }

  // Cell room screens: their own (individual) presence bounds the presence of those checked in.
  const hostIds = new Set(rows.filter((r) => r.via === "cell-room" && r.cellRoomMemberId != null).map((r) => r.cellRoomMemberId!));
  const hosts = new Map<number, Interval[]>();
  for (const h of hostIds) {
    const own = (byMember.get(h) ?? []).filter((e) => e.via === "individual");
    hosts.set(h, mergeIntervals(own, { reconnectWindowMs: opts.reconnectWindowMs, sessionStart: -Infinity, sessionEnd: Infinity }).individual);
  }

  const corrections = new Map<number, MemberAttendance["corrected"]>();
  const corrRows = await db
    .select()
    .from(attendanceCorrections)
    .where(
      opts.only
        ? and(eq(attendanceCorrections.sessionId, sessionId), inArray(attendanceCorrections.memberId, [...opts.only]))
        : eq(attendanceCorrections.sessionId, sessionId),
    )
    .orderBy(desc(attendanceCorrections.at), desc(attendanceCorrections.id));
  for (const c of corrRows) {
    if (!corrections.has(c.memberId)) corrections.set(c.memberId, { status: c.status, reason: c.reason, by: c.correctedBy, at: c.at });
  }

  const out: MemberAttendance[] = invited.map((m) => {
    const merged = mergeIntervals(byMember.get(m.id) ?? [], {
      reconnectWindowMs: opts.reconnectWindowMs,
      sessionStart: start,
      sessionEnd: end,
      cellRoomHosts: hosts,
    });
    const { status, percent } = attendanceStatus(merged, rule, start, end);
    const via = merged.individualMs > 0 && merged.cellRoomMs > 0 ? "both" : merged.individualMs > 0 ? "individual" : merged.cellRoomMs > 0 ? "cell-room" : null;
    return {
      memberId: m.id,
      code: m.code,
      fullName: m.fullName,
      unitId: m.unitId,
      status,
      corrected: corrections.get(m.id) ?? null,
      minutes: Math.round(merged.presentMs / 60_000),
      presentMs: merged.presentMs,
      percent: Math.round(percent * 10) / 10,
      via,
      firstJoin: merged.intervals.length ? new Date(merged.intervals[0].start) : null,
      lastLeave: merged.intervals.length ? new Date(merged.intervals[merged.intervals.length - 1].end) : null,
      intervals: merged.intervals,
    };
  });
  return { sessionId, start: new Date(start), end: new Date(end), rule, members: out };
}

/** Records a trainer's correction (never touches the events). */
export async function correctAttendance(
  db: Db,
  c: { sessionId: number; memberId: number; status: AttendanceOverride; reason: string; correctedBy: number | null; at?: Date },
) {
  const reason = c.reason.normalize("NFC").trim();
  if (!reason) throw new Error("a correction needs a reason");
  return writeTx(db, async (tx) => {
    const row = await one(tx
      .insert(attendanceCorrections)
      .values({ sessionId: c.sessionId, memberId: c.memberId, status: c.status, reason, correctedBy: c.correctedBy, at: c.at ?? new Date() })
      .returning());
    // Course items asking to attend this session are settled again (app/courses/live-items.server.ts).
    await tx.update(liveSessions).set({ coursesSettledAt: null }).where(eq(liveSessions.id, c.sessionId));
    return row;
  });
}
