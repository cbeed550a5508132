import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { beforeAll, describe, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { auditLog, members, scopeGrants } from "#db/schema/index.ts";
import { accountsBeyondScope, scopeOf } from "#app/auth/permissions.server.ts";
import { commitMemberImport } from "#app/org/import-members.server.ts";

/**
 * A trainer must not be able to act on an account that reaches further than the trainer does.
 * The probe that found it: trainer of committee A issues an activation code to a member of A who
 * holds a trainer grant on committee B, activates it with a password of their choosing, and is
 * then inside committee B. Every intent on the member page, the unit's bulk activation sheet and
 * the member import are checked; the same intents on an ordinary member still work (so each
 * refusal below is the rule, not a broken route).
 */
const srv = useAppServer();

let tree: Awaited<ReturnType<typeof makeTree>>;
let trainerA: Awaited<ReturnType<typeof makeMember>>;
let reachesB: Awaited<ReturnType<typeof makeMember>>;
let adminInA1: Awaited<ReturnType<typeof makeMember>>;
let plain: Awaited<ReturnType<typeof makeMember>>;
let admin: Awaited<ReturnType<typeof makeMember>>;

const intents: Record<string, Record<string, string>> = {
  update: { intent: "update", fullName: "Bị chiếm quyền", position: "", email: "ke-gian@example.com", phone: "", status: "active" },
  transfer: { intent: "transfer", unitCode: "A2", date: "", note: "" },
  disable: { intent: "disable" },
  enable: { intent: "enable" },
  "issue-code": { intent: "issue-code" },
  role: { intent: "role", role: "member" },
  "add-scope": { intent: "add-scope", unitCode: "A1" },
  "remove-scope": { intent: "remove-scope", unitId: "0" },
};

beforeAll(async () => {
  tree = await makeTree(srv.db);
  admin = await makeMember(srv.db, tree.root, { code: "ADMIN", role: "admin" });
  trainerA = await makeMember(srv.db, tree.a, { code: "TRAINER-A", role: "trainer", scopes: [tree.a] });
  // Sits in A's cell, manages committee B, has no password yet: the account GV01 took over.
  reachesB = await makeMember(srv.db, tree.a1, { code: "REACH-B", fullName: "Phạm Quốc Bình", role: "trainer", scopes: [tree.b], password: false });
  adminInA1 = await makeMember(srv.db, tree.a1, { code: "ADMIN-A1", fullName: "Võ Thị Hạnh", role: "admin", password: false });
  plain = await makeMember(srv.db, tree.a1, { code: "PLAIN-A1", fullName: "Đỗ Minh Châu", password: false });
  intents["remove-scope"].unitId = String(tree.b.id);
});

const row = async (id: number) => (await first(srv.db.select().from(members).where(eq(members.id, id))))!;

describe("accountsBeyondScope", () => {
  test("names administrators and holders of grants outside the scope, and nobody for an administrator's scope", async () => {
    const scopeA = await scopeOf(srv.db, await row(trainerA.id));
    const beyond = await accountsBeyondScope(srv.db, scopeA, [reachesB.id, adminInA1.id, plain.id, trainerA.id]);
    expect([...beyond].sort()).toEqual([reachesB.id, adminInA1.id].sort());
    expect((await accountsBeyondScope(srv.db, { all: true }, [reachesB.id, adminInA1.id])).size).toBe(0);
  });

  test("a grant inside the scope keeps the account within reach", async () => {
    const scopeRoot = { all: false as const, roots: [{ id: tree.root.id, path: tree.root.path }] };
    expect((await accountsBeyondScope(srv.db, scopeRoot, [reachesB.id])).size).toBe(0);
  });
});

describe("trainer of A on the member page of an account that reaches B", () => {
  for (const [name, form] of Object.entries(intents)) {
    test(`intent ${name} is refused with 403 and changes nothing`, async () => {
      const before = await row(reachesB.id);
      const grantsBefore = await srv.db.select().from(scopeGrants).where(eq(scopeGrants.memberId, reachesB.id));
      const c = client(srv.origin);
      await c.signIn("TRAINER-A");
      const res = await c.request(`/manage/members/${reachesB.id}`, { form });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("vượt ngoài phạm vi");
      expect(await row(reachesB.id)).toEqual(before);
      expect(await srv.db.select().from(scopeGrants).where(eq(scopeGrants.memberId, reachesB.id))).toEqual(grantsBefore);
    });
  }

  test("the same is refused for an administrator sitting in A's cell", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    for (const form of [intents["issue-code"], intents.update, intents.transfer, intents.disable]) {
      const res = await c.request(`/manage/members/${adminInA1.id}`, { form });
      expect(res.status).toBe(403);
    }
    expect((await row(adminInA1.id)).activationCodeHash).toBeNull();
  });

  test("the page shows the account but offers no action on it", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    const html = await (await c.request(`/manage/members/${reachesB.id}`)).text();
    expect(html).toContain("Phạm Quốc Bình");
    expect(html).toContain("bạn chỉ xem được");
    expect(html).not.toContain('value="issue-code"');
  });

  test("an ordinary member of A is still managed by the trainer (code, update, transfer)", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    expect((await c.request(`/manage/members/${plain.id}`, { form: intents["issue-code"] })).status).toBe(200);
    expect((await row(plain.id)).activationCodeHash).not.toBeNull();
    const upd = { ...intents.update, fullName: "Đỗ Minh Châu", email: "chau@example.com" };
    expect((await c.request(`/manage/members/${plain.id}`, { form: upd })).status).toBe(200);
    expect((await row(plain.id)).email).toBe("chau@example.com");
  });

  test("an administrator may issue the code", async () => {
    const c = client(srv.origin);
    await c.signIn("ADMIN");
    expect((await c.request(`/manage/members/${reachesB.id}`, { form: intents["issue-code"] })).status).toBe(200);
    expect((await row(reachesB.id)).activationCodeHash).not.toBeNull();
    await writeTx(srv.db, async (tx) => tx.update(members).set({ activationCodeHash: null, activationExpiresAt: null }).where(eq(members.id, reachesB.id)));
  });
});

describe("bulk activation sheet of cell A1, printed by trainer A", () => {
  test("leaves out accounts beyond the trainer's scope and says how many", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    const page = await (await c.request(`/manage/units/${tree.a1.id}/activation`)).text();
    expect(page).toContain("2 thành viên không được cấp mã");
    const res = await c.request(`/manage/units/${tree.a1.id}/activation.csv`, { form: { format: "csv" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const csv = await res.text();
    expect(csv).toContain("PLAIN-A1");
    expect(csv).not.toContain("REACH-B");
    expect(csv).not.toContain("ADMIN-A1");
    const printed = await c.request(`/manage/units/${tree.a1.id}/activation`, { form: { format: "print" } });
    expect(printed.status).toBe(200);
    const slips = await printed.text();
    expect(slips).toContain("PLAIN-A1");
    expect(slips).not.toContain("REACH-B");
    expect((await row(reachesB.id)).activationCodeHash).toBeNull();
    expect((await row(adminInA1.id)).activationCodeHash).toBeNull();
  });
});

describe("member import by trainer A", () => {
  test("refuses rows that would update an account beyond the scope, with the reason", async () => {
    const csv = [
      "ma_dang_vien,ho_ten,don_vi,chuc_vu,email,so_dien_thoai",
      "REACH-B,Phạm Quốc Bình,A1,,ke-gian@example.com,",
      "ADMIN-A1,Võ Thị Hạnh,A1,,ke-gian2@example.com,",
      "PLAIN-A1,Đỗ Minh Châu,A1,,chau2@example.com,",
    ].join("\r\n");
    const r = await commitMemberImport(srv.db, new TextEncoder().encode(csv), await scopeOf(srv.db, await row(trainerA.id)), trainerA.id);
    if ("error" in r) throw new Error("file refused");
    expect(r.report.rejected.map((x) => [x.line, x.key])).toEqual([
      [2, "import.reject.memberBeyondScope"],
      [3, "import.reject.memberBeyondScope"],
    ]);
    expect(r.report.updated.map((u) => u.code)).toEqual(["PLAIN-A1"]);
    expect((await row(reachesB.id)).email).toBeNull();
  });
});

describe("grants are audited", () => {
  test("an administrator's add-scope and remove-scope each leave an audit row", async () => {
    const c = client(srv.origin);
    await c.signIn("ADMIN");
    await c.request(`/manage/members/${plain.id}`, { form: { intent: "add-scope", unitCode: "A2" } });
    expect((await row(plain.id)).role).toBe("trainer");
    await c.request(`/manage/members/${plain.id}`, { form: { intent: "remove-scope", unitId: String(tree.a2.id) } });
    const actions = (await srv.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.entityId, String(plain.id))))
      .map((a) => a.action);
    expect(actions).toContain("member.scope-granted");
    expect(actions).toContain("member.scope-revoked");
  });
});
