import { afterEach, beforeEach, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeTree } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { updateMember } from "#app/org/members.server.ts";
import { memberUnitHistory } from "#db/schema/index.ts";

let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

test("leaving closes the member's unit interval at that moment; returning opens a new one", async () => {
  const t = await makeTree(db);
  const { createMember } = await import("#app/org/members.server.ts");
  const m = await createMember(db, { code: "M1", fullName: "Nguyễn Văn Một", unitId: t.a1.id }, null, new Date("2026-01-01T00:00:00Z"));
  const left = new Date("2026-06-01T00:00:00Z");
  await updateMember(db, m.id, { status: "left" }, null, left);
  let h = await db.select().from(memberUnitHistory).where(eq(memberUnitHistory.memberId, m.id));
  expect(h.map((r) => r.validTo?.getTime() ?? null)).toEqual([left.getTime()]);
  const back = new Date("2026-09-01T00:00:00Z");
  await updateMember(db, m.id, { status: "active" }, null, back);
  h = await db.select().from(memberUnitHistory).where(eq(memberUnitHistory.memberId, m.id)).orderBy(memberUnitHistory.validFrom);
  expect(h.map((r) => [r.unitId, r.validFrom.getTime(), r.validTo?.getTime() ?? null])).toEqual([
    [t.a1.id, h[0].validFrom.getTime(), left.getTime()],
    [t.a1.id, back.getTime(), null],
  ]);
});

test("the completion roll-up stops counting a member from the day they leave", async () => {
  const { completionRollup } = await import("#app/reports/completion.server.ts");
  const { createMember } = await import("#app/org/members.server.ts");
  const t = await makeTree(db);
  const joined = new Date("2026-01-01T00:00:00Z");
  const stay = await createMember(db, { code: "STAY", fullName: "Người Ở Lại", unitId: t.a1.id }, null, joined);
  const go = await createMember(db, { code: "GO", fullName: "Người Rời Đi", unitId: t.a1.id }, null, joined);
  const c = await makeCourse(db, { at: joined, assignTo: t.root });
  await updateMember(db, go.id, { status: "left" }, null, new Date("2026-03-01T00:00:00Z"));
  const at = async (iso: string) => (await completionRollup(db, { courseIds: [c.id], at: new Date(iso) })).total.assigned;
  expect(await at("2026-02-01T00:00:00Z")).toBe(2);
  expect(await at("2026-04-01T00:00:00Z")).toBe(1);
  expect(stay.id).not.toBe(go.id);
});
