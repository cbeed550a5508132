import { first } from "#db/first.ts";
// The attendance ledger on a real SQLite file: idempotent appends, crash recovery, the report.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { count, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { attendanceEvents, attendanceLastSeen } from "#db/schema/index.ts";
import { correctAttendance, sessionAttendance } from "#app/live/attendance.server.ts";
import { isMemberInvited } from "#live/access.server.ts";
import { replay } from "#live/attendance.ts";
import { ledgerRows, toLedgerEvent } from "#live/ledger.server.ts";
import { AttendanceLedger, TOUCH_CHUNK } from "../../media-server/src/attendance.ts";
import { bulkWriter } from "#db/client.server.ts";
import { makeLiveSession, makeSession } from "#tests/factories/live.ts";

let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

const min = (n: number) => n * 60_000;

async function world() {
  const t = await makeTree(db);
  const presenter = await makeMember(db, t.root, { password: false });
  const a1 = [await makeMember(db, t.a1, { password: false }), await makeMember(db, t.a1, { password: false }), await makeMember(db, t.a1, { password: false })];
  const a2 = await makeMember(db, t.a2, { password: false });
  const b1 = await makeMember(db, t.b1, { password: false });
  const guest = await makeMember(db, t.b2, { password: false });
  return { t, presenter, a1, a2, b1, guest };
}

describe("attendance ledger", () => {
  it("appends each event once, whatever the retries", async () => {
    const w = await world();
    const s = await makeSession(db, { inviteUnits: [w.t.a] });
    const ledger = new AttendanceLedger(db);
    const e = { eventId: "c:1:poll-1", sessionId: s.id, memberId: w.a1[0].id, kind: "poll-answer" as const, via: "individual" as const, at: Date.now() };
    expect(await ledger.append(e)).toBe(true);
    expect(await ledger.append(e)).toBe(false);
    expect(await ledger.append({ ...e, at: e.at + 5 })).toBe(false);
    expect(await ledger.appendMany([e, { ...e, eventId: "c:1:poll-2" }])).toBe(1);
    const n = (await first(db.select({ n: count() }).from(attendanceEvents).where(eq(attendanceEvents.sessionId, s.id))))!.n;
    expect(n).toBe(2);
  });

  it("last-seen rows give the same report as heartbeats appended as events (older ledgers), crash closure included", async () => {
    const w = await world();
    const start = Date.now() - min(60);
    const sessions = [await makeLiveSession(db, start, { inviteUnits: [w.t.a] }), await makeLiveSession(db, start, { inviteUnits: [w.t.a] })];
    const ledger = new AttendanceLedger(db);
    // The same observations twice: [0] with heartbeat events, [1] with last-seen rows.
    for (const [i, s] of sessions.entries()) {
      const beat = async (memberId: number, via: "individual" | "cell-room", at: number, conn: { connectionId?: string; cellRoomMemberId?: number }) =>
        i === 0 ? await ledger.append({ sessionId: s.id, memberId, kind: "heartbeat", via, ...conn, at }) : await ledger.touch([{ sessionId: s.id, memberId, via, ...conn, at }]);
      const [a, b, c] = w.a1;
      const host = w.a2;
      // a: watches 0–20 min, a crash leaves the connection open (last heartbeat at 19:30)
      await ledger.append({ sessionId: s.id, memberId: a.id, kind: "socket-connect", via: "individual", connectionId: `a${i}`, at: start });
      for (let t = start + 30_000; t <= start + min(19.5); t += 30_000) await beat(a.id, "individual", t, { connectionId: `a${i}` });
      // host's screen and b checked in there 5–40 min; then b is checked out, and in again 50–55 min with no heartbeat since
      await ledger.append({ sessionId: s.id, memberId: host.id, kind: "socket-connect", via: "individual", connectionId: `h${i}`, at: start });
      await ledger.append({ sessionId: s.id, memberId: host.id, kind: "transport-connected", via: "individual", connectionId: `h${i}`, at: start });
      await ledger.append({ sessionId: s.id, memberId: b.id, kind: "checkin", via: "cell-room", cellRoomMemberId: host.id, at: start + min(5) });
      for (let t = start + min(6); t <= start + min(39); t += min(1)) {
        await beat(b.id, "cell-room", t, { cellRoomMemberId: host.id });
        await beat(host.id, "individual", t, { connectionId: `h${i}` });
      }
      await ledger.append({ sessionId: s.id, memberId: b.id, kind: "checkout", via: "cell-room", cellRoomMemberId: host.id, at: start + min(40) });
      await ledger.append({ sessionId: s.id, memberId: b.id, kind: "checkin", via: "cell-room", cellRoomMemberId: host.id, at: start + min(50) });
      for (let t = start + min(50); t <= start + min(55); t += min(1)) await beat(host.id, "individual", t, { connectionId: `h${i}` });
      // c: connects and leaves normally
      await ledger.append({ sessionId: s.id, memberId: c.id, kind: "socket-connect", via: "individual", connectionId: `c${i}`, at: start + min(1) });
      await beat(c.id, "individual", start + min(2), { connectionId: `c${i}` });
      await ledger.append({ sessionId: s.id, memberId: c.id, kind: "socket-disconnect", via: "individual", connectionId: `c${i}`, at: start + min(30) });
    }
    const now = start + min(58);
    const report = async (i: number) => (await sessionAttendance(db, sessions[i].id, { reconnectWindowMs: 60_000, now }))!.members.map(({ memberId, status, presentMs, via, intervals }) => ({ memberId, status, presentMs, via, intervals }));
    expect(await report(1)).toEqual(await report(0));
    expect((await report(1)).find((m) => m.memberId === w.a1[0].id)!.intervals).toEqual([{ start, end: start + min(19.5) }]);
    // Crash recovery closes the same keys at the same times in both.
    expect((await ledger.closeOpenIntervals()).closed).toBeGreaterThan(0);
    const closing = async (i: number) =>
      (await db.select().from(attendanceEvents).where(eq(attendanceEvents.sessionId, sessions[i].id))).filter((e) => (e.detail as { reason?: string } | null)?.reason === "crash-recovery").map((e) => [e.memberId, e.kind, e.at.getTime()]).sort();
    expect(await closing(1)).toEqual(await closing(0));
    expect(await report(1)).toEqual(await report(0));
  });

  it("a heartbeat tick is one upsert statement per chunk of keys, with the per-key result (issue 12)", async () => {
    const w = await world();
    const start = Date.now() - min(10);
    const s = await makeLiveSession(db, start, { inviteUnits: [w.t.a] });
    const [m1, m2] = [w.a1[0].id, w.a1[1].id];
    const seen = async () =>
      new Map(
        (await db.select().from(attendanceLastSeen).where(eq(attendanceLastSeen.sessionId, s.id))).map((r) => [
          `${r.memberId}:${r.key}`,
          { at: r.at.getTime(), nodeId: r.nodeId, via: r.via, connectionId: r.connectionId, cellRoomMemberId: r.cellRoomMemberId },
        ]),
      );
    const a = new AttendanceLedger(db, Date.now, "node-a/1");
    const b = new AttendanceLedger(db, Date.now, "node-b/1");
    await a.touch([
      { sessionId: s.id, memberId: m1, via: "individual", connectionId: "old", at: start + min(5) },
      { sessionId: s.id, memberId: m1, via: "individual", connectionId: "new", at: start + min(1) },
    ]);
    // One tick from another node: a key sighted twice (the later time wins, whatever the order),
    // an older sighting of a key (neither time nor node moves back), a newer one (both move), a
    // cell-room key; then more keys than one chunk holds.
    const many = Array.from({ length: TOUCH_CHUNK + 1 }, (_, i) => ({
      sessionId: s.id,
      memberId: m2,
      via: "individual" as const,
      connectionId: `c${i}`,
      at: start + i,
    }));
    const tick = [
      { sessionId: s.id, memberId: m2, via: "individual" as const, connectionId: "dup", at: start + min(3) },
      { sessionId: s.id, memberId: m1, via: "individual" as const, connectionId: "old", at: start + min(4) },
      { sessionId: s.id, memberId: m1, via: "individual" as const, connectionId: "new", at: start + min(2) },
      { sessionId: s.id, memberId: m2, via: "individual" as const, connectionId: "dup", at: start + min(7) },
      { sessionId: s.id, memberId: m2, via: "individual" as const, connectionId: "dup", at: start + min(6) },
      { sessionId: s.id, memberId: m1, via: "cell-room" as const, cellRoomMemberId: m2, at: start + min(2) },
      ...many,
    ];
    // SQLite: the statements run on the write connection during the tick (prepared ones included).
    const sqlite = process.env.TEST_DB === "postgres" ? null : bulkWriter(db);
    const ran: string[] = [];
    const proto = sqlite ? (Object.getPrototypeOf(sqlite.prepare("SELECT 1")) as { run: (...a: unknown[]) => unknown }) : null;
    const run = proto?.run;
    if (proto && run) proto.run = function (this: { source: string }, ...args: unknown[]) {
      ran.push(this.source);
      return run.apply(this, args);
    };
    try {
      expect(await b.touch(tick)).toBe(tick.length);
    } finally {
      if (proto && run) proto.run = run;
    }
    const rows = await seen();
    expect(rows.get(`${m1}:conn:old`)).toEqual({ at: start + min(5), nodeId: "node-a/1", via: "individual", connectionId: "old", cellRoomMemberId: null });
    expect(rows.get(`${m1}:conn:new`)).toEqual({ at: start + min(2), nodeId: "node-b/1", via: "individual", connectionId: "new", cellRoomMemberId: null });
    expect(rows.get(`${m2}:conn:dup`)).toEqual({ at: start + min(7), nodeId: "node-b/1", via: "individual", connectionId: "dup", cellRoomMemberId: null });
    expect(rows.get(`${m1}:cell-room:${m2}`)).toEqual({ at: start + min(2), nodeId: "node-b/1", via: "cell-room", connectionId: null, cellRoomMemberId: m2 });
    expect(rows.get(`${m2}:conn:c${TOUCH_CHUNK}`)?.at).toBe(start + TOUCH_CHUNK);
    expect(rows.size).toBe(4 + TOUCH_CHUNK + 1);
    // 1,005 distinct keys: two statements (one per key before issue 12).
    if (sqlite) expect(ran.filter((q) => q.includes("attendance_last_seen")).length).toBe(2);
  });

  it("a heartbeat at the very instant of a graceful stop does not reopen the connection", async () => {
    const w = await world();
    const start = Date.now() - min(10);
    const s = await makeLiveSession(db, start, { inviteUnits: [w.t.a] });
    const ledger = new AttendanceLedger(db);
    const m = w.a1[0].id;
    await ledger.append({ sessionId: s.id, memberId: m, kind: "socket-connect", via: "individual", connectionId: "c", at: start });
    await ledger.touch([{ sessionId: s.id, memberId: m, via: "individual", connectionId: "c", at: start + min(5) }]);
    await ledger.append({ sessionId: s.id, memberId: m, kind: "server-stop", via: "individual", at: start + min(5) });
    // Nothing is left open (a reopened key would be closed again by every crash recovery).
    expect(replay((await ledgerRows(db, s.id, [m])).map(toLedgerEvent)).open).toEqual([]);
    expect(await ledger.closeOpenIntervals()).toEqual({ closed: 0 });
    const row = (await sessionAttendance(db, s.id, { reconnectWindowMs: 0, now: start + min(9) }))!.members.find((x) => x.memberId === m)!;
    expect(row.intervals).toEqual([{ start, end: start + min(5) }]);
  });

  it("invites by unit subtree and by member", async () => {
    const w = await world();
    const s = await makeSession(db, { inviteUnits: [w.t.a], inviteMembers: [w.b1] });
    expect(await isMemberInvited(db, s.id, w.a1[0].id)).toBe(true);
    expect(await isMemberInvited(db, s.id, w.a2.id)).toBe(true);
    expect(await isMemberInvited(db, s.id, w.b1.id)).toBe(true);
    expect(await isMemberInvited(db, s.id, w.guest.id)).toBe(false);
    expect(await isMemberInvited(db, s.id, w.presenter.id)).toBe(false);
  });

  it("after a crash, closes open intervals at the last heartbeat, once", async () => {
    const w = await world();
    const start = Date.now() - min(30);
    const s = await makeLiveSession(db, start, { inviteUnits: [w.t.a] });
    const ledger = new AttendanceLedger(db);
    const m = w.a1[0].id;
    const base = { sessionId: s.id, memberId: m, via: "individual" as const, connectionId: "conn-1" };
    await ledger.append({ ...base, kind: "socket-connect", at: start });
    await ledger.touch([{ ...base, at: start + min(1) }]);
    await ledger.touch([{ ...base, at: start + min(2) }]);
    await ledger.touch([{ ...base, at: start + min(1) }]); // a late tick does not move it back
    // A member whose connection closed normally is left alone.
    const other = { ...base, memberId: w.a1[1].id, connectionId: "conn-2" };
    await ledger.append({ ...other, kind: "socket-connect", at: start });
    await ledger.append({ ...other, kind: "socket-disconnect", at: start + min(1) });

    // The process "restarts" much later.
    const now = start + min(20);
    expect(await ledger.closeOpenIntervals()).toEqual({ closed: 1 });
    expect(await ledger.closeOpenIntervals()).toEqual({ closed: 0 });
    const last = (await db.select().from(attendanceEvents).where(eq(attendanceEvents.memberId, m))).at(-1)!;
    expect(last.kind).toBe("server-stop");
    expect(last.at.getTime()).toBe(start + min(2));

    const report = (await sessionAttendance(db, s.id, { reconnectWindowMs: 60_000, now }))!;
    const row = report.members.find((r) => r.memberId === m)!;
    expect(row.intervals).toEqual([{ start, end: start + min(2) }]);
    expect(row.lastLeave!.getTime()).toBe(start + min(2));
  });

  it("reports every invited member, absentees included, with statuses, minutes and corrections", async () => {
    const w = await world();
    const start = Date.now() - min(60);
    const end = start + min(60);
    const s = await makeSession(db, {
      inviteUnits: [w.t.a1],
      inviteMembers: [w.b1],
      presenters: [w.presenter],
      start,
      actualStart: start,
      actualEnd: end,
      state: "ended",
      presentMinPercent: 80,
      lateAfterMinutes: 10,
    });
    const ledger = new AttendanceLedger(db);
    const [x, y, z] = w.a1;
    const ind = (memberId: number, conn: string) => ({ sessionId: s.id, memberId, via: "individual" as const, connectionId: conn });
    // x: whole session individually
    await ledger.append({ ...ind(x.id, "x1"), kind: "socket-connect", at: start - min(5) });
    await ledger.append({ ...ind(x.id, "x1"), kind: "socket-disconnect", at: end + min(1) });
    // y: joined 20 minutes late
    await ledger.append({ ...ind(y.id, "y1"), kind: "socket-connect", at: start + min(20) });
    await ledger.append({ ...ind(y.id, "y1"), kind: "socket-disconnect", at: end });
    // z: checked in on x's cell room screen for 30 minutes, then alone from minute 25 to 35 (overlap counted once)
    await ledger.append({ sessionId: s.id, memberId: z.id, via: "cell-room", cellRoomMemberId: x.id, kind: "checkin", at: start });
    await ledger.append({ sessionId: s.id, memberId: z.id, via: "cell-room", cellRoomMemberId: x.id, kind: "checkout", at: start + min(30) });
    await ledger.append({ ...ind(z.id, "z1"), kind: "socket-connect", at: start + min(25) });
    await ledger.append({ ...ind(z.id, "z1"), kind: "socket-disconnect", at: start + min(35) });
    // b1 never came.
    await correctAttendance(db, { sessionId: s.id, memberId: w.b1.id, status: "excused", reason: "Đi công tác", correctedBy: w.presenter.id });

    const r = (await sessionAttendance(db, s.id, { reconnectWindowMs: 60_000 }))!;
    const by = new Map(r.members.map((m) => [m.memberId, m]));
    expect(r.members.map((m) => m.memberId).sort()).toEqual([x.id, y.id, z.id, w.b1.id].sort());
    expect(by.get(x.id)).toMatchObject({ status: "present", minutes: 60, percent: 100, via: "individual" });
    expect(by.get(y.id)).toMatchObject({ status: "late", minutes: 40, via: "individual" });
    expect(by.get(z.id)).toMatchObject({ status: "left-early", minutes: 35, via: "both" });
    expect(by.get(z.id)!.firstJoin!.getTime()).toBe(start);
    expect(by.get(z.id)!.lastLeave!.getTime()).toBe(start + min(35));
    expect(by.get(w.b1.id)).toMatchObject({ status: "absent", minutes: 0, via: null, firstJoin: null });
    expect(by.get(w.b1.id)!.corrected).toMatchObject({ status: "excused", reason: "Đi công tác", by: w.presenter.id });
    // The correction sits beside the events; nothing was rewritten.
    expect((await first(db.select({ n: count() }).from(attendanceEvents)))!.n).toBe(8);
  });
});
