/**
 * Attendance: the pure interval logic and the report built from the ledger (what the media server
 * observed), plus trainers' corrections. No mediasoup import: the app's attendance pages use it,
 * and the media server (which writes the ledger, media-server/src/attendance.ts) imports it from
 * here — never the other way round.
 *
 * Reading: `mergeIntervals` (pure) turns one member's events into presence intervals, and
 * `sessionAttendance` applies the session's rule to every invited member, absentees included.
 */
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import {
  attendanceCorrections,
  attendanceEvents,
  attendanceLastSeen,
  liveSessionInvites,
  liveSessions,
  members,
  units,
  type AttendanceEventKind,
  type AttendanceOverride,
  type AttendanceStatus,
  type AttendanceVia,
} from "#db/schema/index.ts";

// ---------------------------------------------------------------------------------------------
// Pure interval logic
// ---------------------------------------------------------------------------------------------

export type LedgerEvent = {
  kind: AttendanceEventKind;
  /** ms since epoch */
  at: number;
  via: AttendanceVia;
  connectionId?: string | null;
  cellRoomMemberId?: number | null;
};

export type Interval = { start: number; end: number };

export type MergeOptions = {
  /** Gaps strictly shorter than this are joined. */
  reconnectWindowMs: number;
  sessionStart: number;
  sessionEnd: number;
  /**
   * Presence of each cell room's own screen (its host member's individual intervals). When given,
   * a member checked in to a cell room is present only while that room's screen is.
   */
  cellRoomHosts?: ReadonlyMap<number, Interval[]>;
};

export type MergeResult = {
  /** Individual presence (own device), gaps joined, clipped to the session. */
  individual: Interval[];
  /** Presence via a cell room, gaps joined, clipped to the session. */
  cellRoom: Interval[];
  /** Union of both (counted once), gaps joined, clipped: what attendance is computed from. */
  intervals: Interval[];
  presentMs: number;
  individualMs: number;
  cellRoomMs: number;
  /** Keys (connections, cell rooms) still open after the last event. */
  open: OpenKey[];
};

export type OpenKey = { key: string; via: AttendanceVia; since: number; lastSeen: number; connectionId: string | null; cellRoomMemberId: number | null };

const OPENING = new Set<AttendanceEventKind>(["socket-connect", "transport-connected", "checkin"]);
const CLOSING = new Set<AttendanceEventKind>(["socket-disconnect", "checkout", "server-stop"]);
/** Seen on an open key: refreshes its last-seen time (and opens a key never seen before). */
const KEEPALIVE = new Set<AttendanceEventKind>(["heartbeat", "transport-disconnected"]);

/** One key of the ledger: a connection, or a member's check-in at one cell room's screen. */
export function keyOf(e: Pick<LedgerEvent, "via" | "connectionId" | "cellRoomMemberId">): string {
  if (e.via === "cell-room") return `cell-room:${e.cellRoomMemberId ?? 0}`;
  return `conn:${e.connectionId ?? ""}`;
}

export type Raw = { individual: Interval[]; cellRoom: Map<number, Interval[]>; open: OpenKey[] };

/**
 * Replays events (sorted by time; ties keep input order) through a small state machine: each
 * connection (individual) or cell room check-in is a key that opens, stays alive, and closes.
 * A key left open at the end is closed at its last sign of life (the last heartbeat), never at
 * "now": that is what makes a server crash cost at most one heartbeat period.
 */
export function replay(events: readonly LedgerEvent[]): Raw {
  const sorted = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i);
  const open = new Map<string, OpenKey>();
  const closed = new Set<string>();
  const individual: Interval[] = [];
  const cellRoom = new Map<number, Interval[]>();
  const emit = (k: OpenKey, end: number) => {
    const iv = { start: k.since, end: Math.max(k.since, end) };
    if (k.via === "individual") individual.push(iv);
    else {
      const host = k.cellRoomMemberId ?? 0;
      if (!cellRoom.has(host)) cellRoom.set(host, []);
      cellRoom.get(host)!.push(iv);
    }
  };
  for (const { e } of sorted) {
    // A server-stop naming no connection and no cell room closes everything (graceful shutdown).
    if (e.kind === "server-stop" && e.connectionId == null && e.cellRoomMemberId == null) {
      for (const k of open.values()) emit(k, e.at);
      open.clear();
      continue;
    }
    const key = keyOf(e);
    const cur = open.get(key);
    if (OPENING.has(e.kind) || (KEEPALIVE.has(e.kind) && !cur && !closed.has(key))) {
      if (cur) cur.lastSeen = Math.max(cur.lastSeen, e.at);
      else {
        closed.delete(key);
        open.set(key, {
          key,
          via: e.via,
          since: e.at,
          lastSeen: e.at,
          connectionId: e.connectionId ?? null,
          cellRoomMemberId: e.via === "cell-room" ? (e.cellRoomMemberId ?? null) : null,
        });
      }
    } else if (KEEPALIVE.has(e.kind)) {
      if (cur) cur.lastSeen = Math.max(cur.lastSeen, e.at);
    } else if (CLOSING.has(e.kind)) {
      if (cur) {
        emit(cur, e.at);
        open.delete(key);
        closed.add(key);
      }
    }
    // poll-answer: recorded, not presence.
  }
  const left = [...open.values()];
  for (const k of left) emit(k, k.lastSeen);
  return { individual, cellRoom, open: left };
}

/** Sorts, unions overlapping intervals and joins gaps shorter than `gapMs`. */
export function unionIntervals(ivs: readonly Interval[], gapMs = 0): Interval[] {
  const s = ivs.filter((i) => i.end >= i.start).map((i) => ({ ...i })).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const iv of s) {
    const last = out[out.length - 1];
    if (last && iv.start - last.end < gapMs) last.end = Math.max(last.end, iv.end);
    else if (last && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
    else out.push(iv);
  }
  return out;
}

export function intersectIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const A = unionIntervals(a);
  const B = unionIntervals(b);
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < A.length && j < B.length) {
    const start = Math.max(A[i].start, B[j].start);
    const end = Math.min(A[i].end, B[j].end);
    if (end > start) out.push({ start, end });
    if (A[i].end < B[j].end) i++;
    else j++;
  }
  return out;
}

export function clipIntervals(ivs: readonly Interval[], start: number, end: number): Interval[] {
  const out: Interval[] = [];
  for (const iv of ivs) {
    const s = Math.max(iv.start, start);
    const e = Math.min(iv.end, end);
    if (e > s) out.push({ start: s, end: e });
  }
  return out;
}

export const totalMs = (ivs: readonly Interval[]) => ivs.reduce((n, iv) => n + (iv.end - iv.start), 0);

/**
 * One member's presence from their raw events. Individual and cell-room presence are computed
 * separately, then united, so an overlap is counted once. Gaps shorter than the reconnect window
 * are joined (within each channel and across them). Everything is clipped to the session.
 */
export function mergeIntervals(events: readonly LedgerEvent[], opts: MergeOptions): MergeResult {
  const raw = replay(events);
  const gap = opts.reconnectWindowMs;
  const individualJoined = unionIntervals(raw.individual, gap);
  const cellRoomRaw: Interval[] = [];
  for (const [host, ivs] of raw.cellRoom) {
    const hostPresence = opts.cellRoomHosts?.get(host);
    cellRoomRaw.push(...(opts.cellRoomHosts ? intersectIntervals(ivs, hostPresence ?? []) : ivs));
  }
  const cellRoomJoined = unionIntervals(cellRoomRaw, gap);
  const united = unionIntervals([...individualJoined, ...cellRoomJoined], gap);
  const individual = clipIntervals(individualJoined, opts.sessionStart, opts.sessionEnd);
  const cellRoom = clipIntervals(cellRoomJoined, opts.sessionStart, opts.sessionEnd);
  const intervals = clipIntervals(united, opts.sessionStart, opts.sessionEnd);
  return {
    individual,
    cellRoom,
    intervals,
    presentMs: totalMs(intervals),
    individualMs: totalMs(individual),
    cellRoomMs: totalMs(cellRoom),
    open: raw.open,
  };
}

export type AttendanceRule = { presentMinPercent: number; lateAfterMinutes: number };

/**
 * absent: never present during the session. late: first joined after start + lateAfterMinutes.
 * present: on time and at least presentMinPercent of the session. left-early: on time, too little.
 */
export function attendanceStatus(
  m: Pick<MergeResult, "intervals" | "presentMs">,
  rule: AttendanceRule,
  sessionStart: number,
  sessionEnd: number,
): { status: AttendanceStatus; percent: number } {
  const duration = Math.max(0, sessionEnd - sessionStart);
  if (m.intervals.length === 0 || m.presentMs <= 0) return { status: "absent", percent: 0 };
  const percent = duration > 0 ? Math.min(100, (m.presentMs / duration) * 100) : 0;
  if (m.intervals[0].start > sessionStart + rule.lateAfterMinutes * 60_000) return { status: "late", percent };
  return { status: percent >= rule.presentMinPercent ? "present" : "left-early", percent };
}


type EventRow = Pick<typeof attendanceEvents.$inferSelect, "id" | "memberId" | "kind" | "at" | "via" | "connectionId" | "cellRoomMemberId">;
export function toLedgerEvent(r: EventRow): LedgerEvent {
  return { kind: r.kind, at: r.at.getTime(), via: r.via, connectionId: r.connectionId, cellRoomMemberId: r.cellRoomMemberId };
}

/**
 * A session's ledger as the interval logic reads it, for everyone or for some members, in time
 * order: the appended events, plus each key's last sign of life (attendance_last_seen) as one
 * heartbeat — the only heartbeat of a key the logic ever needs (it refreshes an open key's
 * last-seen time, where a crash closes it). Older databases may also hold heartbeat events;
 * they are read like any other event.
 */
export function ledgerRows(db: Db, sessionId: number, memberIds?: readonly number[]): EventRow[] {
  const events = db
    .select({
      id: attendanceEvents.id,
      memberId: attendanceEvents.memberId,
      kind: attendanceEvents.kind,
      at: attendanceEvents.at,
      via: attendanceEvents.via,
      connectionId: attendanceEvents.connectionId,
      cellRoomMemberId: attendanceEvents.cellRoomMemberId,
    })
    .from(attendanceEvents)
    .where(memberIds ? and(eq(attendanceEvents.sessionId, sessionId), inArray(attendanceEvents.memberId, [...memberIds])) : eq(attendanceEvents.sessionId, sessionId))
    .all();
  const seen = db
    .select()
    .from(attendanceLastSeen)
    .where(memberIds ? and(eq(attendanceLastSeen.sessionId, sessionId), inArray(attendanceLastSeen.memberId, [...memberIds])) : eq(attendanceLastSeen.sessionId, sessionId))
    .all()
    // Before any event of the same instant: a stop or disconnect then still closes the key, rather
    // than a heartbeat after it reopening one (a heartbeat keeps an open key alive, or opens an
    // unseen one; either way the event that follows at that instant decides).
    .map((r) => ({ id: 0, memberId: r.memberId, kind: "heartbeat" as const, at: r.at, via: r.via, connectionId: r.connectionId, cellRoomMemberId: r.cellRoomMemberId }));
  return [...events, ...seen].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
}


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

/**
 * Members invited to a session: directly, or because their unit lies in an invited unit's subtree
 * (materialised path prefix; plain SQL both SQLite and PostgreSQL run).
 */
export function invitedCondition(sessionId: number) {
  const iu = sql`iu`;
  return sql`(EXISTS (SELECT 1 FROM ${liveSessionInvites} i JOIN ${units} ${iu} ON ${iu}.id = i.unit_id
                      WHERE i.session_id = ${sessionId} AND substr(${units.path}, 1, length(${iu}.path)) = ${iu}.path)
              OR EXISTS (SELECT 1 FROM ${liveSessionInvites} i WHERE i.session_id = ${sessionId} AND i.member_id = ${members.id}))`;
}

export function invitedMembers(db: Db, sessionId: number, only?: readonly number[]) {
  return db
    .select({ id: members.id, code: members.code, fullName: members.fullName, unitId: members.unitId, status: members.status })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(only ? and(inArray(members.id, [...only]), invitedCondition(sessionId)) : invitedCondition(sessionId))
    .orderBy(asc(members.code))
    .all();
}

export function isMemberInvited(db: Db, sessionId: number, memberId: number): boolean {
  return (
    db
      .select({ id: members.id })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(and(eq(members.id, memberId), invitedCondition(sessionId)))
      .get() !== undefined
  );
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

export function sessionAttendance(
  db: Db,
  sessionId: number,
  /** `only`: just these members (one member's page), reading only their events and their cell rooms'. */
  opts: { reconnectWindowMs: number; now?: number; only?: readonly number[] },
): SessionAttendance | undefined {
  const session = db.select().from(liveSessions).where(eq(liveSessions.id, sessionId)).get();
  if (!session) return undefined;
  const { start, end } = sessionSpan(session, opts.now ?? Date.now());
  const rule = { presentMinPercent: session.presentMinPercent, lateAfterMinutes: session.lateAfterMinutes };
  const invited = invitedMembers(db, sessionId, opts.only);

  const eventsOf = (ids?: readonly number[]) => ledgerRows(db, sessionId, ids);
  let rows = eventsOf(opts.only);
  if (opts.only) {
    // The screens of the cell rooms these members were checked in at bound their presence there.
    const have = new Set(opts.only);
    const screens = [...new Set(rows.filter((r) => r.via === "cell-room" && r.cellRoomMemberId != null && !have.has(r.cellRoomMemberId)).map((r) => r.cellRoomMemberId!))];
    if (screens.length) rows = [...rows, ...eventsOf(screens)].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
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
  const corrRows = db
    .select()
    .from(attendanceCorrections)
    .where(
      opts.only
        ? and(eq(attendanceCorrections.sessionId, sessionId), inArray(attendanceCorrections.memberId, [...opts.only]))
        : eq(attendanceCorrections.sessionId, sessionId),
    )
    .orderBy(desc(attendanceCorrections.at), desc(attendanceCorrections.id))
    .all();
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
export function correctAttendance(
  db: Db,
  c: { sessionId: number; memberId: number; status: AttendanceOverride; reason: string; correctedBy: number | null; at?: Date },
) {
  const reason = c.reason.normalize("NFC").trim();
  if (!reason) throw new Error("a correction needs a reason");
  return writeTx(db, (tx) => {
    const row = tx
      .insert(attendanceCorrections)
      .values({ sessionId: c.sessionId, memberId: c.memberId, status: c.status, reason, correctedBy: c.correctedBy, at: c.at ?? new Date() })
      .returning()
      .get();
    // Course items asking to attend this session are settled again (app/courses/live-items.server.ts).
    tx.update(liveSessions).set({ coursesSettledAt: null }).where(eq(liveSessions.id, c.sessionId)).run();
    return row;
  });
}
