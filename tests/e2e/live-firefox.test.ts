import { first } from "#db/first.ts";
// The live room in Debian's Firefox ESR (puppeteer-core over WebDriver BiDi, fake camera and
// microphone), against the real app server (production build) and the real media server: the
// issue asks for desktop Firefox as well as Chrome, and Firefox takes its own mediasoup-client
// handler (Firefox120), its own SDP and simulcast path and its own getStats() shapes, none of
// which the Chromium test touches.
//
// 1. Firefox watches a Chromium presenter: it decodes the video, its connection details say how
//    it is connected, and the attendance ledger records its socket and its WebRTC transport.
// 2. Firefox presents (simulcast camera video and microphone) to a Chromium viewer and a Firefox
//    viewer; both decode it, and the Firefox viewer leaves with the button.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import type { Browser as PwBrowser, BrowserContext as PwContext, Page as PwPage } from "playwright-core";
import type { Browser as FxBrowser, BrowserContext as FxContext, Page as FxPage } from "puppeteer-core";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { startLiveTestServers } from "#tests/harness/http.ts";
import { launchBrowser } from "#tests/harness/browser.ts";
import { launchFirefox, rtcListenIpForFirefox } from "#tests/harness/firefox.ts";
import { makeSession } from "#tests/factories/live.ts";
import { attendanceEvents, liveSessions } from "#db/schema/index.ts";
import { sessionAttendance } from "#app/live/attendance.server.ts";
import type { Member } from "#app/org/members.server.ts";

let db: Awaited<ReturnType<typeof testDb>>;
let servers: Awaited<ReturnType<typeof startLiveTestServers>>;
let chromium: PwBrowser;
let firefox: FxBrowser;
let tree: Awaited<ReturnType<typeof makeTree>>;
let chPresenter: Member, fxViewer: Member, fxPresenter: Member, chViewer: Member, fxViewer2: Member;
const pwContexts: PwContext[] = [];
const fxContexts: FxContext[] = [];
/** Uncaught exceptions and console errors, from every page of both browsers. */
const pageErrors: string[] = [];

const WAIT = { timeout: 90_000, interval: 250 };
const FRAMES = { timeout: 120_000, interval: 500 };

beforeAll(async () => {
  db = await testDb();
  tree = await makeTree(db);
  chPresenter = await makeMember(db, tree.a, { code: "FX-CHPRES", role: "trainer", scopes: [tree.a], fullName: "Trình Bày Chromium" });
  fxPresenter = await makeMember(db, tree.a, { code: "FX-FXPRES", role: "trainer", scopes: [tree.a], fullName: "Trình Bày Firefox" });
  fxViewer = await makeMember(db, tree.a2, { code: "FX-VIEW", fullName: "Người Xem Firefox" });
  fxViewer2 = await makeMember(db, tree.a2, { code: "FX-VIEW2", fullName: "Người Xem Firefox Hai" });
  chViewer = await makeMember(db, tree.a1, { code: "FX-CHVIEW", fullName: "Người Xem Chromium" });
  // Not loopback: the address Firefox offers a viewer's WebRTC (see rtcListenIpForFirefox), as
  // a media server on a LAN or public address is reached in production.
  servers = await startLiveTestServers(db, { mediaEnv: { RTC_LISTEN_IP: await rtcListenIpForFirefox() } });
  chromium = await launchBrowser();
  firefox = await launchFirefox();
}, 600_000);

afterAll(async () => {
  for (const c of fxContexts) await c.close().catch(() => {});
  for (const c of pwContexts) await c.close().catch(() => {});
  await firefox?.close();
  await chromium?.close();
  await servers?.close();
  await dropDb(db);
});

// ---- Firefox (puppeteer-core) -------------------------------------------------------------------

async function firefoxSignedIn(code: string): Promise<FxPage> {
  // One user context per member: its own cookie jar, like a separate profile.
  const context = await firefox.createBrowserContext();
  fxContexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on("pageerror", (e) => pageErrors.push(`firefox ${code}: ${e instanceof Error ? e.message : String(e)}`));
  page.on("console", (m) => {
    // Remix's link discovery fetches route manifests after each page loads; when the test goes to
    // the next URL at once, Firefox aborts that fetch and Remix logs it (fog-of-war.js). That is
    // the test's own navigation, not a fault of the page: a real failure to discover routes would
    // break the navigations the tests make.
    if (m.type() === "error" && !m.text().startsWith("Failed to fetch manifest patches")) pageErrors.push(`firefox ${code} console: ${m.text()}`);
  });
  await page.goto(`${servers.origin}/login`);
  await page.locator("#identifier").fill(code);
  await page.locator("#password").fill(PASSWORD);
  // The header's language switch is a submit button too.
  await page.locator('form:has(#password) button[type="submit"]').click();
  await expect.poll(() => new URL(page.url()).pathname, WAIT).toBe("/");
  return page;
}

const fxAttr = (page: FxPage, selector: string, name: string) =>
  page.evaluate((s, n) => document.querySelector(s)?.getAttribute(n) ?? null, selector, name);
const fxText = (page: FxPage, testId: string) =>
  page.evaluate((id) => (document.querySelector(`[data-testid="${id}"]`)?.textContent ?? "").trim(), testId);
const fxConn = (page: FxPage) => fxAttr(page, ".live-room", "data-conn");
const fxEnabled = (page: FxPage, testId: string) =>
  page.evaluate((id) => {
    const b = document.querySelector<HTMLButtonElement>(`[data-testid="${id}"]`);
    return !!b && !b.disabled;
  }, testId);
const fxVideoWidth = (page: FxPage) =>
  page.evaluate(() => document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]')?.videoWidth ?? 0);

async function fxJoin(page: FxPage, sessionId: number) {
  await page.goto(`${servers.origin}/live/${sessionId}`);
  // The room's code is a dynamic import: the button is enabled once it has loaded.
  await expect.poll(() => fxEnabled(page, "join"), WAIT).toBe(true);
  await page.locator('[data-testid="join"]').click();
  await expect.poll(() => fxConn(page), WAIT).toBe("joined");
}

// ---- Chromium (playwright-core) -----------------------------------------------------------------

async function chromiumSignedIn(code: string): Promise<PwPage> {
  const context = await chromium.newContext({ locale: "vi-VN", viewport: { width: 1280, height: 800 } });
  pwContexts.push(context);
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`chromium ${code}: ${e}`));
  await page.goto(`${servers.origin}/login`);
  await page.locator("#identifier").fill(code);
  await page.locator("#password").fill(PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập", exact: true }).click();
  await page.waitForURL(`${servers.origin}/`);
  return page;
}

async function pwJoin(page: PwPage, sessionId: number) {
  await page.goto(`${servers.origin}/live/${sessionId}`);
  await expect.poll(() => page.getByTestId("join").isEnabled(), WAIT).toBe(true);
  await page.getByTestId("join").click();
  await expect.poll(() => page.locator(".live-room").getAttribute("data-conn"), WAIT).toBe("joined");
}

const pwText = async (page: PwPage, testId: string) => ((await page.getByTestId(testId).textContent()) ?? "").trim();

// ---- server side --------------------------------------------------------------------------------

const room = (sessionId: number) => servers.media.registry.peek(sessionId);
const sessionState = async (sessionId: number) => (await first(db.select().from(liveSessions).where(eq(liveSessions.id, sessionId))))!.state;
const ledger = async (sessionId: number, memberId: number) =>
  await db
    .select()
    .from(attendanceEvents)
    .where(and(eq(attendanceEvents.sessionId, sessionId), eq(attendanceEvents.memberId, memberId)));

describe("live sessions in Firefox ESR", () => {
  test("the browser under test is Debian's Firefox, and mediasoup-client treats it as Firefox", async () => {
    expect(await firefox.version()).toMatch(/^firefox\/\d+/i);
    const page = await firefoxSignedIn("FX-VIEW2");
    const ua = await page.evaluate(() => navigator.userAgent);
    // mediasoup-client picks its Firefox120 handler from this (Firefox ≥ 120).
    expect(Number(/Firefox\/(\d+)/.exec(ua)?.[1])).toBeGreaterThanOrEqual(120);
    expect(ua).not.toMatch(/Chrome/);
    await page.close();
  }, 120_000);

  describe("Firefox watches a Chromium presenter", () => {
    let sessionId: number;
    let presenter: PwPage, viewer: FxPage;

    test("it decodes the presenter's video and shows how it is connected", async () => {
      sessionId = (await makeSession(db, { inviteUnits: [tree.a2], presenters: [chPresenter], presentMinPercent: 50, lateAfterMinutes: 10 })).id;
      presenter = await chromiumSignedIn("FX-CHPRES");
      await pwJoin(presenter, sessionId);
      await expect.poll(() => room(sessionId)?.producers.size ?? 0, WAIT).toBe(2);

      viewer = await firefoxSignedIn("FX-VIEW");
      await fxJoin(viewer, sessionId);
      // Joined before the start, as a member who arrives early; the start reaches the page.
      await presenter.getByTestId("start-broadcast").click();
      await expect.poll(() => sessionState(sessionId), WAIT).toBe("live");
      await expect.poll(() => fxAttr(viewer, ".live-room", "data-session-state"), WAIT).toBe("live");

      // The server created a video and an audio consumer for the Firefox peer, and resumed them.
      const peer = () => room(sessionId)?.peers.get(fxViewer.id);
      await expect.poll(() => [...(peer()?.consumers.values() ?? [])].map((c) => c.kind).sort(), WAIT).toEqual(["audio", "video"]);
      const serverConsumer = [...peer()!.consumers.values()].find((c) => c.kind === "video")!;
      await expect.poll(() => serverConsumer.paused, WAIT).toBe(false);

      // framesDecoded is read from Firefox's own getStats() by the page (its connection details),
      // for the consumer the server created.
      await expect.poll(async () => Number(await fxText(viewer, "frames-decoded")), FRAMES).toBeGreaterThan(60);
      expect(await fxAttr(viewer, '[data-testid="frames-decoded"]', "data-consumer-id")).toBe(serverConsumer.id);
      expect(await fxVideoWidth(viewer)).toBeGreaterThan(0);
      await expect.poll(() => fxText(viewer, "resolution"), WAIT).toMatch(/^\d+×\d+$/);
      expect(await fxText(viewer, "transport-state")).toBe("connected");
      // The transports offer UDP and TCP; with UDP open the browser takes it (TCP is the fallback).
      await expect.poll(() => fxText(viewer, "network-protocol"), { timeout: 15_000, interval: 250 }).toBe("udp");
      expect(pageErrors).toEqual([]);
    }, 300_000);

    test("the attendance ledger records the Firefox viewer's socket and WebRTC transport", async () => {
      const events = await ledger(sessionId, fxViewer.id);
      const connect = events.find((e) => e.kind === "socket-connect");
      expect(connect, "socket-connect").toBeDefined();
      expect(connect!.via).toBe("individual");
      expect(connect!.detail).toMatchObject({ role: "viewer", audioOnly: false });
      // The server saw the browser's DTLS/ICE come up on the receive transport of that connection.
      const transport = events.find((e) => e.kind === "transport-connected");
      expect(transport, "transport-connected").toBeDefined();
      expect(transport!.connectionId).toBe(connect!.connectionId);
      expect(transport!.detail).toMatchObject({ direction: "recv" });
    }, 60_000);

    test("the presenter ends the session: Firefox's page follows and its attendance is final", async () => {
      await presenter.getByTestId("end-broadcast").click();
      await presenter.getByTestId("confirm-end").click();
      await expect.poll(() => sessionState(sessionId), WAIT).toBe("ended");
      await expect.poll(() => fxAttr(viewer, '[data-testid="session-ended"]', "data-testid"), WAIT).toBe("session-ended");
      await expect.poll(() => room(sessionId)?.peers.has(fxViewer.id) ?? false, WAIT).toBe(false);
      await expect.poll(async () => (await ledger(sessionId, fxViewer.id)).some((e) => e.kind === "socket-disconnect"), WAIT).toBe(true);

      // On the page before the start and until the end: present for the whole session.
      const report = (await sessionAttendance(db, sessionId, { reconnectWindowMs: 60_000 }))!;
      const me = report.members.find((m) => m.memberId === fxViewer.id)!;
      expect(me).toMatchObject({ status: "present", via: "individual" });
      expect(me.intervals).toHaveLength(1);
      expect(me.percent).toBeGreaterThanOrEqual(50);
      expect(me.lastLeave).not.toBeNull();
      expect(pageErrors).toEqual([]);
    }, 120_000);
  });

  describe("Firefox presents", () => {
    let sessionId: number;
    let presenter: FxPage, chView: PwPage, fxView: FxPage;

    test("it publishes simulcast camera video and audio from the fake devices", async () => {
      sessionId = (await makeSession(db, { inviteUnits: [tree.a], presenters: [fxPresenter] })).id;
      presenter = await firefoxSignedIn("FX-FXPRES");
      await fxJoin(presenter, sessionId);
      await expect.poll(() => room(sessionId)?.producers.size ?? 0, WAIT).toBe(2);
      const producers = [...room(sessionId)!.producers.values()].map((p) => p.producer);
      const video = producers.find((p) => p.kind === "video")!;
      expect(producers.map((p) => p.kind).sort()).toEqual(["audio", "video"]);
      // Firefox sends the three rid layers the page asks for (Firefox120 handler, rid simulcast).
      expect(video.type).toBe("simulcast");
      expect(video.rtpParameters.encodings!.map((e) => e.rid)).toEqual(["r0", "r1", "r2"]);
      expect(video.rtpParameters.codecs[0].mimeType).toBe("video/VP8");
      // RTP arrives from Firefox on all three layers (one inbound stream per rid at the server).
      await expect
        .poll(async () => (await video.getStats()).filter((s) => s.type === "inbound-rtp" && s.byteCount > 0).map((s) => s.rid).sort(), WAIT)
        .toEqual(["r0", "r1", "r2"]);
      // The page says so too (Vietnamese: Firefox's profile asks for vi-VN, as the Chromium tests do).
      await expect.poll(() => fxText(presenter, "producing"), WAIT).toContain("hình + tiếng");
      await presenter.locator('[data-testid="start-broadcast"]').click();
      await expect.poll(() => sessionState(sessionId), WAIT).toBe("live");
      expect(pageErrors).toEqual([]);
    }, 300_000);

    test("a Chromium viewer and a Firefox viewer decode Firefox's video", async () => {
      chView = await chromiumSignedIn("FX-CHVIEW");
      await pwJoin(chView, sessionId);
      fxView = await firefoxSignedIn("FX-VIEW2");
      await fxJoin(fxView, sessionId);
      await expect.poll(async () => Number(await pwText(chView, "frames-decoded")), FRAMES).toBeGreaterThan(60);
      expect(await chView.getByTestId("remote-video").evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
      await expect.poll(async () => Number(await fxText(fxView, "frames-decoded")), FRAMES).toBeGreaterThan(60);
      expect(await fxVideoWidth(fxView)).toBeGreaterThan(0);
      for (const m of [chViewer, fxViewer2]) {
        const kinds = (await ledger(sessionId, m.id)).map((e) => e.kind);
        expect(kinds, m.code).toContain("socket-connect");
        expect(kinds, m.code).toContain("transport-connected");
      }
      // The presenter's send transport is recorded too.
      expect((await ledger(sessionId, fxPresenter.id)).find((e) => e.kind === "transport-connected")?.detail).toMatchObject({ direction: "send" });
      expect(pageErrors).toEqual([]);
    }, 300_000);

    test("the Firefox viewer leaves with the button; the server closes its media and its attendance", async () => {
      await fxView.locator('[data-testid="leave"]').click();
      await expect.poll(() => fxEnabled(fxView, "join"), WAIT).toBe(true);
      await expect.poll(() => room(sessionId)?.peers.has(fxViewer2.id) ?? false, WAIT).toBe(false);
      await expect.poll(async () => (await ledger(sessionId, fxViewer2.id)).some((e) => e.kind === "socket-disconnect"), WAIT).toBe(true);
      const me = (await sessionAttendance(db, sessionId, { reconnectWindowMs: 60_000 }))!.members.find((m) => m.memberId === fxViewer2.id)!;
      expect(me.intervals).toHaveLength(1);
      expect(me.lastLeave).not.toBeNull();
      // The Chromium viewer keeps watching Firefox's stream.
      const n = Number(await pwText(chView, "frames-decoded"));
      await expect.poll(async () => Number(await pwText(chView, "frames-decoded")), FRAMES).toBeGreaterThan(n + 30);
      expect(pageErrors).toEqual([]);
    }, 180_000);
  });
});
