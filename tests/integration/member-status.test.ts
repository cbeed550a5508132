import { afterEach, beforeEach, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { updateMember } from "#app/org/members.server.ts";
import { memberUnitHistory } from "#db/schema/index.ts";

let db: ReturnType<typeof testDb>;
beforeEach(() => {
  db = testDb();
});
afterEach(() => dropDb(db));

test("leaving closes the member's unit interval at that moment; returning opens a new one", async () => {
  const t = makeTree(db);
  const m = await makeMember(db, t.a1);
  const left = new Date("2026-06-01T00:00:00Z");
  updateMember(db, m.id, { status: "left" }, null, left);
  let h = db.select().from(memberUnitHistory).where(eq(memberUnitHistory.memberId, m.id)).all();
  expect(h.map((r) => r.validTo?.getTime() ?? null)).toEqual([left.getTime()]);
  const back = new Date("2026-09-01T00:00:00Z");
  updateMember(db, m.id, { status: "active" }, null, back);
  h = db.select().from(memberUnitHistory).where(eq(memberUnitHistory.memberId, m.id)).all();
  expect(h.map((r) => [r.unitId, r.validFrom.getTime(), r.validTo?.getTime() ?? null])).toEqual([
    [t.a1.id, h[0].validFrom.getTime(), left.getTime()],
    [t.a1.id, back.getTime(), null],
  ]);
});
