import { first } from "#db/first.ts";
/**
 * A study session ten days ago, for the committee DU-TH (four cells), as it would have run:
 * scheduled a week ahead through the scheduling rules (scheduleSession), started and ended by its
 * presenter, attendance appended to the ledger by the media server's own writer (AttendanceLedger),
 * one absence corrected as excused by the committee's trainer (recordCorrection).
 *
 * Attendance: most members watch on their own device (a few drop and reconnect within the
 * window); cell CB-TH-2 watches together in its hall, its members checked in at the secretary's
 * screen; some arrive late, some leave early, some never come.
 */
import { and, eq, ne } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { liveSessions, members, units } from "#db/schema/index.ts";
import { RECONNECT_WINDOW_MS, scheduleSession } from "#app/live/sessions.server.ts";
import { recordCorrection } from "#app/live/report.server.ts";
import { getUnitByCode, subtreeCondition } from "#app/org/units.server.ts";
import { AttendanceLedger, type NewAttendanceEvent } from "../../media-server/src/attendance.ts";
import { rng } from "./names.ts";
import { atVn, HISTORY_DAYS, studyDay, type DemoCalendar } from "./clock.ts";
import { seedPastRecording, type DemoRecordingFile } from "./past-recording.ts";

const MIN = 60_000;
export const PAST_SESSION_DAYS_AGO = 10;
export const PAST_SESSION_TITLE = "Học tập, quán triệt Nghị quyết Đại hội Đảng bộ các cơ quan Trung ương (Vụ Tổng hợp)";
/** The cell that watches together in its hall. */
export const CELL_ROOM_UNIT = "CB-TH-2";
export const EXCUSED_REASON = "Đi công tác theo Quyết định số 125/QĐ-VTH; đã báo cáo chi bộ trước buổi học.";

export type PastSession = { sessionId: number; excusedMemberId: number | null; recorded: boolean; madeUpMemberIds: number[] };

export async function seedPastSession(db: Db, cal: DemoCalendar, recording?: DemoRecordingFile): Promise<PastSession | null> {
  const committee = await getUnitByCode(db, "DU-TH");
  const hall = await getUnitByCode(db, CELL_ROOM_UNIT);
  const trainer = await first(db.select().from(members).where(eq(members.code, "GV01")));
  if (!committee || !hall || !trainer) return null;
  const r = rng(1957);
  const scope = { all: false as const, roots: [{ id: committee.id, path: committee.path }] };
  const day = studyDay(cal, HISTORY_DAYS - PAST_SESSION_DAYS_AGO);
  const start = atVn(day, 8 * 60);
  const planned = { start, end: new Date(start.getTime() + 90 * MIN) };
  const session = await scheduleSession(
    db,
    scope,
    trainer.id,
    {
      title: PAST_SESSION_TITLE,
      description:
        "Báo cáo viên trình bày tại điểm cầu Vụ Tổng hợp; Chi bộ Phòng Tổng hợp 2 theo dõi tập trung tại hội trường, các đồng chí khác theo dõi trên máy của mình.",
      documentUrl: null,
      start: planned.start,
      end: planned.end,
      presenterCodes: [trainer.code],
      unitCodes: [committee.code],
      memberCodes: [],
      presentMinPercent: 80,
      lateAfterMinutes: 10,
    },
    new Date(start.getTime() - 7 * 24 * 60 * MIN),
  );

  // The presenter starts a minute late and ends on time (what media-server/src/handlers/presenter.ts writes).
  const began = start.getTime() + 1 * MIN;
  const ended = planned.end.getTime();
  await db.update(liveSessions).set({ state: "live", actualStartAt: new Date(began), updatedAt: new Date(began) }).where(eq(liveSessions.id, session.id));

  let clock = began;
  const ledger = new AttendanceLedger(db, () => clock);
  let n = 0;
  const append = async (e: Omit<NewAttendanceEvent, "sessionId" | "eventId">) => {
    clock = e.at + 150;
    await ledger.append({ ...e, sessionId: session.id, eventId: `demo:${session.id}:${++n}` });
  };
  /** One device's connection, with its last heartbeat just before it closes. */
  const watch = async (memberId: number, from: number, to: number) => {
    const connectionId = `demo-${memberId}-${from}`;
    await append({ memberId, kind: "socket-connect", via: "individual", connectionId, at: from });
    clock = to - 5_000;
    await ledger.touch([{ sessionId: session.id, memberId, via: "individual", connectionId, at: to - 5_000 }]);
    await append({ memberId, kind: "socket-disconnect", via: "individual", connectionId, at: to });
  };

  await watch(trainer.id, began - 10 * MIN, ended + 2 * MIN);
  const invited = await db
    .select({ id: members.id, code: members.code, unitId: members.unitId, position: members.position })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(and(subtreeCondition(committee.path), ne(members.id, trainer.id)))
    .orderBy(members.code);

  // The hall's screen: the cell secretary's own connection, for the whole session.
  const host = invited.find((m) => m.unitId === hall.id && m.position === "Bí thư chi bộ") ?? invited.find((m) => m.unitId === hall.id);
  if (host) await watch(host.id, began - 15 * MIN, ended + 1 * MIN);
  const absent: { id: number; code: string }[] = [];
  for (const m of invited) {
    if (m.id === host?.id) continue;
    const u = r.next();
    if (host && m.unitId === hall.id) {
      // Checked in at the hall's screen (a few arrive after the late mark), or not there at all.
      if (u < 0.12) {
        absent.push(m);
        continue;
      }
      const inAt = u < 0.25 ? began + (14 + Math.floor(r.next() * 20)) * MIN : began - Math.floor(r.next() * 8) * MIN;
      const outAt = ended + Math.floor(r.next() * 3) * MIN;
      await append({ memberId: m.id, kind: "checkin", via: "cell-room", cellRoomMemberId: host.id, connectionId: `demo-${host.id}-${began - 15 * MIN}`, at: inAt });
      await append({ memberId: m.id, kind: "checkout", via: "cell-room", cellRoomMemberId: host.id, connectionId: `demo-${host.id}-${began - 15 * MIN}`, at: outAt });
      continue;
    }
    const joined = began - Math.floor(r.next() * 6) * MIN;
    if (u < 0.14) absent.push(m);
    else if (u < 0.26) await watch(m.id, began + (12 + Math.floor(r.next() * 30)) * MIN, ended); // late
    else if (u < 0.36) await watch(m.id, joined, began + (25 + Math.floor(r.next() * 40)) * MIN); // left early
    else if (u < 0.46) {
      // A dropped connection, back within the reconnect window: still one stretch of presence.
      const drop = began + (20 + Math.floor(r.next() * 40)) * MIN;
      await watch(m.id, joined, drop);
      await watch(m.id, drop + 20_000 + Math.floor(r.next() * 20_000), ended);
    } else await watch(m.id, joined, ended + Math.floor(r.next() * 2) * MIN);
  }

  clock = ended;
  await db.update(liveSessions).set({ state: "ended", actualEndAt: new Date(ended), updatedAt: new Date(ended) }).where(eq(liveSessions.id, session.id));

  // The next morning the trainer marks one absence as excused (a business trip reported beforehand).
  const excused = absent[0] ?? null;
  if (excused) {
    await recordCorrection(
      db,
      scope,
      session.id,
      trainer.id,
      { memberCode: excused.code, status: "excused", reason: EXCUSED_REASON },
      new Date(ended + 24 * 60 * MIN),
    );
  }
  // The recording, published the next day; two of the other absentees have studied it since.
  const madeUpMemberIds = recording
    ? await seedPastRecording(db, {
        sessionId: session.id,
        trainerId: trainer.id,
        began,
        ended,
        rendered: recording,
        watchers: absent.slice(1, 3).map((m) => m.id),
        reconnectWindowMs: RECONNECT_WINDOW_MS,
      })
    : [];
  return { sessionId: session.id, excusedMemberId: excused?.id ?? null, recorded: !!recording, madeUpMemberIds };
}
