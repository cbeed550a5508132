// Pure tests of the interval merge and the status rule: no database, no worker.
import { describe, expect, it } from "vitest";
import { attendanceStatus, mergeIntervals, type LedgerEvent } from "#live/attendance.ts";

const S = 1_000_000_000_000; // session start (ms)
const min = (n: number) => n * 60_000;
const sec = (n: number) => n * 1000;
const opts = { reconnectWindowMs: sec(60), sessionStart: S, sessionEnd: S + min(60) };

const ev = (kind: LedgerEvent["kind"], at: number, extra: Partial<LedgerEvent> = {}): LedgerEvent => ({
  kind,
  at: S + at,
  via: "individual",
  connectionId: "c1",
  ...extra,
});
const spans = (r: { intervals: { start: number; end: number }[] }) => r.intervals.map((i) => [i.start - S, i.end - S]);

describe("mergeIntervals", () => {
  it("opens on socket-connect and closes on socket-disconnect", () => {
    const r = mergeIntervals([ev("socket-connect", 0), ev("socket-disconnect", min(30))], opts);
    expect(spans(r)).toEqual([[0, min(30)]]);
    expect(r.presentMs).toBe(min(30));
  });

  it("joins a gap shorter than the reconnect window", () => {
    const r = mergeIntervals(
      [ev("socket-connect", 0), ev("socket-disconnect", min(10)), ev("socket-connect", min(10) + sec(59), { connectionId: "c2" }), ev("socket-disconnect", min(20), { connectionId: "c2" })],
      opts,
    );
    expect(spans(r)).toEqual([[0, min(20)]]);
  });

  it("keeps a gap as long as the window or longer", () => {
    const r = mergeIntervals(
      [ev("socket-connect", 0), ev("socket-disconnect", min(10)), ev("socket-connect", min(11), { connectionId: "c2" }), ev("socket-disconnect", min(20), { connectionId: "c2" })],
      opts,
    );
    expect(spans(r)).toEqual([
      [0, min(10)],
      [min(11), min(20)],
    ]);
    expect(r.presentMs).toBe(min(19));
  });

  it("does not cut the timeline when a second connection replaces the first (overlap)", () => {
    const r = mergeIntervals(
      [
        ev("socket-connect", 0),
        ev("socket-connect", min(5), { connectionId: "c2" }),
        ev("socket-disconnect", min(5) + 10, { connectionId: "c1" }),
        ev("heartbeat", min(6), { connectionId: "c2" }),
        ev("socket-disconnect", min(40), { connectionId: "c2" }),
      ],
      { ...opts, reconnectWindowMs: 0 },
    );
    expect(spans(r)).toEqual([[0, min(40)]]);
  });

  it("clips to the session and ignores presence outside it", () => {
    const r = mergeIntervals([ev("socket-connect", -min(10)), ev("socket-disconnect", min(70))], opts);
    expect(spans(r)).toEqual([[0, min(60)]]);
    const before = mergeIntervals([ev("socket-connect", -min(30)), ev("socket-disconnect", -min(20))], opts);
    expect(before.intervals).toEqual([]);
  });

  it("counts individual and cell-room presence once when they overlap", () => {
    const cell = { via: "cell-room" as const, cellRoomMemberId: 99, connectionId: "room" };
    const r = mergeIntervals(
      [ev("checkin", 0, cell), ev("socket-connect", min(10)), ev("socket-disconnect", min(40)), ev("checkout", min(30), cell)],
      opts,
    );
    expect(spans(r)).toEqual([[0, min(40)]]);
    expect(r.presentMs).toBe(min(40));
    expect(r.individualMs).toBe(min(30));
    expect(r.cellRoomMs).toBe(min(30));
  });

  it("bounds cell-room presence by the cell room screen's own presence", () => {
    const cell = { via: "cell-room" as const, cellRoomMemberId: 99, connectionId: "room" };
    const hosts = new Map([[99, [{ start: S + min(5), end: S + min(20) }]]]);
    const r = mergeIntervals([ev("checkin", 0, cell), ev("checkout", min(50), cell)], { ...opts, cellRoomHosts: hosts });
    expect(spans(r)).toEqual([[min(5), min(20)]]);
  });

  it("closes an interval left open by a crash at the last heartbeat, not later", () => {
    const r = mergeIntervals(
      [ev("socket-connect", 0), ev("heartbeat", sec(15)), ev("heartbeat", sec(30)), ev("heartbeat", sec(45))],
      opts,
    );
    expect(spans(r)).toEqual([[0, sec(45)]]);
    expect(r.open.map((o) => o.lastSeen - S)).toEqual([sec(45)]);
  });

  it("closes every open key on a server-stop that names none, and only its key otherwise", () => {
    const cell = { via: "cell-room" as const, cellRoomMemberId: 7, connectionId: null };
    const all = mergeIntervals([ev("socket-connect", 0), ev("checkin", 0, cell), ev("server-stop", min(5), { connectionId: null })], opts);
    expect(spans(all)).toEqual([[0, min(5)]]);
    expect(all.open).toEqual([]);
    const one = mergeIntervals([ev("socket-connect", 0), ev("socket-connect", 0, { connectionId: "c2" }), ev("server-stop", min(5)), ev("heartbeat", min(9), { connectionId: "c2" })], opts);
    expect(spans(one)).toEqual([[0, min(9)]]);
  });

  it("does not reopen a closed connection on a late heartbeat, and ignores poll answers", () => {
    const r = mergeIntervals(
      [ev("socket-connect", 0), ev("socket-disconnect", min(5)), ev("heartbeat", min(20)), ev("poll-answer", min(30))],
      opts,
    );
    expect(spans(r)).toEqual([[0, min(5)]]);
  });

  it("sorts events by time whatever their input order", () => {
    const r = mergeIntervals([ev("socket-disconnect", min(30)), ev("socket-connect", 0)], opts);
    expect(spans(r)).toEqual([[0, min(30)]]);
  });
});

describe("attendanceStatus", () => {
  const rule = { presentMinPercent: 80, lateAfterMinutes: 10 };
  const at = (a: number, b: number) => ({ intervals: [{ start: S + a, end: S + b }], presentMs: b - a });
  it("present, late, left early, absent", () => {
    expect(attendanceStatus(at(0, min(50)), rule, S, S + min(60)).status).toBe("present");
    expect(attendanceStatus(at(min(11), min(60)), rule, S, S + min(60)).status).toBe("late");
    expect(attendanceStatus(at(min(2), min(30)), rule, S, S + min(60)).status).toBe("left-early");
    expect(attendanceStatus({ intervals: [], presentMs: 0 }, rule, S, S + min(60))).toEqual({ status: "absent", percent: 0 });
    expect(attendanceStatus(at(0, min(30)), rule, S, S + min(60)).percent).toBe(50);
  });
});
