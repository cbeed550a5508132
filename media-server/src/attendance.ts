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
        at: p("at"),
      })
      .onConflictDoUpdate({
        target: [attendanceLastSeen.sessionId, attendanceLastSeen.memberId, attendanceLastSeen.key],
        // Never backwards (a late tick after a newer one changes nothing).
        set: { at: sql`CASE WHEN excluded.at > ${attendanceLastSeen.at} THEN excluded.at ELSE ${attendanceLastSeen.at} END` },
      })
      .prepare(),
  );

export class AttendanceLedger {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
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
   * sign of life (its last heartbeat). Run once at start, before accepting sockets. Idempotent:
   * the closing events have deterministic ids.
   */
  async closeOpenIntervals(): Promise<{ closed: number }> {
    // Candidates: (session, member) pairs where some key's (connection's, cell room's) latest
    // event is not a closing one and no later "close everything" server-stop follows it.
    const candidates = (await rawRows<{ session_id: number; member_id: number }>(this.db, sql`
      SELECT e.session_id, e.member_id FROM attendance_events e
      JOIN (SELECT max(id) AS max_id FROM attendance_events
            GROUP BY session_id, member_id, via, coalesce(connection_id, ''), coalesce(cell_room_member_id, 0)) l
        ON l.max_id = e.id
      WHERE e.kind NOT IN ('socket-disconnect', 'checkout', 'server-stop')
        AND NOT EXISTS (SELECT 1 FROM attendance_events s
                        WHERE s.session_id = e.session_id AND s.member_id = e.member_id AND s.kind = 'server-stop'
                          AND s.connection_id IS NULL AND s.cell_room_member_id IS NULL AND s.id > e.id)
      GROUP BY e.session_id, e.member_id`)).map((r) => ({ sessionId: r.session_id, memberId: r.member_id }));
    let closed = 0;
    for (const c of candidates) {
      const { open } = replay((await ledgerRows(this.db, c.sessionId, [c.memberId])).map(toLedgerEvent));
      for (const k of open) {
        const inserted = await this.append({
          eventId: `recover:${c.sessionId}:${c.memberId}:${k.key}:${k.lastSeen}`,
          sessionId: c.sessionId,
          memberId: c.memberId,
          kind: k.via === "cell-room" ? "checkout" : "server-stop",
          via: k.via,
          connectionId: k.connectionId ?? (k.via === "individual" ? "" : null),
          cellRoomMemberId: k.cellRoomMemberId,
          at: k.lastSeen,
          detail: { reason: "crash-recovery" },
        });
        if (inserted) closed++;
      }
    }
    return { closed };
  }
}

