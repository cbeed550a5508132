import { afterAll, beforeAll, describe, expect, test } from "vitest";
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

let db: ReturnType<typeof testDb>;
let t: ReturnType<typeof makeTree>;
let X: number;
const p: Record<string, Member> = {};
const today = vnDay(new Date());
const lastWeek = addDays(today, -7);
const at = (day: string, hour: number) => new Date(startOfVnDay(day).getTime() + hour * 3600_000);

function course(slug: string, publishedAt: Date) {
  return makeCourse(db, { slug, title: `Khóa ${slug}`, at: publishedAt }).id;
}

function complete(m: Member, courseId: number, done: Date) {
  const c = getCourse(db, courseId)!;
  openItem(db, m.id, courseId, "bai-1", c.publishedVersionId!, new Date(done.getTime() - 3600_000));
  completeLesson(db, m.id, c, "bai-1", done);
}

function rows(day: string, courseId: number) {
  return db
    .select()
    .from(completionSnapshots)
    .where(and(eq(completionSnapshots.day, day), eq(completionSnapshots.courseId, courseId)))
    .orderBy(completionSnapshots.unitId)
    .all();
}

beforeAll(() => {
  db = testDb();
  t = makeTree(db);
  const joined = at(addDays(today, -30), 9);
  for (const [code, unit] of [
    ["S1", t.a1],
    ["S2", t.a1],
    ["S3", t.a2],
    ["S4", t.b1],
    ["S5", t.b2],
  ] as const) {
    p[code] = createMember(db, { code, fullName: `Người ${code}`, unitId: unit.id }, null, joined);
  }
  X = course("khoa-x", at(addDays(today, -25), 9));
  assignToUnit(db, { courseId: X, unitId: t.root.id, dueAt: at(addDays(today, -10), 17), actorId: null }, at(addDays(today, -20), 9));
  complete(p.S1, X, at(addDays(today, -12), 10)); // before last week
  complete(p.S3, X, at(addDays(today, -9), 10));
});
afterAll(() => dropDb(db));

describe("completion snapshots", () => {
  test("store every unit × assigned course as it stood at the end of the day, equal to the roll-up", () => {
    const r = takeCompletionSnapshot(db, lastWeek);
    expect(r).toMatchObject({ day: lastWeek, courses: 1, skipped: 0 });
    const rollup = completionRollup(db, { courseIds: [X], at: endOfVnDay(lastWeek) });
    const expected = rollup.units
      .filter((u) => u.total.assigned > 0)
      .map((u) => ({ unitId: u.unitId, assigned: u.total.assigned, completed: u.total.completed, inProgress: u.total.inProgress, notStarted: u.total.notStarted, overdue: u.total.overdue }));
    const stored = rows(lastWeek, X).map(({ unitId, assigned, completed, inProgress, notStarted, overdue }) => ({ unitId, assigned, completed, inProgress, notStarted, overdue }));
    expect(stored).toEqual(expected.sort((a, b) => a.unitId - b.unitId));
    expect(r.rows).toBe(stored.length);
    expect(stored.find((s) => s.unitId === t.root.id)).toMatchObject({ assigned: 5, completed: 2, overdue: 3 });
  });

  test("taking the same day again changes nothing (idempotent)", () => {
    const before = rows(lastWeek, X);
    const again = takeCompletionSnapshot(db, lastWeek);
    expect(again).toMatchObject({ courses: 1, skipped: 1, rows: 0 });
    expect(rows(lastWeek, X)).toEqual(before);
  });

  test("last week's figure does not change when someone completes today, nor when records are corrected", () => {
    const series = () => completionSeries(db, { unitIds: [t.root.id], courseIds: [X], from: addDays(today, -30), to: today });
    const before = series();
    expect(before).toEqual([{ day: lastWeek, assigned: 5, completed: 2, inProgress: 0, overdue: 3, rate: 2 / 5 }]);

    complete(p.S4, X, new Date()); // S4 completes today
    takeCompletionSnapshot(db, lastWeek);
    expect(series()).toEqual(before);
    // Recomputed from the records, last week is unchanged by a completion today too...
    expect(completionRollup(db, { courseIds: [X], at: endOfVnDay(lastWeek) }).total.completed).toBe(2);
    // ... but not by a correction of an old record: the snapshot keeps what was reported then.
    db.delete(courseCompletions).where(and(eq(courseCompletions.memberId, p.S1.id), eq(courseCompletions.courseId, X))).run();
    expect(completionRollup(db, { courseIds: [X], at: endOfVnDay(lastWeek) }).total.completed).toBe(1);
    takeCompletionSnapshot(db, lastWeek);
    expect(series()).toEqual(before);
    // Today's live figure does move.
    expect(completionRollup(db, { courseIds: [X], at: new Date() }).total.completed).toBe(2);
  });

  test("a course assigned later is added to a stored day without touching the stored courses", () => {
    const Y = course("khoa-y", at(addDays(today, -25), 9));
    assignToUnit(db, { courseId: Y, unitId: t.b.id, dueAt: null, actorId: null }, at(addDays(today, -8), 9));
    const before = rows(lastWeek, X);
    const r = takeCompletionSnapshot(db, lastWeek);
    expect(r).toMatchObject({ courses: 2, skipped: 1 });
    expect(rows(lastWeek, X)).toEqual(before);
    expect(rows(lastWeek, Y).map((s) => [s.unitId, s.assigned])).toEqual([
      [t.root.id, 2],
      [t.b.id, 2],
      [t.b1.id, 1],
      [t.b2.id, 1],
    ]);
  });

  test("a day that is not over, or not a day, is refused", () => {
    expect(() => takeCompletionSnapshot(db, today)).toThrow(RangeError);
    expect(() => takeCompletionSnapshot(db, addDays(today, 1))).toThrow(RangeError);
    expect(() => takeCompletionSnapshot(db, "2025-02-30")).toThrow(RangeError);
    expect(() => takeCompletionSnapshot(db, "hôm qua")).toThrow(RangeError);
  });

  test("backfilling recent days stores each day once, oldest first", () => {
    const out = snapshotRecentDays(db, 9);
    expect(out.map((o) => o.day)).toEqual(Array.from({ length: 9 }, (_, k) => addDays(today, k - 9)));
    expect(out.find((o) => o.day === lastWeek)).toMatchObject({ rows: 0, skipped: 2 });
    const series = completionSeries(db, { unitIds: [t.root.id], courseIds: [X], from: addDays(today, -9), to: today });
    expect(series.map((s) => s.day)).toEqual(out.map((o) => o.day));
    // Days stored now are computed from today's records (S1's completion was removed above: only
    // S3, who completed at 10:00 nine days ago, counts); last week keeps the 2 it was stored with.
    expect(series.map((s) => s.completed)).toEqual(series.map((s) => (s.day === lastWeek ? 2 : 1)));
    expect(snapshotRecentDays(db, 9).every((o) => o.rows === 0)).toBe(true);
  });
});
