/** The ledger as the interval logic reads it (DB reads shared by the media server and the app). */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { attendanceEvents, attendanceLastSeen } from "#db/schema/index.ts";
import type { LedgerEvent } from "./attendance.ts";


/** A ledger row as the interval logic needs it. */
export type LedgerRow = Pick<typeof attendanceEvents.$inferSelect, "id" | "memberId" | "kind" | "at" | "via" | "connectionId" | "cellRoomMemberId" | "nodeId">;
export function toLedgerEvent(r: LedgerRow): LedgerEvent {
  return { kind: r.kind, at: r.at.getTime(), via: r.via, connectionId: r.connectionId, cellRoomMemberId: r.cellRoomMemberId, nodeId: r.nodeId };
}

/**
 * A session's ledger as the interval logic reads it, for everyone or for some members, in time
 * order: the appended events, plus each key's last sign of life (attendance_last_seen) as one
 * heartbeat — the only heartbeat of a key the logic ever needs (it refreshes an open key's
 * last-seen time, where a crash closes it). Older databases may also hold heartbeat events;
 * they are read like any other event.
 */
export async function ledgerRows(db: Db, sessionId: number, memberIds?: readonly number[]): Promise<LedgerRow[]> {
  const events = await db
    .select({
      id: attendanceEvents.id,
      memberId: attendanceEvents.memberId,
      kind: attendanceEvents.kind,
      at: attendanceEvents.at,
      via: attendanceEvents.via,
      connectionId: attendanceEvents.connectionId,
      cellRoomMemberId: attendanceEvents.cellRoomMemberId,
      nodeId: attendanceEvents.nodeId,
    })
    .from(attendanceEvents)
    .where(memberIds ? and(eq(attendanceEvents.sessionId, sessionId), inArray(attendanceEvents.memberId, [...memberIds])) : eq(attendanceEvents.sessionId, sessionId));
  const seen = (await db
    .select()
    .from(attendanceLastSeen)
    .where(memberIds ? and(eq(attendanceLastSeen.sessionId, sessionId), inArray(attendanceLastSeen.memberId, [...memberIds])) : eq(attendanceLastSeen.sessionId, sessionId)))
    // Before any event of the same instant: a stop or disconnect then still closes the key, rather
    // than a heartbeat after it reopening one (a heartbeat keeps an open key alive, or opens an
    // unseen one; either way the event that follows at that instant decides).
    .map((r) => ({ id: 0, memberId: r.memberId, kind: "heartbeat" as const, at: r.at, via: r.via, connectionId: r.connectionId, cellRoomMemberId: r.cellRoomMemberId, nodeId: r.nodeId }));
  return [...events, ...seen].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
}


