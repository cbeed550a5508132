import { afterEach, beforeEach, expect, test } from "vitest";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeTree } from "#tests/factories/org.ts";
import { createUnit, getUnit, moveUnit, deleteUnit, searchUnits, ancestors } from "#app/org/units.server.ts";
import { commitUnitImport, previewUnitImport } from "#app/org/import-units.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { createMember } from "#app/org/members.server.ts";

let db: ReturnType<typeof testDb>;
beforeEach(() => {
  db = testDb();
});
afterEach(() => dropDb(db));

test("moving a unit moves its whole subtree (paths and depths)", () => {
  const t = makeTree(db);
  const deep = createUnit(db, { code: "A1X", name: "Tổ A1X", parentId: t.a1.id });
  moveUnit(db, t.a1.id, t.b.id);
  const a1 = getUnit(db, t.a1.id)!;
  const d = getUnit(db, deep.id)!;
  expect(a1.parentId).toBe(t.b.id);
  expect(a1.path).toBe(`${t.b.path}${t.a1.id}/`);
  expect(d.path).toBe(`${t.b.path}${t.a1.id}/${deep.id}/`);
  expect([a1.depth, d.depth]).toEqual([2, 3]);
  expect(ancestors(db, d).map((u) => u.code)).toEqual(["ROOT", "B", "A1", "A1X"]);
  // Siblings are untouched.
  expect(getUnit(db, t.a2.id)!.path).toBe(t.a2.path);
});

test("a unit cannot move under itself or its descendants", () => {
  const t = makeTree(db);
  expect(() => moveUnit(db, t.a.id, t.a1.id)).toThrow(DomainError);
  expect(() => moveUnit(db, t.a.id, t.a.id)).toThrow(DomainError);
  expect(getUnit(db, t.a.id)!.parentId).toBe(t.root.id);
});

test("a unit with members or children cannot be deleted; an empty one can", () => {
  const t = makeTree(db);
  createMember(db, { code: "X1", fullName: "Ngô Văn Tí", unitId: t.b2.id }, null);
  expect(() => deleteUnit(db, t.b.id)).toThrow(DomainError);
  expect(() => deleteUnit(db, t.b2.id)).toThrow(DomainError);
  deleteUnit(db, t.a2.id);
  expect(getUnit(db, t.a2.id)).toBeUndefined();
});

test("unit search ignores diacritics and respects scope", () => {
  const t = makeTree(db);
  expect(searchUnits(db, "chi bo a").map((u) => u.code)).toEqual(["A1", "A2"]);
  expect(searchUnits(db, "chi bo", { withinPaths: [t.b.path] }).map((u) => u.code)).toEqual(["B1", "B2"]);
});

test("units import: parents later in the file, unknown parents, cycles, idempotent", () => {
  const csv = [
    "ma,ten,ma_cap_tren",
    "CB1,Chi bộ 1,DU1",
    "DU1,Đảng ủy 1,TW",
    "TW,Trung ương,",
    "X,Đơn vị X,KHONG-CO",
    "Y,Đơn vị Y,X",
    "P,Vòng P,Q",
    "Q,Vòng Q,P",
  ].join("\n");
  const bytes = new Uint8Array(Buffer.from(csv));
  const preview = previewUnitImport(db, bytes, { all: true });
  if ("error" in preview) throw new Error(preview.error.en);
  expect(preview.report.created.map((c) => c.code).sort()).toEqual(["CB1", "DU1", "TW"]);
  expect(preview.report.rejected.map((r) => [r.line, r.key])).toEqual([
    [5, "import.reject.unknownParent"],
    [6, "import.reject.parentRejected"],
    [7, "unit.error.cycle"],
    [8, "unit.error.cycle"],
  ]);
  const done = commitUnitImport(db, bytes, { all: true }, null);
  if ("error" in done) throw new Error("refused");
  const cb1 = searchUnits(db, "CB1")[0];
  expect(ancestors(db, cb1).map((u) => u.code)).toEqual(["TW", "DU1", "CB1"]);
  const again = commitUnitImport(db, bytes, { all: true }, null);
  if ("error" in again) throw new Error("refused");
  expect(again.report.created).toHaveLength(0);
  expect(again.report.unchanged).toBe(3);
});
