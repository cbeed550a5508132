import { afterAll, beforeAll, expect, test } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { io as ioClient } from "socket.io-client";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { makeSession } from "#tests/factories/live.ts";
import { tokenFor, freePort, request as emit } from "#tests/harness/media.ts";
import { startLiveTestServers } from "#tests/harness/http.ts";

/**
 * The deployment documented in docs/deployment/nginx-hocso.conf, run for real: nginx with TLS in
 * front of the app, the app relaying the live-session WebSocket to the media server. Sign-in works
 * over HTTPS with Secure cookies and the CSRF check, and socket.io joins a session through nginx.
 */
const root = path.resolve(import.meta.dirname, "..", "..");
let db: Awaited<ReturnType<typeof testDb>>;
let tmp: string;
let nginx: ChildProcess;
let servers: Awaited<ReturnType<typeof startLiveTestServers>>;
let origin: string;
let sessionId: number;
let viewer: Awaited<ReturnType<typeof makeMember>>;

function httpsRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? "GET", headers: opts.headers, rejectUnauthorized: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

async function waitForPort(port: number) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, "127.0.0.1", () => (s.destroy(), r(true)));
      s.on("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not listen on ${port}: ${fs.readFileSync(path.join(tmp, "error.log"), "utf8")}`);
}

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  viewer = await makeMember(db, t.a1, { code: "VIEWER" });
  sessionId = (await makeSession(db, { inviteUnits: [t.root] })).id;
  servers = await startLiveTestServers(db, { appEnv: { TRUST_PROXY: true } });
  const appPort = new URL(servers.origin).port;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-nginx-"));
  // nginx's workers (user nobody) spool large request bodies into client_body_temp_path under it.
  fs.chmodSync(tmp, 0o755);
  const cert = path.join(tmp, "cert.pem");
  const key = path.join(tmp, "key.pem");
  const ssl = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert], { encoding: "utf8" });
  if (ssl.status !== 0) throw new Error(`openssl failed: ${ssl.stderr}`);
  const port = await freePort();
  origin = `https://127.0.0.1:${port}`;
  const site = fs
    .readFileSync(path.join(root, "docs", "deployment", "nginx-hocso.conf"), "utf8")
    .replace("__LISTEN__", `127.0.0.1:${port}`)
    .replace("__SERVER_NAME__", "127.0.0.1")
    .replace("__CERT__", cert)
    .replace("__KEY__", key)
    .replaceAll("__APP__", `127.0.0.1:${appPort}`);
  const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((d) => `${d}_temp_path ${path.join(tmp, d)};`).join("\n  ");
  fs.writeFileSync(
    path.join(tmp, "nginx.conf"),
    `worker_processes 1;\ndaemon off;\npid ${path.join(tmp, "nginx.pid")};\nerror_log ${path.join(tmp, "error.log")} warn;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n  ${temps}\n${site}\n}\n`,
  );
  nginx = spawn("nginx", ["-p", tmp, "-c", path.join(tmp, "nginx.conf")], { stdio: "ignore" });
  await waitForPort(port);
});

afterAll(async () => {
  nginx?.kill("SIGTERM");
  await servers?.close();
  await dropDb(db);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
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
