import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeTx } from "#db/client.server.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeTree } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { createMember, transferMember, type Member } from "#app/org/members.server.ts";
import { scopeOf, type Scope } from "#app/auth/permissions.server.ts";
import { scopeGrants } from "#db/schema/index.ts";
import { requireRecordScope } from "#app/reports/page.server.ts";
import { completionRollup, memberCompletion, memberRecord, membersMissing, type CompletionRollup } from "#app/reports/completion.server.ts";

/**
 * A report taken at the exact instant of a transfer counts the member once, in the new unit: the
 * old unit's history row ends at that instant (exclusive), the new one starts there (inclusive).
 * A millisecond before, they are counted once in the old unit.
 */
let db: Awaited<ReturnType<typeof testDb>>;
let t: Awaited<ReturnType<typeof makeTree>>;
let moved: Member;
let courseId: number;
let scopeA: Scope;
const JOINED = new Date("2026-01-05T00:00:00Z");
const T = new Date("2026-03-10T09:30:00Z");
const BEFORE = new Date(T.getTime() - 1);

beforeAll(async () => {
  db = await testDb();
  t = await makeTree(db);
  moved = await createMember(db, { code: "CHUYEN", fullName: "Người chuyển", unitId: t.a1.id }, null, JOINED);
  await createMember(db, { code: "O-LAI-A1", fullName: "Người ở lại A1", unitId: t.a1.id }, null, JOINED);
  await createMember(db, { code: "O-B1", fullName: "Người ở B1", unitId: t.b1.id }, null, JOINED);
  courseId = (await makeCourse(db, { slug: "khoa-chuyen", title: "Khóa chuyển đơn vị", at: JOINED, assignTo: t.root })).id;
  await transferMember(db, moved.id, t.b1.id, null, T);
  // A trainer of committee A (a member of A: counted there, not in A1 or B1).
  const trainerA = await createMember(db, { code: "GV-A", fullName: "Giảng viên A", unitId: t.a.id, role: "trainer" }, null, JOINED);
  await writeTx(db, async (tx) => tx.insert(scopeGrants).values({ memberId: trainerA.id, unitId: t.a.id, kind: "trainer", createdAt: JOINED }));
  scopeA = await scopeOf(db, trainerA);
});
afterAll(() => dropDb(db));

const assigned = (r: CompletionRollup, unitId: number) => r.units.find((u) => u.unitId === unitId)!.own.assigned;

describe("completion roll-up", () => {
  test("at the instant of the transfer: once, in the new unit", async () => {
    const r = await completionRollup(db, { courseIds: [courseId], at: T });
    expect([assigned(r, t.a1.id), assigned(r, t.b1.id)]).toEqual([1, 2]);
    expect(r.total.assigned).toBe(4);
  });

  test("a millisecond before: once, in the old unit", async () => {
    const r = await completionRollup(db, { courseIds: [courseId], at: BEFORE });
    expect([assigned(r, t.a1.id), assigned(r, t.b1.id)]).toEqual([2, 1]);
    expect(r.total.assigned).toBe(4);
  });
});

describe("lists and records at that instant", () => {
  test("who is missing: under B, not under A", async () => {
    const codes = async (unitId: number, at: Date) => (await membersMissing(db, { courseId, unitId, at })).map((m) => m.code);
    expect(await codes(t.b.id, T)).toContain("CHUYEN");
    expect(await codes(t.a.id, T)).not.toContain("CHUYEN");
    expect(await codes(t.a.id, BEFORE)).toContain("CHUYEN");
    expect((await codes(t.root.id, T)).filter((c) => c === "CHUYEN")).toHaveLength(1);
  });

  test("members' completion: one row, in B1", async () => {
    const rows = (await memberCompletion(db, { courseIds: [courseId], unitId: t.root.id, at: T })).filter((r) => r.code === "CHUYEN");
    expect(rows.map((r) => r.unitId)).toEqual([t.b1.id]);
    const before = (await memberCompletion(db, { courseIds: [courseId], unitId: t.root.id, at: BEFORE })).filter((r) => r.code === "CHUYEN");
    expect(before.map((r) => r.unitId)).toEqual([t.a1.id]);
  });

  test("the member's record names B1; a trainer of A may no longer open it at that instant", async () => {
    expect((await memberRecord(db, moved.id, { at: T })).unit?.id).toBe(t.b1.id);
    expect((await memberRecord(db, moved.id, { at: BEFORE })).unit?.id).toBe(t.a1.id);
    expect((await requireRecordScope(db, scopeA, moved.id, BEFORE)).id).toBe(moved.id);
    const refused = (async () => {
      try {
        await requireRecordScope(db, scopeA, moved.id, T);
        return "allowed";
      } catch (e) {
        return e instanceof Response ? e.status : e;
      }
    })();
    expect(await refused).toBe(404);
  });
});
