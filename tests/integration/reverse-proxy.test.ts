import { afterAll, beforeAll, expect, test } from "vitest";
import { io as ioClient } from "socket.io-client";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { makeSession } from "#tests/factories/live.ts";
import { tokenFor, request as emit } from "#tests/harness/media.ts";
import { startLiveTestServers } from "#tests/harness/http.ts";
import { httpsRequest, startNginx, type Nginx } from "#tests/harness/nginx.ts";

/**
 * The deployment documented in docs/deployment/nginx-hocso.conf, run for real: nginx with TLS in
 * front of the app, the app relaying the live-session WebSocket to the media server. Sign-in works
 * over HTTPS with Secure cookies and the CSRF check, and socket.io joins a session through nginx.
 */
let db: Awaited<ReturnType<typeof testDb>>;
let nginx: Nginx;
let servers: Awaited<ReturnType<typeof startLiveTestServers>>;
let origin: string;
let sessionId: number;
let viewer: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  viewer = await makeMember(db, t.a1, { code: "VIEWER" });
  sessionId = (await makeSession(db, { inviteUnits: [t.root] })).id;
  servers = await startLiveTestServers(db, { appEnv: { TRUST_PROXY: true } });
  nginx = await startNginx({ apps: [`127.0.0.1:${new URL(servers.origin).port}`] });
  origin = nginx.origin;
});

afterAll(async () => {
  await nginx?.stop();
  await servers?.close();
  await dropDb(db);
});

test("over HTTPS through nginx: pages load, sign-in sets a Secure cookie, a forged origin is refused", async () => {
  const page = await httpsRequest(`${origin}/login`);
  expect(page.status).toBe(200);
  expect(page.body).toContain("Đăng nhập");
  const form = new URLSearchParams({ identifier: "VIEWER", password: PASSWORD, redirectTo: "/" }).toString();
  const headers = { "content-type": "application/x-www-form-urlencoded", origin, "sec-fetch-site": "same-origin" };
  const ok = await httpsRequest(`${origin}/login`, { method: "POST", headers, body: form });
  expect(ok.status).toBe(302);
  const cookie = String(ok.headers["set-cookie"]);
  expect(cookie).toMatch(/hocso_session=/);
  expect(cookie).toMatch(/; Secure/);
  // The app sees https through X-Forwarded-Proto: the http:// origin of the same host is foreign.
  const forged = await httpsRequest(`${origin}/login`, { method: "POST", headers: { ...headers, origin: origin.replace("https:", "http:"), "sec-fetch-site": "cross-site" }, body: form });
  expect(forged.status).toBe(403);
});

test("nginx bounds bodies like the app: 1 MB by default, larger only where files are taken", async () => {
  const headers = { "content-type": "application/x-www-form-urlencoded", origin, "sec-fetch-site": "same-origin" };
  const big = "x".repeat(2 << 20);
  const login = await httpsRequest(`${origin}/login`, { method: "POST", headers, body: big });
  expect(login.status).toBe(413);
  expect(login.body).toContain("nginx");
  // The import route takes 20 MB files: nginx lets 2 MB through to the app, which answers itself.
  const importPage = await httpsRequest(`${origin}/manage/import`, { method: "POST", headers, body: big });
  expect(importPage.status).not.toBe(413);
  expect(importPage.body).not.toContain("nginx");
});

test("socket.io joins a live session through nginx and the app's WebSocket relay; a foreign origin cannot", async () => {
  const token = tokenFor(viewer, sessionId);
  const open = (o: string) =>
    ioClient(origin, { transports: ["websocket"], auth: { token }, extraHeaders: { origin: o }, rejectUnauthorized: false, reconnection: false, forceNew: true, timeout: 10_000 });
  const good = open(origin);
  await new Promise<void>((resolve, reject) => {
    good.once("connect", () => resolve());
    good.once("connect_error", reject);
  });
  const joined = await emit<{ routerRtpCapabilities?: { codecs?: unknown[] }; error?: unknown }>(good, "join", {});
  expect(joined.error).toBeUndefined();
  expect(joined.routerRtpCapabilities?.codecs?.length).toBeGreaterThan(0);
  good.close();

  const evil = open("https://evil.example");
  const refused = await new Promise<string>((resolve) => {
    evil.once("connect", () => resolve("connected"));
    evil.once("connect_error", (e) => resolve(`refused: ${e.message}`));
  });
  evil.close();
  expect(refused).toMatch(/^refused/);
});
