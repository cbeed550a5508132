import { afterEach, beforeEach, expect, test } from "vitest";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeTree } from "#tests/factories/org.ts";
import { createUnit, getUnit, moveUnit, deleteUnit, searchUnits, ancestors } from "#app/org/units.server.ts";
import { commitUnitImport, previewUnitImport } from "#app/org/import-units.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { createMember } from "#app/org/members.server.ts";

let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

test("moving a unit moves its whole subtree (paths and depths)", async () => {
  const t = await makeTree(db);
  const deep = await createUnit(db, { code: "A1X", name: "Tổ A1X", parentId: t.a1.id });
  await moveUnit(db, t.a1.id, t.b.id);
  const a1 = (await getUnit(db, t.a1.id))!;
  const d = (await getUnit(db, deep.id))!;
  expect(a1.parentId).toBe(t.b.id);
  expect(a1.path).toBe(`${t.b.path}${t.a1.id}/`);
  expect(d.path).toBe(`${t.b.path}${t.a1.id}/${deep.id}/`);
  expect([a1.depth, d.depth]).toEqual([2, 3]);
  expect((await ancestors(db, d)).map((u) => u.code)).toEqual(["ROOT", "B", "A1", "A1X"]);
  // Siblings are untouched.
  expect((await getUnit(db, t.a2.id))!.path).toBe(t.a2.path);
});

test("a unit cannot move under itself or its descendants", async () => {
  const t = await makeTree(db);
  await expect(async () => moveUnit(db, t.a.id, t.a1.id)).rejects.toThrow(DomainError);
  await expect(async () => moveUnit(db, t.a.id, t.a.id)).rejects.toThrow(DomainError);
  expect((await getUnit(db, t.a.id))!.parentId).toBe(t.root.id);
});

test("a unit with members or children cannot be deleted; an empty one can", async () => {
  const t = await makeTree(db);
  await createMember(db, { code: "X1", fullName: "Ngô Văn Tí", unitId: t.b2.id }, null);
  await expect(async () => deleteUnit(db, t.b.id)).rejects.toThrow(DomainError);
  await expect(async () => deleteUnit(db, t.b2.id)).rejects.toThrow(DomainError);
  await deleteUnit(db, t.a2.id);
  expect(await getUnit(db, t.a2.id)).toBeUndefined();
});

test("unit search ignores diacritics and respects scope", async () => {
  const t = await makeTree(db);
  expect((await searchUnits(db, "chi bo a")).map((u) => u.code)).toEqual(["A1", "A2"]);
  expect((await searchUnits(db, "chi bo", { withinPaths: [t.b.path] })).map((u) => u.code)).toEqual(["B1", "B2"]);
});

test("units import: parents later in the file, unknown parents, cycles, idempotent", async () => {
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
  const preview = await previewUnitImport(db, bytes, { all: true });
  if ("error" in preview) throw new Error(preview.error.en);
  expect(preview.report.created.map((c) => c.code).sort()).toEqual(["CB1", "DU1", "TW"]);
  expect(preview.report.rejected.map((r) => [r.line, r.key])).toEqual([
    [5, "import.reject.unknownParent"],
    [6, "import.reject.parentRejected"],
    [7, "unit.error.cycle"],
    [8, "unit.error.cycle"],
  ]);
  const done = await commitUnitImport(db, bytes, { all: true }, null);
  if ("error" in done) throw new Error("refused");
  const cb1 = (await searchUnits(db, "CB1"))[0];
  expect((await ancestors(db, cb1)).map((u) => u.code)).toEqual(["TW", "DU1", "CB1"]);
  const again = await commitUnitImport(db, bytes, { all: true }, null);
  if ("error" in again) throw new Error("refused");
  expect(again.report.created).toHaveLength(0);
  expect(again.report.unchanged).toBe(3);
});
