/**
 * The attendance ledger's event types and its pure interval logic, shared by the media server
 * (crash recovery closes what `replay` finds open) and the app (reports). No I/O here; the
 * ledger's reads are in ledger.server.ts.
 *
 * `mergeIntervals` turns one member's events into presence intervals; the app's report applies
 * the session's rule (`attendanceStatus`) to every invited member, absentees included.
 */
import type { AttendanceEventKind, AttendanceStatus, AttendanceVia } from "#db/schema/index.ts";


export type LedgerEvent = {
  kind: AttendanceEventKind;
  /** ms since epoch */
  at: number;
  via: AttendanceVia;
  connectionId?: string | null;
  cellRoomMemberId?: number | null;
  /**
   * The media node that saw it (ADR 0016); null on a single node. A key belongs to the node of its
   * latest event, and a "close everything" server-stop from a node closes only that node's keys.
   */
  nodeId?: string | null;
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

export type OpenKey = {
  key: string;
  via: AttendanceVia;
  since: number;
  lastSeen: number;
  connectionId: string | null;
  cellRoomMemberId: number | null;
  /** The node of the key's latest event (null on a single node). */
  nodeId: string | null;
};

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
    // A server-stop naming no connection and no cell room closes everything (graceful shutdown):
    // everything that node holds, when it names its node; everything at all when it names none.
    if (e.kind === "server-stop" && e.connectionId == null && e.cellRoomMemberId == null) {
      const node = e.nodeId ?? null;
      for (const k of [...open.values()]) {
        if (node !== null && k.nodeId !== node) continue;
        emit(k, e.at);
        open.delete(k.key);
      }
      continue;
    }
    const key = keyOf(e);
    const cur = open.get(key);
    if (OPENING.has(e.kind) || (KEEPALIVE.has(e.kind) && !cur && !closed.has(key))) {
      if (cur) {
        cur.lastSeen = Math.max(cur.lastSeen, e.at);
        cur.nodeId = e.nodeId ?? null;
      } else {
        closed.delete(key);
        open.set(key, {
          key,
          via: e.via,
          since: e.at,
          lastSeen: e.at,
          connectionId: e.connectionId ?? null,
          cellRoomMemberId: e.via === "cell-room" ? (e.cellRoomMemberId ?? null) : null,
          nodeId: e.nodeId ?? null,
        });
      }
    } else if (KEEPALIVE.has(e.kind)) {
      if (cur) {
        cur.lastSeen = Math.max(cur.lastSeen, e.at);
        cur.nodeId = e.nodeId ?? null;
      }
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
