import { first } from "#db/first.ts";
/**
 * Cell rooms: the secretary's tick list (checkin/checkout), the screen's rotating QR code, and a
 * phone's one-shot check-in by that code (ADR 0010). A check-in is recorded in the ledger and in
 * the room's CheckinRegistry, whichever way it came.
 */
import { and, eq, inArray } from "drizzle-orm";
import { members, units } from "#db/schema/index.ts";
import { invitedCondition } from "#live/access.server.ts";
import { ClientError } from "../errors.ts";
import type { Room } from "../room.ts";
import type { Connection } from "./connection.ts";
import type { ScreenJoin } from "./media.ts";
import type { On } from "./on.ts";

export function cellRoomHandlers(on: On, conn: Connection): { screenJoin: ScreenJoin; screenLeft: (room: Room | undefined) => void } {
  const { deps, identity, sessionId } = conn;
  const { ledger } = deps;

  /** Members (ids) a cell room may check in: active, invited, and in the cell's subtree. */
  const eligible = async (ids: number[], cellPath = identity.unitPath) => {
    const rows = await deps.db
      .select({ id: members.id, path: units.path })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(and(inArray(members.id, ids), eq(members.status, "active"), invitedCondition(sessionId)));
    return new Set(rows.filter((r) => r.path.startsWith(cellPath)).map((r) => r.id));
  };

  on("checkin", async ({ memberIds, eventId }) => {
    const { peer, room } = conn.currentAs("cell-room");
    const unique = [...new Set(memberIds)];
    const ok = await eligible(unique);
    const checkedIn: number[] = [];
    const refused: number[] = [];
    const now = Date.now();
    for (const id of unique) {
      if (!ok.has(id)) {
        refused.push(id);
        continue;
      }
      await ledger.append({
        eventId: eventId ? `c:${identity.memberId}:${eventId}:in:${id}` : undefined,
        sessionId,
        memberId: id,
        kind: "checkin",
        via: "cell-room",
        cellRoomMemberId: identity.memberId,
        connectionId: peer.connectionId,
        at: now,
      });
      room.checkins.checkIn(identity.memberId, id);
      checkedIn.push(id);
    }
    conn.audienceChanged(room);
    return { checkedIn, refused };
  });

  on("checkout", async ({ memberIds, eventId }) => {
    const { peer, room } = conn.currentAs("cell-room");
    const checkedOut: number[] = [];
    const now = Date.now();
    for (const id of new Set(memberIds)) {
      if (!room.checkins.has(identity.memberId, id)) continue;
      await ledger.append({
        eventId: eventId ? `c:${identity.memberId}:${eventId}:out:${id}` : undefined,
        sessionId,
        memberId: id,
        kind: "checkout",
        via: "cell-room",
        cellRoomMemberId: identity.memberId,
        connectionId: peer.connectionId,
        at: now,
      });
      room.checkins.checkOut(identity.memberId, id);
      checkedOut.push(id);
    }
    conn.audienceChanged(room);
    return { checkedOut };
  });

  // ---- the screen's rotating QR code ------------------------------------------------------------

  /** A cell room's screen gets a fresh code each rotation while it is joined. */
  let codeTimer: Awaited<ReturnType<typeof setInterval>> | undefined;
  const sendCode = () => {
    const { peer, room } = conn;
    if (!peer || !room || peer.closed || room.closed) return;
    peer.notify("checkinCode", room.checkinCodes.rotate(identity.memberId));
  };
  const startCodes = () => {
    if (identity.role !== "cell-room" || codeTimer) return;
    codeTimer = setInterval(sendCode, deps.config.checkinQrRotateMs);
    codeTimer.unref?.();
  };
  const screenLeft = (room: Room | undefined) => {
    if (codeTimer) clearInterval(codeTimer);
    codeTimer = undefined;
    // Only if no newer screen of the same host took over (its codes stay valid).
    if (room && !room.peers.has(identity.memberId)) room.checkinCodes.drop(identity.memberId);
  };
  const screenJoin: ScreenJoin = (room) => {
    startCodes();
    return { checkedIn: [...(room.checkins.get(identity.memberId) ?? [])], checkinCode: room.checkinCodes.currentFor(identity.memberId) };
  };

  on("checkinCode", () => {
    const { room } = conn.currentAs("cell-room");
    startCodes();
    return room.checkinCodes.currentFor(identity.memberId);
  });

  // ---- a phone's check-in by the code it scanned --------------------------------------------------

  on("qrCheckin", async ({ code }) => {
    if (identity.role !== "check-in") throw new ClientError("forbidden");
    // Codes are 96 random bits, but a wrong one still costs the member a join attempt.
    if (!deps.joinLimiter.hit(identity.memberId)) throw new ClientError("rate-limited");
    const room = deps.registry.peek(sessionId);
    const now = Date.now();
    const hostId = room && !room.closed ? room.checkinCodes.hostOf(code, now) : undefined;
    if (!room || hostId === undefined) throw new ClientError("checkin-code-expired");
    const host = room.peers.get(hostId);
    if (!host || host.closed || host.id.role !== "cell-room") throw new ClientError("cell-room-offline");
    if (!(await eligible([identity.memberId], host.id.unitPath)).has(identity.memberId)) throw new ClientError("not-on-roster");
    const already = room.checkins.has(hostId, identity.memberId);
    if (!already) {
      await ledger.append({
        sessionId,
        memberId: identity.memberId,
        kind: "checkin",
        via: "cell-room",
        cellRoomMemberId: hostId,
        connectionId: host.connectionId,
        at: now,
        detail: { method: "qr" },
      });
      room.checkins.checkIn(hostId, identity.memberId);
      host.notify("checkedIn", { memberIds: [identity.memberId], method: "qr", name: identity.name });
      conn.audienceChanged(room);
    }
    const cell = await first(deps.db.select({ code: units.code, name: units.name }).from(units).where(eq(units.id, host.id.unitId)));
    return { ok: true, already, cell: cell ?? null, host: host.id.name };
  });

  return { screenJoin, screenLeft };
}
