/**
 * The past session's recording, for the demo: what the media server's recorder would have left
 * (a WebM VP8/Opus file in DATA_DIR, a "ready" row), published by the trainer for make-up study,
 * and two absent members who have since studied it (credited by playback beats, like a browser's).
 *
 * The file is a test pattern rendered by Debian's ffmpeg (the recorder `npm start` installs):
 * real, playable, seconds to make. Without ffmpeg the demo simply has no recording.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Db } from "#db/client.server.ts";
import { liveRecordings } from "#db/schema/index.ts";
import { madeUpMembers, publishRecording, recordMakeUpBeat } from "#app/live/recordings.server.ts";

/** Short on purpose: the demo's make-up watchers are replayed beat by beat. */
export const DEMO_RECORDING_SECONDS = 120;
/** The pattern is encoded this long, then looped to the full length. */
const LOOP_SECONDS = 10;
export const DEMO_RECORDING_FILE = path.join("recordings", "demo", "past-session.webm");
const BEAT_MS = 10_000;

export type DemoRecordingFile = { file: string; durationMs: number; bytes: number };

/**
 * Renders the file before any transaction (a transaction may await the database only). Returns
 * undefined when ffmpeg is missing or fails; the seed goes on without a recording.
 */
export function renderDemoRecording(dataDir: string, ffmpegBin = "ffmpeg"): DemoRecordingFile | undefined {
  const abs = path.join(dataDir, DEMO_RECORDING_FILE);
  if (!fs.existsSync(abs)) {
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const loop = `${abs}.loop.webm`;
    const tmp = `${abs}.part.webm`;
    // Encoding is what costs (seconds of a core for two minutes): a short loop is encoded once,
    // then repeated into the full length without re-encoding (-stream_loop, -c copy).
    // prettier-ignore
    const encoded = spawnSync(ffmpegBin, [
      "-hide_banner", "-loglevel", "error", "-y",
      "-f", "lavfi", "-i", `testsrc2=size=320x180:rate=10:duration=${LOOP_SECONDS}`,
      "-f", "lavfi", "-i", `sine=frequency=220:sample_rate=48000:duration=${LOOP_SECONDS}`,
      "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "150k",
      "-c:a", "libopus", "-b:a", "24k", "-shortest", loop,
    ], { encoding: "utf8", timeout: 120_000 });
    // prettier-ignore
    const r = encoded.error || encoded.status !== 0
      ? encoded
      : spawnSync(ffmpegBin, [
          "-hide_banner", "-loglevel", "error", "-y",
          "-stream_loop", String(DEMO_RECORDING_SECONDS / LOOP_SECONDS - 1), "-i", loop, "-c", "copy", tmp,
        ], { encoding: "utf8", timeout: 120_000 });
    fs.rmSync(loop, { force: true });
    if (r.error || r.status !== 0 || !fs.existsSync(tmp)) {
      fs.rmSync(tmp, { force: true });
      return undefined;
    }
    fs.renameSync(tmp, abs);
  }
  return { file: DEMO_RECORDING_FILE, durationMs: DEMO_RECORDING_SECONDS * 1000, bytes: fs.statSync(abs).size };
}

/**
 * The row the recorder writes, published the day after the session; then members absent from
 * it watch it through, a beat every ten seconds. Returns who is made up.
 */
export async function seedPastRecording(
  db: Db,
  o: { sessionId: number; trainerId: number; began: number; ended: number; rendered: DemoRecordingFile; watchers: number[]; reconnectWindowMs: number },
): Promise<number[]> {
  const at = (ms: number) => new Date(ms);
  await db.insert(liveRecordings).values({
    sessionId: o.sessionId,
    state: "ready",
    startedBy: o.trainerId,
    startedAt: at(o.began),
    stoppedAt: at(o.ended),
    file: o.rendered.file,
    durationMs: o.rendered.durationMs,
    bytes: o.rendered.bytes,
    updatedAt: at(o.ended + 5 * 60_000),
  });
  const published = o.ended + 20 * 60 * 60_000;
  await publishRecording(db, { sessionId: o.sessionId, actorId: o.trainerId, makeUpMinPercent: 80, now: at(published) });
  for (const [i, memberId] of o.watchers.entries()) {
    // Each watches in one sitting, an evening or two after publication.
    const start = published + (i + 1) * 26 * 60 * 60_000;
    for (let t = 0; t <= o.rendered.durationMs; t += BEAT_MS) await recordMakeUpBeat(db, o.sessionId, memberId, o.reconnectWindowMs, at(start + t));
  }
  return [...(await madeUpMembers(db, o.sessionId))].sort((a, b) => a - b);
}
