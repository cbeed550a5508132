import { first } from "#db/first.ts";
import { and, eq } from "drizzle-orm";
import type { JSONContent } from "@tiptap/core";
import { writeTx, type Db } from "#db/client.server.ts";
import { forUpdate } from "#db/dialect.server.ts";
import { itemProgress } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { isAllowedMediaSrc } from "#app/editor/url-policy.ts";

/** A beat credits at most this much playback: a client cannot claim more time than has passed. */
export const MAX_BEAT_CREDIT_MS = 15_000;
/** A lesson's video counts as watched at 90 % of its length. */
export const WATCHED_SHARE = 0.9;
const MAX_DURATION_S = 6 * 3600;

/** Only a video the page can actually show counts (the renderer drops any other source). */
export function lessonHasVideo(body: JSONContent | null | undefined): boolean {
  if (!body) return false;
  if (body.type === "mediaEmbed" && body.attrs?.kind !== "pdf" && isAllowedMediaSrc(body.attrs?.src) && !String(body.attrs?.src).endsWith(".pdf")) return true;
  return (body.content ?? []).some(lessonHasVideo);
}

/**
 * Playback time a beat earns: the wall-clock time since the previous beat, capped; nothing for the
 * first beat or after a long pause. Skipping to the end of a video therefore earns one beat's worth.
 */
export function beatCreditMs(lastBeatAt: Date | null, now: Date): number {
  const since = lastBeatAt ? now.getTime() - lastBeatAt.getTime() : 0;
  return since > 0 && since <= MAX_BEAT_CREDIT_MS * 2 ? Math.min(since, MAX_BEAT_CREDIT_MS) : 0;
}

/**
 * Records a playback beat while the member's video plays. The server, not the browser, decides
 * how much time to credit: the wall-clock time since the previous beat, capped, so a tampered
 * client can at most claim real time spent with the page open.
 */
export async function recordWatchBeat(db: Db, memberId: number, courseId: number, itemKey: string, durationSeconds: number, now = new Date()) {
  return writeTx(db, async (tx) => {
    // Locked: two beats at once (two tabs, two app processes) credit the time since the last one once.
    const p = await first(forUpdate(tx, tx
      .select()
      .from(itemProgress)
      .where(and(eq(itemProgress.memberId, memberId), eq(itemProgress.courseId, courseId), eq(itemProgress.itemKey, itemKey)))));
    if (!p) throw new DomainError("course.error.notOpened", {}, 409);
    const credit = beatCreditMs(p.lastWatchAt, now);
    const duration = p.watchDuration ?? Math.max(1, Math.min(MAX_DURATION_S, Math.round(durationSeconds)));
    const watchSeconds = Math.min(duration, p.watchSeconds + Math.round(credit / 1000));
    await tx.update(itemProgress).set({ watchSeconds, watchDuration: duration, lastWatchAt: now }).where(eq(itemProgress.id, p.id));
    return { watchSeconds, duration };
  });
}

/** Seconds still to watch before the lesson may be completed (0 when watched enough). */
export function watchRemaining(p: { watchSeconds: number; watchDuration: number | null }): number {
  if (!p.watchDuration) return Number.POSITIVE_INFINITY;
  return Math.max(0, Math.ceil(p.watchDuration * WATCHED_SHARE - p.watchSeconds));
}
