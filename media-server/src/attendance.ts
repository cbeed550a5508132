/**
 * The attendance ledger (writes): every raw observation is appended in its own write
 * transaction, idempotent by its event id (a unique index; a retried append is a no-op).
 * Heartbeats are not appended: each tick moves every open key's last-seen time forward, in one
 * transaction (attendance_last_seen: one row per key, however long the session).
 *
 * The interval logic and the ledger's reads are shared with the app (#live/attendance.ts,
 * #live/ledger.server.ts); the app's report reads what this writes, neither imports the other.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { prepared } from "#db/prepared.server.ts";
import { affectedRows, rawRows } from "#db/dialect.server.ts";
import { attendanceEvents, attendanceLastSeen, type AttendanceVia } from "#db/schema/index.ts";
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

const seenStmt = (tx: Db) =>
  prepared(tx, "ledger.lastSeen", (d) =>
    d
      .insert(attendanceLastSeen)
      .values({
        sessionId: p("sessionId"),
        memberId: p("memberId"),
        key: p("key"),
        via: p("via"),
        connectionId: p("connectionId"),
        cellRoomMemberId: p("cellRoomMemberId"),
        nodeId: p("nodeId"),
        at: p("at"),
      })
      .onConflictDoUpdate({
        target: [attendanceLastSeen.sessionId, attendanceLastSeen.memberId, attendanceLastSeen.key],
        // Never backwards (a late tick after a newer one changes nothing); the node is the one
        // whose tick is the latest.
        set: {
          at: sql`CASE WHEN excluded.at > ${attendanceLastSeen.at} THEN excluded.at ELSE ${attendanceLastSeen.at} END`,
          nodeId: sql`CASE WHEN excluded.at > ${attendanceLastSeen.at} THEN excluded.node_id ELSE ${attendanceLastSeen.nodeId} END`,
        },
      })
      .prepare(),
  );

/**
 * Whose open intervals a recovery closes (ADR 0016):
 * - `all`: every open key (a single node, the default: nobody else writes the ledger);
 * - `node`: a cluster node at start-up, its own leftovers (any earlier instance of the node id)
 *   and keys written with no node (before it joined a cluster);
 * - `instance`: a survivor, the keys of one dead instance the registry named.
 */
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

  /** One heartbeat tick: every key seen alive now, in one transaction. Returns how many. */
  async touch(sightings: readonly Sighting[]): Promise<number> {
    if (sightings.length === 0) return 0;
    await writeTx(this.db, async (tx) => {
      const stmt = seenStmt(tx);
      for (const s of sightings) {
        const connectionId = s.connectionId ?? null;
        const cellRoomMemberId = s.cellRoomMemberId ?? null;
        await stmt.execute({
          sessionId: s.sessionId,
          memberId: s.memberId,
          key: keyOf({ via: s.via, connectionId, cellRoomMemberId }),
          via: s.via,
          connectionId,
          cellRoomMemberId,
          nodeId: this.instance,
          at: new Date(s.at),
        });
      }
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

