import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { attendanceStatus } from "#live/attendance.ts";
import { sessionAttendance, type SessionAttendance } from "#app/live/attendance.server.ts";
import type { Member } from "#app/org/members.server.ts";
import { AttendanceLedger } from "../../media-server/src/attendance.ts";
import { makeEndedSession } from "#tests/factories/live.ts";

/**
 * The attendance rule at its edges, for a 60-minute session at 80 % with "late" after 10 minutes:
 * 48 minutes is exactly 80 % and present; a second less is left early; joining at exactly
 * 10:00 is on time, a moment later is late. Checked on the pure rule and on the report the
 * trainer reads, computed from ledger events written by the media server's ledger.
 */
const S = Date.parse("2026-05-04T08:00:00Z");
const min = (n: number) => n * 60_000;
const rule = { presentMinPercent: 80, lateAfterMinutes: 10 };
const one = (a: number, b: number) => ({ intervals: [{ start: S + a, end: S + b }], presentMs: b - a });

describe("attendanceStatus", () => {
  test("48 of 60 minutes at 80 % is present, at exactly 80 %", () => {
    expect(attendanceStatus(one(0, min(48)), rule, S, S + min(60))).toEqual({ status: "present", percent: 80 });
  });

  test("a second under 48 minutes is left early", () => {
    expect(attendanceStatus(one(0, min(48) - 1000), rule, S, S + min(60)).status).toBe("left-early");
  });

  test("joining exactly at the late mark is on time; a millisecond after is late", () => {
    expect(attendanceStatus(one(min(10), min(60)), rule, S, S + min(60)).status).toBe("present");
    expect(attendanceStatus(one(min(10) + 1, min(60)), rule, S, S + min(60)).status).toBe("late");
  });

  test("a 100 % rule is met by the whole session; 0 % by any presence", () => {
    expect(attendanceStatus(one(0, min(60)), { ...rule, presentMinPercent: 100 }, S, S + min(60)).status).toBe("present");
    expect(attendanceStatus(one(0, min(60) - 1), { ...rule, presentMinPercent: 100 }, S, S + min(60)).status).toBe("left-early");
    expect(attendanceStatus(one(0, 1000), { ...rule, presentMinPercent: 0 }, S, S + min(60)).status).toBe("present");
  });
});

describe("the session report, from ledger events", () => {
  let db: Awaited<ReturnType<typeof testDb>>;
  let report: SessionAttendance;
  const who: Record<string, Member> = {};

  beforeAll(async () => {
    db = await testDb();
    const t = await makeTree(db);
    for (const code of ["EXACT", "SPLIT", "UNDER", "ON-TIME", "LATE"]) who[code] = await makeMember(db, t.a1, { code, password: false });
    const s = await makeEndedSession(db, S, { inviteUnits: [t.a], ...rule });
    const ledger = new AttendanceLedger(db);
    const watch = async (m: Member, from: number, to: number, conn: string) => {
      await ledger.append({ sessionId: s.id, memberId: m.id, kind: "socket-connect", via: "individual", connectionId: conn, at: S + from });
      await ledger.append({ sessionId: s.id, memberId: m.id, kind: "socket-disconnect", via: "individual", connectionId: conn, at: S + to });
    };
    await watch(who.EXACT, 0, min(48), "e");
    // Two stretches of 24 minutes with a gap longer than the reconnect window: 48 minutes counted.
    await watch(who.SPLIT, 0, min(24), "s1");
    await watch(who.SPLIT, min(30), min(54), "s2");
    await watch(who["UNDER"], 0, min(48) - 1000, "u");
    await watch(who["ON-TIME"], min(10), min(60), "o");
    await watch(who.LATE, min(10) + 1000, min(60), "l");
    report = (await sessionAttendance(db, s.id, { reconnectWindowMs: 60_000, now: S + min(120) }))!;
  });
  afterAll(() => dropDb(db));

  const row = (code: string) => report.members.find((m) => m.code === code)!;

  test("exactly 80 % is present, in one stretch or two", () => {
    expect([row("EXACT").status, row("EXACT").presentMs, row("EXACT").percent]).toEqual(["present", min(48), 80]);
    expect([row("SPLIT").status, row("SPLIT").presentMs]).toEqual(["present", min(48)]);
  });

  test("under 80 % is left early; joining after the late mark is late", () => {
    expect(row("UNDER").status).toBe("left-early");
    expect(row("ON-TIME").status).toBe("present");
    expect(row("LATE").status).toBe("late");
  });
});
