/**
 * completionRollup against a reference written pair by pair, straight from the rules in the
 * header of app/reports/completion.server.ts: no bit masks, no chunks, no per-unit reach, no tree
 * summing by parent — for each member placed at `at`, each chosen course, the assignments that
 * reach them, the earliest due date, completion and progress; then every unit's total is the sum
 * over the members whose unit path starts with the unit's. A generated organisation (transfers,
 * late joiners, overlapping and by-name assignments, assignments created mid-window, activity on
 * unassigned courses) with more than 30 courses, so the chunked path is exercised too. After it is
 * generated, the app moves subtrees between committees, changes due dates and removes assignments
 * at dates inside the window (issue 10): the reference reads the tree and the assignments in force
 * at `at` straight from unit_path_history and course_assignment_history.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import { writeTx } from "#db/client.server.ts";
import { rawFirst, rawRows, rawRun } from "#db/dialect.server.ts";
import { bulkLoad, testDb, dropDb } from "#tests/factories/db.ts";
import { generateBigOrg, DAY, type BigOrg } from "#tests/factories/big-org.ts";
import { completionRollup, type CompletionCounts, type RollupOptions } from "#app/reports/completion.server.ts";
import { moveUnit } from "#app/org/units.server.ts";
import { assignToMember, assignToUnit, removeAssignment } from "#app/courses/learning.server.ts";

type Five = [number, number, number, number, number];
const five = (c: CompletionCounts): Five => [c.assigned, c.completed, c.inProgress, c.notStarted, c.overdue];

type Tables = {
  units: { id: number; parent_id: number | null; code: string; name: string; path: string; depth: number }[];
  history: { member_id: number; unit_id: number; valid_from: number; valid_to: number | null }[];
  assignments: { id: number; course_id: number; unit_id: number | null; member_id: number | null; due_at: number | null; created_at: number }[];
  unitHistory: { unit_id: number; parent_id: number | null; path: string; valid_from: number; valid_to: number | null }[];
  assignmentHistory: { assignment_id: number; course_id: number; unit_id: number | null; member_id: number | null; due_at: number | null; valid_from: number; valid_to: number | null }[];
  completions: { member_id: number; course_id: number; completed_at: number }[];
  progress: { member_id: number; course_id: number; started_at: number }[];
};

async function readTables(db: Awaited<ReturnType<typeof testDb>>): Promise<Tables> {
  const all = <T,>(q: string) => rawRows<T>(db, sql.raw(q));
  return {
    units: await all("SELECT id, parent_id, code, name, path, depth FROM units"),
    history: await all("SELECT member_id, unit_id, valid_from, valid_to FROM member_unit_history"),
    assignments: await all("SELECT id, course_id, unit_id, member_id, due_at, created_at FROM course_assignments"),
    unitHistory: await all("SELECT unit_id, parent_id, path, valid_from, valid_to FROM unit_path_history"),
    assignmentHistory: await all("SELECT assignment_id, course_id, unit_id, member_id, due_at, valid_from, valid_to FROM course_assignment_history"),
    completions: await all("SELECT member_id, course_id, completed_at FROM course_completions"),
    progress: await all("SELECT member_id, course_id, started_at FROM item_progress"),
  };
}

const covers = (r: { valid_from: number; valid_to: number | null }, at: number) => r.valid_from <= at && (r.valid_to == null || r.valid_to > at);

/**
 * The figures of the rules, pair by pair: unit id → [own, total], plus the scope's total and per
 * course. `scopeRoots`: the ids of the units the caller asked for (their subtrees at `at`), or null.
 */
function reference(t: Tables, courseIds: number[], at: number, scopeRoots: number[] | null) {
  const ids = [...new Set(courseIds)];
  // The tree at `at`: a unit's history row covering it, its current row when it has no history.
  const unitById = new Map(
    t.units.map((u) => {
      const then = t.unitHistory.find((h) => h.unit_id === u.id && covers(h, at));
      return [u.id, then ? { ...u, parent_id: then.parent_id, path: then.path } : u];
    }),
  );
  const scopePaths = scopeRoots && scopeRoots.map((id) => unitById.get(id)!.path);
  const inScope = (path: string) => scopePaths === null || scopePaths.some((p) => path.startsWith(p));
  const completedAt = new Map(t.completions.map((c) => [`${c.member_id}:${c.course_id}`, c.completed_at]));
  const started = new Set(t.progress.filter((p) => p.started_at <= at).map((p) => `${p.member_id}:${p.course_id}`));
  const withHistory = new Set(t.assignmentHistory.map((h) => h.assignment_id));
  const live = [
    ...t.assignmentHistory.filter((h) => covers(h, at)),
    ...t.assignments.filter((a) => !withHistory.has(a.id) && a.created_at <= at),
  ];

  const zero = (): Five => [0, 0, 0, 0, 0];
  const own = new Map<number, Five>();
  const perCourse = new Map<number, Five>(ids.map((id) => [id, zero()]));
  const whole = zero();
  for (const h of t.history) {
    if (!(h.valid_from <= at && (h.valid_to == null || h.valid_to > at))) continue;
    const unit = unitById.get(h.unit_id)!;
    if (!inScope(unit.path)) continue;
    for (const courseId of ids) {
      const reaching = live.filter(
        (a) => a.course_id === courseId && (a.member_id === h.member_id || (a.unit_id != null && unit.path.startsWith(unitById.get(a.unit_id)!.path))),
      );
      if (reaching.length === 0) continue;
      const due = Math.min(...reaching.map((a) => a.due_at ?? Infinity));
      const done = (completedAt.get(`${h.member_id}:${courseId}`) ?? Infinity) <= at;
      const inProgress = !done && started.has(`${h.member_id}:${courseId}`);
      const pair: Five = [1, done ? 1 : 0, inProgress ? 1 : 0, !done && !inProgress ? 1 : 0, !done && due < at ? 1 : 0];
      let o = own.get(unit.id);
      if (!o) own.set(unit.id, (o = zero()));
      for (const target of [o, perCourse.get(courseId)!, whole]) for (let k = 0; k < 5; k++) target[k] += pair[k];
    }
  }
  const units = [...unitById.values()]
    .filter((u) => inScope(u.path))
    .map((u) => {
      const total = zero();
      for (const [id, o] of own) if (unitById.get(id)!.path.startsWith(u.path)) for (let k = 0; k < 5; k++) total[k] += o[k];
      return { unitId: u.id, own: own.get(u.id) ?? zero(), total };
    });
  return { units, whole, byCourse: ids.map((id) => perCourse.get(id)!) };
}

describe("completionRollup equals a pair-by-pair reference", () => {
  let db: Awaited<ReturnType<typeof testDb>>;
  let org: BigOrg;
  let t: Tables;

  /** Instants inside the window, as fractions of it. */
  const within = (f: number) => org.start + Math.floor((org.end - org.start) * f);

  beforeAll(async () => {
    db = await testDb();
    ({ result: org } = await bulkLoad(db, (sqlite) => generateBigOrg(sqlite, { members: 1_500, courses: 34, itemsPerCourse: 2, seed: 7331 })));
    // Changes made through the app during the window, each of which must not rewrite earlier days.
    // (Assigning reads the published snapshot; the generator leaves it empty.)
    await writeTx(db, (tx) => rawRun(tx, sql`UPDATE course_versions SET snapshot = '{"modules":[]}'`));
    const depth2 = org.units.filter((u) => u.depth === 2);
    const other = (u: { path: string }) => org.committees.find((c) => !u.path.startsWith(c.path))!;
    await moveUnit(db, depth2[0].id, other(depth2[0]).id, new Date(within(0.3)));
    await moveUnit(db, depth2[1].id, other(depth2[1]).id, new Date(within(0.3)));
    const deep = org.units.find((u) => u.depth === 3 && !u.leaf)!;
    await moveUnit(db, deep.id, org.root.id, new Date(within(0.45))); // a whole subtree up to the root
    await moveUnit(db, depth2[0].id, org.committees.at(-1)!.id, new Date(within(0.6))); // moved again
    const rows = await rawRows<{ id: number; course_id: number; unit_id: number | null; member_id: number | null }>(
      db,
      sql`SELECT id, course_id, unit_id, member_id FROM course_assignments WHERE created_at < ${within(0.35)} ORDER BY id`,
    );
    for (const [i, a] of rows.entries()) {
      if (i % 5 === 0) await removeAssignment(db, a.id, new Date(within(0.5)));
      else if (i % 5 === 1) {
        const dueAt = i % 2 ? new Date(org.end + 90 * DAY) : null; // extended, or dropped
        if (a.unit_id != null) await assignToUnit(db, { courseId: a.course_id, unitId: a.unit_id, dueAt, actorId: null }, new Date(within(0.4)));
        else await assignToMember(db, { courseId: a.course_id, memberId: a.member_id!, dueAt, actorId: null }, new Date(within(0.4)));
      } else if (i % 5 === 2 && a.unit_id != null) {
        await assignToUnit(db, { courseId: a.course_id, unitId: a.unit_id, dueAt: new Date(within(0.2)), actorId: null }, new Date(within(0.35))); // brought forward
      }
    }
    t = await readTables(db);
  }, 120_000);
  afterAll(() => dropDb(db));

  async function check(opts: RollupOptions, scopeRoots: number[] | null) {
    const got = await completionRollup(db, opts);
    const want = reference(t, opts.courseIds, opts.at.getTime(), scopeRoots);
    expect(got.units.map((u) => u.path)).toEqual([...got.units.map((u) => u.path)].sort());
    const wanted = new Map(want.units.map((u) => [u.unitId, u]));
    expect(got.units.length).toBe(want.units.length);
    expect(got.units.map((u) => ({ unitId: u.unitId, own: five(u.own), total: five(u.total) }))).toEqual(got.units.map((u) => wanted.get(u.unitId)));
    expect(five(got.total)).toEqual(want.whole);
    expect(got.byCourse.map(five)).toEqual(want.byCourse);
    for (const u of got.units) expect(u.total.rate).toBe(u.total.assigned === 0 ? null : u.total.completed / u.total.assigned);
    return got;
  }

  test("every course (two chunks), at the start, the middle and after the window", async () => {
    const days = [org.start, within(0.25), within(0.38), within(0.5), within(0.55), within(0.7), org.end - 3 * DAY, org.end + 30 * DAY];
    for (const at of days) {
      const r = await check({ courseIds: org.courseIds, at: new Date(at) }, null);
      expect(r.total.assigned).toBeGreaterThan(0);
    }
    // the data covers what the rules are about: overdue, in progress and completed pairs
    const r = await completionRollup(db, { courseIds: org.courseIds, at: new Date(org.end - 3 * DAY) });
    expect(r.total.overdue).toBeGreaterThan(0);
    expect(r.total.inProgress).toBeGreaterThan(0);
    expect(r.total.completed).toBeGreaterThan(0);
  });

  test("one course, a few courses, repeated ids, and courses in another order", async () => {
    const at = new Date(org.end - 3 * DAY);
    const ids = org.courseIds;
    for (const courseIds of [[ids[0]], [ids[1], ids[2]], [ids[5], ids[3], ids[5], ids[30]], [...ids].reverse()]) await check({ courseIds, at }, null);
  });

  test("a root unit, and a trainer's scope of two subtrees", async () => {
    const at = new Date(org.end + 30 * DAY);
    const ids = org.courseIds.slice(0, 12);
    for (const c of org.committees.slice(0, 3)) await check({ courseIds: ids, at, rootUnitId: c.id }, [c.id]);
    const deep = org.units.filter((u) => u.depth === 3 && !u.leaf)[0];
    const path = async (id: number) => (await rawFirst<{ path: string }>(db, sql`SELECT path FROM units WHERE id = ${id}`))!.path;
    for (const when of [at, new Date(within(0.2)), new Date(within(0.5))]) {
      await check({ courseIds: ids, at: when, rootUnitId: deep.id }, [deep.id]);
      const roots = [org.committees[0].id, org.units.find((u) => u.depth === 2 && !u.path.startsWith(org.committees[0].path))!.id];
      await check({ courseIds: org.courseIds, at: when, withinPaths: await Promise.all(roots.map(path)) }, roots);
      for (const c of org.committees) await check({ courseIds: ids, at: when, rootUnitId: c.id }, [c.id]);
    }
  });
});
