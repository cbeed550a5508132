import { sqliteTable, integer, text, primaryKey } from "drizzle-orm/sqlite-core";

/**
 * Claims of background work by one app process for a while (ADR 0015, "Jobs run once across
 * processes"): one row per job and item while a process holds it. `lease_until` is when another
 * process may take the item over (a holder killed mid-job); finishing deletes the row in the same
 * transaction as the job's writes, and only while the holder still holds it (db/job-claims.server.ts).
 * Whether an item still needs doing lives in the job's own tables (emailed_at, courses_settled_at,
 * the snapshot rows, the attempt's state), never here.
 */
export const jobClaims = sqliteTable(
  "job_claims",
  {
    /** The job: "mail", "settle-live", "snapshot", "abandoned-attempts". */
    job: text("job").notNull(),
    /** The item within the job: a row id or a day, as text. */
    item: text("item").notNull(),
    /** The holding process (host, pid and a random part: a restarted pid is another holder). */
    holder: text("holder").notNull(),
    leaseUntil: integer("lease_until", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.job, t.item] })],
);
