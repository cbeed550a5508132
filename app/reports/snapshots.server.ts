import { affectedRows } from "#db/dialect.server.ts";
/**
 * Daily completion snapshots: the figures of every unit × assigned course as they stood at the end
 * of a day (Vietnam time), written once and never rewritten, so last week's figure does not change
 * when someone completes today — nor when a member's history is corrected later, which would
 * change a figure recomputed from the records. (Moving a unit, editing a due date or removing an
 * assignment no longer changes a recomputed past figure either: the roll-up reads their history.)
 *
 * Idempotent: a (day, course) that already has rows is skipped whole, inside the write
 * transaction, so a second run (or two processes at once) adds nothing. Rows are the subtree
 * totals (`total`) of units where something is assigned; a unit without a row had nothing
 * assigned that day.
 */
import { and, asc, eq, gte, inArray, lte, sql } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { claimJobItems, finishJobItem, releaseJobItem } from "#db/job-claims.server.ts";
import { completionSnapshots } from "#db/schema/index.ts";
import { assignmentsAt } from "#app/courses/assignment-history.server.ts";
import { completionRollup } from "./completion.server.ts";
import { addDays, endOfVnDay, isDay, vnDay } from "#app/common/vietnam-time.ts";

/** `heldElsewhere`: another app process is taking this day's snapshot now (it holds the claim). */
export type SnapshotOutcome = { day: string; courses: number; skipped: number; rows: number; heldElsewhere?: true };

/** How long a process holds a day it snapshots before another may take it over (ADR 0015). */
export const SNAPSHOT_LEASE_MS = 15 * 60_000;

/**
 * Stores the figures at the end of `day` (YYYY-MM-DD, Vietnam) for every course assigned by then,
 * per unit. The day must be over: a snapshot of a day still running would freeze a partial figure.
 */
export async function takeCompletionSnapshot(db: Db, day: string, now: Date = new Date()): Promise<SnapshotOutcome> {
  if (!isDay(day)) throw new RangeError(`not a day: ${day}`);
  const at = endOfVnDay(day);
  if (at.getTime() >= now.getTime()) throw new RangeError(`day ${day} is not over yet`);
  // The courses in force at the end of the day, read like the roll-up reads them, so a snapshot
  // taken late (backfill) freezes the same figures the dated computation gives for that day.
  const courseIds = [...new Set((await assignmentsAt(db, at.getTime(), null)).map((a) => a.courseId))].sort((a, b) => a - b);
  const done = await alreadyTaken(db, day);
  const todo = courseIds.filter((id) => !done.has(id));
  if (todo.length === 0) return { day, courses: courseIds.length, skipped: courseIds.length, rows: 0 };
  // One app process computes a day (the roll-ups are the expensive part): the others leave it.
  if ((await claimJobItems(db, "snapshot", [day], { leaseMs: SNAPSHOT_LEASE_MS, now })).length === 0) {
    return { day, courses: courseIds.length, skipped: courseIds.length - todo.length, rows: 0, heldElsewhere: true };
  }
  // Computed outside the write transaction (reads only), written inside it.
  const computed: { courseId: number; rollup: Awaited<ReturnType<typeof completionRollup>> }[] = [];
  try {
    for (const courseId of todo) computed.push({ courseId, rollup: await completionRollup(db, { courseIds: [courseId], at }) });
  } catch (e) {
    await releaseJobItem(db, "snapshot", day);
    throw e;
  }
  let rows = 0;
  let skipped = courseIds.length - todo.length;
  await writeTx(db, async (tx) => {
    // Still ours (a lease that ran out while computing throws, and the new holder writes the day).
    await finishJobItem(tx, "snapshot", day);
    const taken = await alreadyTaken(tx, day);
    for (const { courseId, rollup } of computed) {
      if (taken.has(courseId)) {
        skipped++;
        continue;
      }
      const values = rollup.units
        .filter((u) => u.total.assigned > 0)
        .map((u) => ({
          day,
          unitId: u.unitId,
          courseId,
          assigned: u.total.assigned,
          completed: u.total.completed,
          inProgress: u.total.inProgress,
          notStarted: u.total.notStarted,
          overdue: u.total.overdue,
          createdAt: now,
        }));
      for (let i = 0; i < values.length; i += 500) {
        rows += affectedRows(await tx.insert(completionSnapshots).values(values.slice(i, i + 500)).onConflictDoNothing());
      }
    }
  });
  return { day, courses: courseIds.length, skipped, rows };
}

async function alreadyTaken(db: Db, day: string): Promise<Set<number>> {
  return new Set(
    (await db
      .selectDistinct({ id: completionSnapshots.courseId })
      .from(completionSnapshots)
      .where(eq(completionSnapshots.day, day)))
      .map((r) => r.id),
  );
}

/** Snapshots the last `days` days that are over (yesterday and before), oldest first; skips what is there. */
export async function snapshotRecentDays(db: Db, days: number, now: Date = new Date()): Promise<SnapshotOutcome[]> {
  const yesterday = addDays(vnDay(now), -1);
  const out: SnapshotOutcome[] = [];
  for (let k = days - 1; k >= 0; k--) out.push(await takeCompletionSnapshot(db, addDays(yesterday, -k), now));
  return out;
}

/**
 * For the app process: snapshot yesterday at start, then check every `everyMs` (default hourly)
 * whether a new day has ended. Returns a function that stops the timer. Errors are logged, never
 * thrown into the timer.
 */
export async function scheduleDailySnapshots(db: Db, opts: { everyMs?: number; log?: (msg: string) => void } = {}): Promise<() => void> {
  const log = opts.log ?? ((m: string) => console.log(m));
  let last = "";
  const tick = async () => {
    const now = new Date();
    const day = addDays(vnDay(now), -1);
    if (day === last) return;
    try {
      const r = await takeCompletionSnapshot(db, day, now);
      // A day another process is taking is looked at again next tick (it may die meanwhile).
      if (!r.heldElsewhere) last = day;
      if (r.rows > 0) log(`Ảnh chụp tiến độ / completion snapshot ${day}: ${r.rows} rows, ${r.courses} courses`);
    } catch (e) {
      console.error("completion snapshot failed", e);
    }
  };
  await tick();
  const timer = setInterval(tick, opts.everyMs ?? 60 * 60 * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

export type SeriesPoint = { day: string; assigned: number; completed: number; inProgress: number; overdue: number; rate: number | null };

/**
 * Per day in [from, to]: the stored figures summed over the given units (disjoint subtrees, e.g.
 * a unit's children or a trainer's roots) and courses. Days without any row are left out.
 */
export async function completionSeries(db: Db, opts: { unitIds: number[]; courseIds: number[]; from: string; to: string }): Promise<SeriesPoint[]> {
  if (opts.unitIds.length === 0 || opts.courseIds.length === 0) return [];
  const rows = await db
    .select({
      day: completionSnapshots.day,
      assigned: sql<number>`SUM(${completionSnapshots.assigned})`,
      completed: sql<number>`SUM(${completionSnapshots.completed})`,
      inProgress: sql<number>`SUM(${completionSnapshots.inProgress})`,
      overdue: sql<number>`SUM(${completionSnapshots.overdue})`,
    })
    .from(completionSnapshots)
    .where(
      and(
        inArray(completionSnapshots.unitId, opts.unitIds),
        inArray(completionSnapshots.courseId, opts.courseIds),
        gte(completionSnapshots.day, opts.from),
        lte(completionSnapshots.day, opts.to),
      ),
    )
    .groupBy(completionSnapshots.day)
    .orderBy(asc(completionSnapshots.day));
  return rows.map((r) => {
    const assigned = Number(r.assigned);
    const completed = Number(r.completed);
    return { day: r.day, assigned, completed, inProgress: Number(r.inProgress), overdue: Number(r.overdue), rate: assigned ? completed / assigned : null };
  });
}
