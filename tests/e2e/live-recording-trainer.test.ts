// A trainer in scope starts and stops recording from the session's manage page (issue 14, ADR
// 0014), against the real app (production build), the real media server and Debian's ffmpeg, in
// Chromium: the presenter broadcasts from the live page, a member watches; the trainer (not a
// presenter) presses Start → the media server records (a segment file grows) and both the
// presenter's and the viewer's pages show "● Đang ghi hình"; Stop → the file is joined. Before the
// presenter produces, the trainer is told why nothing happened; a trainer outside the session's
// scope gets 404 and a member 403, and neither starts anything. The control listener refuses a
// request without the key.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { first } from "#db/first.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeSession } from "#tests/factories/live.ts";
import { client, startLiveTestServers } from "#tests/harness/http.ts";
import { launchBrowser, signedInPage } from "#tests/harness/browser.ts";
import { JOIN_TOKEN_SECRET } from "#tests/harness/media.ts";
import { writeTx } from "#db/client.server.ts";
import { liveRecordings, liveSessions } from "#db/schema/index.ts";
import { controlKey, mediaControl } from "#live/media-control.server.ts";
import type { Member } from "#app/org/members.server.ts";
import { probe } from "../../media-server/src/recording/ffmpeg.ts";

let db: Awaited<ReturnType<typeof testDb>>;
let servers: Awaited<ReturnType<typeof startLiveTestServers>>;
let browser: Browser;
let dataDir: string;
let sessionId: number;
let trainer: Member;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
const WAIT = { timeout: 90_000, interval: 250 };

beforeAll(async () => {
  db = await testDb();
  const tree = await makeTree(db);
  const presenter = await makeMember(db, tree.a, { code: "TRC-PRES", fullName: "Báo Cáo Viên Phát Hình" });
  trainer = await makeMember(db, tree.a, { code: "TRC-TR", role: "trainer", scopes: [tree.a], fullName: "Cán Bộ Đào Tạo Trong Phạm Vi" });
  await makeMember(db, tree.b, { code: "TRC-OUT", role: "trainer", scopes: [tree.b], fullName: "Cán Bộ Đào Tạo Ngoài Phạm Vi" });
  await makeMember(db, tree.a1, { code: "TRC-VIEW", fullName: "Người Xem Trực Tiếp" });
  sessionId = (await makeSession(db, { title: "Sinh hoạt chuyên đề — cán bộ đào tạo ghi hình", inviteUnits: [tree.a], presenters: [presenter] })).id;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-e2e-trc-"));
  servers = await startLiveTestServers(db, { mediaEnv: { DATA_DIR: dataDir }, appEnv: { DATA_DIR: dataDir } });
  browser = await launchBrowser();
}, 600_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await servers?.close();
  await dropDb(db);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const signedIn = (code: string) => signedInPage(browser, servers.origin, code, { viewport: { width: 360, height: 740 }, contexts, errors: pageErrors });
const connState = (page: Page) => page.locator(".live-room").getAttribute("data-conn");
const recording = async () => await first(db.select().from(liveRecordings).where(eq(liveRecordings.sessionId, sessionId)));
const segment = () => path.join(dataDir, "recordings", `session-${sessionId}`, "segment-001.webm");
const manage = () => `/manage/live/${sessionId}`;

async function joinRoom(page: Page) {
  await page.goto(`${servers.origin}/live/${sessionId}`);
  await expect.poll(() => page.getByTestId("join").isEnabled(), WAIT).toBe(true);
  await page.getByTestId("join").click();
  await expect.poll(() => connState(page), WAIT).toBe("joined");
}

describe("a trainer in scope controls recording from the manage page", () => {
  test("the media server's control listener refuses a request without the key, and a malformed one", async () => {
    const url = new URL(mediaControl.recording.path, servers.media.url);
    const body = JSON.stringify({ sessionId, action: "start", memberId: trainer.id });
    const noKey = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer wrong" }, body });
    expect(noKey.status).toBe(401);
    // The join-token secret itself is not the key: only the key derived from it is.
    const rawSecret = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${JOIN_TOKEN_SECRET}` }, body });
    expect(rawSecret.status).toBe(401);
    const bad = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${controlKey(JOIN_TOKEN_SECRET)}` }, body: JSON.stringify({ sessionId, action: "rewind", memberId: trainer.id }) });
    expect(bad.status).toBe(400);
    expect(await recording()).toBeUndefined();
  }, 60_000);

  test("before the session is live, and while nobody produces, Start says why and records nothing", async () => {
    const tr = client(servers.origin);
    await tr.signIn("TRC-TR");
    expect(await (await tr.request(manage())).text()).not.toContain("manage-recording-toggle");
    const early = await tr.request(manage(), { form: { intent: "recording-start" } });
    expect(early.status).toBe(409);
    expect(await early.text()).toContain("chỉ ghi hình được khi phiên đang diễn ra");
    // Live with no presenter producing (as after a presenter's connection dropped): the node says so.
    await writeTx(db, async (tx) => await tx.update(liveSessions).set({ state: "live", actualStartAt: new Date() }).where(eq(liveSessions.id, sessionId)));
    expect(await (await tr.request(manage())).text()).toContain("manage-recording-toggle");
    const idle = await tr.request(manage(), { form: { intent: "recording-start" } });
    expect(idle.status).toBe(409);
    expect(await idle.text()).toContain("Báo cáo viên chưa phát hình và tiếng");
    expect(await recording()).toBeUndefined();
    // Back to scheduled: the presenter starts it below.
    await writeTx(db, async (tx) => await tx.update(liveSessions).set({ state: "scheduled", actualStartAt: null }).where(eq(liveSessions.id, sessionId)));
  }, 60_000);

  test("a trainer outside the session's scope gets 404 and a member 403; neither records", async () => {
    const out = client(servers.origin);
    await out.signIn("TRC-OUT");
    expect((await out.request(manage(), { form: { intent: "recording-start" } })).status).toBe(404);
    const member = client(servers.origin);
    await member.signIn("TRC-VIEW");
    expect((await member.request(manage(), { form: { intent: "recording-start" } })).status).toBe(403);
    // An intent that is neither is refused too.
    const tr = client(servers.origin);
    await tr.signIn("TRC-TR");
    expect((await tr.request(manage(), { form: { intent: "recording-pause" } })).status).toBe(400);
    expect(await recording()).toBeUndefined();
  }, 60_000);

  test("the trainer presses Start: the server records and the presenter's and viewer's pages say so; Stop joins the file", async () => {
    const presenter = await signedIn("TRC-PRES");
    await joinRoom(presenter);
    await presenter.getByTestId("start-broadcast").click();
    await expect.poll(() => servers.media.registry.peek(sessionId)?.producers.size ?? 0, WAIT).toBe(2);
    const viewer = await signedIn("TRC-VIEW");
    await joinRoom(viewer);
    expect(await viewer.getByTestId("recording-on").count()).toBe(0);

    const tr = await signedIn("TRC-TR");
    await tr.goto(`${servers.origin}${manage()}`);
    expect(await tr.getByTestId("manage-recording-state").textContent()).toBe("Chưa ghi hình.");
    await tr.getByTestId("manage-recording-toggle").click();
    await expect.poll(() => tr.getByTestId("manage-recording-state").textContent(), WAIT).toBe("● Đang ghi hình");
    expect(await tr.locator(".notice-ok").textContent()).toContain("Đã bắt đầu ghi hình");

    await expect.poll(() => viewer.getByTestId("recording-on").isVisible(), WAIT).toBe(true);
    expect(await viewer.getByTestId("recording-on").textContent()).toContain("● Đang ghi hình");
    await expect.poll(() => presenter.getByTestId("recording-on").isVisible(), WAIT).toBe(true);
    expect(await presenter.getByTestId("recording-on").textContent()).toContain("● Đang ghi hình");
    expect(await recording()).toMatchObject({ state: "recording", startedBy: trainer.id });
    // The recorder writes: the segment's file grows.
    await expect.poll(() => (fs.existsSync(segment()) ? fs.statSync(segment()).size : 0), WAIT).toBeGreaterThan(20_000);

    await tr.getByTestId("manage-recording-toggle").click();
    await expect.poll(() => tr.getByTestId("manage-recording-state").textContent(), WAIT).toBe("Chưa ghi hình.");
    await expect.poll(() => viewer.getByTestId("recording-on").count(), WAIT).toBe(0);
    await expect.poll(() => presenter.getByTestId("recording-on").count(), WAIT).toBe(0);
    await expect.poll(async () => (await recording())?.state, WAIT).toBe("ready");
    const rec = (await recording())!;
    const p = await probe("ffprobe", path.join(dataDir, rec.file!));
    expect(p.durationMs).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
