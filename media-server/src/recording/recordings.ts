import { first, one } from "#db/first.ts";
/**
 * Recording a live session, as the media server runs it: the state is the server's (a presenter
 * asks, every peer is told), the recording is a row of `live_recordings` with its segments, and
 * the file is joined from the segments whenever recording stops (or the room closes, or the
 * server stops, or — after a crash — when the server starts again).
 *
 * A segment records one set of the presenter's producers: when that set changes (a presenter's
 * reconnect republishes new producers, a worker death loses them all), the current segment is
 * finished and, once the set has settled, the next one starts, on whatever router is now main.
 */
import fs from "node:fs";
import path from "node:path";
import { and, asc, eq, inArray, isNull, max } from "drizzle-orm";
import type { types } from "mediasoup";
import { writeTx, type Db } from "#db/client.server.ts";
import { liveRecordings, liveRecordingSegments } from "#db/schema/index.ts";
import type { RecordingStatus } from "#live/wire.ts";
import { ClientError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Room } from "../room.ts";
import { joinSegments, probe } from "./ffmpeg.ts";
import { SegmentRecorder, type SegmentSources } from "./segment.ts";

export type RecordingDeps = {
  db: Db;
  dataDir: string;
  ffmpegBin: string;
  ffprobeBin: string;
  log: Logger;
  /** Several nodes (ADR 0016): a status change here is announced to the others' peers. */
  announce?: (sessionId: number, status: RecordingStatus) => void;
};

/** Producers arrive one by one (audio, then video): wait this long for the set to settle. */
const SETTLE_MS = 1000;

const sessionDir = (sessionId: number) => path.join("recordings", `session-${sessionId}`);
const finalFile = (sessionId: number) => path.join("recordings", `session-${sessionId}.webm`);

/** The presenters' latest audio and video producers (a camera ↔ screen switch keeps the same one). */
export function presenterSources(room: Room): SegmentSources {
  const out: SegmentSources = {};
  for (const { producer, peer } of room.producers.values()) {
    if (producer.closed || peer.id.role !== "presenter") continue;
    if (producer.kind === "audio") out.audio = producer;
    else out.video = producer;
  }
  return out;
}

const sameSources = (a: SegmentSources, b: SegmentSources) => a.audio?.id === b.audio?.id && a.video?.id === b.video?.id;

export class RoomRecorder {
  private active = false;
  private since: number | null = null;
  private recordingId: number | undefined;
  private segment: { recorder: SegmentRecorder; id: number; sources: SegmentSources } | undefined;
  /** Every change of segment runs after the previous one: start, stop and resegmenting never overlap. */
  private queue: Promise<unknown> = Promise.resolve();
  private settle: NodeJS.Timeout | undefined;
  private readonly onProducers = () => this.producersChanged();
  /** Several nodes: the status another node (the session's origin, which records) announced. */
  private remoteStatus: RecordingStatus | undefined;
  /** An announcement arrived: it is newer than anything read from the database at the room's opening. */
  private heardRemote = false;

  constructor(
    private readonly room: Room,
    private readonly deps: RecordingDeps,
  ) {
    room.on("producers", this.onProducers);
  }

  get status(): RecordingStatus {
    if (!this.active && this.remoteStatus) return this.remoteStatus;
    return { active: this.active, since: this.since };
  }

  /** Another node started or stopped recording the session: this node's peers are told. */
  remote(status: RecordingStatus) {
    this.heardRemote = true;
    this.remoteStatus = status.active ? status : undefined;
    if (this.active) return;
    for (const p of this.room.peers.values()) p.notify("recording", status);
  }

  /**
   * Several nodes: a room that opens here after another node started recording missed that
   * announcement, so it reads the session's recording row once. An announcement heard meanwhile is
   * newer and wins; the recorder's own state always wins.
   */
  async learnFromDatabase(): Promise<void> {
    const row = await first(
      this.deps.db
        // While the state is "recording", updatedAt is when it last started (a resume sets both).
        .select({ state: liveRecordings.state, since: liveRecordings.updatedAt })
        .from(liveRecordings)
        .where(eq(liveRecordings.sessionId, this.room.sessionId)),
    );
    if (row?.state !== "recording" || this.heardRemote || this.active || this.room.closed) return;
    this.remote({ active: true, since: row.since.getTime() });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private tell() {
    const status = { active: this.active, since: this.since };
    for (const p of this.room.peers.values()) p.notify("recording", status);
    this.deps.announce?.(this.room.sessionId, status);
  }

  /** Starts (or resumes) recording. Throws if no segment can be started while producers exist. */
  start(memberId: number): Promise<RecordingStatus> {
    return this.serial(async () => {
      if (this.active) return this.status;
      const { db } = this.deps;
      const now = new Date();
      const row = await writeTx(db, async (tx) => {
        const existing = await first(tx.select().from(liveRecordings).where(eq(liveRecordings.sessionId, this.room.sessionId)));
        if (existing) {
          return await one(tx
            .update(liveRecordings)
            .set({ state: "recording", stoppedAt: null, error: null, updatedAt: now })
            .where(eq(liveRecordings.id, existing.id))
            .returning());
        }
        return await one(tx
          .insert(liveRecordings)
          .values({ sessionId: this.room.sessionId, state: "recording", startedBy: memberId, startedAt: now, updatedAt: now })
          .returning());
      });
      this.recordingId = row.id;
      this.active = true;
      this.since = now.getTime();
      try {
        await this.nextSegment();
      } catch (e) {
        this.active = false;
        this.since = null;
        await writeTx(db, async (tx) => await tx.update(liveRecordings).set({ state: "failed", error: String(e).slice(0, 500), updatedAt: new Date() }).where(eq(liveRecordings.id, row.id)));
        throw e;
      }
      this.tell();
      return this.status;
    });
  }

  /** Stops recording and joins the segments into the session's file. */
  stop(): Promise<RecordingStatus> {
    return this.serial(async () => {
      if (!this.active) return this.status;
      this.active = false;
      this.since = null;
      clearTimeout(this.settle);
      this.tell();
      await this.endSegment();
      const id = this.recordingId!;
      await writeTx(this.deps.db, async (tx) => await tx.update(liveRecordings).set({ state: "processing", stoppedAt: new Date(), updatedAt: new Date() }).where(eq(liveRecordings.id, id)));
      await finishRecording(this.deps, id);
      return this.status;
    });
  }

  /** The room is closing: stop (and join) if recording; forget the room. */
  async close() {
    this.room.off("producers", this.onProducers);
    clearTimeout(this.settle);
    await this.stop().catch((e) => this.deps.log.error("recording stop failed", { sessionId: this.room.sessionId, error: e }));
  }

  private producersChanged() {
    if (!this.active) return;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      void this.serial(async () => {
        if (!this.active) return;
        const next = presenterSources(this.room);
        if (this.segment && sameSources(this.segment.sources, next) && this.segment.recorder.running) return;
        await this.endSegment();
        await this.nextSegment().catch((e) => this.deps.log.error("recording segment failed to start", { sessionId: this.room.sessionId, error: e }));
      });
    }, SETTLE_MS);
  }

  private async nextSegment() {
    const sources = presenterSources(this.room);
    const router: types.Router | undefined = this.room.mainRouter;
    // Nobody producing (yet, or between a reconnect's leave and republish): the next change starts one.
    if (!router || (!sources.audio && !sources.video)) return;
    const { db, dataDir } = this.deps;
    const recordingId = this.recordingId!;
    const seq = ((await first(db.select({ n: max(liveRecordingSegments.seq) }).from(liveRecordingSegments).where(eq(liveRecordingSegments.recordingId, recordingId))))?.n ?? 0) + 1;
    const rel = path.join(sessionDir(this.room.sessionId), `segment-${String(seq).padStart(3, "0")}.webm`);
    fs.mkdirSync(path.join(dataDir, path.dirname(rel)), { recursive: true });
    const recorder = await SegmentRecorder.start({ router, sources, file: path.join(dataDir, rel), ffmpegBin: this.deps.ffmpegBin, log: this.deps.log });
    const row = await writeTx(db, async (tx) => await one(tx.insert(liveRecordingSegments).values({ recordingId, seq, file: rel, startedAt: new Date() }).returning()));
    this.segment = { recorder, id: row.id, sources };
    this.deps.log.info("recording segment started", { sessionId: this.room.sessionId, seq, audio: !!sources.audio, video: !!sources.video });
  }

  private async endSegment() {
    const seg = this.segment;
    if (!seg) return;
    this.segment = undefined;
    const r = await seg.recorder.stop();
    if (!r.ok) this.deps.log.warn("recording segment is empty", { sessionId: this.room.sessionId, log: r.log.slice(-500) });
    await writeTx(this.deps.db, async (tx) => await tx.update(liveRecordingSegments).set({ endedAt: new Date() }).where(eq(liveRecordingSegments.id, seg.id)));
  }
}

/** Joins a recording's non-empty segments into its file and records the file's duration and size. */
export async function finishRecording(deps: RecordingDeps, recordingId: number) {
  const { db, dataDir } = deps;
  const rec = await first(db.select().from(liveRecordings).where(eq(liveRecordings.id, recordingId)));
  if (!rec) return;
  const segments = (await db
    .select()
    .from(liveRecordingSegments)
    .where(eq(liveRecordingSegments.recordingId, recordingId))
    .orderBy(asc(liveRecordingSegments.seq)))
    .map((s) => path.join(dataDir, s.file))
    .filter((f) => fs.existsSync(f) && fs.statSync(f).size > 0);
  const rel = finalFile(rec.sessionId);
  try {
    if (segments.length === 0) throw new Error("no recorded segment");
    await joinSegments(deps.ffmpegBin, segments, path.join(dataDir, rel));
    const p = await probe(deps.ffprobeBin, path.join(dataDir, rel));
    const bytes = fs.statSync(path.join(dataDir, rel)).size;
    await writeTx(db, async (tx) =>
      await tx
        .update(liveRecordings)
        .set({ state: "ready", file: rel, durationMs: p.durationMs, bytes, error: null, updatedAt: new Date() })
        .where(and(eq(liveRecordings.id, recordingId), eq(liveRecordings.state, "processing"))),
    );
    deps.log.info("recording joined", { sessionId: rec.sessionId, segments: segments.length, durationMs: p.durationMs, bytes });
  } catch (e) {
    deps.log.error("recording could not be joined", { sessionId: rec.sessionId, error: e });
    await writeTx(db, async (tx) =>
      await tx
        .update(liveRecordings)
        .set({ state: "failed", error: String(e).slice(0, 500), updatedAt: new Date() })
        .where(and(eq(liveRecordings.id, recordingId), eq(liveRecordings.state, "processing"))),
    );
  }
}

/**
 * At start: recordings a crash left "recording" or "processing" are joined from the segments
 * their recorders wrote (a segment whose ffmpeg was killed is still readable up to its last
 * cluster).
 */
export async function recoverRecordings(deps: RecordingDeps): Promise<number> {
  const { db } = deps;
  const open = await db.select({ id: liveRecordings.id }).from(liveRecordings).where(inArray(liveRecordings.state, ["recording", "processing"]));
  for (const { id } of open) {
    const now = new Date();
    await writeTx(db, async (tx) => {
      await tx.update(liveRecordingSegments).set({ endedAt: now }).where(and(eq(liveRecordingSegments.recordingId, id), isNull(liveRecordingSegments.endedAt)));
      await tx.update(liveRecordings).set({ state: "processing", stoppedAt: now, updatedAt: now }).where(eq(liveRecordings.id, id));
    });
    await finishRecording(deps, id);
  }
  return open.length;
}

/** One recorder per room, created with the room and closed with it. */
export class Recordings {
  private readonly byRoom = new Map<Room, RoomRecorder>();
  constructor(readonly deps: RecordingDeps) {}

  attach(room: Room) {
    const r = new RoomRecorder(room, this.deps);
    this.byRoom.set(room, r);
    if (this.deps.announce) {
      r.learnFromDatabase().catch((e: Error) => this.deps.log.warn("could not read the session's recording state", { sessionId: room.sessionId, error: e.message }));
    }
    room.once("close", () => {
      this.byRoom.delete(room);
      void r.close();
    });
  }

  /**
   * Starts recording the room: the one path for the presenter's `startRecording` event and a
   * trainer's control call from the app. A recorder that cannot start is `recording-unavailable`.
   */
  async start(room: Room, memberId: number): Promise<RecordingStatus> {
    try {
      return await this.of(room).start(memberId);
    } catch (e) {
      this.deps.log.error("recording could not start", { sessionId: room.sessionId, error: e });
      throw new ClientError("recording-unavailable");
    }
  }

  /** Stops recording the room and joins its file (the presenter's `stopRecording`, a trainer's call). */
  stop(room: Room): Promise<RecordingStatus> {
    return this.of(room).stop();
  }

  of(room: Room): RoomRecorder {
    let r = this.byRoom.get(room);
    if (!r) {
      this.attach(room);
      r = this.byRoom.get(room)!;
    }
    return r;
  }

  /** Server stop: every recording stops and is joined before the workers go. */
  async closeAll() {
    await Promise.all([...this.byRoom.values()].map((r) => r.close()));
  }
}
