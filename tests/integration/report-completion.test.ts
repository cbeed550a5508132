import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type Database from "better-sqlite3";
import { writeTx } from "#db/client.server.ts";
import { eq, sql } from "drizzle-orm";
import { rawRows } from "#db/dialect.server.ts";
import { bulkLoad, testDb, dropDb } from "#tests/factories/db.ts";
import { makeTree } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { generateBigOrg, DAY, type BigOrg } from "#tests/factories/big-org.ts";
import { courseCompletions, members } from "#db/schema/index.ts";
import { createMember, transferMember, updateMember, type Member } from "#app/org/members.server.ts";
import type { Unit } from "#app/org/units.server.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { getCourse, publishCourse } from "#app/courses/courses.server.ts";
import { assignToMember, assignToUnit, completeLesson, openItem } from "#app/courses/learning.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import {
  completionRollup,
  memberRecord,
  membersMissing,
  type CompletionCounts,
  type CompletionRollup,
} from "#app/reports/completion.server.ts";

const d = (s: string) => new Date(`${s}T00:00:00Z`);
/** [assigned, completed, inProgress, notStarted, overdue] */
type Five = [number, number, number, number, number];
const five = (c: CompletionCounts): Five => [c.assigned, c.completed, c.inProgress, c.notStarted, c.overdue];

/** For every unit: total = own + Σ total(children); and the scope total = Σ own. */
function expectTreeAddsUp(r: CompletionRollup) {
  const keys = ["assigned", "completed", "inProgress", "notStarted", "overdue"] as const;
  const ids = new Set(r.units.map((u) => u.unitId));
  let checked = 0;
  for (const u of r.units) {
    const children = r.units.filter((c) => c.parentId === u.unitId);
    for (const k of keys) {
      expect(u.total[k], `${u.code} ${k}`).toBe(u.own[k] + children.reduce((s, c) => s + c.total[k], 0));
      expect(u.total.notStarted + u.total.inProgress + u.total.completed).toBe(u.total.assigned);
      expect(u.total.overdue).toBeLessThanOrEqual(u.total.assigned - u.total.completed);
    }
    checked++;
  }
  const tops = r.units.filter((u) => u.parentId == null || !ids.has(u.parentId));
  for (const k of keys) {
    expect(r.total[k]).toBe(r.units.reduce((s, u) => s + u.own[k], 0));
    expect(r.total[k]).toBe(tops.reduce((s, u) => s + u.total[k], 0));
  }
  return checked;
}

// ---- a small organisation with exact expected numbers -------------------------------------------

describe("hand-built organisation, exact numbers", () => {
  let db: Awaited<ReturnType<typeof testDb>>;
  let t: Awaited<ReturnType<typeof makeTree>>;
  let X: number;
  let Y: number;
  const p: Record<string, Member> = {};
  const D1 = d("2025-04-01");
  const D2 = d("2025-06-01");

  async function member(code: string, unit: Unit, opts: { joined?: Date; signedIn?: boolean } = {}) {
    const m = await createMember(db, { code, fullName: `Người ${code}`, unitId: unit.id }, null, opts.joined ?? d("2025-01-01"));
    if (opts.signedIn !== false) await writeTx(db, async (tx) => tx.update(members).set({ passwordHash: "argon2-hash-placeholder" }).where(eq(members.id, m.id)));
    p[code] = m;
    return m;
  }
  async function lessonCourse(slug: string, lessons: number, publishedAt: Date) {
    return (await makeCourse(db, { slug, title: `Khóa ${slug}`, lessons, at: publishedAt })).id;
  }
  /** Opens every lesson at `opened` and completes each at `done` (through the app's own rules). */
  async function complete(m: Member, courseId: number, opened: Date, done: Date) {
    const course = (await getCourse(db, courseId))!;
    const version = course.publishedVersionId!;
    const keys = await rawRows<{ key: string }>(db, sql`SELECT key FROM course_items WHERE course_id = ${courseId} ORDER BY position`);
    for (const { key } of keys) await openItem(db, m.id, courseId, key, version, opened);
    for (const { key } of keys) await completeLesson(db, m.id, course, key, done);
  }

  beforeAll(async () => {
    db = await testDb();
    t = await makeTree(db);
    await member("P1", t.a1);
    await member("P2", t.a1);
    await member("P3", t.a2, { signedIn: false }); // never signed in
    await member("P4", t.b1);
    await member("P5", t.a1, { signedIn: false }); // transferred to B2 on 1 May
    await member("P6", t.b2, { joined: d("2025-04-20") }); // joined between the two dates
    await member("P7", t.root); // sits directly in the root unit
    await member("P8", t.b1); // leaves on 5 May (status only; the app keeps the history interval open)
    await member("P9", t.a2);

    X = await lessonCourse("khoa-x", 2, d("2025-02-01"));
    Y = await lessonCourse("khoa-y", 1, d("2025-02-01"));
    const T0 = d("2025-03-01");
    // X: through the root, through committee A, and by name to P2: one assignment, earliest due.
    await assignToUnit(db, { courseId: X, unitId: t.root.id, dueAt: d("2025-05-01"), actorId: null }, T0);
    await assignToUnit(db, { courseId: X, unitId: t.a.id, dueAt: d("2025-04-15"), actorId: null }, T0);
    await assignToMember(db, { courseId: X, memberId: p.P2.id, dueAt: d("2025-03-25"), actorId: null }, T0);
    // Y: to committee B only from 15 May; by name to P3 (in A2) from the start.
    await assignToUnit(db, { courseId: Y, unitId: t.b.id, dueAt: d("2025-05-20"), actorId: null }, d("2025-05-15"));
    await assignToMember(db, { courseId: Y, memberId: p.P3.id, dueAt: d("2025-03-31"), actorId: null }, T0);

    await complete(p.P1, Y, d("2025-03-09"), d("2025-03-10")); // Y was never assigned to P1: not counted
    await complete(p.P1, X, d("2025-03-14"), d("2025-03-15")); // on version 1
    await openItem(db, p.P2.id, X, "bai-1", (await getCourse(db, X))!.publishedVersionId!, d("2025-03-20")); // in progress
    await complete(p.P7, X, d("2025-03-24"), d("2025-03-25"));
    await addItem(db, X, "chuong-1", "lesson", "Bài 3", d("2025-03-28"));
    await publishCourse(db, X, null, d("2025-03-28")); // version 2: three lessons
    await complete(p.P9, X, d("2025-03-30"), D1); // completed exactly at D1
    await complete(p.P4, X, d("2025-05-09"), d("2025-05-10")); // after D1, before D2
    await transferMember(db, p.P5.id, t.b2.id, null, d("2025-05-01"));
    await updateMember(db, p.P8.id, { status: "left" }, null, d("2025-07-01")); // leaves after D2: still counted at both dates
  });
  afterAll(() => dropDb(db));

  const own = (r: CompletionRollup, u: Unit) => five(r.units.find((x) => x.unitId === u.id)!.own);
  const total = (r: CompletionRollup, u: Unit) => five(r.units.find((x) => x.unitId === u.id)!.total);

  test("course X on 1 April: per unit and up the tree", async () => {
    const r = await completionRollup(db, { courseIds: [X], at: D1 });
    expect(r.units.map((u) => u.code)).toEqual(["ROOT", "A", "A1", "A2", "B", "B1", "B2"]);
    //                         assigned completed inProgress notStarted overdue
    expect(own(r, t.root)).toEqual([1, 1, 0, 0, 0]); // P7
    expect(own(r, t.a1)).toEqual([3, 1, 1, 1, 1]); // P1 done, P2 started + overdue (by-name due 25 Mar), P5 not yet moved
    expect(own(r, t.a2)).toEqual([2, 1, 0, 1, 0]); // P9 completed exactly at D1; P3 never signed in, still counted
    expect(own(r, t.b1)).toEqual([2, 0, 0, 2, 0]); // P4 only opens in May; P8
    expect(own(r, t.b2)).toEqual([0, 0, 0, 0, 0]); // P6 has not joined yet, P5 not moved yet
    expect(total(r, t.a)).toEqual([5, 2, 1, 2, 1]);
    expect(total(r, t.b)).toEqual([2, 0, 0, 2, 0]);
    expect(total(r, t.root)).toEqual([8, 3, 1, 4, 1]);
    expect(r.units.find((u) => u.unitId === t.root.id)!.total.rate).toBeCloseTo(3 / 8, 10);
    expect(r.units.find((u) => u.unitId === t.b2.id)!.total.rate).toBeNull();
    expectTreeAddsUp(r);
  });

  test("course X on 1 June: the transfer and the late joiner are counted where they were then", async () => {
    const r = await completionRollup(db, { courseIds: [X], at: D2 });
    expect(own(r, t.root)).toEqual([1, 1, 0, 0, 0]);
    expect(own(r, t.a1)).toEqual([2, 1, 1, 0, 1]); // P5 has left A1 ...
    expect(own(r, t.a2)).toEqual([2, 1, 0, 1, 1]); // P3 overdue (A's due 15 Apr)
    expect(own(r, t.b1)).toEqual([2, 1, 0, 1, 1]); // P4 completed 10 May; P8 (left later, in July) still counted
    expect(own(r, t.b2)).toEqual([2, 0, 0, 2, 2]); // ... and is in B2 now, with P6; the root's due date (1 May) applies
    expect(total(r, t.a)).toEqual([4, 2, 1, 1, 2]);
    expect(total(r, t.b)).toEqual([4, 1, 0, 3, 3]);
    expect(total(r, t.root)).toEqual([9, 4, 1, 4, 5]);
    expectTreeAddsUp(r);
  });

  test("assignments count from their creation; by-name only reaches that member; unassigned completions do not count", async () => {
    const r1 = await completionRollup(db, { courseIds: [Y], at: D1 });
    expect(total(r1, t.root)).toEqual([1, 0, 0, 1, 1]); // only P3, by name, due 31 Mar
    expect(own(r1, t.a2)).toEqual([1, 0, 0, 1, 1]);
    expect(total(r1, t.b)).toEqual([0, 0, 0, 0, 0]); // B's assignment is created on 15 May
    expect(own(r1, t.a1)).toEqual([0, 0, 0, 0, 0]); // P1 completed Y without being assigned it
    const r2 = await completionRollup(db, { courseIds: [Y], at: D2 });
    expect(total(r2, t.b)).toEqual([4, 0, 0, 4, 4]); // P4, P8 in B1; P5, P6 in B2
    expect(total(r2, t.root)).toEqual([5, 0, 0, 5, 5]);
    expect(total(r2, t.a)).toEqual([1, 0, 0, 1, 1]);
  });

  test("several courses: pairs add up, per course and together", async () => {
    const r = await completionRollup(db, { courseIds: [X, Y, X], at: D2 });
    expect(r.courseIds).toEqual([X, Y]);
    expect(five(r.total)).toEqual([14, 4, 1, 9, 10]);
    expect(r.byCourse.map((c) => [c.courseId, ...five(c)])).toEqual([
      [X, 9, 4, 1, 4, 5],
      [Y, 5, 0, 0, 5, 5],
    ]);
    expect(total(r, t.root)).toEqual([14, 4, 1, 9, 10]);
    expectTreeAddsUp(r);
  });

  test("a completion after the date does not count at the date", async () => {
    const before = await completionRollup(db, { courseIds: [X], at: new Date(d("2025-05-10").getTime() - 1) });
    const after = await completionRollup(db, { courseIds: [X], at: d("2025-05-10") });
    // P4 opened the lessons on 9 May: in progress just before, completed at 10 May 00:00
    expect(own(before, t.b1)).toEqual([2, 0, 1, 1, 2]);
    expect(own(after, t.b1)).toEqual([2, 1, 0, 1, 1]);
    // P9 completed exactly at D1: not yet a millisecond before
    const justBefore = await completionRollup(db, { courseIds: [X], at: new Date(D1.getTime() - 1) });
    expect(own(justBefore, t.a2)).toEqual([2, 0, 1, 1, 0]);
  });

  test("a trainer's scope returns only their subtree, with the same numbers", async () => {
    const all = await completionRollup(db, { courseIds: [X, Y], at: D2 });
    const r = await completionRollup(db, { courseIds: [X, Y], at: D2, withinPaths: [t.a.path] });
    expect(r.units.map((u) => u.code)).toEqual(["A", "A1", "A2"]);
    for (const u of r.units) expect(u).toEqual(all.units.find((x) => x.unitId === u.unitId));
    expect(r.total).toEqual(all.units.find((u) => u.unitId === t.a.id)!.total);
    const two = await completionRollup(db, { courseIds: [X], at: D2, withinPaths: [t.a1.path, t.b2.path] });
    expect(two.units.map((u) => u.code)).toEqual(["A1", "B2"]);
    expect(five(two.total)).toEqual([4, 1, 1, 2, 3]);
    expect((await completionRollup(db, { courseIds: [X], at: D2, withinPaths: [] })).units).toEqual([]);
    // grants that overlap (a committee and one of its cells) count nobody twice
    expect(await completionRollup(db, { courseIds: [X, Y], at: D2, withinPaths: [t.a1.path, t.a.path] })).toEqual(r);
    const root = await completionRollup(db, { courseIds: [X], at: D2, rootUnitId: t.b.id });
    expect(root.units.map((u) => u.code)).toEqual(["B", "B1", "B2"]);
    await expect(async () => completionRollup(db, { courseIds: [X], at: D2, rootUnitId: t.b.id, withinPaths: [t.a.path] })).rejects.toThrow(DomainError);
    await expect(async () => completionRollup(db, { courseIds: [X], at: D2, rootUnitId: 999_999 })).rejects.toThrow(DomainError);
  });

  test("who is missing: members of the subtree where they were, with state and due date", async () => {
    const atD1 = await membersMissing(db, { courseId: X, unitId: t.a.id, at: D1 });
    expect(atD1.map((m) => [m.code, m.unitCode, m.state, m.overdue])).toEqual([
      ["P2", "A1", "in_progress", true],
      ["P5", "A1", "not_started", false],
      ["P3", "A2", "not_started", false],
    ]);
    expect(atD1[0].dueAt).toEqual(d("2025-03-25"));
    expect(atD1[0].startedAt).toEqual(d("2025-03-20"));
    expect(atD1.find((m) => m.code === "P3")!.neverSignedIn).toBe(true);
    expect(atD1.find((m) => m.code === "P2")!.neverSignedIn).toBe(false);
    const atD2 = await membersMissing(db, { courseId: X, unitId: t.b.id, at: D2 });
    expect(atD2.map((m) => [m.code, m.unitCode, m.state, m.overdue, m.status])).toEqual([
      ["P8", "B1", "not_started", true, "left"],
      ["P5", "B2", "not_started", true, "active"],
      ["P6", "B2", "not_started", true, "active"],
    ]);
    await expect(async () => membersMissing(db, { courseId: X, unitId: t.b.id, at: D2, withinPaths: [t.a.path] })).rejects.toThrow(DomainError);
  });

  test("a member's record: every assigned course, state, completion date and version", async () => {
    const r1 = await memberRecord(db, p.P1.id, { at: D2 });
    expect(r1.unit?.code).toBe("A1");
    expect(r1.courses.map((c) => [c.slug, c.assigned, c.state, c.completedAt, c.version])).toEqual([
      ["khoa-x", true, "completed", d("2025-03-15"), 1],
      ["khoa-y", false, "completed", d("2025-03-10"), 1],
    ]);
    expect(r1.courses[0].via.map((v) => (v.kind === "unit" ? v.unitCode : "by name"))).toEqual(["ROOT", "A"]);
    const r9 = await memberRecord(db, p.P9.id, { at: D2 });
    expect(r9.courses.map((c) => [c.slug, c.state, c.version, c.itemsCompleted])).toEqual([["khoa-x", "completed", 2, 3]]);
    const r2 = await memberRecord(db, p.P2.id, { at: D2 });
    expect(r2.courses.map((c) => [c.slug, c.state, c.overdue, c.dueAt, c.via.length])).toEqual([["khoa-x", "in_progress", true, d("2025-03-25"), 3]]);
    // P5 before and after the transfer: Y reaches them only once they are in B
    expect((await memberRecord(db, p.P5.id, { at: D1 })).courses.map((c) => c.slug)).toEqual(["khoa-x"]);
    const r5 = await memberRecord(db, p.P5.id, { at: D2 });
    expect(r5.unit?.code).toBe("B2");
    expect(r5.courses.map((c) => [c.slug, c.state, c.overdue])).toEqual([
      ["khoa-x", "not_started", true],
      ["khoa-y", "not_started", true],
    ]);
    // P6 before joining: in no unit, nothing assigned
    const r6 = await memberRecord(db, p.P6.id, { at: D1 });
    expect([r6.unit, r6.courses]).toEqual([null, []]);
    await expect(async () => memberRecord(db, 999_999)).rejects.toThrow(DomainError);
  });
});

// ---- a generated organisation of 100,000 members ----------------------------------------------

type Oracle = {
  own: Map<number, Five>;
  total: Map<number, Five>;
  multiplyAssignedPairs: number;
  noPasswordAssigned: number;
  placed: Map<number, number>;
};

/**
 * The rules computed the slow, obvious way, member by member, from the raw tables: every
 * assignment is checked against the member's unit path at `at`, and each pair is added to every
 * unit on that path. Shares no code with the report.
 */
function oracle(sqlite: Database.Database, courseIds: number[], at: number): Oracle {
  const unitPath = new Map((sqlite.prepare("SELECT id, path FROM units").all() as { id: number; path: string }[]).map((u) => [u.id, u.path]));
  const placed = new Map<number, number>();
  for (const h of sqlite.prepare("SELECT member_id, unit_id, valid_from, valid_to FROM member_unit_history").all() as {
    member_id: number;
    unit_id: number;
    valid_from: number;
    valid_to: number | null;
  }[]) {
    if (h.valid_from <= at && (h.valid_to == null || h.valid_to > at)) {
      if (placed.has(h.member_id)) throw new Error(`member ${h.member_id} is in two units at once`);
      placed.set(h.member_id, h.unit_id);
    }
  }
  const noPassword = new Set((sqlite.prepare("SELECT id FROM members WHERE password_hash IS NULL").all() as { id: number }[]).map((r) => r.id));
  const assignments = (
    sqlite.prepare("SELECT course_id, unit_id, member_id, due_at, created_at FROM course_assignments").all() as {
      course_id: number;
      unit_id: number | null;
      member_id: number | null;
      due_at: number | null;
      created_at: number;
    }[]
  ).filter((a) => courseIds.includes(a.course_id) && a.created_at <= at);
  const unitAssignments = assignments.filter((a) => a.unit_id != null);
  const named = new Map<string, (number | null)[]>();
  for (const a of assignments.filter((a) => a.member_id != null)) {
    const key = `${a.member_id}:${a.course_id}`;
    named.set(key, [...(named.get(key) ?? []), a.due_at]);
  }
  const completedAt = new Map<string, number>();
  for (const c of sqlite.prepare("SELECT member_id, course_id, completed_at FROM course_completions").all() as { member_id: number; course_id: number; completed_at: number }[]) {
    completedAt.set(`${c.member_id}:${c.course_id}`, c.completed_at);
  }
  const firstStart = new Map<string, number>();
  for (const p of sqlite.prepare("SELECT member_id, course_id, started_at FROM item_progress").all() as { member_id: number; course_id: number; started_at: number }[]) {
    const key = `${p.member_id}:${p.course_id}`;
    if (!(firstStart.get(key)! <= p.started_at)) firstStart.set(key, p.started_at);
  }
  const own = new Map<number, Five>();
  const total = new Map<number, Five>();
  const add = (map: Map<number, Five>, unit: number, v: Five) => {
    const cur = map.get(unit) ?? [0, 0, 0, 0, 0];
    map.set(unit, cur.map((x, i) => x + v[i]) as Five);
  };
  let multiplyAssignedPairs = 0;
  let noPasswordAssigned = 0;
  for (const [memberId, unitId] of placed) {
    const path = unitPath.get(unitId)!;
    for (const courseId of courseIds) {
      const dues: (number | null)[] = [...(named.get(`${memberId}:${courseId}`) ?? [])];
      for (const a of unitAssignments) if (a.course_id === courseId && path.startsWith(unitPath.get(a.unit_id!)!)) dues.push(a.due_at);
      if (dues.length === 0) continue;
      if (dues.length > 1) multiplyAssignedPairs++;
      if (noPassword.has(memberId)) noPasswordAssigned++;
      const real = dues.filter((x): x is number => x != null);
      const due = real.length ? Math.min(...real) : null;
      const done = (completedAt.get(`${memberId}:${courseId}`) ?? Infinity) <= at;
      const started = !done && (firstStart.get(`${memberId}:${courseId}`) ?? Infinity) <= at;
      const late = !done && due != null && due < at;
      const v: Five = [1, done ? 1 : 0, started ? 1 : 0, !done && !started ? 1 : 0, late ? 1 : 0];
      add(own, unitId, v);
      for (const part of path.split("/").filter(Boolean)) add(total, Number(part), v);
    }
  }
  return { own, total, multiplyAssignedPairs, noPasswordAssigned, placed };
}

describe("generated organisation: 100,000 members, depth 5, uneven subtrees", () => {
  let db: Awaited<ReturnType<typeof testDb>>;
  let org: BigOrg;
  /** The generated rows, read with SQLite SQL by the oracle (the same rows the report reads). */
  let source: Database.Database;
  const zero: Five = [0, 0, 0, 0, 0];

  beforeAll(async () => {
    db = await testDb();
    ({ result: org, source } = await bulkLoad(db, (sqlite) => generateBigOrg(sqlite, { members: 100_000, courses: 3, itemsPerCourse: 2, seed: 606 })));
  }, 300_000);
  afterAll(() => dropDb(db));

  test("the generated data has what the rules are about", () => {
    const depths = new Set(org.units.filter((u) => u.leaf).map((u) => u.depth));
    expect(Math.max(...org.units.map((u) => u.depth))).toBe(5);
    expect(depths.size).toBeGreaterThanOrEqual(3); // leaves at several depths: uneven subtrees
    expect(org.counts.members).toBe(100_000);
    expect(org.counts.transferred).toBeGreaterThan(1000);
    expect(org.counts.noPassword).toBeGreaterThan(10_000);
    expect(org.counts.byName).toBeGreaterThan(100);
  });

  for (const [label, when] of [
    ["mid-window", (o: BigOrg) => o.start + Math.floor((o.end - o.start) / 2)],
    ["after the window", (o: BigOrg) => o.end + 30 * DAY],
  ] as const) {
    test(`${label}: every unit equals the member-by-member count, and own + children = total everywhere`, async () => {
      const at = when(org);
      const r = await completionRollup(db, { courseIds: org.courseIds, at: new Date(at) });
      const o = oracle(source, org.courseIds, at);
      // the cases the issue names are present in this data
      expect(o.multiplyAssignedPairs).toBeGreaterThan(10_000);
      expect(o.noPasswordAssigned).toBeGreaterThan(10_000);
      expect(r.units.length).toBe(org.units.length);
      let mismatches = 0;
      for (const u of r.units) {
        const wantOwn = o.own.get(u.unitId) ?? zero;
        const wantTotal = o.total.get(u.unitId) ?? zero;
        if (five(u.own).join() !== wantOwn.join() || five(u.total).join() !== wantTotal.join()) mismatches++;
      }
      expect(mismatches).toBe(0);
      expect(five(r.units[0].total)).toEqual(o.total.get(org.root.id));
      expect(r.units[0].total.assigned).toBeGreaterThan(100_000);
      expect(expectTreeAddsUp(r)).toBe(org.units.length);
    }, 60_000);
  }

  test("transfers: the two dates count moved members in different units", async () => {
    const early = org.start + 10 * DAY;
    const late = org.end;
    const a = oracle(source, org.courseIds, early).placed;
    const b = oracle(source, org.courseIds, late).placed;
    const moved = [...a].filter(([m, u]) => b.has(m) && b.get(m) !== u).map(([m]) => m);
    expect(moved.length).toBeGreaterThan(1000);
    // follow the moved members through the "who is missing" lists of the whole organisation
    const courseId = org.courseIds[0];
    const l1 = new Map((await membersMissing(db, { courseId, unitId: org.root.id, at: new Date(early) })).map((x) => [x.memberId, x.unitId]));
    const l2 = new Map((await membersMissing(db, { courseId, unitId: org.root.id, at: new Date(late) })).map((x) => [x.memberId, x.unitId]));
    const followed = moved.filter((m) => l1.has(m) && l2.has(m));
    expect(followed.length).toBeGreaterThan(100);
    for (const m of followed) {
      expect(l1.get(m)).toBe(a.get(m));
      expect(l2.get(m)).toBe(b.get(m));
    }
    const m = moved[0];
    expect((await memberRecord(db, m, { at: new Date(early) })).unit!.id).toBe(a.get(m));
    expect((await memberRecord(db, m, { at: new Date(late) })).unit!.id).toBe(b.get(m));
  }, 60_000);

  test("a committee's scope, and its missing list, agree with the whole-organisation roll-up", async () => {
    const at = new Date(org.end);
    const all = await completionRollup(db, { courseIds: org.courseIds, at });
    const committee = org.committees[2];
    const r = await completionRollup(db, { courseIds: org.courseIds, at, withinPaths: [committee.path] });
    const inside = org.units.filter((u) => u.path.startsWith(committee.path)).map((u) => u.id);
    expect(r.units.map((u) => u.unitId).sort((x, y) => x - y)).toEqual(inside.sort((x, y) => x - y));
    expect(inside.length).toBeLessThan(org.units.length / 2);
    for (const u of r.units) expect(u).toEqual(all.units.find((x) => x.unitId === u.unitId));
    expect(r.total).toEqual(all.units.find((u) => u.unitId === committee.id)!.total);

    const courseId = org.courseIds[0]; // assigned through the root: the whole committee
    const one = (await completionRollup(db, { courseIds: [courseId], at, rootUnitId: committee.id })).units[0].total;
    const missing = await membersMissing(db, { courseId, unitId: committee.id, at });
    expect(one.assigned - one.completed).toBeGreaterThan(100);
    expect(missing.length).toBe(one.assigned - one.completed);
    expect(missing.filter((m) => m.state === "in_progress").length).toBe(one.inProgress);
    expect(missing.filter((m) => m.state === "not_started").length).toBe(one.notStarted);
    expect(missing.filter((m) => m.overdue).length).toBe(one.overdue);
    expect(new Set(missing.map((m) => m.memberId)).size).toBe(missing.length);
    expect(missing.every((m) => m.unitPath.startsWith(committee.path))).toBe(true);
  }, 60_000);
});

describe("edge cases", () => {
  let db: Awaited<ReturnType<typeof testDb>>;
  beforeEach(async () => {
    db = await testDb();
  });
  afterEach(() => dropDb(db));

  test("no courses, or courses nobody is assigned: every unit listed with zeros and no rate", async () => {
    const t = await makeTree(db);
    await createMember(db, { code: "E1", fullName: "Người E1", unitId: t.a1.id }, null, d("2025-01-01"));
    const r = await completionRollup(db, { courseIds: [], at: d("2025-06-01") });
    expect(r.units.length).toBe(7);
    expect(r.units.every((u) => u.total.assigned === 0 && u.total.rate === null)).toBe(true);
    const c = await createCourse(db, { slug: "khong-ai", title: "Không ai" });
    expect(five((await completionRollup(db, { courseIds: [c.id], at: d("2025-06-01") })).total)).toEqual([0, 0, 0, 0, 0]);
    await expect(async () => completionRollup(db, { courseIds: [1.5], at: d("2025-06-01") })).rejects.toThrow(DomainError);
    await expect(async () => completionRollup(db, { courseIds: [c.id], at: new Date("not a date") })).rejects.toThrow(RangeError);
  });

  test("more than 30 courses are counted in chunks without losing any", async () => {
    const t = await makeTree(db);
    const m = await createMember(db, { code: "E2", fullName: "Người E2", unitId: t.b2.id }, null, d("2025-01-01"));
    const ids: number[] = [];
    for (let i = 0; i < 33; i++) {
      const c = await createCourse(db, { slug: `k-${i}`, title: `K ${i}` }, d("2025-01-01"));
      ids.push(c.id);
      await assignToUnit(db, { courseId: c.id, unitId: t.b.id, dueAt: null, actorId: null }, d("2025-01-02"));
      if (i % 2 === 0) await writeTx(db, async (tx) => tx.insert(courseCompletions).values({ memberId: m.id, courseId: c.id, completedAt: d("2025-02-01") }));
    }
    const r = await completionRollup(db, { courseIds: ids, at: d("2025-06-01") });
    expect(five(r.total)).toEqual([33, 17, 0, 16, 0]);
    expect(r.byCourse[32].completed).toBe(1);
    expect(r.byCourse[31].completed).toBe(0);
  });
});
