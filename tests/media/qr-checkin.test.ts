// Phone check-in at a cell room by its rotating QR code, against the real media server (real worker,
// real SQLite file) driven by socket.io clients: the hall's screen gets a code and new ones as they
// rotate; a member's phone with a "check-in" token sends the code and is checked in to that room,
// recorded in the ledger like a secretary's tick; wrong, stale, foreign and misused codes are refused.
import { describe, expect, it } from "vitest";
import { writeTx } from "#db/client.server.ts";
import { and, eq } from "drizzle-orm";
import type { TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { attendanceEvents, scopeGrants } from "#db/schema/index.ts";
import { replay } from "#live/attendance.ts";
import { toLedgerEvent } from "#live/ledger.server.ts";
import { CheckinCodes } from "../../media-server/src/checkin-codes.ts";
import { makeSession } from "#tests/factories/live.ts";
import { connected, request, tokenFor, waitFor } from "#tests/harness/media.ts";
import { useMediaSuite } from "#tests/harness/media-suite.ts";

async function world(db: TestDb) {
  const t = await makeTree(db);
  const secretary = await makeMember(db, t.a1, { password: false, fullName: "Bí Thư Một" });
  await writeTx(db, async (tx) => tx.insert(scopeGrants).values({ memberId: secretary.id, unitId: t.a1.id, kind: "secretary", createdAt: new Date() }));
  const present = await makeMember(db, t.a1, { password: false, fullName: "Có Mặt Quét Mã" });
  const second = await makeMember(db, t.a1, { password: false });
  const otherCell = await makeMember(db, t.a2, { password: false });
  const outsider = await makeMember(db, t.b1, { password: false });
  const session = await makeSession(db, { inviteUnits: [t.a], state: "live", actualStart: Date.now() - 60_000 });
  return { t, secretary, present, second, otherCell, outsider, session };
}

// 5 s, the shortest allowed: the test sees one real rotation.
const live = useMediaSuite({ world, env: { CHECKIN_QR_ROTATE_SECONDS: "5" } });

/** The hall's screen: a cell-room socket for cell a1, joined. */
async function hallScreen() {
  const screen = await connected(live.open(tokenFor(live.w.secretary, live.w.session.id, "cell-room", { unitId: live.w.t.a1.id })));
  const notices: { memberIds: number[]; method: string }[] = [];
  const codes: { code: string; issuedAt: number; rotatesAt: number }[] = [];
  screen.on("checkedIn", (n) => notices.push(n));
  screen.on("checkinCode", (c) => codes.push(c));
  const joined = await request(screen, "join", {});
  expect(joined.error).toBeUndefined();
  return { screen, joined, notices, codes };
}

const phone = (member: typeof live.w.present) => connected(live.open(tokenFor(member, live.w.session.id, "check-in")));

describe("rotating check-in codes (pure)", () => {
  it("rotates on schedule, accepts a code for two periods, and forgets a host that left", () => {
    const codes = new CheckinCodes(30_000);
    const first = codes.currentFor(7, 1_000);
    expect(first.code).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(codes.currentFor(7, 20_000).code).toBe(first.code);
    const second = codes.currentFor(7, 31_000);
    expect(second.code).not.toBe(first.code);
    expect(codes.hostOf(first.code, 50_000)).toBe(7); // just rotated: still accepted
    expect(codes.hostOf(first.code, 61_000)).toBeUndefined(); // two periods old
    expect(codes.hostOf(second.code, 61_000)).toBe(7);
    expect(codes.hostOf("AAAAAAAAAAAAAAAA", 61_000)).toBeUndefined();
    // The timer's rotation happens even a little before the code is due (timers fire early).
    const third = codes.rotate(7, 60_999);
    expect(third.code).not.toBe(second.code);
    expect(third.rotatesAt).toBe(60_999 + 30_000);
    expect(codes.hostOf(second.code, 60_999)).toBe(7);
    codes.drop(7);
    expect(codes.hostOf(second.code, 61_000)).toBeUndefined();
    expect(codes.hostOf(third.code, 61_000)).toBeUndefined();
  });
});

describe("phone check-in at a cell room", () => {
  it("checks the member in at the screen that showed the code, records it like a tick, and tells the screen", async () => {
    const { screen, joined, notices } = await hallScreen();
    expect(joined.checkinCode.code).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const p = await phone(live.w.present);
    const r = await request(p, "qrCheckin", { code: joined.checkinCode.code });
    expect(r).toMatchObject({ ok: true, already: false, cell: { code: live.w.t.a1.code, name: live.w.t.a1.name }, host: "Bí Thư Một" });
    await waitFor(() => notices.length > 0, "checkedIn notice");
    expect(notices[0]).toMatchObject({ memberIds: [live.w.present.id], method: "qr" });
    expect(live.server.registry.peek(live.w.session.id)?.checkins.get(live.w.secretary.id)?.has(live.w.present.id)).toBe(true);
    const events = await live.db
      .select()
      .from(attendanceEvents)
      .where(and(eq(attendanceEvents.sessionId, live.w.session.id), eq(attendanceEvents.memberId, live.w.present.id)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "checkin", via: "cell-room", cellRoomMemberId: live.w.secretary.id, detail: { method: "qr" } });

    // A second scan is answered, not recorded twice.
    const again = await request(p, "qrCheckin", { code: joined.checkinCode.code });
    expect(again).toMatchObject({ ok: true, already: true });
    expect(
      await live.db.select().from(attendanceEvents).where(and(eq(attendanceEvents.sessionId, live.w.session.id), eq(attendanceEvents.memberId, live.w.present.id))),
    ).toHaveLength(1);

    // The check-in socket is no viewer: it cannot join, and it is not in the audience.
    expect(await request(p, "join", {})).toMatchObject({ error: "forbidden" });
    expect(live.server.registry.peek(live.w.session.id)?.peers.has(live.w.present.id)).toBe(false);
    p.close();

    // The ledger replays it as a cell-room key of this screen (minutes count only while the screen
    // itself receives the broadcast: the Chromium test covers that; this screen has no transport).
    const raw = replay(events.map(toLedgerEvent));
    expect(raw.cellRoom.get(live.w.secretary.id)).toHaveLength(1);
    expect(raw.individual).toHaveLength(0);
    await request(screen, "leave");
    screen.close();
  });

  it("refuses wrong codes, members of another cell, misused roles, and codes of a screen that left", async () => {
    const { screen, joined } = await hallScreen();
    const code = joined.checkinCode.code as string;

    const p = await phone(live.w.second);
    expect(await request(p, "qrCheckin", { code: "AAAAAAAAAAAAAAAA" })).toEqual({ error: "checkin-code-expired" });
    expect(await request(p, "qrCheckin", { code: "not a code" })).toMatchObject({ error: "invalid-payload" });

    // Invited, but on another cell's roster: not this room's to check in.
    const other = await phone(live.w.otherCell);
    expect(await request(other, "qrCheckin", { code })).toMatchObject({ error: "not-on-roster" });

    // Not invited at all: no socket in the first place.
    await expect(phone(live.w.outsider)).rejects.toThrow("not-invited");

    // A viewer's socket cannot check in by code; a screen cannot either.
    const viewer = await connected(live.open(tokenFor(live.w.second, live.w.session.id, "viewer")));
    expect(await request(viewer, "qrCheckin", { code })).toMatchObject({ error: "forbidden" });
    expect(await request(screen, "qrCheckin", { code })).toMatchObject({ error: "forbidden" });
    // Only a cell room asks for codes.
    await request(viewer, "join", {});
    expect(await request(viewer, "checkinCode", {})).toMatchObject({ error: "forbidden" });
    viewer.close();

    // The screen leaves: its code stops working at once.
    await request(screen, "leave");
    expect(await request(p, "qrCheckin", { code })).toMatchObject({ error: "checkin-code-expired" });
    expect(
      await live.db.select().from(attendanceEvents).where(and(eq(attendanceEvents.sessionId, live.w.session.id), eq(attendanceEvents.memberId, live.w.otherCell.id))),
    ).toHaveLength(0);
    screen.close();
    p.close();
    other.close();
  });

  it("pushes a new code to the screen each rotation; the previous one still works for a while", async () => {
    const { screen, joined, codes } = await hallScreen();
    const rotated = await waitFor(() => codes.find((c) => c.code !== joined.checkinCode.code), "a rotated code", 20_000);
    expect(rotated.rotatesAt - rotated.issuedAt).toBe(5_000);
    const p = await phone(live.w.second);
    // Scanned just before the rotation: accepted.
    expect(await request(p, "qrCheckin", { code: joined.checkinCode.code })).toMatchObject({ ok: true });
    const p2 = await phone(live.w.present);
    expect(await request(p2, "qrCheckin", { code: rotated.code })).toMatchObject({ ok: true });
    // The screen may also ask for the current code (after a reload, say).
    const now = await request(screen, "checkinCode", {});
    expect(now.code).toMatch(/^[A-Za-z0-9_-]{16}$/);
    await request(screen, "leave");
    screen.close();
    p.close();
    p2.close();
  });
});
