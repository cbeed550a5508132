import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { correctAttendance, sessionAttendance, sessionSpan } from "#app/live/attendance.server.ts";
import { liveSessions } from "#db/schema/index.ts";
import type { Member } from "#app/org/members.server.ts";
import { AttendanceLedger } from "../../media-server/src/attendance.ts";
import { makeEndedSession, makeSession } from "#tests/factories/live.ts";

/**
 * The attendance report a trainer reads, in-process (the HTTP tests see the built app): the span
 * of a session in each state, presence through a cell room bounded by its screen, the channel
 * a member attended by, one member's page equal to their row of the whole report, and corrections.
 */
const S = Date.parse("2026-05-04T08:00:00Z");
const min = (n: number) => n * 60_000;
const W = { reconnectWindowMs: 60_000 };

describe("sessionSpan", () => {
  const base = { scheduledStartAt: new Date(S), plannedEndAt: new Date(S + min(60)), actualStartAt: null, actualEndAt: null } as const;
  const span = (s: Partial<typeof liveSessions.$inferSelect>, now: number) => {
    const r = sessionSpan({ ...base, state: "scheduled", ...s } as typeof liveSessions.$inferSelect, now);
    return [r.start - S, r.end - S];
  };

  test("ended: the actual start to the actual end", () => {
    expect(span({ state: "ended", actualStartAt: new Date(S + min(5)), actualEndAt: new Date(S + min(50)) }, S + min(500))).toEqual([min(5), min(50)]);
  });

  test("live: the actual start to now, never before the start", () => {
    expect(span({ state: "live", actualStartAt: new Date(S + min(2)) }, S + min(30))).toEqual([min(2), min(30)]);
    expect(span({ state: "live", actualStartAt: new Date(S + min(2)) }, S)).toEqual([min(2), min(2)]);
  });

  test("not started: the scheduled start to the planned end, whatever the time now", () => {
    expect(span({}, S + min(500))).toEqual([0, min(60)]);
  });

  test("an end recorded before the start is read as the start", () => {
    expect(span({ state: "ended", actualStartAt: new Date(S + min(10)), actualEndAt: new Date(S + min(5)) }, S)).toEqual([min(10), min(10)]);
  });
});

describe("sessionAttendance", () => {
  let db: Awaited<ReturnType<typeof testDb>>;
  let sessionId: number;
  const who: Record<string, Member> = {};

  beforeAll(async () => {
    db = await testDb();
    const t = await makeTree(db);
    for (const code of ["SCREEN", "IN-ROOM", "BOTH", "OWN", "ABSENT"]) who[code] = await makeMember(db, t.a1, { code, password: false });
    const s = await makeEndedSession(db, S, { inviteUnits: [t.a] });
    sessionId = s.id;
    const ledger = new AttendanceLedger(db);
    const at = (m: number) => S + min(m);
    // The cell room's screen is on for the first 30 minutes only.
    await ledger.append({ sessionId, memberId: who.SCREEN.id, kind: "socket-connect", via: "individual", connectionId: "screen", at: at(0) });
    await ledger.append({ sessionId, memberId: who.SCREEN.id, kind: "socket-disconnect", via: "individual", connectionId: "screen", at: at(30) });
    // Checked in there for the whole hour: present only while the screen was.
    await ledger.append({ sessionId, memberId: who["IN-ROOM"].id, kind: "checkin", via: "cell-room", cellRoomMemberId: who.SCREEN.id, at: at(0) });
    await ledger.append({ sessionId, memberId: who["IN-ROOM"].id, kind: "checkout", via: "cell-room", cellRoomMemberId: who.SCREEN.id, at: at(60) });
    // In the room for 20 minutes, then on their own phone until 50: both channels, counted once.
    await ledger.append({ sessionId, memberId: who.BOTH.id, kind: "checkin", via: "cell-room", cellRoomMemberId: who.SCREEN.id, at: at(0) });
    await ledger.append({ sessionId, memberId: who.BOTH.id, kind: "checkout", via: "cell-room", cellRoomMemberId: who.SCREEN.id, at: at(20) });
    await ledger.append({ sessionId, memberId: who.BOTH.id, kind: "socket-connect", via: "individual", connectionId: "both", at: at(15) });
    await ledger.append({ sessionId, memberId: who.BOTH.id, kind: "socket-disconnect", via: "individual", connectionId: "both", at: at(50) });
    await ledger.append({ sessionId, memberId: who.OWN.id, kind: "socket-connect", via: "individual", connectionId: "own", at: at(3) });
    await ledger.append({ sessionId, memberId: who.OWN.id, kind: "socket-disconnect", via: "individual", connectionId: "own", at: at(60) });
  });
  afterAll(() => dropDb(db));

  const report = async (only?: number[]) => (await sessionAttendance(db, sessionId, { ...W, now: S + min(120), only }))!;
  const row = async (code: string) => (await report()).members.find((m) => m.code === code)!;

  test("a missing session has no report", async () => {
    expect(await sessionAttendance(db, sessionId + 999, W)).toBeUndefined();
  });

  test("presence through a cell room lasts only while its screen is there", async () => {
    const r = await row("IN-ROOM");
    expect([r.status, r.via, r.presentMs, r.minutes, r.percent]).toEqual(["left-early", "cell-room", min(30), 30, 50]);
    expect([r.firstJoin?.getTime(), r.lastLeave?.getTime()]).toEqual([S, S + min(30)]);
  });

  test("the channel a member attended by: both, individual, or none", async () => {
    expect([(await row("BOTH")).via, (await row("BOTH")).presentMs]).toEqual(["both", min(50)]);
    expect([(await row("OWN")).via, (await row("OWN")).status, (await row("OWN")).presentMs]).toEqual(["individual", "present", min(57)]);
    expect(await row("ABSENT")).toMatchObject({ via: null, status: "absent", presentMs: 0, minutes: 0, firstJoin: null, lastLeave: null, intervals: [] });
    expect(await row("SCREEN")).toMatchObject({ via: "individual", presentMs: min(30) });
  });

  test("one member's page gives the same row as the whole report, its cell room's screen included", async () => {
    for (const code of ["IN-ROOM", "BOTH", "OWN", "ABSENT"]) {
      const one = await report([who[code].id]);
      expect(one.members).toEqual([await row(code)]);
    }
    expect((await report([who.OWN.id, who.ABSENT.id])).members.map((m) => m.code)).toEqual(["ABSENT", "OWN"]);
  });

  test("the report names the session's span and rule", async () => {
    const r = await report();
    expect([r.sessionId, r.start.getTime(), r.end.getTime(), r.rule]).toEqual([sessionId, S, S + min(60), { presentMinPercent: 80, lateAfterMinutes: 10 }]);
  });

  test("while a session is live, the report runs to the given now", async () => {
    const live = await makeSession(db, { inviteMembers: [who.OWN], start: S, actualStart: S, state: "live" });
    const ledger = new AttendanceLedger(db);
    await ledger.append({ sessionId: live.id, memberId: who.OWN.id, kind: "socket-connect", via: "individual", connectionId: "live", at: S + min(3) });
    await ledger.append({ sessionId: live.id, memberId: who.OWN.id, kind: "socket-disconnect", via: "individual", connectionId: "live", at: S + min(60) });
    const r = (await sessionAttendance(db, live.id, { ...W, now: S + min(30) }))!;
    expect([r.end.getTime() - S, r.members[0].presentMs, r.members[0].percent, r.members[0].status]).toEqual([min(30), min(27), 90, "present"]);
  });

  test("corrections: the latest one is shown beside the computed status, for that member only; the reason is required", async () => {
    await writeTx(db, async (tx) => tx.update(liveSessions).set({ coursesSettledAt: new Date(S + min(70)) }).where(eq(liveSessions.id, sessionId)));
    await correctAttendance(db, { sessionId, memberId: who["IN-ROOM"].id, status: "present", reason: "Có mặt tại hội trường", correctedBy: who.SCREEN.id, at: new Date(S + min(90)) });
    await correctAttendance(db, { sessionId, memberId: who["IN-ROOM"].id, status: "excused", reason: "  Nghỉ có phép\u0301  ".normalize("NFD"), correctedBy: null, at: new Date(S + min(100)) });
    await correctAttendance(db, { sessionId, memberId: who["IN-ROOM"].id, status: "absent", reason: "Cũ hơn", correctedBy: null, at: new Date(S + min(80)) });
    const r = await row("IN-ROOM");
    expect(r.status).toBe("left-early");
    expect(r.corrected).toEqual({ status: "excused", reason: "Nghỉ có phép\u0301".normalize("NFC"), by: null, at: new Date(S + min(100)) });
    expect((await report([who["IN-ROOM"].id])).members[0].corrected?.status).toBe("excused");
    expect((await row("OWN")).corrected).toBeNull();
    // Course items that ask for this session are settled again.
    expect((await first(db.select().from(liveSessions).where(eq(liveSessions.id, sessionId))))!.coursesSettledAt).toBeNull();
    await expect(async () => correctAttendance(db, { sessionId, memberId: who.OWN.id, status: "present", reason: "   ", correctedBy: null })).rejects.toThrow();
    expect((await row("OWN")).corrected).toBeNull();
  });
});
