import { first, one } from "#db/first.ts";
/**
 * Make-up study (học bù): a session's recording, published by a trainer, watched by invited members
 * who were absent or left early. Watching is credited by the server from playback beats (the same
 * rule as lesson videos, `beatCreditMs`: wall-clock time between beats, capped), so skipping to
 * the end earns nothing. "Made up" is its own status beside live attendance, never merged into it:
 * a member who made up is still absent from the live session.
 */
import fs from "node:fs";
import { Readable } from "node:stream";
import path from "node:path";
import { and, desc, eq, inArray, isNotNull } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { liveRecordings, liveSessions, recordingWatches } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { beatCreditMs } from "#app/courses/video-watch.server.ts";
import { isMemberInvited, sessionAttendance } from "./attendance.server.ts";

export type LiveRecording = typeof liveRecordings.$inferSelect;

/** Live statuses (after corrections) that may be made up by watching the recording. */
const MISSED = new Set(["absent", "left-early", "excused"]);

export async function recordingOf(db: Db, sessionId: number): Promise<LiveRecording | undefined> {
  return await first(db.select().from(liveRecordings).where(eq(liveRecordings.sessionId, sessionId)));
}

/** The recording's file on disk, if it is ready (a path inside DATA_DIR, never outside). */
export function recordingFile(dataDir: string, rec: LiveRecording): string | undefined {
  if (rec.state !== "ready" || !rec.file) return undefined;
  const root = path.resolve(dataDir);
  const abs = path.resolve(root, rec.file);
  if (!abs.startsWith(root + path.sep) || !fs.existsSync(abs)) return undefined;
  return abs;
}

/**
 * A trainer publishes the recording for make-up study, with the share of it a member must watch.
 * Publishing again changes the share (made-up marks already earned stay: they were earned under
 * the rule then shown).
 */
export async function publishRecording(db: Db, o: { sessionId: number; actorId: number | null; makeUpMinPercent: number; now?: Date }) {
  const now = o.now ?? new Date();
  return writeTx(db, async (tx) => {
    const rec = await first(tx.select().from(liveRecordings).where(eq(liveRecordings.sessionId, o.sessionId)));
    if (!rec || rec.state !== "ready") throw new DomainError("recording.error.notReady", {}, 409);
    const session = await first(tx.select({ state: liveSessions.state }).from(liveSessions).where(eq(liveSessions.id, o.sessionId)));
    if (session?.state !== "ended") throw new DomainError("recording.error.notEnded", {}, 409);
    const updated = await one(tx
      .update(liveRecordings)
      .set({ publishedAt: rec.publishedAt ?? now, publishedBy: rec.publishedBy ?? o.actorId, makeUpMinPercent: o.makeUpMinPercent, updatedAt: now })
      .where(eq(liveRecordings.id, rec.id))
      .returning());
    // Course items that accept make-up are settled again (app/courses/live-items.server.ts).
    await tx.update(liveSessions).set({ coursesSettledAt: null }).where(eq(liveSessions.id, o.sessionId));
    return updated;
  });
}

/** Taking a recording back from members: their watching so far is kept, but nothing more counts. */
export async function unpublishRecording(db: Db, sessionId: number, now = new Date()) {
  return writeTx(db, async (tx) => {
    await tx.update(liveRecordings).set({ publishedAt: null, publishedBy: null, updatedAt: now }).where(eq(liveRecordings.sessionId, sessionId));
    await tx.update(liveSessions).set({ coursesSettledAt: null }).where(eq(liveSessions.id, sessionId));
  });
}

export type MakeUpWatch = { watchSeconds: number; durationSeconds: number; percent: number; madeUpAt: Date | null };

function watchView(rec: Pick<LiveRecording, "durationMs">, w: { watchSeconds: number; madeUpAt: Date | null } | undefined): MakeUpWatch {
  const durationSeconds = Math.max(1, Math.round((rec.durationMs ?? 0) / 1000));
  const watchSeconds = w?.watchSeconds ?? 0;
  return { watchSeconds, durationSeconds, percent: Math.min(100, Math.round((watchSeconds / durationSeconds) * 1000) / 10), madeUpAt: w?.madeUpAt ?? null };
}

export type MakeUp = { recording: LiveRecording; liveStatus: string; watch: MakeUpWatch };

/**
 * Whether this member is offered make-up study of this session: the recording is published and
 * ready, they are invited, and the ledger (the latest correction winning) says they missed it.
 */
export async function makeUpFor(db: Db, sessionId: number, memberId: number, reconnectWindowMs: number): Promise<MakeUp | undefined> {
  const recording = await recordingOf(db, sessionId);
  if (!recording?.publishedAt || recording.state !== "ready") return undefined;
  if (!await isMemberInvited(db, sessionId, memberId)) return undefined;
  const me = (await sessionAttendance(db, sessionId, { reconnectWindowMs, only: [memberId] }))?.members[0];
  const liveStatus = me ? (me.corrected?.status ?? me.status) : "absent";
  if (!MISSED.has(liveStatus)) return undefined;
  const w = await first(db
    .select()
    .from(recordingWatches)
    .where(and(eq(recordingWatches.recordingId, recording.id), eq(recordingWatches.memberId, memberId))));
  return { recording, liveStatus, watch: watchView(recording, w) };
}

/**
 * A playback beat of the recording (every ~10 s while it plays). The server credits the time
 * since the previous beat, capped; the member is made up once credited time reaches the
 * recording's share. Returns undefined when the member is not offered make-up of this session.
 */
export async function recordMakeUpBeat(db: Db, sessionId: number, memberId: number, reconnectWindowMs: number, now = new Date()): Promise<MakeUpWatch | undefined> {
  const offered = await makeUpFor(db, sessionId, memberId, reconnectWindowMs);
  if (!offered) return undefined;
  const rec = offered.recording;
  return writeTx(db, async (tx) => {
    let w = await first(tx.select().from(recordingWatches).where(and(eq(recordingWatches.recordingId, rec.id), eq(recordingWatches.memberId, memberId))));
    if (!w) w = await one(tx.insert(recordingWatches).values({ recordingId: rec.id, memberId, createdAt: now }).returning());
    const durationSeconds = Math.max(1, Math.round((rec.durationMs ?? 0) / 1000));
    const watchSeconds = Math.min(durationSeconds, w.watchSeconds + Math.round(beatCreditMs(w.lastBeatAt, now) / 1000));
    const reached = watchSeconds * 100 >= durationSeconds * rec.makeUpMinPercent;
    const madeUpAt = w.madeUpAt ?? (reached ? now : null);
    await tx.update(recordingWatches).set({ watchSeconds, lastBeatAt: now, madeUpAt }).where(eq(recordingWatches.id, w.id));
    if (madeUpAt && !w.madeUpAt) await tx.update(liveSessions).set({ coursesSettledAt: null }).where(eq(liveSessions.id, sessionId));
    return watchView(rec, { watchSeconds, madeUpAt });
  });
}

/**
 * Make-up watching of a session's members (for the attendance page, reports and exports): by
 * member, the share watched and when they reached the threshold. Empty when nothing is published.
 */
export async function makeUpsOf(db: Db, sessionId: number, memberIds?: readonly number[]): Promise<Map<number, MakeUpWatch>> {
  const rec = await recordingOf(db, sessionId);
  if (!rec) return new Map();
  const rows = await db
    .select()
    .from(recordingWatches)
    .where(memberIds ? and(eq(recordingWatches.recordingId, rec.id), inArray(recordingWatches.memberId, [...memberIds])) : eq(recordingWatches.recordingId, rec.id));
  return new Map(rows.map((r) => [r.memberId, watchView(rec, r)]));
}

/** Members of a session who made it up (watched the recording to its threshold). */
export async function madeUpMembers(db: Db, sessionId: number): Promise<Set<number>> {
  const rec = await recordingOf(db, sessionId);
  if (!rec) return new Set();
  return new Set(
    (await db
      .select({ m: recordingWatches.memberId })
      .from(recordingWatches)
      .where(and(eq(recordingWatches.recordingId, rec.id), isNotNull(recordingWatches.madeUpAt))))
      .map((r) => r.m),
  );
}

export type PendingMakeUp = { sessionId: number; title: string; start: Date; percent: number };

/** The home page's "Học bù": published recordings of sessions this member missed and has not yet made up. */
export async function pendingMakeUps(db: Db, memberId: number, reconnectWindowMs: number, limit = 10): Promise<PendingMakeUp[]> {
  const published = await db
    .select({ sessionId: liveRecordings.sessionId, title: liveSessions.title, start: liveSessions.actualStartAt, scheduled: liveSessions.scheduledStartAt })
    .from(liveRecordings)
    .innerJoin(liveSessions, eq(liveSessions.id, liveRecordings.sessionId))
    .where(and(isNotNull(liveRecordings.publishedAt), eq(liveRecordings.state, "ready")))
    .orderBy(desc(liveSessions.scheduledStartAt))
    .limit(200);
  const out: PendingMakeUp[] = [];
  for (const r of published) {
    const m = await makeUpFor(db, r.sessionId, memberId, reconnectWindowMs);
    if (!m || m.watch.madeUpAt) continue;
    out.push({ sessionId: r.sessionId, title: r.title, start: r.start ?? r.scheduled, percent: m.watch.percent });
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * The recording's bytes, honouring one `Range: bytes=a-b` (the browser's player seeks with
 * ranges). Streamed from disk: a two-hour recording is never read into memory.
 */
export function recordingResponse(abs: string, range: string | null): Response {
  const size = fs.statSync(abs).size;
  const headers: Record<string, string> = {
    "Content-Type": "video/webm",
    "Accept-Ranges": "bytes",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
  };
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  let start = 0;
  let end = size - 1;
  if (m && (m[1] || m[2])) {
    if (m[1]) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    } else {
      start = Math.max(0, size - Number(m[2]));
    }
    if (start > end || start >= size) return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
  }
  const partial = !!(m && (m[1] || m[2]));
  // toWeb pulls from the file only as fast as the client reads: a slow phone never makes the
  // server buffer the rest of a two-hour recording.
  const body = Readable.toWeb(fs.createReadStream(abs, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, {
    status: partial ? 206 : 200,
    headers: { ...headers, "Content-Length": String(end - start + 1), ...(partial ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}) },
  });
}
