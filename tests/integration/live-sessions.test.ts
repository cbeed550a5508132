import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { beforeAll, describe, expect, test } from "vitest";
import { count, eq } from "drizzle-orm";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { JOIN_TOKEN_SECRET } from "#tests/harness/media.ts";
import { liveSessionInvites, liveSessionPresenters, liveSessions, scopeGrants } from "#db/schema/index.ts";
import { verifyJoinToken } from "#live/join-token.server.ts";
import { scheduleSession, type SessionInput } from "#app/live/sessions.server.ts";
import type { Member } from "#app/org/members.server.ts";

/**
 * Scheduling and opening live sessions over HTTP against the production build: scope by URL and
 * by form, who gets a session page and a join token, the token route.
 */

const srv = useAppServer({ env: { JOIN_TOKEN_SECRET } });

let tree: Awaited<ReturnType<typeof makeTree>>;
let admin: Member, trainerA: Member, trainerB: Member, secA1: Member, memberA1: Member, memberA2: Member, memberB1: Member;
let sA1: number, sB: number, sRoot: number, sEnded: number;

const input = (o: Partial<SessionInput>): SessionInput => ({
  title: "Phiên thử",
  description: "",
  documentUrl: null,
  start: new Date(Date.now() + 3600_000),
  end: new Date(Date.now() + 3 * 3600_000),
  presenterCodes: [],
  unitCodes: [],
  memberCodes: [],
  presentMinPercent: 80,
  lateAfterMinutes: 10,
  ...o,
});

const sessionCount = async () => (await first(srv.db.select({ n: count() }).from(liveSessions)))!.n;

beforeAll(async () => {
  tree = await makeTree(srv.db);
  admin = await makeMember(srv.db, tree.root, { code: "LV-ADMIN", role: "admin", fullName: "Quản Trị Viên" });
  trainerA = await makeMember(srv.db, tree.a, { code: "LV-TR-A", role: "trainer", scopes: [tree.a], fullName: "Cán Bộ A" });
  trainerB = await makeMember(srv.db, tree.b, { code: "LV-TR-B", role: "trainer", scopes: [tree.b], fullName: "Cán Bộ B" });
  secA1 = await makeMember(srv.db, tree.a1, { code: "LV-SEC-A1", fullName: "Bí Thư A1" });
  await writeTx(srv.db, async (tx) => tx.insert(scopeGrants).values({ memberId: secA1.id, unitId: tree.a1.id, kind: "secretary", createdAt: new Date() }));
  memberA1 = await makeMember(srv.db, tree.a1, { code: "LV-MEM-A1", fullName: "Trần Thị Ánh" });
  memberA2 = await makeMember(srv.db, tree.a2, { code: "LV-MEM-A2", fullName: "Phạm Văn Hai" });
  memberB1 = await makeMember(srv.db, tree.b1, { code: "LV-MEM-B1", fullName: "Lê Văn Bảo" });
  const all = { all: true } as const;
  sA1 = (await scheduleSession(srv.db, all, admin.id, input({ title: "Phiên chi bộ A1", presenterCodes: ["LV-TR-A"], unitCodes: ["A1"] }))).id;
  sB = (await scheduleSession(srv.db, all, admin.id, input({ title: "Phiên riêng của B", presenterCodes: ["LV-TR-B"], unitCodes: ["B"] }))).id;
  sRoot = (await scheduleSession(srv.db, all, admin.id, input({ title: "Phiên toàn đảng bộ", presenterCodes: ["LV-ADMIN"], unitCodes: ["ROOT"] }))).id;
  sEnded = (await scheduleSession(srv.db, all, admin.id, input({ title: "Phiên đã xong", presenterCodes: ["LV-TR-A"], unitCodes: ["A"] }))).id;
  await writeTx(srv.db, async (tx) => tx.update(liveSessions).set({ state: "ended", actualStartAt: new Date(Date.now() - 7200_000), actualEndAt: new Date(Date.now() - 3600_000) }).where(eq(liveSessions.id, sEnded)));
});

const form = (o: Record<string, string>) => ({
  intent: "schedule",
  title: "Học tập Nghị quyết",
  description: "Mô tả",
  documentUrl: "",
  start: "2031-05-01T08:00",
  end: "2031-05-01T10:00",
  presenters: "LV-TR-A",
  units: "A1",
  members: "",
  presentMinPercent: "75",
  lateAfterMinutes: "15",
  ...o,
});

describe("scheduling", () => {
  test("a trainer schedules a session for their subtree; times are read in Vietnam time", async () => {
    const c = client(srv.origin);
    await c.signIn("LV-TR-A");
    const res = await c.request("/manage/live", { form: form({ title: "Sinh hoạt chuyên đề A1", members: "LV-MEM-A2" }) });
    expect(res.status).toBe(302);
    const id = Number(/\/manage\/live\/(\d+)/.exec(res.headers.get("location") ?? "")?.[1]);
    const s = (await first(srv.db.select().from(liveSessions).where(eq(liveSessions.id, id))))!;
    expect(s).toMatchObject({ title: "Sinh hoạt chuyên đề A1", presentMinPercent: 75, lateAfterMinutes: 15, createdBy: trainerA.id, state: "scheduled" });
    expect(s.scheduledStartAt.toISOString()).toBe("2031-05-01T01:00:00.000Z");
    const invites = await srv.db.select().from(liveSessionInvites).where(eq(liveSessionInvites.sessionId, id));
    expect(invites.map((i) => i.unitId ?? `m${i.memberId}`).sort()).toEqual([tree.a1.id, `m${memberA2.id}`].sort());
    expect((await srv.db.select().from(liveSessionPresenters).where(eq(liveSessionPresenters.sessionId, id))).map((p) => p.memberId)).toEqual([trainerA.id]);
    // It shows in the trainer's list and, for an invited member, under /live.
    expect(await (await c.request("/manage/live")).text()).toContain("Sinh hoạt chuyên đề A1");
    const m = client(srv.origin);
    await m.signIn("LV-MEM-A2");
    expect(await (await m.request("/live")).text()).toContain("Sinh hoạt chuyên đề A1");
  });

  test("a trainer cannot invite units or members of another subtree, nor name an ordinary member there as presenter", async () => {
    const c = client(srv.origin);
    await c.signIn("LV-TR-A");
    const before = await sessionCount();
    const cases: [Record<string, string>, string][] = [
      [{ units: "B1" }, "Không tìm thấy đơn vị “B1” trong phạm vi của bạn."],
      [{ units: "ROOT" }, "Không tìm thấy đơn vị “ROOT” trong phạm vi của bạn."],
      [{ units: "", members: "LV-MEM-B1" }, "Không tìm thấy đảng viên “LV-MEM-B1” trong phạm vi của bạn."],
      [{ units: "NO-SUCH-UNIT" }, "Không tìm thấy đơn vị “NO-SUCH-UNIT” trong phạm vi của bạn."],
      [{ presenters: "LV-MEM-B1" }, "Không dùng được mã người trình bày “LV-MEM-B1”"],
      [{ end: "2031-05-01T07:00" }, "Thời gian kết thúc phải sau thời gian bắt đầu."],
      [{ documentUrl: "javascript:alert(1)" }, "Liên kết tài liệu phải là địa chỉ http:// hoặc https://."],
      [{ units: "", members: "" }, "Cần mời ít nhất một đơn vị hoặc một đảng viên."],
    ];
    for (const [fields, message] of cases) {
      const res = await c.request("/manage/live", { form: form(fields) });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(await res.text()).toContain(message);
    }
    expect(await sessionCount()).toBe(before);
  });

  test("an uploaded PDF becomes the session's document; another file type is refused", async () => {
    const c = client(srv.origin);
    await c.signIn("LV-TR-A");
    const pdf = new TextEncoder().encode("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
    const body = new FormData();
    for (const [k, v] of Object.entries(form({ title: "Phiên có tài liệu PDF" }))) body.set(k, v);
    body.set("documentFile", new Blob([pdf], { type: "application/pdf" }), "nghi-quyet.pdf");
    const res = await c.request("/manage/live", { method: "POST", body });
    expect(res.status).toBe(302);
    const s = (await first(srv.db.select().from(liveSessions).where(eq(liveSessions.title, "Phiên có tài liệu PDF"))))!;
    expect(s.documentUrl).toMatch(/^\/uploads\/[a-f0-9]{64}\.pdf$/);
    const file = await c.request(s.documentUrl!);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/pdf");

    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const bad = new FormData();
    for (const [k, v] of Object.entries(form({ title: "Phiên có ảnh thay PDF" }))) bad.set(k, v);
    bad.set("documentFile", new Blob([png], { type: "application/pdf" }), "fake.pdf");
    const refused = await c.request("/manage/live", { method: "POST", body: bad });
    expect(refused.status).toBe(415);
    expect(await first(srv.db.select().from(liveSessions).where(eq(liveSessions.title, "Phiên có ảnh thay PDF")))).toBeUndefined();
  });
});

describe("scope by URL", () => {
  test("trainer A gets 404 for a session of B: its page, attendance, export and correction", async () => {
    const c = client(srv.origin);
    await c.signIn("LV-TR-A");
    for (const p of [`/manage/live/${sB}`, `/manage/live/${sB}/attendance`, `/manage/live/${sB}/export?format=csv`, `/manage/live/${sB}/export?format=xlsx`]) {
      const res = await c.request(p);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain("Phiên riêng của B");
    }
    const post = await c.request(`/manage/live/${sB}/attendance`, { form: { intent: "correct", memberCode: "LV-MEM-B1", status: "present", reason: "thử" } });
    expect(post.status).toBe(404);
    const edit = await c.request(`/manage/live/${sB}`, { form: form({ intent: "update", units: "A1" }) });
    expect(edit.status).toBe(404);
    expect((await first(srv.db.select().from(liveSessions).where(eq(liveSessions.id, sB))))!.title).toBe("Phiên riêng của B");
    expect(await (await c.request("/manage/live")).text()).not.toContain("Phiên riêng của B");
    // Trainer B does see it.
    const b = client(srv.origin);
    await b.signIn("LV-TR-B");
    expect((await b.request(`/manage/live/${sB}/attendance`)).status).toBe(200);
  });

  test("a session for the whole organisation is visible to trainer A, not editable, and its attendance lists only A's members", async () => {
    const c = client(srv.origin);
    await c.signIn("LV-TR-A");
    expect((await c.request(`/manage/live/${sRoot}`)).status).toBe(200);
    const edit = await c.request(`/manage/live/${sRoot}`, { form: form({ intent: "update", title: "Bị sửa", units: "A" }) });
    expect(edit.status).toBe(409);
    expect((await first(srv.db.select().from(liveSessions).where(eq(liveSessions.id, sRoot))))!.title).toBe("Phiên toàn đảng bộ");
    const page = await (await c.request(`/manage/live/${sRoot}/attendance`)).text();
    expect(page).toContain("LV-MEM-A1");
    expect(page).not.toContain("LV-MEM-B1");
    const csv = await (await c.request(`/manage/live/${sRoot}/export?format=csv`)).text();
    expect(csv).toContain("LV-MEM-A1");
    expect(csv).not.toContain("LV-MEM-B1");
    // The administrator's export has everyone.
    const a = client(srv.origin);
    await a.signIn("LV-ADMIN");
    expect(await (await a.request(`/manage/live/${sRoot}/export?format=csv`)).text()).toContain("LV-MEM-B1");
  });

  test("members get 403 on the manager pages", async () => {
    const m = client(srv.origin);
    await m.signIn("LV-MEM-A1");
    expect((await m.request("/manage/live")).status).toBe(403);
    expect((await m.request(`/manage/live/${sA1}/attendance`)).status).toBe(403);
  });
});

describe("session page and join tokens", () => {
  test("an uninvited member gets 404 and no token, and does not see the session in their list", async () => {
    const m = client(srv.origin);
    await m.signIn("LV-MEM-A2");
    const page = await m.request(`/live/${sA1}`);
    expect(page.status).toBe(404);
    expect(await page.text()).not.toContain("Phiên chi bộ A1");
    for (const mode of ["viewer", "presenter", "cell-room&cell=" + tree.a1.id]) {
      const r = await m.request(`/api/live/${sA1}/token?mode=${mode}`);
      expect(r.status, mode).toBe(404);
      expect(await r.text()).not.toMatch(/"token"/);
    }
    expect(await (await m.request("/live")).text()).not.toContain("Phiên chi bộ A1");
    // An unknown id answers the same.
    expect((await m.request(`/live/999999`)).status).toBe(404);
  });

  test("an invited member gets the page and short-lived viewer tokens, fresh on every request", async () => {
    const m = client(srv.origin);
    await m.signIn("LV-MEM-A1");
    const page = await m.request(`/live/${sA1}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toContain("no-store");
    const html = await page.text();
    expect(html).toContain("Phiên chi bộ A1");
    // It starts in an hour: the lobby counts down and opens 30 minutes before.
    expect(html).toMatch(/data-testid="countdown"[^>]*>(00:)?(59|60):\d\d</);
    expect(html).toContain("Phòng mở lúc");
    expect(await (await m.request("/live")).text()).toContain('data-testid="countdown"');
    const r1 = await m.request(`/api/live/${sA1}/token`);
    expect(r1.status).toBe(200);
    expect(r1.headers.get("cache-control")).toContain("no-store");
    const b1 = (await r1.json()) as { token: string; expiresAt: number };
    const v = verifyJoinToken(b1.token, JOIN_TOKEN_SECRET);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.payload).toMatchObject({ memberId: memberA1.id, memberCode: "LV-MEM-A1", sessionId: sA1, role: "viewer", unitId: tree.a1.id });
    expect(v.payload.exp - v.payload.iat).toBe(10 * 60_000);
    expect(b1.expiresAt).toBe(v.payload.exp);
    const b2 = (await (await m.request(`/api/live/${sA1}/token`)).json()) as { token: string };
    expect(b2.token).not.toBe(b1.token);
    expect(verifyJoinToken(b2.token, "another-secret-of-at-least-32-characters!!").ok).toBe(false);
    // Not a presenter, no cell room grant.
    expect((await m.request(`/live/${sA1}?mode=presenter`)).status).toBe(404);
    expect((await m.request(`/api/live/${sA1}/token?mode=presenter`)).status).toBe(404);
    expect((await m.request(`/api/live/${sA1}/token?mode=cell-room&cell=${tree.a1.id}`)).status).toBe(404);
  });

  test("a presenter who is not invited gets presenter tokens only", async () => {
    const c = client(srv.origin);
    await c.signIn("LV-TR-A");
    expect((await c.request(`/live/${sA1}`)).status).toBe(200);
    const r = (await (await c.request(`/api/live/${sA1}/token?mode=presenter`)).json()) as { token: string };
    const v = verifyJoinToken(r.token, JOIN_TOKEN_SECRET);
    expect(v.ok && v.payload.role).toBe("presenter");
    expect(v.ok && v.payload.memberId).toBe(trainerA.id);
    expect((await c.request(`/api/live/${sA1}/token?mode=viewer`)).status).toBe(404);
  });

  test("a cell secretary gets a cell-room token for their own cell only", async () => {
    const c = client(srv.origin);
    await c.signIn("LV-SEC-A1");
    const page = await c.request(`/live/${sA1}?mode=cell-room&cell=${tree.a1.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // The roster of the cell is on the page.
    expect(html).toContain("LV-MEM-A1");
    expect(html).not.toContain("LV-MEM-A2");
    const r = (await (await c.request(`/api/live/${sA1}/token?mode=cell-room&cell=${tree.a1.id}`)).json()) as { token: string };
    const v = verifyJoinToken(r.token, JOIN_TOKEN_SECRET);
    expect(v.ok && v.payload).toMatchObject({ role: "cell-room", unitId: tree.a1.id, memberId: secA1.id });
    for (const cell of [tree.a2.id, tree.b1.id, tree.a.id]) {
      expect((await c.request(`/api/live/${sA1}/token?mode=cell-room&cell=${cell}`)).status, String(cell)).toBe(404);
      expect((await c.request(`/live/${sA1}?mode=cell-room&cell=${cell}`)).status).toBe(404);
    }
  });

  test("an ended session has no token; signed-out requests go to the sign-in page", async () => {
    const m = client(srv.origin);
    await m.signIn("LV-MEM-A1");
    const r = await m.request(`/api/live/${sEnded}/token`);
    expect(r.status).toBe(410);
    expect(await r.text()).not.toMatch(/"token"/);
    const anon = client(srv.origin);
    const res = await anon.request(`/api/live/${sA1}/token`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toContain("/login");
  });
});

describe("phone check-in page (a cell room's QR leads here)", () => {
  const code = "AbCdEfGhIjKlMnOp";
  const tokenIn = (html: string) => [...html.matchAll(/[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{43}/g)].map((m) => m[0]).find((t) => verifyJoinToken(t, JOIN_TOKEN_SECRET).ok);

  test("signed out, the phone goes to sign-in and comes back with the code", async () => {
    const anon = client(srv.origin);
    const res = await anon.request(`/live/${sA1}/check-in?code=${code}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/login?redirectTo=${encodeURIComponent(`/live/${sA1}/check-in?code=${code}`)}`);
  });

  test("an invited member gets a check-in token (that role only); others get 404; a bad or missing code gets no token", async () => {
    const m = client(srv.origin);
    await m.signIn("LV-MEM-A1");
    const page = await m.request(`/live/${sA1}/check-in?code=${code}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toContain("no-store");
    const html = await page.text();
    expect(html).toContain("Điểm danh tại phòng sinh hoạt");
    expect(html).toContain("Phiên chi bộ A1");
    const token = tokenIn(html);
    expect(token).toBeDefined();
    const v = verifyJoinToken(token, JOIN_TOKEN_SECRET);
    expect(v.ok && v.payload).toMatchObject({ role: "check-in", memberId: memberA1.id, sessionId: sA1, unitId: tree.a1.id });

    for (const bad of ["", "?code=short", "?code=" + encodeURIComponent("<script>x</script>")]) {
      const r = await m.request(`/live/${sA1}/check-in${bad}`);
      expect(r.status, bad).toBe(200);
      const h = await r.text();
      expect(h).toContain("Không đọc được mã QR");
      expect(tokenIn(h), bad).toBeUndefined();
      expect(h).not.toContain("<script>x</script>");
    }

    const other = client(srv.origin);
    await other.signIn("LV-MEM-A2");
    expect((await other.request(`/live/${sA1}/check-in?code=${code}`)).status).toBe(404);
    // A presenter who is not invited does not check in either.
    const tr = client(srv.origin);
    await tr.signIn("LV-TR-A");
    expect((await tr.request(`/live/${sA1}/check-in?code=${code}`)).status).toBe(404);
  });

  test("an ended session says so and gives no token", async () => {
    const m = client(srv.origin);
    await m.signIn("LV-MEM-A1");
    const html = await (await m.request(`/live/${sEnded}/check-in?code=${code}`)).text();
    expect(html).toContain("đã kết thúc");
    expect(tokenIn(html)).toBeUndefined();
  });
});
