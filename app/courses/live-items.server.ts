import { first } from "#db/first.ts";
/**
 * Course items that ask a member to attend a live study session ("live" items). The item is
 * complete when the session's attendance — the ledger the media server keeps, with a trainer's
 * latest correction taking precedence — says the member was present or late. Excused is not
 * attendance, so it does not count. An item that accepts make-up (a per-item setting) is also
 * complete for a member who watched the session's published recording to its threshold; the
 * member's item page says which way it was completed.
 *
 * Settling is done per session, once it has ended, by a background job (every minute in the app
 * process), and again whenever something that could change the outcome happens: a correction, or
 * a published course version that starts referring to the session. Both just clear
 * live_sessions.courses_settled_at, which is the job's to-do list; the job's work is one
 * transaction per session, so a crash leaves it to do, never half done.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { forUpdate } from "#db/dialect.server.ts";
import { heldJobItems, runClaimed } from "#db/job-claims.server.ts";
import { courseCompletions, courses, courseVersions, itemProgress, liveSessions, type AttendanceOverride } from "#db/schema/index.ts";
import { sessionAttendance, type MemberAttendance } from "#app/live/attendance.server.ts";
import { makeUpsOf } from "#app/live/recordings.server.ts";
import { snapshotItems, type CourseSnapshot, type SnapshotItem } from "./snapshot.ts";
import { recomputeCompletion } from "./completion.server.ts";
import { isAssigned as isAssignedNow } from "./learning.server.ts";

/** Statuses that complete a "live" item. */
const ATTENDED = new Set(["present", "late"]);

export function attendedOf(m: Pick<MemberAttendance, "status" | "corrected">): boolean {
  return ATTENDED.has(m.corrected?.status ?? m.status);
}

/**
 * Published courses whose current version asks to attend this session. Snapshots are filtered
 * here rather than with JSON operators in SQL, which differ between SQLite and PostgreSQL.
 */
async function coursesAsking(db: Db, sessionId: number) {
  return (await db
    .select({ courseId: courses.id, versionId: courseVersions.id, snapshot: courseVersions.snapshot })
    .from(courses)
    .innerJoin(courseVersions, eq(courseVersions.id, courses.publishedVersionId))
    .where(eq(courses.state, "published")))
    .map((r) => ({ ...r, snapshot: r.snapshot as CourseSnapshot }))
    .map((r) => ({ ...r, items: snapshotItems(r.snapshot).filter((i) => i.type === "live" && i.liveSessionId === sessionId) }))
    .filter((r) => r.items.length > 0);
}

export type SettleResult = { sessionId: number; courses: number; itemsCompleted: number; itemsWithdrawn: number; coursesCompleted: number };

/**
 * Brings every "live" item for this session in line with its attendance: completed for members
 * who attended (dated at the session's end), withdrawn from those a correction now says did not —
 * unless the course was already completed (a completion, and its certificate, are revoked by their
 * own path, never silently). Members then assigned the course get their completion re-checked.
 */
export async function settleLiveSession(db: Db, sessionId: number, opts: { reconnectWindowMs: number; now?: Date }): Promise<SettleResult | null> {
  const now = opts.now ?? new Date();
  // Everything is read inside the write transaction: a correction, publication or assignment made
  // by another process meanwhile clears courses_settled_at after this commits, never before.
  return writeTx(db, async (tx) => {
    // Locked: settling one session twice at once (two app processes) would count its items twice.
    const session = await first(forUpdate(tx, tx.select().from(liveSessions).where(eq(liveSessions.id, sessionId))));
    if (!session || session.state !== "ended") return null;
    const asking = await coursesAsking(tx, sessionId);
    const result: SettleResult = { sessionId, courses: asking.length, itemsCompleted: 0, itemsWithdrawn: 0, coursesCompleted: 0 };
    const report = asking.length ? await sessionAttendance(tx, sessionId, { reconnectWindowMs: opts.reconnectWindowMs, now: now.getTime() }) : undefined;
    const attended = new Map((report?.members ?? []).filter(attendedOf).map((m) => [m.memberId, m]));
    // Only members whose attendance was computed (invited as things stand) can lose the item: one
    // who has since moved out of the invited units keeps what their attendance earned.
    const computed = new Set((report?.members ?? []).map((m) => m.memberId));
    const endedAt = session.actualEndAt ?? now;
    // Members who made the session up (its own status; counted only where an item accepts it).
    const madeUp = new Map<number, Date>();
    if (asking.some((c) => c.items.some((i) => i.acceptMakeUp))) {
      for (const [memberId, w] of await makeUpsOf(tx, sessionId)) if (w.madeUpAt && computed.has(memberId) && !attended.has(memberId)) madeUp.set(memberId, w.madeUpAt);
    }
    for (const c of asking) {
      const pub = { versionId: c.versionId, snapshot: c.snapshot };
      const completedCourse = new Set(
        (await tx.select({ m: courseCompletions.memberId }).from(courseCompletions).where(eq(courseCompletions.courseId, c.courseId))).map((r) => r.m),
      );
      for (const item of c.items) {
        const rows = new Map(
          (await tx
            .select()
            .from(itemProgress)
            .where(and(eq(itemProgress.courseId, c.courseId), eq(itemProgress.itemKey, item.key))))
            .map((r) => [r.memberId, r]),
        );
        // Attending completes at the session's end; making up completes when the threshold was reached.
        const completes = new Map<number, { startedAt: Date; completedAt: Date }>();
        for (const [memberId, m] of attended) completes.set(memberId, { startedAt: m.firstJoin ?? endedAt, completedAt: endedAt });
        if (item.acceptMakeUp) for (const [memberId, at] of madeUp) completes.set(memberId, { startedAt: at, completedAt: at });
        for (const [memberId, when] of completes) {
          const row = rows.get(memberId);
          if (row?.state === "completed") continue;
          await tx.insert(itemProgress)
            .values({ memberId, courseId: c.courseId, itemKey: item.key, state: "completed", versionId: c.versionId, ...when })
            .onConflictDoUpdate({
              target: [itemProgress.memberId, itemProgress.courseId, itemProgress.itemKey],
              set: { state: "completed", completedAt: when.completedAt, versionId: c.versionId },
            });
          result.itemsCompleted++;
        }
        for (const [memberId, row] of rows) {
          if (row.state !== "completed" || completes.has(memberId) || !computed.has(memberId) || completedCourse.has(memberId)) continue;
          await tx.delete(itemProgress).where(eq(itemProgress.id, row.id));
          result.itemsWithdrawn++;
        }
      }
      // Everyone who attended and has not completed the course is re-checked, not only those whose
      // item changed now: a member assigned the course after the session was settled gets their
      // completion on the next settling (assignment marks the session for it). recomputeCompletion
      // ignores members without every required item done; those not assigned the course keep the
      // item (they did attend) but get no completion from it.
      const completers = new Set([...attended.keys(), ...(c.items.some((i) => i.acceptMakeUp) ? madeUp.keys() : [])]);
      const assignedIds = await assignedAmong(tx, c.courseId, [...completers].filter((id) => !completedCourse.has(id)));
      for (const memberId of assignedIds) if (await recomputeCompletion(tx, memberId, c.courseId, pub, now)) result.coursesCompleted++;
    }
    await tx.update(liveSessions).set({ coursesSettledAt: now }).where(eq(liveSessions.id, sessionId));
    return result;
  });
}

/** Of these members, those who are assigned the course now (through a unit or by name). */
async function assignedAmong(tx: Db, courseId: number, memberIds: number[]): Promise<number[]> {
  const out: number[] = [];
  for (const id of memberIds) if (await isAssignedNow(tx, id, courseId)) out.push(id);
  return out;
}

/** How long a process holds a session it settles before another may take it over (ADR 0015). */
export const SETTLE_LEASE_MS = 5 * 60_000;

/**
 * The job: every ended session not yet settled (a few per run, oldest first). With several app
 * processes each session is claimed by one (db/job-claims.server.ts); one still unsettled when the
 * claim is finished is settled, in the transaction that finishes it.
 */
export async function settleDueSessions(db: Db, opts: { reconnectWindowMs: number; now?: Date; limit?: number }): Promise<SettleResult[]> {
  const now = opts.now ?? new Date();
  const held = await heldJobItems(db, "settle-live", now);
  const due = (await db
    .select({ id: liveSessions.id })
    .from(liveSessions)
    .where(and(eq(liveSessions.state, "ended"), isNull(liveSessions.coursesSettledAt)))
    .orderBy(liveSessions.actualEndAt)
    .limit((opts.limit ?? 20) + held.size))
    .filter((r) => !held.has(String(r.id)))
    .slice(0, opts.limit ?? 20);
  const out: SettleResult[] = [];
  await runClaimed(db, "settle-live", due.map((r) => r.id), { leaseMs: SETTLE_LEASE_MS, now }, async (tx, item) => {
    const id = Number(item);
    const still = await first(forUpdate(tx, tx.select({ settledAt: liveSessions.coursesSettledAt }).from(liveSessions).where(eq(liveSessions.id, id))));
    if (!still || still.settledAt !== null) return false;
    const r = await settleLiveSession(tx, id, { ...opts, now });
    if (r) out.push(r);
    return !!r;
  });
  return out.sort((a, b) => due.findIndex((d) => d.id === a.sessionId) - due.findIndex((d) => d.id === b.sessionId));
}

/** Runs settleDueSessions every `everyMs` (a minute) in the app process; returns a stop function. */
export async function scheduleLiveItemSettlement(db: Db, opts: { reconnectWindowMs: number; everyMs?: number; log?: (m: string) => void }): Promise<() => void> {
  const tick = async () => {
    try {
      for (const r of await settleDueSessions(db, opts)) {
        if (r.itemsCompleted || r.itemsWithdrawn) {
          opts.log?.(`Phiên ${r.sessionId}: ${r.itemsCompleted} mục khóa học hoàn thành, ${r.itemsWithdrawn} thu hồi / session ${r.sessionId}: ${r.itemsCompleted} course items completed, ${r.itemsWithdrawn} withdrawn`);
        }
      }
    } catch (e) {
      console.error("live item settlement failed", e);
    }
  };
  await tick();
  const timer = setInterval(tick, opts.everyMs ?? 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * What a member sees on a "live" item: the session, whether their attendance counted, and —
 * where the item accepts make-up — whether they made it up by watching the recording.
 */
export async function liveItemView(db: Db, memberId: number, sessionId: number, opts: { reconnectWindowMs: number; acceptMakeUp?: boolean }) {
  const s = await first(db.select().from(liveSessions).where(eq(liveSessions.id, sessionId)));
  if (!s) return null;
  let status: AttendanceOverride | null = null;
  let madeUp = false;
  if (s.state === "ended") {
    const report = await sessionAttendance(db, sessionId, { reconnectWindowMs: opts.reconnectWindowMs, only: [memberId] });
    const m = report?.members.find((x) => x.memberId === memberId);
    status = m ? (m.corrected?.status ?? m.status) : null;
    madeUp = !!(await makeUpsOf(db, sessionId, [memberId])).get(memberId)?.madeUpAt;
  }
  return {
    id: s.id,
    title: s.title,
    state: s.state,
    start: s.scheduledStartAt.getTime(),
    end: (s.actualEndAt ?? s.plannedEndAt).getTime(),
    status,
    attended: status !== null && ATTENDED.has(status),
    acceptMakeUp: !!opts.acceptMakeUp,
    /** Completed by make-up study (only where the item accepts it, and only if not attended live). */
    madeUp: !!opts.acceptMakeUp && madeUp && !(status !== null && ATTENDED.has(status)),
    settling: s.state === "ended" && s.coursesSettledAt === null,
  };
}
