// The attendance ledger with several media nodes writing it (ADR 0016), on a real SQLite file:
// every row names the node instance that wrote it; a node's start-up recovery closes only its own
// node's leftovers (and rows with no node); a survivor closes one dead instance's; a node's
// graceful stop closes only what that node held.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeLiveSession } from "#tests/factories/live.ts";
import { attendanceEvents } from "#db/schema/index.ts";
import { mergeIntervals, replay } from "#live/attendance.ts";
import { ledgerRows, toLedgerEvent } from "#live/ledger.server.ts";
import { AttendanceLedger } from "../../media-server/src/attendance.ts";

let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(async () => dropDb(db));

const min = (n: number) => n * 60_000;

async function world() {
  const t = await makeTree(db);
  const members = [];
  for (let i = 0; i < 4; i++) members.push(await makeMember(db, t.a1, { password: false }));
  const start = Date.now() - min(30);
  const s = await makeLiveSession(db, start, { inviteUnits: [t.a] });
  return { members, s, start };
}

/** One connection opened on `ledger`'s node at `start`, last seen at `start + seenMin`. */
async function open(ledger: AttendanceLedger, sessionId: number, memberId: number, connectionId: string, start: number, seenMin: number) {
  await ledger.append({ sessionId, memberId, kind: "socket-connect", via: "individual", connectionId, at: start });
  await ledger.touch([{ sessionId, memberId, via: "individual", connectionId, at: start + min(seenMin) }]);
}

const closings = async (sessionId: number) =>
  (await db.select().from(attendanceEvents).where(eq(attendanceEvents.sessionId, sessionId)))
    .filter((e) => e.kind === "server-stop")
    .map((e) => ({ connectionId: e.connectionId, at: e.at.getTime(), nodeId: e.nodeId, reason: (e.detail as { reason?: string }).reason }))
    .sort((x, y) => String(x.connectionId).localeCompare(String(y.connectionId)));

describe("attendance ledger across media nodes", () => {
  it("records the writing instance on events and last-seen rows; the latest tick's node wins", async () => {
    const { members, s, start } = await world();
    const a = new AttendanceLedger(db, Date.now, "node-a/1");
    const b = new AttendanceLedger(db, Date.now, "node-b/1");
    await open(a, s.id, members[0].id, "c0", start, 1);
    const rows = await ledgerRows(db, s.id, [members[0].id]);
    expect(rows.map((r) => [r.kind, r.nodeId])).toEqual([
      ["socket-connect", "node-a/1"],
      ["heartbeat", "node-a/1"],
    ]);
    // A cell room's key can move between nodes: the latest tick names the holder.
    const key = { sessionId: s.id, memberId: members[1].id, via: "cell-room" as const, cellRoomMemberId: members[2].id };
    await a.touch([{ ...key, at: start + min(2) }]);
    await b.touch([{ ...key, at: start + min(3) }]);
    await a.touch([{ ...key, at: start + min(1) }]); // late: changes neither time nor node
    const seen = (await ledgerRows(db, s.id, [members[1].id])).filter((r) => r.kind === "heartbeat");
    expect(seen.map((r) => [r.at.getTime(), r.nodeId])).toEqual([[start + min(3), "node-b/1"]]);
  });

  it("a node's start-up recovery closes its own node's leftovers and unnamed ones, not another node's", async () => {
    const { members, s, start } = await world();
    const oldA = new AttendanceLedger(db, Date.now, "node-a/old");
    const b = new AttendanceLedger(db, Date.now, "node-b/1");
    const single = new AttendanceLedger(db);
    await open(oldA, s.id, members[0].id, "on-a", start, 5);
    await open(b, s.id, members[1].id, "on-b", start, 6);
    await open(single, s.id, members[2].id, "no-node", start, 7);
    // "node-ab" shares a prefix with "node-a" but is another node.
    await open(new AttendanceLedger(db, Date.now, "node-ab/1"), s.id, members[3].id, "on-ab", start, 8);

    // node-a restarts with a new instance.
    const newA = new AttendanceLedger(db, Date.now, "node-a/new");
    expect(await newA.closeOpenIntervals()).toEqual({ closed: 2 });
    expect(await closings(s.id)).toEqual([
      { connectionId: "no-node", at: start + min(7), nodeId: null, reason: "crash-recovery" },
      { connectionId: "on-a", at: start + min(5), nodeId: "node-a/old", reason: "crash-recovery" },
    ]);
    expect(await newA.closeOpenIntervals()).toEqual({ closed: 0 });
    const still = async (m: number) => replay((await ledgerRows(db, s.id, [m])).map(toLedgerEvent)).open.map((k) => k.nodeId);
    expect(await still(members[1].id)).toEqual(["node-b/1"]);
    expect(await still(members[3].id)).toEqual(["node-ab/1"]);
  });

  it("a survivor closes exactly one dead instance's open intervals, at their last heartbeat", async () => {
    const { members, s, start } = await world();
    const a = new AttendanceLedger(db, Date.now, "node-a/1");
    const deadB = new AttendanceLedger(db, Date.now, "node-b/1");
    const restartedB = new AttendanceLedger(db, Date.now, "node-b/2");
    await open(a, s.id, members[0].id, "on-a", start, 5);
    await open(deadB, s.id, members[1].id, "on-b1", start, 6);
    // The same member again on node b's next instance (restarted after the death): not dead.
    await open(restartedB, s.id, members[1].id, "on-b2", start + min(7), 1);

    expect(await a.closeOpenIntervals({ instance: "node-b/1" }, "node-dead")).toEqual({ closed: 1 });
    expect(await closings(s.id)).toEqual([{ connectionId: "on-b1", at: start + min(6), nodeId: "node-b/1", reason: "node-dead" }]);
    // Two survivors racing write one event (deterministic ids).
    expect(await new AttendanceLedger(db, Date.now, "node-c/1").closeOpenIntervals({ instance: "node-b/1" }, "node-dead")).toEqual({ closed: 0 });
    const open1 = replay((await ledgerRows(db, s.id, [members[1].id])).map(toLedgerEvent)).open;
    expect(open1.map((k) => [k.connectionId, k.nodeId])).toEqual([["on-b2", "node-b/2"]]);
  });

  it("a node's graceful stop closes what that node held, not the member's connection on another node", async () => {
    const { members, s, start } = await world();
    const a = new AttendanceLedger(db, Date.now, "node-a/1");
    const b = new AttendanceLedger(db, Date.now, "node-b/1");
    const m = members[0].id;
    await open(a, s.id, m, "on-a", start, 5);
    await open(b, s.id, m, "on-b", start + min(1), 5);
    // What server.ts writes on a clean stop: one "close everything" server-stop per member.
    await a.append({ sessionId: s.id, memberId: m, kind: "server-stop", via: "individual", at: start + min(10) });
    const { open: left } = replay((await ledgerRows(db, s.id, [m])).map(toLedgerEvent));
    expect(left.map((k) => k.connectionId)).toEqual(["on-b"]);
    // And node a's recovery finds nothing of its own; node b's connection stays for node b.
    expect(await new AttendanceLedger(db, Date.now, "node-a/2").closeOpenIntervals()).toEqual({ closed: 0 });
    // On a single node (no node named), a server-stop still closes everything.
    await new AttendanceLedger(db).append({ sessionId: s.id, memberId: m, kind: "server-stop", via: "individual", at: start + min(11) });
    expect(replay((await ledgerRows(db, s.id, [m])).map(toLedgerEvent)).open).toEqual([]);
  });

  it("a node taken for dead while alive re-opens what it still holds: one interval each, once per reap", async () => {
    const { members, s, start } = await world();
    // node b starved: its viewer's connection and a check-in at its cell room screen were closed
    // by the survivor at their last heartbeat (minute 6); node b is back at minute 7.
    const b = new AttendanceLedger(db, () => start + min(7), "node-b/1");
    const [viewer, checked, host, elsewhere] = members.map((m) => m.id);
    await open(b, s.id, viewer, "v", start, 6);
    await open(b, s.id, host, "h", start, 6);
    await b.append({ sessionId: s.id, memberId: checked, kind: "checkin", via: "cell-room", cellRoomMemberId: host, connectionId: "h", at: start });
    await b.touch([{ sessionId: s.id, memberId: checked, via: "cell-room", cellRoomMemberId: host, at: start + min(6) }]);
    // A connection of node a's, left open: none of node b's business.
    await open(new AttendanceLedger(db, Date.now, "node-a/1"), s.id, elsewhere, "x", start, 6);
    expect(await new AttendanceLedger(db, Date.now, "node-a/1").closeOpenIntervals({ instance: "node-b/1" }, "node-dead")).toEqual({ closed: 3 });

    const held = [
      { sessionId: s.id, memberId: viewer, via: "individual" as const, connectionId: "v", at: 0 },
      { sessionId: s.id, memberId: host, via: "individual" as const, connectionId: "h", at: 0 },
      { sessionId: s.id, memberId: checked, via: "cell-room" as const, cellRoomMemberId: host, at: 0 },
    ];
    // A connection opened after the reap is open already: left alone.
    await open(b, s.id, elsewhere, "fresh", start + min(7), 0);
    expect(await b.reopenHeld([...held, { sessionId: s.id, memberId: elsewhere, via: "individual", connectionId: "fresh", at: 0 }])).toEqual({ reopened: 3 });
    // A repeated notice of the same reap writes nothing.
    expect(await b.reopenHeld(held)).toEqual({ reopened: 0 });
    await b.touch(held.map((k) => ({ ...k, at: start + min(9) })));
    const merged = async (m: number) =>
      mergeIntervals((await ledgerRows(db, s.id, [m])).map(toLedgerEvent), { reconnectWindowMs: min(2), sessionStart: start, sessionEnd: start + min(60) });
    for (const m of [viewer, host]) expect((await merged(m)).individual).toEqual([{ start, end: start + min(9) }]);
    expect((await merged(checked)).cellRoom).toEqual([{ start, end: start + min(9) }]);
    const reopened = (await db.select().from(attendanceEvents).where(eq(attendanceEvents.sessionId, s.id))).filter((e) => (e.detail as { reason?: string } | null)?.reason === "taken-for-dead");
    expect(reopened.map((e) => [e.memberId, e.kind, e.at.getTime(), e.nodeId]).sort()).toEqual(
      [[viewer, "socket-connect", start + min(7), "node-b/1"], [host, "socket-connect", start + min(7), "node-b/1"], [checked, "checkin", start + min(7), "node-b/1"]].sort(),
    );
    expect((await merged(elsewhere)).open.map((k) => [k.connectionId, k.nodeId]).sort()).toEqual([["fresh", "node-b/1"], ["x", "node-a/1"]]);
    // Starved again, reaped again (closed at minute 9): a new reap, re-opened again.
    expect(await new AttendanceLedger(db, Date.now, "node-a/1").closeOpenIntervals({ instance: "node-b/1" }, "node-dead")).toEqual({ closed: 4 });
    expect(await new AttendanceLedger(db, () => start + min(10), "node-b/1").reopenHeld(held)).toEqual({ reopened: 3 });
    expect((await merged(viewer)).individual).toEqual([{ start, end: start + min(10) }]);
  });
});
