import { afterAll, beforeAll, expect, test } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { io as ioClient } from "socket.io-client";
import { first } from "#db/first.ts";
import { itemProgress } from "#db/schema/index.ts";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { makeSession } from "#tests/factories/live.ts";
import { openItem } from "#app/courses/learning.server.ts";
import { JOIN_TOKEN_SECRET, request as emit, startMediaTestServer, tokenFor, waitFor } from "#tests/harness/media.ts";
import { startAppProcess, type AppProcess } from "#tests/harness/app-process.ts";
import { httpsRequest, startNginx, type HttpsResponse, type Nginx } from "#tests/harness/nginx.ts";
import type { MediaServer } from "../../media-server/src/server.ts";

/**
 * The multi-process deployment of docs/deployment.md, run for real on PostgreSQL: two app
 * processes as `npm start` runs them (scripts/start.ts, production build), one database, one
 * DATA_DIR and one media server, behind nginx with the tested site file's upstream. Which process
 * answered is read from nginx's $upstream_addr (a header this test's http block adds; a request
 * nginx passed on to the next process names both).
 */
let db: TestDb;
let media: MediaServer;
let apps: AppProcess[] = [];
let nginx: Nginx;
let dataDir: string;
let member: Awaited<ReturnType<typeof makeMember>>;
let course: Awaited<ReturnType<typeof makeCourse>>;
let sessionId: number;

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  member = await makeMember(db, t.a1, { code: "HAI-TIEN-TRINH" });
  course = await makeCourse(db, { slug: "hai-tien-trinh", title: "Khóa học hai tiến trình", lessons: ["Bài một", "Bài hai"], assignTo: t.root });
  sessionId = (await makeSession(db, { inviteUnits: [t.root] })).id;
  const { INTERNAL_ORIGIN } = await import("#app/http/media-proxy.ts");
  media = await startMediaTestServer(db, { APP_ORIGINS: INTERNAL_ORIGIN });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-shared-data-"));
  const env = {
    TRUST_PROXY: "true",
    JOIN_TOKEN_SECRET,
    MEDIA_INTERNAL_URL: media.url,
    START_MEDIA_SERVER: "false",
  };
  // APP_ORIGIN needs nginx's port, and nginx needs the apps' ports: the origin check also accepts
  // the request's own origin as the proxy reports it (TRUST_PROXY), so APP_ORIGIN stays unset here.
  apps = await Promise.all([0, 1].map(() => startAppProcess({ databaseUrl: db.url, dataDir, env })));
  nginx = await startNginx({ apps: apps.map((a) => a.address), http: "add_header X-Upstream $upstream_addr always;" });
}, 600_000);

afterAll(async () => {
  await nginx?.stop();
  for (const a of apps) await a.stop();
  await media?.close();
  if (db) await dropDb(db);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const upstream = (r: HttpsResponse) => String(r.headers["x-upstream"] ?? "");

/** A browser's same-origin request through nginx, with the session cookie when given one. */
function send(p: string, opts: { cookie?: string; form?: Record<string, string> } = {}) {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  if (!opts.form) return httpsRequest(nginx.origin + p, { headers });
  Object.assign(headers, { "content-type": "application/x-www-form-urlencoded", origin: nginx.origin, "sec-fetch-site": "same-origin" });
  return httpsRequest(nginx.origin + p, { method: "POST", headers, body: new URLSearchParams(opts.form).toString() });
}

/**
 * nginx's round robin alternates: after a request the other process answered, the next goes to
 * `target`. Cheap GETs of /verify until then; the caller asserts where its request landed.
 */
async function nextGoesTo(target: string) {
  for (let i = 0; i < 6; i++) {
    const r = await send("/verify");
    expect(r.status).toBe(200);
    if (upstream(r) !== target) return;
  }
  throw new Error(`nginx never alternated away from ${target}`);
}

const cookieOf = (r: HttpsResponse) => String(r.headers["set-cookie"]).split(";")[0];

test("signed in through one process, the member continues on the other: session, origin check, a write, and signing out reach both", async () => {
  const [a, b] = apps.map((p) => p.address);
  await nextGoesTo(a);
  const login = await send("/login", { form: { identifier: member.code, password: PASSWORD, redirectTo: "/" } });
  expect(login.status).toBe(302);
  expect(upstream(login)).toBe(a);
  const cookie = cookieOf(login);
  expect(cookie).toMatch(/^hocso_session=.+/);
  expect(String(login.headers["set-cookie"])).toMatch(/; Secure/);

  // The other process knows the session (it is in the shared database, not in a process).
  const lessonUrl = `/courses/${course.slug}/${course.lessonKeys[0]}`;
  await nextGoesTo(b);
  const page = await send(lessonUrl, { cookie });
  expect(upstream(page)).toBe(b);
  expect(page.status).toBe(200);
  expect(page.body).toContain("Bài một");
  expect(page.body).toContain(member.fullName);

  // A write on the other process, past its origin check: the lesson is done in the database.
  // (Opened long enough ago that the reading time is met.)
  await openItem(db, member.id, course.id, course.lessonKeys[0], course.publishedVersionId!, new Date(Date.now() - 3600_000));
  await nextGoesTo(b);
  const done = await send(lessonUrl, { cookie, form: { intent: "complete" } });
  expect(upstream(done)).toBe(b);
  expect(done.status).toBe(200);
  const row = await first(db.select().from(itemProgress).where(and(eq(itemProgress.memberId, member.id), eq(itemProgress.itemKey, course.lessonKeys[0]))));
  expect(row?.state).toBe("completed");

  // A forged origin is refused by either process.
  for (const target of [a, b]) {
    await nextGoesTo(target);
    const forged = await httpsRequest(nginx.origin + lessonUrl, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      body: "intent=complete",
    });
    expect(upstream(forged)).toBe(target);
    expect(forged.status).toBe(403);
  }

  // Signing out on the first process ends the session on the second.
  await nextGoesTo(a);
  const out = await send("/logout", { cookie, form: {} });
  expect(upstream(out)).toBe(a);
  expect(out.status).toBe(302);
  await nextGoesTo(b);
  const after = await send(lessonUrl, { cookie });
  expect(upstream(after)).toBe(b);
  expect(after.status).toBe(302);
  expect(String(after.headers.location)).toMatch(/^\/login/);
});

test("either process relays the live-session WebSocket to the one media server", async () => {
  for (const target of apps.map((p) => p.address)) {
    // The socket's upgrade request is the next request nginx balances: it lands on `target`.
    await nextGoesTo(target);
    const s = ioClient(nginx.origin, {
      transports: ["websocket"],
      auth: { token: tokenFor(member, sessionId) },
      extraHeaders: { origin: nginx.origin },
      rejectUnauthorized: false,
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        s.once("connect", () => resolve());
        s.once("connect_error", reject);
      });
      const joined = await emit<{ routerRtpCapabilities?: { codecs?: unknown[] }; error?: unknown }>(s, "join", {});
      expect(joined.error).toBeUndefined();
      expect(joined.routerRtpCapabilities?.codecs?.length).toBeGreaterThan(0);
    } finally {
      s.close();
    }
  }
});

test("SIGKILL one process with GETs in flight: nginx answers them from the other, which keeps serving", async () => {
  const [victim, survivor] = apps;
  const login = await send("/login", { form: { identifier: member.code, password: PASSWORD, redirectTo: "/" } });
  expect(login.status).toBe(302);
  const cookie = cookieOf(login);
  const lessonUrl = `/courses/${course.slug}/${course.lessonKeys[1]}`;

  // Stopped, the victim's kernel still accepts connections, so the GETs nginx sends it hang
  // (requests in flight, no response header yet) while the survivor answers its share.
  victim.child.kill("SIGSTOP");
  const results: (HttpsResponse | Error)[] = [];
  const burst = Array.from({ length: 8 }, (_, i) =>
    send(lessonUrl, { cookie }).then(
      (r) => (results[i] = r),
      (e: Error) => (results[i] = e),
    ),
  );
  await waitFor(() => results.filter(Boolean).length >= 4, "the survivor's share of the burst");
  const held = burst.length - results.filter(Boolean).length;
  expect(held).toBeGreaterThan(0);

  victim.child.kill("SIGKILL");
  await Promise.all(burst);
  for (const r of results) {
    expect(r).not.toBeInstanceOf(Error);
    const res = r as HttpsResponse;
    expect(res.status).toBe(200);
    expect(res.body).toContain("Bài hai");
  }
  // The held ones were passed on: nginx names the victim, then the survivor.
  const passedOn = results.filter((r) => upstream(r as HttpsResponse) === `${victim.address}, ${survivor.address}`);
  expect(passedOn.length).toBe(held);

  // Afterwards every request is the survivor's, a write included.
  for (let i = 0; i < 4; i++) {
    const r = await send(lessonUrl, { cookie });
    expect(r.status).toBe(200);
    expect(upstream(r)).toContain(survivor.address);
  }
  await openItem(db, member.id, course.id, course.lessonKeys[1], course.publishedVersionId!, new Date(Date.now() - 3600_000));
  const done = await send(lessonUrl, { cookie, form: { intent: "complete" } });
  expect(done.status).toBe(200);
  expect(upstream(done)).toBe(survivor.address);
});
