import { first } from "#db/first.ts";
// Recording a broadcast from the real mediasoup worker with Debian's ffmpeg: a Chromium presenter
// (fake camera and microphone) broadcasts ~20 s with recording on; the joined WebM has one VP8 and
// one Opus track and lasts as long as recording was on (ffprobe), every peer was told, and the
// viewer's own WebRTC consumers were not touched. Then recording resumes, the worker is killed:
// the presenter republishes, the recorder starts a new segment, and the two are joined.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { asc, eq } from "drizzle-orm";
import { liveRecordings, liveRecordingSegments } from "#db/schema/index.ts";
import { makeLiveBroadcast } from "#tests/factories/live.ts";
import { waitFor, tokenFor } from "#tests/harness/media.ts";
import { useMediaSuite } from "#tests/harness/media-suite.ts";
import { probe } from "../../media-server/src/recording/ffmpeg.ts";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-rec-"));
// Registered before the suite's, so it runs after the media server has closed (after-hooks run in reverse).
afterAll(() => {
  if (!process.env.KEEP_RECORDINGS) fs.rmSync(dataDir, { recursive: true, force: true });
});
const live = useMediaSuite({ world: makeLiveBroadcast, browser: true, env: { MEDIA_WORKERS: "2", DATA_DIR: dataDir } });
const openPage = (token: string, role: "presenter" | "viewer") => live.openPage(token, role);

type Stats = Awaited<ReturnType<NonNullable<Window["live"]>["stats"]>>;
const stats = (page: Page) => page.evaluate(() => window.live!.stats()) as Promise<Stats>;
const ask = (page: Page, event: "startRecording" | "stopRecording") => page.evaluate((e) => window.live!.request(e, {}), event);
const told = (page: Page) => page.evaluate(() => window.live!.recording.map((r) => r.active));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("recording a broadcast", () => {
  let presenter: Page;
  let viewer: Page;
  let firstDurationMs = 0;

  it("records ~20 s of the presenter's VP8 + Opus into one WebM, telling every peer, without touching the viewer's media", async () => {
    const { db, w, server } = live;
    presenter = await openPage(tokenFor(w.presenter, w.session.id, "presenter"), "presenter");
    await waitFor(async () => (await stats(presenter)).producers === 2, "presenter producing audio + video", 60_000);
    viewer = await openPage(tokenFor(w.viewer, w.session.id), "viewer");
    await waitFor(async () => (await stats(viewer)).video.some((v) => v.framesDecoded > 0), "viewer decoding", 90_000);
    const room = server.registry.peek(w.session.id)!;
    const viewerPeer = room.peers.get(w.viewer.id)!;
    const viewerConsumers = [...viewerPeer.consumers.keys()].sort();
    expect(await told(viewer)).toEqual([false]);

    const started = await ask(presenter, "startRecording");
    const t0 = Date.now();
    expect(started).toMatchObject({ active: true });
    // A viewer may not drive the recording.
    expect(await ask(viewer, "stopRecording")).toEqual({ error: "forbidden" });
    await waitFor(async () => (await told(viewer)).at(-1) === true, "the viewer told that recording started", 10_000);

    const decodedBefore = (await stats(viewer)).video[0].framesDecoded;
    await sleep(20_000);
    // Recorded time: from the start's answer (RTP flows to the recorder) to asking it to stop
    // (finishing and joining the file come after).
    const recordedMs = Date.now() - t0;
    const stopped = await ask(presenter, "stopRecording");
    expect(stopped).toEqual({ active: false, since: null });
    await waitFor(async () => (await told(viewer)).at(-1) === false, "the viewer told that recording stopped", 10_000);

    // The viewer's WebRTC consumers are the same ones, and it kept decoding all along.
    expect([...viewerPeer.consumers.keys()].sort()).toEqual(viewerConsumers);
    expect((await stats(viewer)).video[0].framesDecoded).toBeGreaterThan(decodedBefore);

    const rec = (await first(db.select().from(liveRecordings).where(eq(liveRecordings.sessionId, w.session.id))))!;
    expect(rec).toMatchObject({ state: "ready", startedBy: w.presenter.id, file: `recordings/session-${w.session.id}.webm` });
    const file = path.join(dataDir, rec.file!);
    expect(fs.statSync(file).size).toBe(rec.bytes);
    const p = await probe("ffprobe", file);
    expect({ video: p.video, audio: p.audio }).toEqual({ video: 1, audio: 1 });
    expect(p.codecs.sort()).toEqual(["opus", "vp8"]);
    expect(Math.abs(p.durationMs - recordedMs)).toBeLessThanOrEqual(2000);
    expect(rec.durationMs).toBe(p.durationMs);
    firstDurationMs = p.durationMs;
  }, 240_000);

  it("a worker restart mid-recording starts a new segment; stopping joins both into one file", async () => {
    const { db, w, server } = live;
    const room = server.registry.peek(w.session.id)!;
    await ask(presenter, "startRecording");
    const t0 = Date.now();
    await sleep(6000);
    const main = room.slots.find((s) => s.main)!;
    const rebuilt = new Promise((r) => room.once("rebuilt", r));
    process.kill(main.worker.pid, "SIGKILL");
    await rebuilt;
    // The presenter republishes on the new worker, and the recorder follows.
    const rec = (await first(db.select().from(liveRecordings).where(eq(liveRecordings.sessionId, w.session.id))))!;
    const segments = async () => await db.select().from(liveRecordingSegments).where(eq(liveRecordingSegments.recordingId, rec.id)).orderBy(asc(liveRecordingSegments.seq));
    await waitFor(async () => (await segments()).length === 3, "a third segment after the worker restart", 60_000);
    await sleep(6000);
    const activeMs = Date.now() - t0;
    await ask(presenter, "stopRecording");

    const segs = await segments();
    expect(segs.map((s) => s.seq)).toEqual([1, 2, 3]);
    expect(segs.every((s) => s.endedAt)).toBe(true);
    const after = (await first(db.select().from(liveRecordings).where(eq(liveRecordings.id, rec.id))))!;
    expect(after.state).toBe("ready");
    const p = await probe("ffprobe", path.join(dataDir, after.file!));
    expect({ video: p.video, audio: p.audio }).toEqual({ video: 1, audio: 1 });
    // All three segments are in it: the first recording, and this one's before and after the restart
    // (less the seconds the presenter needed to republish).
    expect(p.durationMs).toBeGreaterThan(firstDurationMs + 9000);
    expect(p.durationMs).toBeLessThanOrEqual(firstDurationMs + activeMs + 2000);
  }, 240_000);
});
