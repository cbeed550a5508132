import { afterEach, beforeEach, expect, test } from "vitest";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeTree } from "#tests/factories/org.ts";
import { createMember, searchMembers, updateMember } from "#app/org/members.server.ts";

/**
 * Member search through the engine's index (ADR 0015 "Search": FTS5 trigrams on SQLite, pg_trgm on
 * PostgreSQL, db/dialect.server.ts memberTextMatch): diacritics-insensitive, scoped to the caller's
 * units, and following every write of a name. Runs on both engines (fast and fast-pg).
 */
let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

test("finds Nguyễn Thị Hà without diacritics, within the caller's units, and after a rename", async () => {
  const t = await makeTree(db);
  const ha = await createMember(db, { code: "HN-0042", fullName: "Nguyễn Thị Hà", unitId: t.a1.id, email: "ha.nguyen@example.vn" }, null);
  await createMember(db, { code: "HN-0043", fullName: "Nguyễn Thị Hà", unitId: t.b1.id }, null);
  await createMember(db, { code: "XHN-0044", fullName: "Trần Văn Hải", unitId: t.a2.id }, null);
  await createMember(db, { code: "Q1", fullName: "Lê Minh Hạnh".normalize("NFD"), unitId: t.a2.id }, null);
  const codes = async (q: string, withinPaths: string[] | null = null) => {
    const r = await searchMembers(db, { q, withinPaths });
    expect(r.total).toBe(r.rows.length);
    return r.rows.map((m) => m.code).sort();
  };

  // three characters or more: the trigram index; "Hà" folds to two: the plain scan
  expect(await codes("nguyen thi ha")).toEqual(["HN-0042", "HN-0043"]);
  expect(await codes("NGUYỄN THỊ HÀ")).toEqual(["HN-0042", "HN-0043"]);
  expect(await codes("Hà")).toEqual(["HN-0042", "HN-0043", "Q1", "XHN-0044"]); // "ha" in hà, hải, hạnh
  expect(await codes("thi ha")).toEqual(["HN-0042", "HN-0043"]);
  expect(await codes("hanh")).toEqual(["Q1"]);

  // scoped: a trainer of committee A sees only A's members
  expect(await codes("nguyen thi ha", [t.a.path])).toEqual(["HN-0042"]);
  expect(await codes("Hà", [t.a.path])).toEqual(["HN-0042", "Q1", "XHN-0044"]);
  expect(await codes("nguyen thi ha", [t.b2.path])).toEqual([]);

  // code is a prefix match, e-mail a substring, even where the index finds the text elsewhere
  expect(await codes("hn-004")).toEqual(["HN-0042", "HN-0043"]); // not XHN-0044
  expect(await codes("nguyen@example")).toEqual(["HN-0042"]);
  expect(await codes("ha.n")).toEqual(["HN-0042"]);
  expect(await codes("qqqz")).toEqual([]);
  expect(await codes('"nguyen')).toEqual([]); // FTS query syntax in the input is text, not syntax

  // a rename: the new name is found, the old one no longer
  await updateMember(db, ha.id, { fullName: "Phạm Thu Hà" }, null);
  expect(await codes("pham thu ha")).toEqual(["HN-0042"]);
  expect(await codes("nguyen thi ha")).toEqual(["HN-0043"]);
  // and a changed e-mail
  await updateMember(db, ha.id, { email: "thu.pham@example.vn" }, null);
  expect(await codes("ha.nguyen")).toEqual([]);
  expect(await codes("thu.pham@")).toEqual(["HN-0042"]);
});
