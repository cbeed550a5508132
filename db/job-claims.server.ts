/**
 * Claims with leases for background jobs (ADR 0015, "Jobs run once across processes"): several app
 * processes may run the same job over the same to-do list; each item is worked on by one of them.
 *
 * - `claimJobItems` takes the items nobody holds, or whose holder's lease has run out (a process
 *   killed mid-job), in one statement on both engines: an upsert that only overwrites an expired
 *   lease, returning the items this process now holds. On PostgreSQL a second claimer of the same
 *   item waits for the first one's (short) claim transaction and then sees the lease held; on
 *   SQLite the write lock serialises the claims.
 * - `finishJobItem` is the first statement of the transaction that records the item's outcome: it
 *   deletes the claim only if this process still holds it, and throws `JobClaimLost` otherwise, so
 *   the outcome rolls back and the process that took the item over is the one that records it.
 *   Whether an item still needs doing is the job's own state, checked after this in the same
 *   transaction.
 */
import os from "node:os";
import crypto from "node:crypto";
import { and, asc, eq, gt, lte, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { writeTx, type Db } from "./client.server.ts";
import { jobClaims } from "./schema/index.ts";

/** This process as a holder: host, pid and a random part (a restarted pid is another holder). */
export const PROCESS_HOLDER = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`;

export type JobName = "mail" | "settle-live" | "snapshot" | "abandoned-attempts";

export class JobClaimLost extends Error {
  constructor(readonly job: string, readonly item: string) {
    super(`claim on ${job}/${item} was taken over by another process after its lease ran out`);
  }
}

/** Of `items`, those this process now holds until `now + leaseMs` (sorted; maybe none). */
export async function claimJobItems(
  db: Db,
  job: JobName,
  items: readonly (string | number)[],
  opts: { leaseMs: number; now?: Date; holder?: string },
): Promise<string[]> {
  const keys = [...new Set(items.map(String))].sort();
  if (keys.length === 0) return [];
  const now = opts.now ?? new Date();
  const holder = opts.holder ?? PROCESS_HOLDER;
  const leaseUntil = new Date(now.getTime() + opts.leaseMs);
  return writeTx(db, async (tx) => {
    const got: string[] = [];
    // In one order, in slices: two claimers of overlapping lists wait on each other, never in a cycle.
    for (let i = 0; i < keys.length; i += 200) {
      const rows = await tx
        .insert(jobClaims)
        .values(keys.slice(i, i + 200).map((item) => ({ job, item, holder, leaseUntil })))
        .onConflictDoUpdate({
          target: [jobClaims.job, jobClaims.item],
          set: { holder: sql`excluded.holder`, leaseUntil: sql`excluded.lease_until` },
          setWhere: lte(jobClaims.leaseUntil, now),
        })
        .returning({ item: jobClaims.item });
      got.push(...rows.map((r) => r.item));
    }
    return got.sort();
  });
}

/**
 * Inside the transaction that records the item's outcome, first: gives the claim up, or throws
 * `JobClaimLost` when another process took it over (this one's lease ran out).
 */
export async function finishJobItem(tx: Db, job: JobName, item: string | number, holder = PROCESS_HOLDER): Promise<void> {
  const gone = await tx
    .delete(jobClaims)
    .where(and(eq(jobClaims.job, job), eq(jobClaims.item, String(item)), eq(jobClaims.holder, holder)))
    .returning({ item: jobClaims.item });
  if (gone.length === 0) throw new JobClaimLost(job, String(item));
}

/** Gives a claim up without recording anything (the work failed): the item is free at once. */
export async function releaseJobItem(db: Db, job: JobName, item: string | number, holder = PROCESS_HOLDER): Promise<void> {
  await writeTx(db, async (tx) => {
    await tx.delete(jobClaims).where(and(eq(jobClaims.job, job), eq(jobClaims.item, String(item)), eq(jobClaims.holder, holder)));
  });
}

/**
 * A condition for a job's candidate query: the row (its id column) is not held by anyone at `now`.
 * The item is compared as text (`CAST(… AS TEXT)`, the same on both engines).
 */
export function notHeld(job: JobName, idColumn: AnyColumn, now: Date): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM ${jobClaims} WHERE ${jobClaims.job} = ${job} AND ${jobClaims.item} = CAST(${idColumn} AS TEXT) AND ${jobClaims.leaseUntil} > ${now.getTime()})`;
}

/** Items of `job` someone holds at `now` (a job's candidate query leaves them out). */
export async function heldJobItems(db: Db, job: JobName, now = new Date()): Promise<Set<string>> {
  const rows = await db
    .select({ item: jobClaims.item })
    .from(jobClaims)
    .where(and(eq(jobClaims.job, job), gt(jobClaims.leaseUntil, now)))
    .orderBy(asc(jobClaims.item));
  return new Set(rows.map((r) => r.item));
}

/**
 * Runs `work` for each item this process claims, each in its own transaction that starts by
 * finishing the claim; returns how many items `work` reported done (true). An item whose claim was
 * lost is skipped (the process that took it over records it).
 */
export async function runClaimed(
  db: Db,
  job: JobName,
  items: readonly (string | number)[],
  opts: { leaseMs: number; now?: Date; holder?: string },
  work: (tx: Db, item: string) => Promise<boolean>,
): Promise<{ claimed: string[]; done: string[] }> {
  const claimed = await claimJobItems(db, job, items, opts);
  const done: string[] = [];
  for (const item of claimed) {
    try {
      const did = await writeTx(db, async (tx) => {
        await finishJobItem(tx, job, item, opts.holder);
        return work(tx, item);
      });
      if (did) done.push(item);
    } catch (e) {
      if (!(e instanceof JobClaimLost)) throw e;
    }
  }
  return { claimed, done };
}

