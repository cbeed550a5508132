import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
// A live session end to end in Debian's Chromium (fake camera and microphone), against the real
// app server (production build) and the real media server behind its WebSocket proxy: a trainer
// schedules the session in the form, the presenter publishes simulcast camera video (and switches
// to screen sharing and back), one member
// watches on their own device and a cell room checks in three members; both decode video; the
// viewer switches to save-data and the server forwards the lowest layer; the mediasoup worker is
// killed and the pages rejoin by themselves; everybody leaves, the presenter ends the session,
// and the attendance page shows who was there and how. A fourth member of the cell checks in at
// the cell room by scanning its QR code with a phone (mobile emulation: Chromium is the only
// browser engine here besides the Firefox test).
import { describe, expect, test } from "vitest";
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import type { TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { useLiveServers } from "#tests/harness/app-suite.ts";
import { submitSignInForm } from "#tests/harness/browser.ts";
import jsQR from "jsqr";
import sharp from "sharp";
import { liveSessions, scopeGrants } from "#db/schema/index.ts";
import { toLocalInput } from "#app/common/vietnam-time.ts";
import { sessionAttendance } from "#app/live/attendance.server.ts";
import type { Member } from "#app/org/members.server.ts";

let tree: Awaited<ReturnType<typeof makeTree>>;
let viewer: Member, secretary: Member;
let cellMembers: Member[];
let qrMember: Member;
let sessionId: number;
let presenterPage: Page, viewerPage: Page, cellPage: Page;

const WAIT = { timeout: 90_000, interval: 250 };

async function world(db: TestDb) {
  tree = await makeTree(db);
  await makeMember(db, tree.a, { code: "E2E-TR", role: "trainer", scopes: [tree.a], fullName: "Báo Cáo Viên" });
  viewer = await makeMember(db, tree.a2, { code: "E2E-VIEW", fullName: "Người Xem Riêng" });
  secretary = await makeMember(db, tree.a1, { code: "E2E-SEC", fullName: "Bí Thư Chi Bộ" });
  await writeTx(db, async (tx) => tx.insert(scopeGrants).values({ memberId: secretary.id, unitId: tree.a1.id, kind: "secretary", createdAt: new Date() }));
  cellMembers = [
    await makeMember(db, tree.a1, { code: "E2E-C1", fullName: "Đảng Viên Một" }),
    await makeMember(db, tree.a1, { code: "E2E-C2", fullName: "Đảng Viên Hai" }),
    await makeMember(db, tree.a1, { code: "E2E-C3", fullName: "Đảng Viên Ba" }),
  ];
  qrMember = await makeMember(db, tree.a1, { code: "E2E-QR", fullName: "Đảng Viên Quét Mã" });
  await makeMember(db, tree.a1, { code: "E2E-ABS1", fullName: "Vắng Chi Bộ" });
  await makeMember(db, tree.a2, { code: "E2E-ABS2", fullName: "Vắng Ở Nhà" });
}

const live = useLiveServers({ world, mediaEnv: { MEDIA_WORKERS: "2" } });
const { contexts, pageErrors, signedIn } = live;

const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).textContent()) ?? "").trim();
const connState = (page: Page) => page.locator(".live-room").getAttribute("data-conn");
const room = () => live.servers.media.registry.peek(sessionId);

describe("a live session in Chromium, through the app", () => {
  test("the trainer schedules it with the form (phone width)", async () => {
    const page = await signedIn("E2E-TR");
    await page.goto(`${live.servers.origin}/manage/live`);
    const now = Date.now();
    await page.locator("#title").fill("Học tập Nghị quyết — buổi thử");
    await page.locator("#start").fill(toLocalInput(now));
    await page.locator("#end").fill(toLocalInput(now + 3600_000));
    await page.locator("#presenters").fill("E2E-TR");
    await page.locator("#units").fill("A1, A2");
    await page.locator("#presentMinPercent").fill("50");
    await page.locator("#lateAfterMinutes").fill("10");
    await page.getByTestId("session-submit").click();
    await page.waitForURL(/\/manage\/live\/\d+\?scheduled=1$/);
    sessionId = Number(/\/manage\/live\/(\d+)/.exec(page.url())![1]);
    const s = (await first(live.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId))))!;
    expect(s).toMatchObject({ state: "scheduled", presentMinPercent: 50, lateAfterMinutes: 10 });
    // Nothing on the page is wider than a 360 px phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    presenterPage = page;
  }, 120_000);

  test("the presenter publishes simulcast camera video and audio", async () => {
    const page = presenterPage;
    await page.goto(`${live.servers.origin}/live/${sessionId}`);
    await expect.poll(() => page.getByTestId("join").isEnabled(), WAIT).toBe(true);
    await page.getByTestId("join").click();
    await expect.poll(() => connState(page), WAIT).toBe("joined");
    await expect.poll(() => room()?.producers.size ?? 0, WAIT).toBe(2);
    const video = [...room()!.producers.values()].find((p) => p.producer.kind === "video")!.producer;
    expect(video.type).toBe("simulcast");
    expect(video.rtpParameters.encodings).toHaveLength(3);
    expect(video.rtpParameters.encodings!.map((e) => e.maxBitrate)).toEqual([150_000, 500_000, 1_200_000]);
    expect(await text(page, "producing")).toContain("hình + tiếng");
  }, 120_000);

  test("a member joins on their own device and a cell room checks in three members, before the start", async () => {
    viewerPage = await signedIn("E2E-VIEW");
    await viewerPage.goto(`${live.servers.origin}/live/${sessionId}`);
    await expect.poll(() => viewerPage.getByTestId("join").isEnabled(), WAIT).toBe(true);
    await viewerPage.getByTestId("join").click();
    await expect.poll(() => connState(viewerPage), WAIT).toBe("joined");
    expect(await text(viewerPage, "session-state")).toBe("Sắp diễn ra");

    cellPage = await signedIn("E2E-SEC", { width: 1280, height: 800 });
    await cellPage.goto(`${live.servers.origin}/live/${sessionId}`);
    // Choose the cell room mode from the page (the secretary's cell is offered).
    await cellPage.getByTestId("open-cell-room").click();
    await cellPage.waitForURL(/mode=cell-room&cell=\d+/);
    await expect.poll(() => cellPage.getByTestId("join").isEnabled(), WAIT).toBe(true);
    await cellPage.getByTestId("join").click();
    await expect.poll(() => connState(cellPage), WAIT).toBe("joined");
    for (const m of cellMembers) await cellPage.locator(`input[data-member-code="${m.code}"]`).check();
    await expect.poll(() => text(cellPage, "checked-count"), WAIT).toBe("Đã điểm danh 3/6 đồng chí");
    await expect.poll(() => [...(room()?.checkins.get(secretary.id) ?? [])].sort((a, b) => a - b), WAIT).toEqual(cellMembers.map((m) => m.id).sort((a, b) => a - b));
    // The presenter sees the audience: one own device and three people in a cell room.
    await expect.poll(() => text(presenterPage, "audience-people"), WAIT).toBe("4");
  }, 180_000);

  test("a member checks in at the cell room by scanning the QR on its screen with a phone", async () => {
    // Read the QR as a phone camera would: from the pixels on the screen, not from the DOM.
    const image = cellPage.getByTestId("checkin-qr-image");
    await expect.poll(() => image.isVisible(), WAIT).toBe(true);
    const png = await image.screenshot();
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const decoded = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height);
    expect(decoded?.data).toMatch(new RegExp(`^${live.servers.origin}/live/${sessionId}/check-in\\?code=[A-Za-z0-9_-]{16}$`));

    const phoneContext = await live.browser.newContext({
      locale: "vi-VN",
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36",
    });
    contexts.push(phoneContext);
    const phone = await phoneContext.newPage();
    phone.on("pageerror", (e) => pageErrors.push(`phone: ${e}`));
    // Not signed in on this phone yet: sign-in first, then back to the check-in with the code.
    await phone.goto(decoded!.data);
    await phone.waitForURL(/\/login\?redirectTo=/);
    await submitSignInForm(phone, "E2E-QR");
    await phone.waitForURL(decoded!.data);
    await phone.getByTestId("checkin-confirm").tap();
    await expect.poll(async () => (await phone.getByTestId("checkin-done").textContent().catch(() => "")) ?? "", WAIT).toContain("Đã điểm danh tại");
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // The hall's screen ticks the member, marked as a QR check-in; the presenter sees one more person.
    await expect.poll(() => text(cellPage, "checked-count"), WAIT).toBe("Đã điểm danh 4/6 đồng chí");
    expect(await cellPage.locator('input[data-member-code="E2E-QR"]').isChecked()).toBe(true);
    expect(await cellPage.getByTestId("qr-badge").count()).toBe(1);
    await expect.poll(() => text(presenterPage, "audience-people"), WAIT).toBe("5");
    expect(room()?.checkins.get(secretary.id)?.has(qrMember.id)).toBe(true);
  }, 180_000);

  test("the presenter starts the broadcast; the viewer and the cell room decode video", async () => {
    await presenterPage.getByTestId("start-broadcast").click();
    await expect.poll(async () => (await first(live.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId))))!.state, WAIT).toBe("live");
    for (const page of [viewerPage, cellPage]) {
      await expect.poll(() => text(page, "session-state"), WAIT).toBe("Đang diễn ra");
      // framesDecoded comes from the consumer's getStats() in the page (its connection details).
      // 300 frames also means the member has been watching for a few seconds (≤ 60 fps).
      await expect.poll(async () => Number(await text(page, "frames-decoded")), { timeout: 120_000, interval: 500 }).toBeGreaterThan(300);
      expect(await page.getByTestId("remote-video").evaluate((v: HTMLVideoElement) => v.videoWidth)).toBeGreaterThan(0);
    }
    // The viewer's and the presenter's rooms fit a 360 px phone.
    for (const page of [viewerPage, presenterPage]) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  }, 300_000);

  test("the presenter switches to screen sharing and back; viewers keep their stream", async () => {
    const videoProducer = () => [...(room()?.producers.values() ?? [])].find((p) => p.producer.kind === "video")?.producer.id;
    const viewerConsumer = () => [...(room()?.peers.get(viewer.id)?.consumers.values() ?? [])].find((c) => c.kind === "video")?.id;
    const [producerBefore, consumerBefore] = [videoProducer(), viewerConsumer()];
    const selfViewLabel = () => presenterPage.getByTestId("self-view").evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream | null)?.getVideoTracks()[0]?.label ?? "");
    const frames = async () => Number(await text(viewerPage, "frames-decoded"));
    await presenterPage.getByTestId("share-screen").click();
    await expect.poll(() => text(presenterPage, "source"), WAIT).toBe("Nguồn hình: màn hình");
    expect(await selfViewLabel()).toMatch(/^screen:/);
    const n = await frames();
    await expect.poll(frames, { timeout: 60_000, interval: 500 }).toBeGreaterThan(n + 30);
    // The same producer carries the screen (replaceTrack), so nobody had to re-subscribe.
    expect(videoProducer()).toBe(producerBefore);
    expect(viewerConsumer()).toBe(consumerBefore);
    await presenterPage.getByTestId("use-camera").click();
    await expect.poll(() => text(presenterPage, "source"), WAIT).toBe("Nguồn hình: camera");
    expect(await selfViewLabel()).not.toMatch(/^screen:/);
  }, 180_000);

  test("save-data moves the viewer to the lowest layer, as the server forwards it", async () => {
    await viewerPage.getByTestId("save-data").check();
    const peer = () => room()?.peers.get(viewer.id);
    const consumer = () => [...(peer()?.consumers.values() ?? [])].find((c) => c.kind === "video");
    await expect.poll(() => consumer()?.preferredLayers?.spatialLayer, WAIT).toBe(0);
    await expect.poll(() => consumer()?.currentLayers?.spatialLayer, WAIT).toBe(0);
    expect(peer()!.saveData).toBe(true);
    // The page is told (consumerLayers) and shows it; the cell room stays on a higher layer.
    await expect.poll(() => text(viewerPage, "video-layer"), WAIT).toBe("0");
    const cellConsumer = [...room()!.peers.get(secretary.id)!.consumers.values()].find((c) => c.kind === "video")!;
    expect(cellConsumer.preferredLayers?.spatialLayer).toBe(2);
  }, 180_000);

  test("when the media worker dies, the pages rejoin by themselves: video again, save-data kept, no gap in attendance", async () => {
    const r = room()!;
    const main = r.slots.find((s) => s.main)!;
    const pid = main.worker.pid;
    const oldConsumer = [...r.peers.get(viewer.id)!.consumers.values()].find((c) => c.kind === "video")!.id;
    const rebuilt = new Promise((resolve) => r.once("rebuilt", resolve));
    process.kill(pid, "SIGKILL");
    await rebuilt;
    // The presenter's page republishes; the viewer's and the cell room's consume again.
    await expect.poll(() => room()?.producers.size ?? 0, WAIT).toBe(2);
    const consumer = () => [...(room()?.peers.get(viewer.id)?.consumers.values() ?? [])].find((c) => c.kind === "video");
    await expect.poll(() => (consumer() && consumer()!.id !== oldConsumer ? consumer()!.preferredLayers?.spatialLayer : undefined), WAIT).toBe(0);
    for (const [page, memberId] of [
      [viewerPage, viewer.id],
      [cellPage, secretary.id],
    ] as const) {
      await expect.poll(() => text(page, "conn-state"), WAIT).toBe("Đã kết nối");
      await expect.poll(async () => (await page.locator(".live-status").textContent()) ?? "", WAIT).toMatch(/đã tự kết nối lại [1-9]\d* lần/);
      // Frames decoded by the new consumer (the page says which consumer its figures come from).
      const current = () => [...(room()?.peers.get(memberId)?.consumers.values() ?? [])].find((c) => c.kind === "video")?.id;
      await expect
        .poll(async () => {
          const el = page.getByTestId("frames-decoded");
          return (await el.getAttribute("data-consumer-id")) === current() ? Number(await el.textContent()) : -1;
        }, { timeout: 120_000, interval: 500 })
        .toBeGreaterThan(30);
    }
    expect(room()!.slots.find((s) => s.main)!.worker.pid).not.toBe(pid);
    // The cell room's check-ins survived (the secretary's socket never dropped).
    expect([...(room()!.checkins.get(secretary.id) ?? [])]).toHaveLength(4);
  }, 240_000);

  test("the viewers leave and the presenter ends the session", async () => {
    await cellPage.getByTestId("leave").click();
    await expect.poll(() => cellPage.getByTestId("join").isVisible(), WAIT).toBe(true);
    await viewerPage.getByTestId("leave").click();
    await expect.poll(() => viewerPage.getByTestId("join").isVisible(), WAIT).toBe(true);
    await expect.poll(() => room()?.peers.has(viewer.id) ?? false, WAIT).toBe(false);
    await presenterPage.getByTestId("end-broadcast").click();
    await presenterPage.getByTestId("confirm-end").click();
    await expect.poll(async () => (await first(live.db.select().from(liveSessions).where(eq(liveSessions.id, sessionId))))!.state, WAIT).toBe("ended");
    // The page follows: the room closes and says the session has ended.
    await expect.poll(() => presenterPage.getByTestId("session-ended").isVisible(), WAIT).toBe(true);
    expect(await presenterPage.locator(".live-room").count()).toBe(0);
  }, 120_000);

  test("the attendance page shows who attended, how, for how long, and who was absent", async () => {
    const page = presenterPage;
    await page.goto(`${live.servers.origin}/manage/live/${sessionId}/attendance`);
    const row = (code: string) => page.locator(`tr[data-member-code="${code}"]`);
    const attr = (code: string, name: string) => row(code).getAttribute(name);

    expect(await attr("E2E-VIEW", "data-status")).toBe("present");
    expect(await attr("E2E-VIEW", "data-via")).toBe("individual");
    expect(Number(await attr("E2E-VIEW", "data-minutes"))).toBeGreaterThan(0);
    expect(await row("E2E-VIEW").textContent()).toContain("Cá nhân");
    for (const m of [...cellMembers, qrMember]) {
      expect(await attr(m.code, "data-status"), m.code).toBe("present");
      expect(await attr(m.code, "data-via"), m.code).toBe("cell-room");
      expect(Number(await attr(m.code, "data-minutes"))).toBeGreaterThan(0);
      expect(await row(m.code).textContent()).toContain("Phòng chi bộ");
    }
    // The secretary's own screen counts for the secretary.
    expect(await attr("E2E-SEC", "data-status")).toBe("present");
    expect(await attr("E2E-SEC", "data-via")).toBe("individual");
    for (const code of ["E2E-ABS1", "E2E-ABS2"]) {
      expect(await attr(code, "data-status"), code).toBe("absent");
      expect(await page.getByTestId("absentees").locator(`li[data-member-code="${code}"]`).count()).toBe(1);
    }
    expect(await page.getByTestId("absentees").locator("li").count()).toBe(2);
    // The worker's death cost no attendance: one continuous interval each.
    const report = (await sessionAttendance(live.db, sessionId, { reconnectWindowMs: 60_000 }))!;
    for (const code of ["E2E-VIEW", "E2E-C1"]) expect(report.members.find((m) => m.code === code)!.intervals, code).toHaveLength(1);
    // The trainer presented but was not invited: not in the list.
    expect(await row("E2E-TR").count()).toBe(0);
    // Phone width: the page does not scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
