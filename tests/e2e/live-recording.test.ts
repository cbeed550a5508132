import { first } from "#db/first.ts";
// Recording and make-up study end to end in Debian's Chromium, against the real app (production
// build) and the real media server with Debian's ffmpeg: the presenter broadcasts ~20 s with
// recording on (the viewer page shows "Đang ghi hình"), ends the session, publishes the recording
// for make-up study; an absent member watches it on the session page and is reported "made up",
// a member who only skipped to the end is not; the home page offers "Học bù" until it is done; a
// member who was never invited gets 404 for the file and the beats.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import type { TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeSession } from "#tests/factories/live.ts";
import { client } from "#tests/harness/http.ts";
import { useLiveServers } from "#tests/harness/app-suite.ts";
import { liveRecordings } from "#db/schema/index.ts";
import { makeUpsOf } from "#app/live/recordings.server.ts";
import type { Member } from "#app/org/members.server.ts";

let sessionId: number;
let watcher: Member, skipper: Member;
const WAIT = { timeout: 90_000, interval: 250 };

async function world(db: TestDb) {
  const tree = await makeTree(db);
  const trainer = await makeMember(db, tree.a, { code: "REC-TR", role: "trainer", scopes: [tree.a], fullName: "Báo Cáo Viên Ghi Hình" });
  const viewer = await makeMember(db, tree.a1, { code: "REC-VIEW", fullName: "Người Xem Trực Tiếp" });
  watcher = await makeMember(db, tree.a1, { code: "REC-ABS1", fullName: "Vắng Rồi Học Bù" });
  skipper = await makeMember(db, tree.a2, { code: "REC-ABS2", fullName: "Vắng Rồi Tua Nhanh" });
  await makeMember(db, tree.b1, { code: "REC-OUT", fullName: "Không Được Mời" });
  sessionId = (await makeSession(db, { title: "Học tập Nghị quyết — có ghi hình", inviteMembers: [viewer, watcher, skipper], presenters: [trainer], presentMinPercent: 50 })).id;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-e2e-rec-"));
// Registered before the suite's, so it runs after the servers have closed (after-hooks run in reverse).
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
const live = useLiveServers({ world, mediaEnv: { DATA_DIR: dataDir }, appEnv: { DATA_DIR: dataDir } });
const { pageErrors, signedIn } = live;
const connState = (page: Page) => page.locator(".live-room").getAttribute("data-conn");
const recording = async () => await first(live.db.select().from(liveRecordings).where(eq(liveRecordings.sessionId, sessionId)));

async function joinRoom(page: Page) {
  await page.goto(`${live.servers.origin}/live/${sessionId}`);
  await expect.poll(() => page.getByTestId("join").isEnabled(), WAIT).toBe(true);
  await page.getByTestId("join").click();
  await expect.poll(() => connState(page), WAIT).toBe("joined");
}

describe("recording a session and studying it afterwards (học bù)", () => {
  test("the presenter records ~20 s of the broadcast; the viewer sees that it is recorded", async () => {
    const presenter = await signedIn("REC-TR");
    await joinRoom(presenter);
    await presenter.getByTestId("start-broadcast").click();
    await expect.poll(() => live.servers.media.registry.peek(sessionId)?.producers.size ?? 0, WAIT).toBe(2);
    const viewer = await signedIn("REC-VIEW");
    await joinRoom(viewer);
    expect(await viewer.getByTestId("recording-on").count()).toBe(0);

    await presenter.getByTestId("toggle-recording").click();
    await expect.poll(() => viewer.getByTestId("recording-on").isVisible(), WAIT).toBe(true);
    expect(await viewer.getByTestId("recording-on").textContent()).toContain("Đang ghi hình");
    await new Promise((r) => setTimeout(r, 20_000));
    await presenter.getByTestId("toggle-recording").click();
    await expect.poll(() => viewer.getByTestId("recording-on").count(), WAIT).toBe(0);
    await presenter.getByTestId("end-broadcast").click();
    await presenter.getByTestId("confirm-end").click();
    await expect.poll(async () => (await recording())?.state, WAIT).toBe("ready");
    expect((await recording())!.durationMs).toBeGreaterThan(15_000);
  }, 300_000);

  test("nobody but managers and presenters gets the file before it is published; the trainer publishes it", async () => {
    const member = client(live.servers.origin);
    await member.signIn("REC-ABS1");
    expect((await member.request(`/live/${sessionId}/recording`)).status).toBe(404);
    expect((await member.request(`/api/live/${sessionId}/make-up`, { method: "POST", body: "{}" })).status).toBe(404);
    // A member may not publish (no manager page for them).
    expect((await member.request(`/manage/live/${sessionId}/recording`, { form: { intent: "publish", makeUpMinPercent: "40" } })).status).toBe(403);

    const trainer = await signedIn("REC-TR");
    await trainer.goto(`${live.servers.origin}/manage/live/${sessionId}/recording`);
    const file = await trainer.request.get(`${live.servers.origin}/live/${sessionId}/recording`, { headers: { range: "bytes=0-99" } });
    expect(file.status()).toBe(206);
    expect(file.headers()["content-type"]).toBe("video/webm");
    // A bad share is refused with a message, nothing saved.
    const bad = await trainer.request.post(`${live.servers.origin}/manage/live/${sessionId}/recording`, {
      form: { intent: "publish", makeUpMinPercent: "0" },
      headers: { origin: live.servers.origin },
    });
    expect(bad.status()).toBe(400);
    expect(await bad.text()).toContain("từ 1 đến 100");
    expect((await recording())!.publishedAt).toBeNull();
    await trainer.locator("#makeUpMinPercent").fill("40");
    await trainer.getByTestId("publish-recording").click();
    await expect.poll(() => trainer.getByTestId("recording-published").isVisible(), WAIT).toBe(true);
    expect(await recording()).toMatchObject({ makeUpMinPercent: 40 });
    expect(await trainer.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    const outsider = client(live.servers.origin);
    await outsider.signIn("REC-OUT");
    expect((await outsider.request(`/live/${sessionId}/recording`)).status).toBe(404);
    expect((await outsider.request(`/api/live/${sessionId}/make-up`, { method: "POST", body: "{}" })).status).toBe(404);
  }, 180_000);

  test("an absent member watches the recording and is made up; one who skips to the end is not", async () => {
    const page = await signedIn("REC-ABS1");
    await expect.poll(() => page.getByTestId("home-make-ups").textContent(), WAIT).toContain("có ghi hình");
    await page.goto(`${live.servers.origin}/live/${sessionId}`);
    await expect.poll(() => page.getByTestId("make-up").isVisible(), WAIT).toBe(true);
    await page.getByTestId("make-up-video").evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await expect.poll(() => page.getByTestId("make-up-progress").textContent(), { timeout: 120_000, interval: 500 }).toContain("đã học bù");

    const skip = await signedIn("REC-ABS2");
    await skip.goto(`${live.servers.origin}/live/${sessionId}`);
    await skip.getByTestId("make-up-video").evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      if (!Number.isFinite(v.duration) || v.readyState < 1) await new Promise((r) => v.addEventListener("loadedmetadata", r, { once: true }));
      v.currentTime = Math.max(0, v.duration - 1);
      await v.play();
      await new Promise((r) => v.addEventListener("ended", r, { once: true }));
    });
    // Let any beat land; then the server's view.
    await new Promise((r) => setTimeout(r, 3000));
    const watches = await makeUpsOf(live.db, sessionId);
    expect(watches.get(watcher.id)?.madeUpAt).toBeInstanceOf(Date);
    expect(watches.get(skipper.id)?.madeUpAt ?? null).toBeNull();
    expect(watches.get(skipper.id)?.watchSeconds ?? 0).toBeLessThan(5);

    // The attendance page: live status unchanged (absent), make-up in its own column.
    const trainer = await signedIn("REC-TR");
    await trainer.goto(`${live.servers.origin}/manage/live/${sessionId}/attendance`);
    const row = (code: string) => trainer.getByTestId("attendance-table").locator(`[data-member-code="${code}"]`);
    expect(await row("REC-ABS1").getAttribute("data-status")).toBe("absent");
    expect(await row("REC-ABS1").textContent()).toContain("Đã học bù");
    expect(await row("REC-ABS2").textContent()).not.toContain("Đã học bù");
    // Done: the home page no longer offers it.
    await page.goto(`${live.servers.origin}/`);
    expect(await page.getByTestId("home-make-ups").count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
