/** Who is watching a room, per unit, told to its presenters at most once per second. */
import { inArray } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { units } from "#db/schema/index.ts";
import type { Audience } from "#live/wire.ts";
import type { Logger } from "../log.ts";
import type { Room } from "../room.ts";

/** The room's audience, per unit (a viewer's own unit; a cell room's cell). Presenters are not counted. */
async function audienceOf(db: Db, room: Room): Promise<Audience> {
  const per = new Map<number, { viewers: number; cellRooms: number; checkedIn: number }>();
  const people = new Set<number>();
  let viewers = 0;
  let cellRooms = 0;
  let checkedIn = 0;
  for (const p of room.peers.values()) {
    if (p.closed || p.id.role === "presenter") continue;
    let u = per.get(p.id.unitId);
    if (!u) per.set(p.id.unitId, (u = { viewers: 0, cellRooms: 0, checkedIn: 0 }));
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

/** Tells the room's presenters who is watching, at most once per `delayMs` (a join storm sends one). */
export function scheduleAudience(db: Db, room: Room, log: Logger, delayMs = 1000) {
  if (audienceTimers.has(room)) return;
  const t = setTimeout(async () => {
    audienceTimers.delete(room);
    if (room.closed) return;
    try {
      const presenters = [...room.peers.values()].filter((p) => p.id.role === "presenter" && !p.closed);
      if (presenters.length === 0) return;
      const audience = await audienceOf(db, room);
      for (const p of presenters) p.notify("audience", audience);
    } catch (e) {
      log.warn("audience update failed", { error: e });
    }
  }, delayMs);
  t.unref?.();
  audienceTimers.set(room, t);
}
