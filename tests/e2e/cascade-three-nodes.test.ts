// A broadcast across three media nodes in Debian's Chromium (issue 13, ADR 0016), all real: three
// media-server processes, each in its own network namespace with its own address (pipes and the
// internal channel between them go through the host, which routes between those namespaces only),
// a redis-server the nodes reach over TCP, the real app (production build) with REDIS_URL placing
// every socket when it signs its token and relaying it to that node, and Chromium pages on the
// app's own origin (fake camera).
//
// Nodes: node-a may only be an origin (100 slots); node-b may be either, with room for two
// sockets (5 slots: 2 + 2 under the 0.8 threshold); node-c, started once node-b is full, is an
// edge only (100 slots). So the presenter lands on node-a, two viewers on node-b, a third viewer
// and a cell room on node-c; nobody is placed by hand.
//
// Asserted: every viewer decodes video (framesDecoded > 0); a chat message reaches every viewer
// on every node exactly once; the cell room's check-ins on node-c, and a phone's QR check-in sent
// to node-c by the QR itself, show on the presenter's panel on node-a. node-b is killed (SIGKILL)
// mid-broadcast: its viewers are placed again (node-c), decode again on new consumers, and the
// ledger shows each of them one interval (back within the reconnect window). node-b is started
// again (empty), then node-a (the origin) is killed: the presenter, placed again, republishes on
// node-b, node-c re-pipes from it, and every viewer decodes again on a new consumer without a
// page reload.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { writeTx } from "#db/client.server.ts";
import { attendanceEvents, scopeGrants } from "#db/schema/index.ts";
import { mergeIntervals } from "#live/attendance.ts";
import { ledgerRows, toLedgerEvent } from "#live/ledger.server.ts";
import { INTERNAL_ORIGIN } from "#app/http/media-proxy.ts";
import type { Member } from "#app/org/members.server.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeSession } from "#tests/factories/live.ts";
import { launchBrowser, signIn, signedInPage } from "#tests/harness/browser.ts";
import { startTestServer } from "#tests/harness/http.ts";
import { JOIN_TOKEN_SECRET } from "#tests/harness/media.ts";
import { startMediaNode, stopMediaNode, type MediaNode, type MediaNodeOptions } from "#tests/harness/media-node.ts";
import { createNetNs, netnsUnavailable, type NetNs } from "#tests/harness/netns.ts";
import { redisUnavailable, startRedis, type TestRedis } from "#tests/harness/redis.ts";
import { ensureMediasoupWorker } from "../../scripts/mediasoup-worker.mjs";

const RECONNECT_WINDOW_MS = 60_000;
const WAIT = { timeout: 120_000, interval: 500 };
const why = netnsUnavailable() ?? redisUnavailable();

let db: Awaited<ReturnType<typeof testDb>>;
let redis: TestRedis;
let app: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
const ns: Record<"a" | "b" | "c", NetNs> = {} as never;
const nodes: Partial<Record<"a" | "b" | "c", MediaNode>> = {};
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
let nodeOpts: (k: "a" | "b" | "c") => MediaNodeOptions;

let sessionId: number;
let sessionStart: number;
let cellId: number;
let presenter: Member, secretary: Member;
let viewers: Member[];
let cellMembers: Member[];
let qrMember: Member;
let presenterPage: Page, cellPage: Page;
/** Viewer pages: v[0], v[1] on node-b, v[2] on node-c at first. */
const v: Page[] = [];

const room = (p: Page) => p.locator(".live-room");
const nodeOf = (p: Page) => room(p).getAttribute("data-node");
const connOf = (p: Page) => room(p).getAttribute("data-conn");
const text = async (p: Page, id: string) => ((await p.getByTestId(id).textContent()) ?? "").trim();
const frames = async (p: Page) => Number(await text(p, "frames-decoded")) || 0;
const consumerOf = (p: Page) => p.getByTestId("frames-decoded").getAttribute("data-consumer-id");
const logs = () => Object.entries(nodes).map(([k, n]) => `--- node-${k}:\n${n?.output().slice(-2500)}`).join("\n");

/** Signs in, opens the session page (placed by the app), joins, and waits until joined. */
async function joinAs(m: Member, search = "") {
  const page = await signedInPage(browser, app.origin, m.code, { contexts, errors: pageErrors });
  await page.goto(`${app.origin}/live/${sessionId}${search}`);
  await expect.poll(() => page.getByTestId("join").isEnabled(), WAIT).toBe(true);
  await page.getByTestId("join").click();
  await expect.poll(() => connOf(page), WAIT).toBe("joined");
  // A marker a reload would lose.
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
  return page;
}

const notReloaded = (p: Page) => p.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);

/** Decoding on a consumer other than `before` (a new one after a rejoin), or on any when undefined. */
async function decodes(p: Page, before?: string | null) {
  await expect
    .poll(async () => {
      const c = await consumerOf(p);
      return !!c && c !== before && (await frames(p)) > 0;
    }, WAIT)
    .toBe(true);
}

const eventsOf = (m: Member) => db.select().from(attendanceEvents).where(and(eq(attendanceEvents.sessionId, sessionId), eq(attendanceEvents.memberId, m.id)));

async function intervals(m: Member) {
  const rows = (await ledgerRows(db, sessionId, [m.id])).map(toLedgerEvent);
  return mergeIntervals(rows, { reconnectWindowMs: RECONNECT_WINDOW_MS, sessionStart, sessionEnd: Date.now() + 60_000 }).individual;
}

beforeAll(async () => {
  if (why) return;
  db = await testDb();
  const t = await makeTree(db);
  presenter = await makeMember(db, t.root, { code: "CAS-PRES", fullName: "Báo Cáo Viên" });
  secretary = await makeMember(db, t.a1, { code: "CAS-SEC", fullName: "Bí Thư Chi Bộ" });
  await writeTx(db, async (tx) => tx.insert(scopeGrants).values({ memberId: secretary.id, unitId: t.a1.id, kind: "secretary", createdAt: new Date() }));
  cellMembers = [await makeMember(db, t.a1, { code: "CAS-C1", fullName: "Đảng Viên Một" }), await makeMember(db, t.a1, { code: "CAS-C2", fullName: "Đảng Viên Hai" })];
  qrMember = await makeMember(db, t.a1, { code: "CAS-QR", fullName: "Đảng Viên Quét Mã" });
  viewers = [
    await makeMember(db, t.a2, { code: "CAS-V1", fullName: "Người Xem Một" }),
    await makeMember(db, t.a2, { code: "CAS-V2", fullName: "Người Xem Hai" }),
    await makeMember(db, t.a2, { code: "CAS-V3", fullName: "Người Xem Ba" }),
  ];
  cellId = t.a1.id;
  const start = (sessionStart = Date.now() - 60_000);
  sessionId = (await makeSession(db, { inviteUnits: [t.a], presenters: [presenter], start, actualStart: start, state: "live" })).id;

  ns.a = createNetNs({ tag: "a", forward: true });
  ns.b = createNetNs({ tag: "b", forward: true });
  ns.c = createNetNs({ tag: "c", forward: true });
  // On a host address every namespace reaches (its own veth's far end routes there).
  redis = await startRedis({ tcp: { host: ns.a.hostIp } });
  const workerBin = await ensureMediasoupWorker({ log: () => {} });
  const env = (roles: string, slots: number) => ({
    MEDIA_NODE_ROLES: roles,
    CONSUMERS_PER_WORKER: String(slots),
    MEDIA_IO_ADAPTER: "redis-streams",
    HEARTBEAT_SECONDS: "1",
    RECONNECT_WINDOW_SECONDS: String(RECONNECT_WINDOW_MS / 1000),
    CHECKIN_QR_ROTATE_SECONDS: "600",
  });
  const settings = { a: env("origin", 100), b: env("origin,edge", 5), c: env("edge", 100) };
  nodeOpts = (k) => ({
    id: `node-${k}`,
    dbFile: db.file,
    redisUrl: redis.url,
    workerBin,
    appOrigins: INTERNAL_ORIGIN,
    host: ns[k].nsIp,
    netns: ns[k].name,
    env: settings[k],
  });
  [nodes.a, nodes.b] = await Promise.all([startMediaNode(nodeOpts("a")), startMediaNode(nodeOpts("b"))]);
  app = await startTestServer(db, { JOIN_TOKEN_SECRET, MEDIA_INTERNAL_URL: nodes.a.url, REDIS_URL: redis.url, RECONNECT_WINDOW_SECONDS: RECONNECT_WINDOW_MS / 1000 });
  browser = await launchBrowser();
}, 600_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close().catch(() => {});
  await app?.close();
  for (const n of Object.values(nodes)) await stopMediaNode(n).catch(() => {});
  await redis?.stop();
  for (const n of Object.values(ns)) n?.destroy();
  if (db) await dropDb(db);
});

describe.skipIf(!!why)("a broadcast across three media nodes in namespaces, through the app", () => {
  test("the presenter is placed on the origin; two viewers on the edge node-b decode video", async () => {
    presenterPage = await joinAs(presenter);
    expect(await nodeOf(presenterPage)).toBe("node-a");
    await expect.poll(() => text(presenterPage, "producing"), WAIT).toContain("hình + tiếng");
    v[0] = await joinAs(viewers[0]);
    v[1] = await joinAs(viewers[1]);
    for (const p of v) expect(await nodeOf(p)).toBe("node-b");
    for (const p of v) await decodes(p).catch((e) => Promise.reject(new Error(`${e.message}\n${logs()}`)));
  }, 400_000);

  test("node-b full, a third viewer and a cell room go to node-c (started now) and decode", async () => {
    nodes.c = await startMediaNode(nodeOpts("c"));
    v[2] = await joinAs(viewers[2]);
    expect(await nodeOf(v[2])).toBe("node-c");
    cellPage = await joinAs(secretary, `?mode=cell-room&cell=${cellId}`);
    expect(await nodeOf(cellPage)).toBe("node-c");
    for (const p of [v[2], cellPage]) await decodes(p).catch((e) => Promise.reject(new Error(`${e.message}\n${logs()}`)));
  }, 300_000);

  test("a chat message reaches every viewer, on both edges, exactly once", async () => {
    const say = async (s: string) => {
      await presenterPage.getByTestId("chat-text").fill(s);
      await presenterPage.getByTestId("chat-send").click();
    };
    const count = (p: Page, s: string) => p.getByTestId("chat-message").filter({ hasText: s }).count();
    await say("Chào các đồng chí ở mọi điểm cầu");
    // A second message after it: once every page shows the second, the first has had every chance
    // to arrive twice (one stream per node, in order).
    await say("Tin thứ hai");
    for (const p of [...v, cellPage]) await expect.poll(() => count(p, "Tin thứ hai"), WAIT).toBe(1);
    for (const p of [...v, cellPage]) expect(await count(p, "Chào các đồng chí ở mọi điểm cầu")).toBe(1);
  }, 120_000);

  test("check-ins at the cell room on node-c, by the screen and by a phone scanning its QR, show on the presenter's panel", async () => {
    // Three viewers so far.
    await expect.poll(() => text(presenterPage, "audience-people"), WAIT).toBe("3");
    for (const m of cellMembers) await cellPage.locator(`input[data-member-code="${m.code}"]`).check();
    await expect.poll(() => text(presenterPage, "audience-people"), WAIT).toBe("5");

    // The QR names the node holding this screen's room; the phone's check-in goes there.
    const image = cellPage.getByTestId("checkin-qr-image");
    await expect.poll(() => image.isVisible(), WAIT).toBe(true);
    const url = (await image.getAttribute("data-url"))!;
    expect(url).toMatch(new RegExp(`^${app.origin}/live/${sessionId}/check-in\\?code=[A-Za-z0-9_-]{16}&node=node-c$`));
    const phone = await (await browser.newContext({ locale: "vi-VN", viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
    contexts.push(phone.context());
    await signIn(phone, app.origin, qrMember.code, { redirectTo: url.slice(app.origin.length) });
    await phone.getByTestId("checkin-confirm").click();
    await expect.poll(async () => (await phone.getByTestId("checkin-done").textContent().catch(() => "")) ?? "", WAIT).toContain("Đã điểm danh tại");
    await expect.poll(() => text(presenterPage, "audience-people"), WAIT).toBe("6");
    await expect.poll(() => cellPage.locator(`input[data-member-code="${qrMember.code}"]`).isChecked(), WAIT).toBe(true);
  }, 180_000);

  test("node-b dies mid-broadcast: its viewers are placed again, decode again, and keep one interval each", async () => {
    const before = await Promise.all([consumerOf(v[0]), consumerOf(v[1])]);
    // The connections node-b recorded (its instance on each row).
    const onB = await Promise.all(viewers.slice(0, 2).map(async (m) => (await eventsOf(m)).find((e) => e.kind === "socket-connect" && e.nodeId?.startsWith("node-b/"))));
    expect(onB.every(Boolean)).toBe(true);
    nodes.b!.child.kill("SIGKILL");
    for (const [i, p] of [v[0], v[1]].entries()) {
      await expect.poll(() => nodeOf(p), WAIT).toBe("node-c");
      await decodes(p, before[i]).catch((e) => Promise.reject(new Error(`${e.message}\n${logs()}`)));
      expect(await notReloaded(p)).toBe(true);
    }
    // A survivor closes node-b's connections (at their last heartbeat there), then each viewer has
    // two connections and one interval.
    for (const [i, m] of viewers.slice(0, 2).entries()) {
      const conn = onB[i]!;
      await expect
        .poll(async () => (await eventsOf(m)).some((e) => e.kind === "server-stop" && e.connectionId === conn.connectionId && e.nodeId === conn.nodeId), WAIT)
        .toBe(true);
      const evs = await eventsOf(m);
      expect(evs.some((e) => e.kind === "socket-connect" && e.nodeId?.startsWith("node-c/"))).toBe(true);
      expect(await intervals(m)).toHaveLength(1);
    }
  }, 300_000);

  test("node-b comes back empty; the origin dies: the presenter republishes on node-b, node-c re-pipes, every viewer decodes again without a reload", async () => {
    nodes.b = await startMediaNode(nodeOpts("b"));
    const before = await Promise.all([...v, cellPage].map(consumerOf));
    nodes.a!.child.kill("SIGKILL");
    await expect.poll(() => nodeOf(presenterPage), WAIT).toBe("node-b");
    await expect.poll(() => connOf(presenterPage), WAIT).toBe("joined");
    for (const [i, p] of [...v, cellPage].entries()) {
      await decodes(p, before[i]).catch((e) => Promise.reject(new Error(`${e.message}\n${logs()}`)));
      expect(await nodeOf(p)).toBe("node-c");
      expect(await notReloaded(p)).toBe(true);
    }
    expect(await notReloaded(presenterPage)).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
