import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { createUnit, isInSubtree, searchUnits, type Unit } from "#app/org/units.server.ts";
import { searchMembers, type Member } from "#app/org/members.server.ts";
import { requireMemberScope, requireUnitScope, scopeOf, scopePaths, unitInScope, type Scope } from "#app/auth/permissions.server.ts";
import { reportUnit, requireRecordScope } from "#app/reports/page.server.ts";
import { completionRollup, membersMissing } from "#app/reports/completion.server.ts";
import { isAssigned } from "#app/courses/learning.server.ts";
import { DomainError } from "#app/common/domain-error.ts";

/**
 * Unit paths are materialised as "/1/20/": a subtree check must compare whole path segments.
 * The usual test tree only has ids 1–7, where a prefix check that forgets the trailing slash
 * ("/1/2" instead of "/1/2/") still gives the right answers; here unit 2 has a sibling 20 and
 * unit 1 a top-level neighbour 12, so such a check would leak them into the wrong scope.
 *
 *   ROOT(1) ─ A(2) ─ A1(4), A2(5)          X12(12)   (another top-level unit)
 *           ├ B(3) ─ B1(6), B2(7), fillers
 *           └ C20(20)                       (under ROOT, beside A: "/1/20/" starts with "/1/2")
 */
let db: Awaited<ReturnType<typeof testDb>>;
let tree: Awaited<ReturnType<typeof makeTree>>;
let x12: Unit;
let c20: Unit;
let trainerA: Member;
let trainerRoot: Member;
let inA1: Member;
let inC20: Member;
let inX12: Member;
let scopeA: Scope;
let scopeRoot: Scope;
const D = new Date("2026-03-01T00:00:00Z");

/** Creates filler units under `parent` until the next insert gets `id`. */
async function fillUntil(id: number, parent: Unit) {
  for (let n = 0; ; n++) {
    const u = await createUnit(db, { code: `FILL-${id}-${n}`, name: `Chi bộ đệm ${id}.${n}`, parentId: parent.id });
    if (u.id === id - 1) return;
    if (u.id >= id) throw new Error(`ids went past ${id}`);
  }
}

async function errorStatus(f: () => unknown): Promise<number | string> {
  try {
    await f();
    return "no error";
  } catch (e) {
    if (e instanceof Response) return e.status;
    if (e instanceof DomainError) return e.status;
    throw e;
  }
}

beforeAll(async () => {
  db = await testDb();
  tree = await makeTree(db);
  await fillUntil(12, tree.b);
  x12 = await createUnit(db, { code: "X12", name: "Đảng bộ khác", parentId: null });
  await fillUntil(20, tree.b);
  c20 = await createUnit(db, { code: "C20", name: "Đảng ủy C", parentId: tree.root.id });
  trainerA = await makeMember(db, tree.a, { code: "TRAINER-A", role: "trainer", scopes: [tree.a], password: false });
  trainerRoot = await makeMember(db, tree.root, { code: "TRAINER-ROOT", role: "trainer", scopes: [tree.root], password: false });
  inA1 = await makeMember(db, tree.a1, { code: "MEM-A1", password: false });
  inC20 = await makeMember(db, c20, { code: "MEM-C20", password: false });
  inX12 = await makeMember(db, x12, { code: "MEM-X12", password: false });
  scopeA = await scopeOf(db, trainerA);
  scopeRoot = await scopeOf(db, trainerRoot);
});
afterAll(() => dropDb(db));

test("the tree has the ids the case is about", () => {
  expect([tree.root.id, tree.a.id, x12.id, c20.id]).toEqual([1, 2, 12, 20]);
  expect([tree.a.path, x12.path, c20.path]).toEqual(["/1/2/", "/12/", "/1/20/"]);
  expect(scopeA).toEqual({ all: false, roots: [{ id: 2, path: "/1/2/" }] });
});

describe("isInSubtree and unitInScope compare whole segments", () => {
  test("a unit whose id starts with the root's digits is not below it", () => {
    expect(isInSubtree(c20, tree.a)).toBe(false);
    expect(isInSubtree(x12, tree.root)).toBe(false);
    expect(unitInScope(scopeA, c20)).toBe(false);
    expect(unitInScope(scopeRoot, x12)).toBe(false);
  });

  test("the root itself and its descendants are", () => {
    expect(isInSubtree(tree.a, tree.a)).toBe(true);
    expect(isInSubtree(tree.a1, tree.a)).toBe(true);
    expect(isInSubtree(c20, tree.root)).toBe(true);
    expect(unitInScope(scopeA, tree.a2)).toBe(true);
    expect(unitInScope(scopeRoot, c20)).toBe(true);
  });
});

describe("scope checks answer 404 for the look-alike unit", () => {
  test("requireUnitScope and the report pages' reportUnit", async () => {
    expect(await errorStatus(() => requireUnitScope(db, scopeA, c20.id))).toBe(404);
    expect(await errorStatus(() => reportUnit(db, scopeA, String(c20.id)))).toBe(404);
    expect(await errorStatus(() => requireUnitScope(db, scopeRoot, x12.id))).toBe(404);
    expect((await requireUnitScope(db, scopeA, tree.a1.id)).id).toBe(tree.a1.id);
    expect((await reportUnit(db, scopeRoot, c20.id)).id).toBe(c20.id);
  });

  test("requireMemberScope and requireRecordScope for a member of the look-alike unit", async () => {
    expect(await errorStatus(() => requireMemberScope(db, scopeA, inC20.id))).toBe(404);
    expect(await errorStatus(() => requireRecordScope(db, scopeA, inC20.id, D))).toBe(404);
    expect(await errorStatus(() => requireMemberScope(db, scopeRoot, inX12.id))).toBe(404);
    expect((await requireMemberScope(db, scopeA, inA1.id)).member.id).toBe(inA1.id);
  });
});

describe("SQL prefix filters compare whole segments too", () => {
  test("member and unit search within the trainer's scope", async () => {
    const codes = (await searchMembers(db, { withinPaths: scopePaths(scopeA), limit: 100 })).rows.map((r) => r.code);
    expect(codes).toContain("MEM-A1");
    expect(codes).not.toContain("MEM-C20");
    const underRoot = (await searchMembers(db, { unitPath: tree.root.path, limit: 100 })).rows.map((r) => r.code);
    expect(underRoot).toContain("MEM-C20");
    expect(underRoot).not.toContain("MEM-X12");
    const unitCodes = (await searchUnits(db, "", { withinPaths: scopePaths(scopeA), limit: 100 })).map((u) => u.code);
    expect(unitCodes.sort()).toEqual(["A", "A1", "A2"]);
  });

  test("an assignment to A does not reach C20; the roll-up and the missing list of A leave it out", async () => {
    const c = await makeCourse(db, { at: D, assignTo: tree.a });
    expect(await isAssigned(db, inA1.id, c.id)).toBe(true);
    expect(await isAssigned(db, inC20.id, c.id)).toBe(false);

    const at = new Date(); // members joined when the test began
    const r = await completionRollup(db, { courseIds: [c.id], at, withinPaths: scopePaths(scopeA) });
    expect(r.units.map((u) => u.code).sort()).toEqual(["A", "A1", "A2"]);
    expect(r.total.assigned).toBe(2); // TRAINER-A (in A) and MEM-A1
    expect(await errorStatus(() => completionRollup(db, { courseIds: [c.id], at, rootUnitId: c20.id, withinPaths: scopePaths(scopeA) }))).toBe(404);
    const missing = (await membersMissing(db, { courseId: c.id, unitId: tree.a.id, at })).map((m) => m.code);
    expect(missing.sort()).toEqual(["MEM-A1", "TRAINER-A"]);
  });
});
