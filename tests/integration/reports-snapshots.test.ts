import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeTx } from "#db/client.server.ts";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeTree } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { completionSnapshots, courseCompletions } from "#db/schema/index.ts";
import { createMember, type Member } from "#app/org/members.server.ts";
import { getCourse } from "#app/courses/courses.server.ts";
import { assignToUnit, completeLesson, openItem } from "#app/courses/learning.server.ts";
import { completionRollup } from "#app/reports/completion.server.ts";
import { completionSeries, snapshotRecentDays, takeCompletionSnapshot } from "#app/reports/snapshots.server.ts";
import { addDays, endOfVnDay, startOfVnDay, vnDay } from "#app/common/vietnam-time.ts";

/**
 * Daily snapshots: one write per (day, course), never rewritten; last week's figure stays what it
 * was when someone completes today, or when the records behind it are corrected later.
 */

let db: Awaited<ReturnType<typeof testDb>>;
let t: Awaited<ReturnType<typeof makeTree>>;
let X: number;
const p: Record<string, Member> = {};
const today = vnDay(new Date());
const lastWeek = addDays(today, -7);
const at = (day: string, hour: number) => new Date(startOfVnDay(day).getTime() + hour * 3600_000);

async function course(slug: string, publishedAt: Date) {
  return (await makeCourse(db, { slug, title: `Khóa ${slug}`, at: publishedAt })).id;
}

async function complete(m: Member, courseId: number, done: Date) {
  const c = (await getCourse(db, courseId))!;
  await openItem(db, m.id, courseId, "bai-1", c.publishedVersionId!, new Date(done.getTime() - 3600_000));
  await completeLesson(db, m.id, c, "bai-1", done);
}

async function rows(day: string, courseId: number) {
  return await db
    .select()
    .from(completionSnapshots)
    .where(and(eq(completionSnapshots.day, day), eq(completionSnapshots.courseId, courseId)))
    .orderBy(completionSnapshots.unitId);
}

beforeAll(async () => {
  db = await testDb();
  t = await makeTree(db);
  const joined = at(addDays(today, -30), 9);
  for (const [code, unit] of [
    ["S1", t.a1],
    ["S2", t.a1],
    ["S3", t.a2],
    ["S4", t.b1],
    ["S5", t.b2],
  ] as const) {
    p[code] = await createMember(db, { code, fullName: `Người ${code}`, unitId: unit.id }, null, joined);
  }
  X = await course("khoa-x", at(addDays(today, -25), 9));
  await assignToUnit(db, { courseId: X, unitId: t.root.id, dueAt: at(addDays(today, -10), 17), actorId: null }, at(addDays(today, -20), 9));
  await complete(p.S1, X, at(addDays(today, -12), 10)); // before last week
  await complete(p.S3, X, at(addDays(today, -9), 10));
});
afterAll(() => dropDb(db));

describe("completion snapshots", () => {
  test("store every unit × assigned course as it stood at the end of the day, equal to the roll-up", async () => {
    const r = await takeCompletionSnapshot(db, lastWeek);
    expect(r).toMatchObject({ day: lastWeek, courses: 1, skipped: 0 });
    const rollup = await completionRollup(db, { courseIds: [X], at: endOfVnDay(lastWeek) });
    const expected = rollup.units
      .filter((u) => u.total.assigned > 0)
      .map((u) => ({ unitId: u.unitId, assigned: u.total.assigned, completed: u.total.completed, inProgress: u.total.inProgress, notStarted: u.total.notStarted, overdue: u.total.overdue }));
    const stored = (await rows(lastWeek, X)).map(({ unitId, assigned, completed, inProgress, notStarted, overdue }) => ({ unitId, assigned, completed, inProgress, notStarted, overdue }));
    expect(stored).toEqual(expected.sort((a, b) => a.unitId - b.unitId));
    expect(r.rows).toBe(stored.length);
    expect(stored.find((s) => s.unitId === t.root.id)).toMatchObject({ assigned: 5, completed: 2, overdue: 3 });
  });

  test("taking the same day again changes nothing (idempotent)", async () => {
    const before = await rows(lastWeek, X);
    const again = await takeCompletionSnapshot(db, lastWeek);
    expect(again).toMatchObject({ courses: 1, skipped: 1, rows: 0 });
    expect(await rows(lastWeek, X)).toEqual(before);
  });

  test("last week's figure does not change when someone completes today, nor when records are corrected", async () => {
    const series = () => completionSeries(db, { unitIds: [t.root.id], courseIds: [X], from: addDays(today, -30), to: today });
    const before = await series();
    expect(before).toEqual([{ day: lastWeek, assigned: 5, completed: 2, inProgress: 0, overdue: 3, rate: 2 / 5 }]);

    await complete(p.S4, X, new Date()); // S4 completes today
    await takeCompletionSnapshot(db, lastWeek);
    expect(await series()).toEqual(before);
    // Recomputed from the records, last week is unchanged by a completion today too...
    expect((await completionRollup(db, { courseIds: [X], at: endOfVnDay(lastWeek) })).total.completed).toBe(2);
    // ... but not by a correction of an old record: the snapshot keeps what was reported then.
    await writeTx(db, async (tx) => tx.delete(courseCompletions).where(and(eq(courseCompletions.memberId, p.S1.id), eq(courseCompletions.courseId, X))));
    expect((await completionRollup(db, { courseIds: [X], at: endOfVnDay(lastWeek) })).total.completed).toBe(1);
    await takeCompletionSnapshot(db, lastWeek);
    expect(await series()).toEqual(before);
    // Today's live figure does move.
    expect((await completionRollup(db, { courseIds: [X], at: new Date() })).total.completed).toBe(2);
  });

  test("a course assigned later is added to a stored day without touching the stored courses", async () => {
    const Y = await course("khoa-y", at(addDays(today, -25), 9));
    await assignToUnit(db, { courseId: Y, unitId: t.b.id, dueAt: null, actorId: null }, at(addDays(today, -8), 9));
    const before = await rows(lastWeek, X);
    const r = await takeCompletionSnapshot(db, lastWeek);
    expect(r).toMatchObject({ courses: 2, skipped: 1 });
    expect(await rows(lastWeek, X)).toEqual(before);
    expect((await rows(lastWeek, Y)).map((s) => [s.unitId, s.assigned])).toEqual([
      [t.root.id, 2],
      [t.b.id, 2],
      [t.b1.id, 1],
      [t.b2.id, 1],
    ]);
  });

  test("a day that is not over, or not a day, is refused", async () => {
    await expect(async () => takeCompletionSnapshot(db, today)).rejects.toThrow(RangeError);
    await expect(async () => takeCompletionSnapshot(db, addDays(today, 1))).rejects.toThrow(RangeError);
    await expect(async () => takeCompletionSnapshot(db, "2025-02-30")).rejects.toThrow(RangeError);
    await expect(async () => takeCompletionSnapshot(db, "hôm qua")).rejects.toThrow(RangeError);
  });

  test("backfilling recent days stores each day once, oldest first", async () => {
    const out = await snapshotRecentDays(db, 9);
    expect(out.map((o) => o.day)).toEqual(Array.from({ length: 9 }, (_, k) => addDays(today, k - 9)));
    expect(out.find((o) => o.day === lastWeek)).toMatchObject({ rows: 0, skipped: 2 });
    const series = await completionSeries(db, { unitIds: [t.root.id], courseIds: [X], from: addDays(today, -9), to: today });
    expect(series.map((s) => s.day)).toEqual(out.map((o) => o.day));
    // Days stored now are computed from today's records (S1's completion was removed above: only
    // S3, who completed at 10:00 nine days ago, counts); last week keeps the 2 it was stored with.
    expect(series.map((s) => s.completed)).toEqual(series.map((s) => (s.day === lastWeek ? 2 : 1)));
    expect((await snapshotRecentDays(db, 9)).every((o) => o.rows === 0)).toBe(true);
  });
});
