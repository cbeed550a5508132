import { first } from "#db/first.ts";
import { beforeAll, describe, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { members, units } from "#db/schema/index.ts";

/**
 * A trainer of committee A must not read or change anything in committee B, whatever ids they
 * type into URLs: every such request answers like a missing record (404) or 403.
 */
const srv = useAppServer();

let tree: Awaited<ReturnType<typeof makeTree>>;
let trainerA: Awaited<ReturnType<typeof makeMember>>;
let memberB1: Awaited<ReturnType<typeof makeMember>>;
let memberA1: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
  tree = await makeTree(srv.db);
  trainerA = await makeMember(srv.db, tree.a, { code: "TRAINER-A", role: "trainer", scopes: [tree.a] });
  memberA1 = await makeMember(srv.db, tree.a1, { code: "MEM-A1", fullName: "Trần Thị Ánh" });
  memberB1 = await makeMember(srv.db, tree.b1, { code: "MEM-B1", fullName: "Lê Văn Bảo" });
});

describe("trainer of committee A", () => {
  test("sees units and members of their own subtree", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    const unitPage = await c.request(`/manage/units/${tree.a1.id}`);
    expect(unitPage.status).toBe(200);
    expect(await unitPage.text()).toContain("Chi bộ A1");
    const memberPage = await c.request(`/manage/members/${memberA1.id}`);
    expect(memberPage.status).toBe(200);
    expect(await memberPage.text()).toContain("Trần Thị Ánh");
  });

  test("gets 404 for units and members of committee B, by URL", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    for (const id of [tree.b.id, tree.b1.id, tree.root.id]) {
      expect((await c.request(`/manage/units/${id}`)).status).toBe(404);
      expect((await c.request(`/manage/units/${id}/activation`)).status).toBe(404);
      expect((await c.request(`/manage/members?unit=${id}`)).status).toBe(404);
      expect((await c.request(`/manage/members/export?unit=${id}`)).status).toBe(404);
    }
    const page = await c.request(`/manage/members/${memberB1.id}`);
    expect(page.status).toBe(404);
    expect(await page.text()).not.toContain("Lê Văn Bảo");
  });

  test("cannot change committee B by posting to its URLs", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    const rename = await c.request(`/manage/units/${tree.b1.id}`, { form: { intent: "rename", name: "Bị đổi tên" } });
    expect(rename.status).toBe(404);
    const edit = await c.request(`/manage/members/${memberB1.id}`, {
      form: { intent: "update", fullName: "Bị sửa", position: "", email: "", phone: "", status: "left" },
    });
    expect(edit.status).toBe(404);
    const disable = await c.request(`/manage/members/${memberB1.id}`, { form: { intent: "disable" } });
    expect(disable.status).toBe(404);
    // Moving a unit of A under B, or transferring a member of A into B, is refused too.
    await c.request(`/manage/units/${tree.a2.id}`, { form: { intent: "move", parentCode: "B" } });
    await c.request(`/manage/members/${memberA1.id}`, { form: { intent: "transfer", unitCode: "B1", date: "", note: "" } });
    expect((await first(srv.db.select().from(units).where(eq(units.id, tree.b1.id))))!.name).toBe("Chi bộ B1");
    expect((await first(srv.db.select().from(members).where(eq(members.id, memberB1.id))))!).toMatchObject({ fullName: "Lê Văn Bảo", status: "active", disabledAt: null });
    expect((await first(srv.db.select().from(units).where(eq(units.id, tree.a2.id))))!.parentId).toBe(tree.a.id);
    expect((await first(srv.db.select().from(members).where(eq(members.id, memberA1.id))))!.unitId).toBe(tree.a1.id);
  });

  test("search and export never include members of B", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    const list = await (await c.request(`/manage/members?q=le van bao`)).text();
    expect(list).not.toContain("Lê Văn Bảo");
    const all = await (await c.request(`/manage/members`)).text();
    expect(all).toContain("Trần Thị Ánh");
    expect(all).not.toContain("MEM-B1");
    const csv = await (await c.request(`/manage/members/export?format=csv`)).text();
    expect(csv).toContain("MEM-A1");
    expect(csv).not.toContain("MEM-B1");
  });

  test("cannot edit the root of their own scope nor create top-level units", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    expect((await c.request(`/manage/units/${tree.a.id}`, { form: { intent: "rename", name: "X" } })).status).toBe(403);
    expect((await c.request(`/manage/units`, { form: { code: "NEWROOT", name: "Gốc mới" } })).status).toBe(403);
  });
});

describe("a plain member", () => {
  test("is refused every management page", async () => {
    const c = client(srv.origin);
    await c.signIn("MEM-A1");
    for (const p of ["/manage/units", `/manage/units/${tree.a1.id}`, "/manage/members", `/manage/members/${memberA1.id}`, "/manage/import"]) {
      expect((await c.request(p)).status, p).toBe(403);
    }
  });

  test("is sent to sign in when not signed in", async () => {
    const res = await client(srv.origin).request(`/manage/members/${memberA1.id}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/login\?redirectTo=/);
  });
});
