/**
 * The attendance ledger (writes): every raw observation is appended in its own write
 * transaction, idempotent by its event id (a unique index; a retried append is a no-op).
 * Heartbeats are not appended: each tick moves every open key's last-seen time forward, in one
 * transaction and one multi-row statement (attendance_last_seen: one row per key, however long
 * the session).
 *
 * The interval logic and the ledger's reads are shared with the app (#live/attendance.ts,
 * #live/ledger.server.ts); the app's report reads what this writes, neither imports the other.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { prepared } from "#db/prepared.server.ts";
import { affectedRows, rawRows } from "#db/dialect.server.ts";
import { attendanceEvents, attendanceLastSeen, type AttendanceEventKind, type AttendanceVia } from "#db/schema/index.ts";
import { keyOf, replay, type LedgerEvent } from "#live/attendance.ts";
import { ledgerRows, toLedgerEvent } from "#live/ledger.server.ts";

// ---------------------------------------------------------------------------------------------
// Ledger (writes)
// ---------------------------------------------------------------------------------------------

export type NewAttendanceEvent = LedgerEvent & {
  sessionId: number;
  memberId: number;
  /** Omit for a server-generated id. */
  eventId?: string;
  detail?: Record<string, unknown> | null;
};

/** A key seen alive at a heartbeat tick. */
export type Sighting = { sessionId: number; memberId: number; via: AttendanceVia; connectionId?: string | null; cellRoomMemberId?: number | null; at: number };

const p = (name: string) => sql.placeholder(name);

/**
 * Built once per connection (the write connection, inside writeTx): the hot path (heartbeats,
 * joins) skips drizzle's query building.
 */
const insertStmt = (tx: Db) =>
  prepared(tx, "ledger.insert", (d) =>
    d
      .insert(attendanceEvents)
      .values({
        eventId: p("eventId"),
        sessionId: p("sessionId"),
        memberId: p("memberId"),
        kind: p("kind"),
        via: p("via"),
        cellRoomMemberId: p("cellRoomMemberId"),
        connectionId: p("connectionId"),
        nodeId: p("nodeId"),
        detail: p("detail"),
        at: p("at"),
        recordedAt: p("recordedAt"),
      })
      .onConflictDoNothing({ target: attendanceEvents.eventId })
      .prepare(),
  );

/**
 * Rows per last-seen statement: 8 parameters a row, far under SQLite's 32,766 variables and
 * PostgreSQL's 65,535 parameters; a tick of up to this many keys is one statement.
 */
export const TOUCH_CHUNK = 1000;

type SeenRow = typeof attendanceLastSeen.$inferInsert;

/**
 * One multi-row upsert of last-seen rows (issue 12: one statement per tick, not one per key).
 * The same SQL on both engines. Never backwards (a late tick after a newer one changes nothing);
 * the node is the one whose tick is the latest.
 */
const upsertSeen = (tx: Db, rows: SeenRow[]) =>
  tx
    .insert(attendanceLastSeen)
    .values(rows)
    .onConflictDoUpdate({
      target: [attendanceLastSeen.sessionId, attendanceLastSeen.memberId, attendanceLastSeen.key],
      set: {
        at: sql`CASE WHEN excluded.at > ${attendanceLastSeen.at} THEN excluded.at ELSE ${attendanceLastSeen.at} END`,
        nodeId: sql`CASE WHEN excluded.at > ${attendanceLastSeen.at} THEN excluded.node_id ELSE ${attendanceLastSeen.nodeId} END`,
      },
    });

/**
 * Whose open intervals a recovery closes (ADR 0016):
 * - `all`: every open key (a single node, the default: nobody else writes the ledger);
 * - `node`: a cluster node at start-up, its own leftovers (any earlier instance of the node id)
 *   and keys written with no node (before it joined a cluster);
 * - `instance`: a survivor, the keys of one dead instance the registry named.
 */
const CLOSING_KINDS = new Set<AttendanceEventKind>(["socket-disconnect", "checkout", "server-stop"]);

export type RecoveryScope = { all: true } | { node: string } | { instance: string };

/** The instance a cluster node writes in the ledger: its node id and a random suffix per start. */
export const ledgerInstance = (nodeId: string, suffix: string) => `${nodeId}/${suffix}`;

export class AttendanceLedger {
  /**
   * `instance`: what every event and last-seen row of this ledger records as its node (ADR 0016):
   * a cluster node's `<node id>/<random per start>`; null on a single node.
   */
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    readonly instance: string | null = null,
  ) {}

  /**
   * One heartbeat tick: every key seen alive now, in one transaction and one statement (chunks of
   * TOUCH_CHUNK keys beyond that). Returns how many sightings.
   *
   * A key sighted twice in a tick is one row with the later time (PostgreSQL refuses a statement
   * that upserts the same row twice; one key per row after the other gave the same result). Rows
   * go in key order, so two nodes' ticks lock shared rows in the same order.
   */
  async touch(sightings: readonly Sighting[]): Promise<number> {
    if (sightings.length === 0) return 0;
    const byKey = new Map<string, SeenRow & { at: Date }>();
    for (const s of sightings) {
      const connectionId = s.connectionId ?? null;
      const cellRoomMemberId = s.cellRoomMemberId ?? null;
      const key = keyOf({ via: s.via, connectionId, cellRoomMemberId });
      const id = `${s.sessionId}:${s.memberId}:${key}`;
      const prev = byKey.get(id);
      if (prev) {
        if (s.at > prev.at.getTime()) prev.at = new Date(s.at);
        continue;
      }
      byKey.set(id, { sessionId: s.sessionId, memberId: s.memberId, key, via: s.via, connectionId, cellRoomMemberId, nodeId: this.instance, at: new Date(s.at) });
    }
    const rows = [...byKey.values()].sort(
      (a, b) => a.sessionId - b.sessionId || a.memberId - b.memberId || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    await writeTx(this.db, async (tx) => {
      for (let i = 0; i < rows.length; i += TOUCH_CHUNK) await upsertSeen(tx, rows.slice(i, i + TOUCH_CHUNK));
    });
    return sightings.length;
  }

  private async insert(tx: Db, e: NewAttendanceEvent): Promise<boolean> {
    const r = await insertStmt(tx).execute({
      eventId: e.eventId ?? randomUUID(),
      sessionId: e.sessionId,
      memberId: e.memberId,
      kind: e.kind,
      via: e.via,
      cellRoomMemberId: e.cellRoomMemberId ?? null,
      connectionId: e.connectionId ?? null,
      nodeId: e.nodeId === undefined ? this.instance : e.nodeId,
      detail: e.detail ?? null,
      at: new Date(e.at),
      recordedAt: new Date(this.now()),
    });
    return affectedRows(r) > 0;
  }

  /** Appends one event durably (its own transaction). Returns false if its id was already there. */
  async append(e: NewAttendanceEvent): Promise<boolean> {
    return writeTx(this.db, async (tx) => this.insert(tx, e));
  }

  /** Appends a batch (one heartbeat tick) in one transaction; returns how many were new. */
  async appendMany(events: readonly NewAttendanceEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    return writeTx(this.db, async (tx) => {
      let n = 0;
      for (const e of events) if (await this.insert(tx, e)) n++;
      return n;
    });
  }

  /**
   * This node was taken for dead while it was alive (ADR 0016, issue 13: a starved process): a
   * survivor closed its open keys at their last heartbeat, yet its connections and check-ins are
   * still here (`held`: what the heartbeat tick sights). Each held key the ledger shows closed is
   * opened again with the event that opened it (socket-connect, checkin), now: the interval logic
   * joins it to the closed one within the reconnect window. The event id names the instance, the
   * key and when it was closed, so a repeated notice of the same reap writes nothing new.
   */
  async reopenHeld(held: readonly Sighting[], at = this.now()): Promise<{ reopened: number }> {
    const bySession = new Map<number, Map<number, Sighting[]>>();
    for (const s of held) {
      let byMember = bySession.get(s.sessionId);
      if (!byMember) bySession.set(s.sessionId, (byMember = new Map()));
      byMember.set(s.memberId, [...(byMember.get(s.memberId) ?? []), s]);
    }
    let reopened = 0;
    for (const [sessionId, byMember] of bySession) {
      const rows = await ledgerRows(this.db, sessionId, [...byMember.keys()]);
      for (const [memberId, keys] of byMember) {
        const events = rows.filter((r) => r.memberId === memberId).map(toLedgerEvent);
        const open = new Set(replay(events).open.map((k) => k.key));
        for (const s of keys) {
          const e = { via: s.via, connectionId: s.connectionId ?? null, cellRoomMemberId: s.cellRoomMemberId ?? null };
          const key = keyOf(e);
          if (open.has(key)) continue;
          open.add(key);
          // What closed it: its own closing event, or a "close everything" server-stop.
          const closing = events.filter(
            (x) => CLOSING_KINDS.has(x.kind) && (keyOf(x) === key || (x.kind === "server-stop" && x.connectionId == null && x.cellRoomMemberId == null)),
          );
          const closedAt = closing.length ? closing[closing.length - 1].at : 0;
          const inserted = await this.append({
            eventId: `reopen:${this.instance ?? ""}:${sessionId}:${memberId}:${key}:${closedAt}`,
            sessionId,
            memberId,
            kind: s.via === "cell-room" ? "checkin" : "socket-connect",
            ...e,
            at,
            detail: { reason: "taken-for-dead", closedAt },
          });
          if (inserted) reopened++;
        }
      }
    }
    return { reopened };
  }

  /**
   * After a crash, closes every connection or check-in the ledger still shows open, at its last
   * sign of life (its last heartbeat). Run once at start, before accepting sockets, and by a
   * survivor for a dead node's instance (ADR 0016). Idempotent, and safe when two nodes race: the
   * closing events have deterministic ids.
   *
   * With no scope: this ledger's own (every open key on a single node; on a cluster node, its
   * node id's earlier instances and keys with no node).
   */
  async closeOpenIntervals(scope?: RecoveryScope, reason = "crash-recovery"): Promise<{ closed: number }> {
    const sc: RecoveryScope = scope ?? (this.instance === null ? { all: true } : { node: this.instance.slice(0, this.instance.lastIndexOf("/")) });
    const owns = (node: string | null): boolean =>
      "all" in sc ? true : "instance" in sc ? node === sc.instance : node === null || node.startsWith(`${sc.node}/`);
    // The latest event of a key names the node holding it (a key's last-seen row is written by the
    // same node): candidates are filtered by it here and checked again on each open key below.
    const byNode =
      "all" in sc
        ? sql`1 = 1`
        : "instance" in sc
          ? sql`e.node_id = ${sc.instance}`
          : sql`(e.node_id IS NULL OR substr(e.node_id, 1, ${sc.node.length + 1}) = ${`${sc.node}/`})`;
    // Candidates: (session, member) pairs where some key's (connection's, cell room's) latest
    // event is not a closing one and no later "close everything" server-stop of its node (or of
    // no node) follows it.
    const rows = await rawRows<{ session_id: number; member_id: number }>(this.db, sql`
      SELECT e.session_id, e.member_id FROM attendance_events e
      JOIN (SELECT max(id) AS max_id FROM attendance_events
            GROUP BY session_id, member_id, via, coalesce(connection_id, ''), coalesce(cell_room_member_id, 0)) l
        ON l.max_id = e.id
      WHERE e.kind NOT IN ('socket-disconnect', 'checkout', 'server-stop')
        AND ${byNode}
        AND NOT EXISTS (SELECT 1 FROM attendance_events s
                        WHERE s.session_id = e.session_id AND s.member_id = e.member_id AND s.kind = 'server-stop'
                          AND s.connection_id IS NULL AND s.cell_room_member_id IS NULL AND s.id > e.id
                          AND (s.node_id IS NULL OR s.node_id = e.node_id))
      GROUP BY e.session_id, e.member_id`);
    const candidates = rows.map((r) => ({ sessionId: r.session_id, memberId: r.member_id }));
    let closed = 0;
    for (const c of candidates) {
      const { open } = replay((await ledgerRows(this.db, c.sessionId, [c.memberId])).map(toLedgerEvent));
      for (const k of open) {
        if (!owns(k.nodeId)) continue;
        const inserted = await this.append({
          eventId: `recover:${c.sessionId}:${c.memberId}:${k.key}:${k.lastSeen}`,
          sessionId: c.sessionId,
          memberId: c.memberId,
          kind: k.via === "cell-room" ? "checkout" : "server-stop",
          via: k.via,
          connectionId: k.connectionId ?? (k.via === "individual" ? "" : null),
          cellRoomMemberId: k.cellRoomMemberId,
          // The key's node, so the closing event belongs with what it closes.
          nodeId: k.nodeId,
          at: k.lastSeen,
          detail: { reason, ...(this.instance ? { by: this.instance } : {}) },
        });
        if (inserted) closed++;
      }
    }
    return { closed };
  }
}

