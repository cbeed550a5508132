import { first } from "#db/first.ts";
import { beforeAll, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { authSessions, units } from "#db/schema/index.ts";

const srv = useAppServer();

let tree: Awaited<ReturnType<typeof makeTree>>;
let admin: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
  tree = await makeTree(srv.db);
  admin = await makeMember(srv.db, tree.root, { code: "ADMIN", role: "admin" });
});

test("a cross-site POST is refused before it reaches any action, even with a valid session", async () => {
  const c = client(srv.origin);
  await c.signIn("ADMIN");
  const evil = await c.request(`/manage/units/${tree.a1.id}`, {
    form: { intent: "rename", name: "Bị tấn công" },
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
  });
  expect(evil.status).toBe(403);
  expect(await evil.text()).toContain("không xuất phát từ trang Học Số");
  const evilEn = await c.request(`/manage/units/${tree.a1.id}`, {
    form: { intent: "rename", name: "Bị tấn công" },
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site", "accept-language": "en" },
  });
  expect(await evilEn.text()).toBe("Request refused: it did not come from a Học Số page.");
  const noOrigin = await fetch(`${srv.origin}/manage/units/${tree.a1.id}`, {
    method: "POST",
    headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: "intent=rename&name=X",
    redirect: "manual",
  });
  expect(noOrigin.status).toBe(403);
  expect((await first(srv.db.select().from(units).where(eq(units.id, tree.a1.id))))!.name).toBe("Chi bộ A1");
  const same = await c.request(`/manage/units/${tree.a1.id}`, { form: { intent: "rename", name: "Chi bộ A1 mới" } });
  expect(same.status).toBe(200);
  expect((await first(srv.db.select().from(units).where(eq(units.id, tree.a1.id))))!.name).toBe("Chi bộ A1 mới");
});

test("session cookie is HttpOnly and SameSite=Lax; signing out revokes it server-side", async () => {
  const c = client(srv.origin);
  const res = await c.signIn("ADMIN");
  const set = res.headers.get("set-cookie")!;
  expect(set).toMatch(/HttpOnly/);
  expect(set).toMatch(/SameSite=Lax/);
  const token = decodeURIComponent(c.cookie.split("=")[1]);
  expect((await c.request("/")).status).toBe(200);
  await c.request("/logout", { form: {} });
  expect(await first(srv.db.select().from(authSessions).where(eq(authSessions.id, token.split(".")[0])))).toBeUndefined();
  const replay = await fetch(`${srv.origin}/`, { headers: { cookie: `hocso_session=${encodeURIComponent(token)}` }, redirect: "manual" });
  expect(replay.status).toBe(302);
});

test("wrong password shows the generic message; throttling answers 429 with the wait", async () => {
  const c = client(srv.origin);
  const wrong = await c.request("/login", { form: { identifier: "ADMIN", password: "sai" } });
  expect(wrong.status).toBe(401);
  expect(await wrong.text()).toContain("Mã đăng nhập hoặc mật khẩu không đúng.");
  const unknown = await c.request("/login", { form: { identifier: "NOBODY", password: "sai" } });
  expect(await unknown.text()).toContain("Mã đăng nhập hoặc mật khẩu không đúng.");
  // One failure above plus four here makes the fifth, which locks the account.
  for (let i = 0; i < 4; i++) await c.request("/login", { form: { identifier: "ADMIN", password: "sai" } });
  const locked = await c.request("/login", { form: { identifier: "ADMIN", password: PASSWORD } });
  expect(locked.status).toBe(429);
  expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
  expect(await locked.text()).toContain("15 phút");
  expect(admin.id).toBeGreaterThan(0);
});

test("pages carry a nonce-based CSP and nosniff; open redirects after sign-in are refused", async () => {
  const res = await fetch(`${srv.origin}/login`);
  const csp = res.headers.get("content-security-policy")!;
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  const html = await res.text();
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  expect(html).toContain(`nonce="${nonce}"`);
  const c = client(srv.origin);
  await makeMember(srv.db, tree.a1, { code: "REDIR" });
  const r = await c.request("/login", { form: { identifier: "REDIR", password: PASSWORD, redirectTo: "//evil.example/x" } });
  expect(r.headers.get("location")).toBe("/");
});
