/**
 * Who is watching a room, per unit, told to its presenters at most once per second. With several
 * media nodes (ADR 0016) each node counts its own peers (its share) and announces it; a node with
 * presenters adds every node's share to its own, so a cell room checking in on an edge shows on
 * the presenter's panel on the origin.
 */
import { inArray } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { units } from "#db/schema/index.ts";
import type { Audience, AudiencePart } from "#live/wire.ts";
import type { CrossNodeEvents } from "../cluster/events.ts";
import type { Logger } from "../log.ts";
import type { Room } from "../room.ts";

/** This node's share: its peers, per unit (a viewer's own unit; a cell room's cell). Presenters are not counted. */
export function audiencePart(room: Room): AudiencePart {
  const per = new Map<number, { unitId: number; viewers: number; cellRooms: number; checkedIn: number }>();
  const people = new Set<number>();
  let viewers = 0;
  let cellRooms = 0;
  let checkedIn = 0;
  for (const p of room.peers.values()) {
    if (p.closed || p.id.role === "presenter") continue;
    let u = per.get(p.id.unitId);
    if (!u) per.set(p.id.unitId, (u = { unitId: p.id.unitId, viewers: 0, cellRooms: 0, checkedIn: 0 }));
    if (p.id.role === "cell-room") {
      cellRooms++;
      u.cellRooms++;
      const set = room.checkins.get(p.memberId) ?? new Set<number>();
      checkedIn += set.size;
      u.checkedIn += set.size;
      for (const m of set) people.add(m);
    } else {
      viewers++;
      u.viewers++;
      people.add(p.memberId);
    }
  }
  return { viewers, cellRooms, checkedIn, byUnit: [...per.values()], people: [...people] };
}

/** Every node's share added up, with the units' codes and names. */
async function audienceOf(db: Db, parts: readonly AudiencePart[]): Promise<Audience> {
  const per = new Map<number, { viewers: number; cellRooms: number; checkedIn: number }>();
  const people = new Set<number>();
  let viewers = 0;
  let cellRooms = 0;
  let checkedIn = 0;
  for (const part of parts) {
    viewers += part.viewers;
    cellRooms += part.cellRooms;
    checkedIn += part.checkedIn;
    for (const m of part.people) people.add(m);
    for (const u of part.byUnit) {
      const t = per.get(u.unitId) ?? { viewers: 0, cellRooms: 0, checkedIn: 0 };
      per.set(u.unitId, { viewers: t.viewers + u.viewers, cellRooms: t.cellRooms + u.cellRooms, checkedIn: t.checkedIn + u.checkedIn });
    }
  }
  const ids = [...per.keys()];
  const names = new Map(
    (ids.length ? (await db.select({ id: units.id, code: units.code, name: units.name }).from(units).where(inArray(units.id, ids))) : []).map((u) => [u.id, u]),
  );
  const byUnit = ids
    .map((unitId) => ({ unitId, code: names.get(unitId)?.code ?? "", name: names.get(unitId)?.name ?? "", ...per.get(unitId)! }))
    .sort((a, b) => a.code.localeCompare(b.code));
  return { people: people.size, viewers, cellRooms, checkedIn, byUnit };
}

const audienceTimers = new WeakMap<Room, Awaited<ReturnType<typeof setTimeout>>>();
/** Rooms whose presenters have asked the other nodes for their shares (once per room). */
const asked = new WeakSet<Room>();

/** Rooms whose next tick announces this node's share (a change here, or another node asked). */
const toAnnounce = new WeakSet<Room>();

/**
 * Tells the room's presenters who is watching, at most once per `delayMs` (a join storm sends one),
 * and, with several nodes, announces this node's share to the others when it is what changed
 * (`announce`; another node's share arriving is told to presenters here, never echoed back).
 */
export function scheduleAudience(db: Db, room: Room, log: Logger, crossNode?: CrossNodeEvents, delayMs = 1000, announce = true) {
  if (announce) toAnnounce.add(room);
  if (audienceTimers.has(room)) return;
  const t = setTimeout(async () => {
    audienceTimers.delete(room);
    if (room.closed) return;
    try {
      const own = audiencePart(room);
      if (toAnnounce.has(room)) {
        toAnnounce.delete(room);
        crossNode?.audience(room.sessionId, own);
      }
      const presenters = [...room.peers.values()].filter((p) => p.id.role === "presenter" && !p.closed);
      if (presenters.length === 0) return;
      if (crossNode && !asked.has(room)) {
        asked.add(room);
        crossNode.askAudience(room.sessionId);
      }
      const audience = await audienceOf(db, [own, ...(crossNode?.audienceParts(room.sessionId) ?? [])]);
      for (const p of presenters) p.notify("audience", audience);
    } catch (e) {
      log.warn("audience update failed", { error: e });
    }
  }, delayMs);
  t.unref?.();
  audienceTimers.set(room, t);
}
