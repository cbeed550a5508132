import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeEndedSession } from "#tests/factories/live.ts";
import { itemProgress, liveRecordings } from "#db/schema/index.ts";
import { addItem, createCourse, setLiveItemMakeUp } from "#app/courses/authoring.server.ts";
import { publishCourse } from "#app/courses/courses.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { liveItemView, settleLiveSession } from "#app/courses/live-items.server.ts";
import { correctAttendance } from "#app/live/attendance.server.ts";
import { makeUpFor, makeUpsOf, pendingMakeUps, publishRecording, recordMakeUpBeat } from "#app/live/recordings.server.ts";
import { scopedReport } from "#app/live/report.server.ts";
import { attendanceForPeriod } from "#app/reports/attendance-period.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import type { Member } from "#app/org/members.server.ts";

/**
 * Make-up study (học bù) in the ledger: only invited members who missed the session are offered the
 * published recording; watching is credited by the server from beats (skipping earns nothing);
 * "made up" is its own status beside live attendance in the report, the period report and a course
 * item that accepts it — which says which way it was completed.
 */
let db: Awaited<ReturnType<typeof testDb>>;
let tree: Awaited<ReturnType<typeof makeTree>>;
let admin: Member, watcher: Member, skipper: Member, excusedPresent: Member;
let sessionId: number;
const T0 = Date.UTC(2030, 4, 10, 1, 0, 0);
const MIN = 60_000;
const RW = 60_000;
const at = (ms: number) => new Date(T0 + 2 * 3600_000 + ms);

beforeAll(async () => {
  db = await testDb();
  tree = await makeTree(db);
  admin = await makeMember(db, tree.root, { code: "MU-ADMIN", role: "admin" });
  watcher = await makeMember(db, tree.a1, { code: "MU-WATCH" });
  skipper = await makeMember(db, tree.a1, { code: "MU-SKIP" });
  excusedPresent = await makeMember(db, tree.a2, { code: "MU-CORR" });
  sessionId = (await makeEndedSession(db, T0, { title: "Phiên có bản ghi", inviteUnits: [tree.a], presenters: [admin] })).id;
  // A correction says this member was present: nothing to make up.
  await correctAttendance(db, { sessionId, memberId: excusedPresent.id, status: "present", reason: "Dự tại hội trường, máy hỏng", correctedBy: admin.id });
});

afterAll(() => dropDb(db));

describe("make-up study of a published recording", () => {
  test("nothing is offered until a ready recording is published, and publishing needs one", async () => {
    await expect(async () => publishRecording(db, { sessionId, actorId: admin.id, makeUpMinPercent: 50 })).rejects.toThrow(DomainError);
    const now = new Date(T0);
    await writeTx(db, async (tx) => tx.insert(liveRecordings)
      .values({ sessionId, state: "ready", startedBy: admin.id, startedAt: now, stoppedAt: now, file: "recordings/x.webm", durationMs: 60_000, bytes: 1, updatedAt: now }));
    expect(await makeUpFor(db, sessionId, watcher.id, RW)).toBeUndefined();
    expect(await recordMakeUpBeat(db, sessionId, watcher.id, RW, at(0))).toBeUndefined();
    await publishRecording(db, { sessionId, actorId: admin.id, makeUpMinPercent: 50 });
    expect((await makeUpFor(db, sessionId, watcher.id, RW))?.liveStatus).toBe("absent");
    expect(await makeUpFor(db, sessionId, excusedPresent.id, RW)).toBeUndefined();
    expect((await pendingMakeUps(db, watcher.id, RW)).map((p) => p.title)).toEqual(["Phiên có bản ghi"]);
  });

  test("the server credits real time between beats: watching makes up, skipping does not", async () => {
    // Watching a 60 s recording: a beat every 10 s; 50 % is 30 s.
    for (const s of [0, 10, 20]) await recordMakeUpBeat(db, sessionId, watcher.id, RW, at(s * 1000));
    expect((await makeUpsOf(db, sessionId)).get(watcher.id)).toMatchObject({ watchSeconds: 20, madeUpAt: null });
    const done = (await recordMakeUpBeat(db, sessionId, watcher.id, RW, at(30_000)))!;
    expect(done).toMatchObject({ watchSeconds: 30, percent: 50 });
    expect(done.madeUpAt).toEqual(at(30_000));
    // Skipping to the end: a beat, then one at the end minutes later (a gap earns nothing), then
    // beats in quick succession (each earns only the real seconds between them).
    await recordMakeUpBeat(db, sessionId, skipper.id, RW, at(0));
    await recordMakeUpBeat(db, sessionId, skipper.id, RW, at(5 * MIN));
    await recordMakeUpBeat(db, sessionId, skipper.id, RW, at(5 * MIN + 1000));
    expect((await makeUpsOf(db, sessionId)).get(skipper.id)).toMatchObject({ watchSeconds: 1, madeUpAt: null });
    expect(await pendingMakeUps(db, watcher.id, RW)).toEqual([]);
  });

  test("the report keeps live status and make-up apart; so does the period report", async () => {
    const rep = (await scopedReport(db, { all: true }, sessionId, T0 + 3 * 3600_000, RW))!;
    const w = rep.rows.find((r) => r.memberId === watcher.id)!;
    expect(w.effective).toBe("absent");
    expect(w.makeUp?.madeUpAt).toBeInstanceOf(Date);
    expect(rep.counts).toMatchObject({ absent: 2, present: 1, madeUp: 1 });
    const period = await attendanceForPeriod(db, { from: new Date(T0 - 3600_000), to: new Date(T0 + 3600_000), withinPaths: null, reconnectWindowMs: RW, now: T0 + 3 * 3600_000 });
    expect(period.total).toMatchObject({ invited: 3, absent: 2, madeUp: 1 });
    // Making up is not attendance: the rate counts only the corrected-present member.
    expect(period.total.rate).toBeCloseTo(1 / 3, 6);
  });

  test("a course item accepts make-up only when set to, and says which way it was completed", async () => {
    const c = await createCourse(db, { slug: "khoa-hoc-bu", title: "Khóa có học bù" });
    await addItem(db, c.id, "chuong-1", "live", "Tham dự", new Date(), { sessionId, minutes: 60 });
    await publishCourse(db, c.id, admin.id);
    await assignToUnit(db, { courseId: c.id, unitId: tree.a.id, dueAt: null, actorId: admin.id });
    const progress = async (m: Member) => await first(db.select().from(itemProgress).where(and(eq(itemProgress.memberId, m.id), eq(itemProgress.courseId, c.id))));

    await settleLiveSession(db, sessionId, { reconnectWindowMs: RW, now: at(3600_000) });
    expect(await progress(watcher)).toBeUndefined();
    expect((await progress(excusedPresent))?.state).toBe("completed");

    await setLiveItemMakeUp(db, c.id, "tham-du", true);
    await publishCourse(db, c.id, admin.id);
    await settleLiveSession(db, sessionId, { reconnectWindowMs: RW, now: at(3600_000) });
    expect(await progress(watcher)).toMatchObject({ state: "completed", completedAt: at(30_000) });
    expect(await progress(skipper)).toBeUndefined();
    expect(await liveItemView(db, watcher.id, sessionId, { reconnectWindowMs: RW, acceptMakeUp: true })).toMatchObject({ attended: false, madeUp: true });
    expect(await liveItemView(db, excusedPresent.id, sessionId, { reconnectWindowMs: RW, acceptMakeUp: true })).toMatchObject({ attended: true, madeUp: false });
    await expect(async () => setLiveItemMakeUp(db, c.id, "khong-co", true)).rejects.toThrow(DomainError);
  });
});
