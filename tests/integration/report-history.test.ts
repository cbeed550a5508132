import { first } from "#db/first.ts";
/**
 * Reports never rewrite the past (issue 10): a unit moved today, a due date changed today and an
 * assignment removed today leave every earlier day's report as it was, while today's report shows
 * today's tree and rules. Each change is checked with a past-day report taken before and after.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { rawFirst, rawRows } from "#db/dialect.server.ts";
import { activeEngine } from "#db/engine-kind.ts";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { bulkWriter, openDb, type Db, writeTx } from "#db/client.server.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeTree } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { courseAssignments, members } from "#db/schema/index.ts";
import { createMember, type Member } from "#app/org/members.server.ts";
import { deleteUnit, moveUnit, createUnit, type Unit } from "#app/org/units.server.ts";
import { getCourse } from "#app/courses/courses.server.ts";
import { assignToMember, assignToUnit, completeLesson, openItem, removeAssignment } from "#app/courses/learning.server.ts";
import { completionRollup, memberCompletion, memberRecord, membersMissing, type CompletionCounts, type CompletionRollup } from "#app/reports/completion.server.ts";
import { completionSeries, takeCompletionSnapshot } from "#app/reports/snapshots.server.ts";
import { readReportFilters } from "#app/reports/filters.server.ts";
import { endOfVnDay } from "#app/common/vietnam-time.ts";
import { DomainError } from "#app/common/domain-error.ts";

const d = (s: string) => new Date(`${s}T00:00:00Z`);
const five = (c: CompletionCounts) => [c.assigned, c.completed, c.inProgress, c.notStarted, c.overdue];
/** Everything a printed roll-up shows: the rows, where each sits, and their figures. */
const printed = (r: CompletionRollup) => ({
  units: r.units.map((u) => ({ code: u.code, parentId: u.parentId, path: u.path, depth: u.depth, own: five(u.own), total: five(u.total) })),
  total: five(r.total),
  byCourse: r.byCourse.map((c) => [c.courseId, ...five(c)]),
});

const PAST_DAY = "2025-04-01";
/** The report instant of the past day (its end, Vietnam time), and "today", when the changes are made. */
const PAST = endOfVnDay(PAST_DAY);
const TODAY = d("2025-06-10");
const LATER = d("2025-06-11");

describe("a past day's report is unchanged by what is done today", () => {
  let db: Awaited<ReturnType<typeof testDb>>;
  let t: Awaited<ReturnType<typeof makeTree>>;
  let X: number;
  const p: Record<string, Member> = {};

  async function member(code: string, unit: Unit) {
    const m = await createMember(db, { code, fullName: `Người ${code}`, unitId: unit.id }, null, d("2025-01-01"));
    await writeTx(db, async (tx) => tx.update(members).set({ passwordHash: "argon2-hash-placeholder" }).where(eq(members.id, m.id)));
    p[code] = m;
  }
  async function complete(m: Member, courseId: number, opened: Date, done: Date) {
    const course = (await getCourse(db, courseId))!;
    const keys = await rawRows<{ key: string }>(db, sql`SELECT key FROM course_items WHERE course_id = ${courseId} ORDER BY position`);
    for (const { key } of keys) await openItem(db, m.id, courseId, key, course.publishedVersionId!, opened);
    for (const { key } of keys) await completeLesson(db, m.id, course, key, done);
  }
  /** Every view of the past day: the roll-up of everything and of each committee, lists and records. */
  async function pastViews() {
    return {
      all: printed(await completionRollup(db, { courseIds: [X], at: PAST })),
      a: printed(await completionRollup(db, { courseIds: [X], at: PAST, rootUnitId: t.a.id })),
      b: printed(await completionRollup(db, { courseIds: [X], at: PAST, rootUnitId: t.b.id })),
      trainerOfA: printed(await completionRollup(db, { courseIds: [X], at: PAST, withinPaths: [t.a.path] })),
      missingA: await membersMissing(db, { courseId: X, unitId: t.a.id, at: PAST }),
      membersA: await memberCompletion(db, { courseIds: [X], unitId: t.a.id, at: PAST }),
      recordP1: await memberRecord(db, p.P1.id, { at: PAST }),
      recordP4: await memberRecord(db, p.P4.id, { at: PAST }),
    };
  }

  beforeEach(async () => {
    db = await testDb();
    t = await makeTree(db);
    await member("P1", t.a1);
    await member("P2", t.a1);
    await member("P3", t.a2);
    await member("P4", t.b1);
    X = (await makeCourse(db, { slug: "khoa-x", title: "Khóa X", at: d("2025-02-01") })).id;
    // Committee A is due on 15 March; P4 (in B1) is assigned by name, due 20 March.
    await assignToUnit(db, { courseId: X, unitId: t.a.id, dueAt: d("2025-03-15"), actorId: null }, d("2025-03-01"));
    await assignToMember(db, { courseId: X, memberId: p.P4.id, dueAt: d("2025-03-20"), actorId: null }, d("2025-03-01"));
    await complete(p.P1, X, d("2025-03-09"), d("2025-03-10"));
    await openItem(db, p.P2.id, X, "bai-1", (await getCourse(db, X))!.publishedVersionId!, d("2025-03-12"));
  });
  afterEach(() => dropDb(db));

  test("the past day as it stood (the figures the three changes must leave alone)", async () => {
    const r = await completionRollup(db, { courseIds: [X], at: PAST });
    const row = (u: Unit) => five(r.units.find((x) => x.unitId === u.id)!.total);
    //                    assigned completed inProgress notStarted overdue
    expect(row(t.a1)).toEqual([2, 1, 1, 0, 1]);
    expect(row(t.a)).toEqual([3, 1, 1, 1, 2]);
    expect(row(t.b)).toEqual([1, 0, 0, 1, 1]);
    expect(row(t.root)).toEqual([4, 1, 1, 2, 3]);
  });

  test("moving a cell to another committee today: the past day keeps it under its old committee", async () => {
    const before = await pastViews();
    await moveUnit(db, t.a1.id, t.b.id, TODAY);
    expect(await pastViews()).toEqual(before);
    const past = await completionRollup(db, { courseIds: [X], at: PAST });
    expect(past.units.find((u) => u.unitId === t.a1.id)!.parentId).toBe(t.a.id);

    // Today's report: A1 sits under B, and A's assignment no longer reaches it.
    const now = await completionRollup(db, { courseIds: [X], at: LATER });
    const a1 = now.units.find((u) => u.unitId === t.a1.id)!;
    expect(a1.parentId).toBe(t.b.id);
    expect(a1.path).toBe(`${t.b.path}${t.a1.id}/`);
    expect(five(a1.total)).toEqual([0, 0, 0, 0, 0]);
    expect(five(now.units.find((u) => u.unitId === t.a.id)!.total)).toEqual([1, 0, 0, 1, 1]); // P3 only
    expect(now.units.find((u) => u.unitId === t.b.id)!.total.assigned).toBe(1); // P4 by name

    // Who may open what stays on today's tree: a trainer of A can no longer open A1.
    await expect(async () => completionRollup(db, { courseIds: [X], at: PAST, rootUnitId: t.a1.id, withinPaths: [t.a.path] })).rejects.toThrow(DomainError);
    // ... and a trainer of B opening A1 sees A1 as it was on the past day.
    const a1Past = await completionRollup(db, { courseIds: [X], at: PAST, rootUnitId: t.a1.id, withinPaths: [t.b.path] });
    expect(five(a1Past.total)).toEqual([2, 1, 1, 0, 1]);
  });

  test("moving a subtree twice, and back: each day is grouped by the tree of that day", async () => {
    const deep = await createUnit(db, { code: "A1-T1", name: "Tổ 1", parentId: t.a1.id }, d("2025-01-01"));
    const m = await createMember(db, { code: "P5", fullName: "Người P5", unitId: deep.id }, null, d("2025-01-01"));
    const atA = await completionRollup(db, { courseIds: [X], at: PAST });
    await moveUnit(db, t.a1.id, t.b.id, d("2025-05-01")); // A1 and its group move to B
    await moveUnit(db, t.a1.id, t.a.id, TODAY); // and back
    expect(printed(await completionRollup(db, { courseIds: [X], at: PAST }))).toEqual(printed(atA));
    const may = await completionRollup(db, { courseIds: [X], at: d("2025-05-15") });
    const group = may.units.find((u) => u.unitId === deep.id)!;
    expect(group.path).toBe(`${t.b.path}${t.a1.id}/${deep.id}/`);
    expect(group.depth).toBe(3);
    expect(group.total.assigned).toBe(0); // A's assignment did not reach B's subtree in May
    expect((await memberRecord(db, m.id, { at: d("2025-05-15") })).unit!.path).toBe(group.path);
    expect((await memberRecord(db, m.id, { at: PAST })).courses.map((c) => c.assigned)).toEqual([true]);
    // A committee that once held A1 is part of those days' reports: it cannot be deleted.
    await moveUnit(db, t.a1.id, t.b.id, LATER);
    const empty = await createUnit(db, { code: "C", name: "Đảng ủy C", parentId: t.root.id }, d("2025-01-01"));
    await moveUnit(db, t.a2.id, empty.id, d("2025-06-12"));
    await moveUnit(db, t.a2.id, t.b.id, d("2025-06-13"));
    await expect(async () => deleteUnit(db, empty.id)).rejects.toThrow(DomainError);
  });

  test("extending a due date today: the past day's overdue stay overdue", async () => {
    const before = await pastViews();
    expect(before.all.total[4]).toBe(3);
    await assignToUnit(db, { courseId: X, unitId: t.a.id, dueAt: d("2025-12-31"), actorId: null }, TODAY);
    await assignToMember(db, { courseId: X, memberId: p.P4.id, dueAt: null, actorId: null }, TODAY);
    expect(await pastViews()).toEqual(before);
    expect(before.missingA.map((m) => [m.code, m.overdue, m.dueAt?.toISOString()])).toEqual([
      ["P2", true, d("2025-03-15").toISOString()],
      ["P3", true, d("2025-03-15").toISOString()],
    ]);
    // Today's report reads today's due dates.
    const now = await completionRollup(db, { courseIds: [X], at: LATER });
    expect(now.total.overdue).toBe(0);
    expect((await memberRecord(db, p.P2.id, { at: LATER })).courses[0].dueAt).toEqual(d("2025-12-31"));
    // Writing the same due date again opens no new version.
    const versions = async () => (await rawFirst<{ n: number }>(db, sql`SELECT count(*) AS n FROM course_assignment_history`))!;
    const n = (await versions()).n;
    await assignToUnit(db, { courseId: X, unitId: t.a.id, dueAt: d("2025-12-31"), actorId: null }, d("2025-06-12"));
    expect((await versions()).n).toBe(n);
  });

  test("removing an assignment today: its members stay on the past day", async () => {
    const before = await pastViews();
    const ids = await db.select({ id: courseAssignments.id }).from(courseAssignments);
    for (const { id } of ids) await removeAssignment(db, id, TODAY);
    expect(await pastViews()).toEqual(before);
    expect(before.all.total[0]).toBe(4);
    expect((await completionRollup(db, { courseIds: [X], at: LATER })).total.assigned).toBe(0);
    // The past day's report still offers the course; today's no longer does.
    const admin = { all: true, roots: [] } as never;
    const url = (q: string) => new URL(`http://x/manage/reports${q}`);
    expect((await readReportFilters(db, admin, url(`?date=${PAST_DAY}`), LATER)).available.map((c) => c.id)).toEqual([X]);
    expect((await readReportFilters(db, admin, url(""), LATER)).available).toEqual([]);
  });

  test("a change dated before the last recorded one (a clock set back) never gives one instant two places or two due dates", async () => {
    const before = printed(await completionRollup(db, { courseIds: [X], at: PAST }));
    await moveUnit(db, t.a1.id, t.b.id, TODAY);
    await moveUnit(db, t.a1.id, t.a2.id, d("2025-05-01")); // earlier than the move above
    await assignToUnit(db, { courseId: X, unitId: t.a.id, dueAt: d("2025-12-31"), actorId: null }, TODAY);
    await assignToUnit(db, { courseId: X, unitId: t.a.id, dueAt: d("2026-01-31"), actorId: null }, d("2025-05-01"));
    const overlaps = async (table: string, key: string) =>
      (await rawFirst<{ n: number }>(
        db,
        sql.raw(`SELECT count(*) AS n FROM ${table} x JOIN ${table} y ON y.${key} = x.${key} AND y.id <> x.id
           WHERE x.valid_from < coalesce(y.valid_to, 9e15) AND y.valid_from < coalesce(x.valid_to, 9e15)`),
      ))!;
    expect((await overlaps("unit_path_history", "unit_id")).n).toBe(0);
    expect((await overlaps("course_assignment_history", "assignment_id")).n).toBe(0);
    const later = await completionRollup(db, { courseIds: [X], at: LATER });
    expect(later.units.filter((u) => u.unitId === t.a1.id).map((u) => u.parentId)).toEqual([t.a2.id]);
    expect((await memberRecord(db, p.P2.id, { at: LATER })).courses[0].dueAt).toEqual(d("2026-01-31"));
    expect(printed(await completionRollup(db, { courseIds: [X], at: PAST }))).toEqual(before);
  });

  test("a snapshot of the past day taken after all three changes freezes the figures the day had", async () => {
    const before = await completionRollup(db, { courseIds: [X], at: PAST });
    await moveUnit(db, t.a1.id, t.b.id, TODAY);
    await assignToUnit(db, { courseId: X, unitId: t.a.id, dueAt: d("2025-12-31"), actorId: null }, TODAY);
    await removeAssignment(db, (await first(db.select().from(courseAssignments).where(eq(courseAssignments.memberId, p.P4.id))))!.id, TODAY);
    const r = await takeCompletionSnapshot(db, PAST_DAY, LATER);
    expect(r.courses).toBe(1);
    const series = async (unit: Unit) => (await completionSeries(db, { unitIds: [unit.id], courseIds: [X], from: PAST_DAY, to: PAST_DAY }))[0];
    for (const unit of [t.root, t.a, t.a1, t.b]) {
      const want = before.units.find((u) => u.unitId === unit.id)!.total;
      const got = await series(unit);
      expect([got.assigned, got.completed, got.inProgress, got.overdue], unit.code).toEqual([want.assigned, want.completed, want.inProgress, want.overdue]);
    }
  });
});

// SQLite's own migration history (0012 → 0013 backfills history rows): PostgreSQL starts at its
// twin's first migration, so there is no 0012 to migrate from.
describe.skipIf(activeEngine === "postgres")("a database at migration 0012 with data", () => {
  const real = path.resolve(import.meta.dirname, "../../db/migrations");
  let dir: string;
  let db: Db & { file: string; url: string };

  /** A migrations folder that stops at 0012, as a database deployed before history was kept. */
  function folderUpTo0012(): string {
    const out = fs.mkdtempSync(path.resolve(import.meta.dirname, "../.tmp/mig-"));
    fs.mkdirSync(path.join(out, "meta"));
    const journal = JSON.parse(fs.readFileSync(path.join(real, "meta/_journal.json"), "utf8"));
    journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 12);
    expect(journal.entries.at(-1).tag).toBe("0012_progress_index_order");
    fs.writeFileSync(path.join(out, "meta/_journal.json"), JSON.stringify(journal));
    for (const e of journal.entries) fs.copyFileSync(path.join(real, `${e.tag}.sql`), path.join(out, `${e.tag}.sql`));
    return out;
  }

  beforeEach(async () => {
    dir = folderUpTo0012();
    const file = path.resolve(import.meta.dirname, `../.tmp/m12-${process.pid}-${crypto.randomUUID()}.db`);
    db = Object.assign(await openDb(`file:${file}`), { file, url: `file:${file}` });
    // Migrations write: they run on the write connection (the handle itself reads only).
    migrate(drizzle(bulkWriter(db)), { migrationsFolder: dir });
  });
  afterEach(async () => {
    await dropDb(db);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("migrates: every unit and assignment gets its open history row, and later changes leave the past day alone", async () => {
    const s = bulkWriter(db);
    const t0 = d("2025-01-01").getTime();
    // ROOT(1) ─ A(2) ─ A1(3); ROOT ─ B(4). Written as the 0012 app wrote them.
    const unit = s.prepare("INSERT INTO units (id, code, name, name_folded, parent_id, path, depth, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    unit.run(1, "ROOT", "Gốc", "goc", null, "/1/", 0, t0, t0);
    unit.run(2, "A", "A", "a", 1, "/1/2/", 1, t0, t0);
    unit.run(3, "A1", "A1", "a1", 2, "/1/2/3/", 2, t0, t0);
    unit.run(4, "B", "B", "b", 1, "/1/4/", 1, t0, t0);
    const member = s.prepare("INSERT INTO members (id, code, full_name, full_name_folded, unit_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    const placed = s.prepare("INSERT INTO member_unit_history (member_id, unit_id, valid_from, valid_to) VALUES (?, ?, ?, NULL)");
    for (const [id, unitId] of [[1, 3], [2, 3], [3, 4]]) {
      member.run(id, `M${id}`, `Người ${id}`, `nguoi ${id}`, unitId, t0, t0);
      placed.run(id, unitId, t0);
    }
    s.prepare("INSERT INTO courses (id, slug, title, state, created_at, updated_at) VALUES (1, 'x', 'X', 'published', ?, ?)").run(t0, t0);
    const assign = s.prepare("INSERT INTO course_assignments (id, course_id, unit_id, member_id, due_at, created_at) VALUES (?, 1, ?, ?, ?, ?)");
    assign.run(10, 2, null, d("2025-03-15").getTime(), d("2025-03-01").getTime()); // committee A
    assign.run(11, null, 3, d("2025-03-20").getTime(), d("2025-03-01").getTime()); // M3 by name
    s.prepare("INSERT INTO course_completions (member_id, course_id, completed_at) VALUES (1, 1, ?)").run(d("2025-03-10").getTime());

    migrate(drizzle(bulkWriter(db)), { migrationsFolder: real });

    expect(s.prepare("SELECT unit_id, parent_id, path, depth, valid_from, valid_to FROM unit_path_history ORDER BY unit_id").all()).toEqual([
      { unit_id: 1, parent_id: null, path: "/1/", depth: 0, valid_from: 0, valid_to: null },
      { unit_id: 2, parent_id: 1, path: "/1/2/", depth: 1, valid_from: 0, valid_to: null },
      { unit_id: 3, parent_id: 2, path: "/1/2/3/", depth: 2, valid_from: 0, valid_to: null },
      { unit_id: 4, parent_id: 1, path: "/1/4/", depth: 1, valid_from: 0, valid_to: null },
    ]);
    expect(s.prepare("SELECT assignment_id, unit_id, member_id, due_at, valid_from, valid_to FROM course_assignment_history ORDER BY assignment_id").all()).toEqual([
      { assignment_id: 10, unit_id: 2, member_id: null, due_at: d("2025-03-15").getTime(), valid_from: d("2025-03-01").getTime(), valid_to: null },
      { assignment_id: 11, unit_id: null, member_id: 3, due_at: d("2025-03-20").getTime(), valid_from: d("2025-03-01").getTime(), valid_to: null },
    ]);

    const past = async () => printed(await completionRollup(db, { courseIds: [1], at: PAST }));
    const before = await past();
    //                                     assigned completed inProgress notStarted overdue
    expect(before.units.map((u) => [u.code, ...u.total])).toEqual([
      ["ROOT", 3, 1, 0, 2, 2],
      ["A", 2, 1, 0, 1, 1],
      ["A1", 2, 1, 0, 1, 1],
      ["B", 1, 0, 0, 1, 1],
    ]);
    await moveUnit(db, 3, 4, TODAY);
    await assignToUnit(db, { courseId: 1, unitId: 2, dueAt: d("2025-12-31"), actorId: null }, TODAY);
    await removeAssignment(db, 11, TODAY);
    expect(await past()).toEqual(before);
    expect(five((await completionRollup(db, { courseIds: [1], at: LATER })).total)).toEqual([0, 0, 0, 0, 0]);
  });
});
