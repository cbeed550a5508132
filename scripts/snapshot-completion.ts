/**
 * Daily completion snapshots (issue 6): stores, for every unit × assigned course, the figures as
 * they stood at the end of a day, once. Safe to run again: days and courses already stored are
 * skipped.
 *
 *   npm run reports:snapshot                       # yesterday (Vietnam time)
 *   npm run reports:snapshot -- --day 2025-04-01   # one day that is over
 *   npm run reports:snapshot -- --days 30          # the last 30 days that are over (backfill)
 */
import { z } from "zod";
import { parseEnv } from "#app/env.server.ts";
import { closeDb, openDb } from "#db/client.server.ts";
import { snapshotRecentDays, takeCompletionSnapshot } from "#app/reports/snapshots.server.ts";
import { isDay } from "#app/common/vietnam-time.ts";

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const parsed = z
  .object({
    day: z.string().refine(isDay).optional(),
    days: z.coerce.number().int().min(1).max(366).optional(),
  })
  .safeParse({ day: opt("day"), days: opt("days") });
if (!parsed.success || (parsed.data.day && parsed.data.days)) {
  console.error("Cách dùng / usage: npm run reports:snapshot -- [--day YYYY-MM-DD | --days N]");
  process.exit(2);
}
const env = parseEnv();
const db = await openDb(env.DATABASE_URL, { migrate: true });
try {
  const outcomes = parsed.data.day ? [await takeCompletionSnapshot(db, parsed.data.day)] : await snapshotRecentDays(db, parsed.data.days ?? 1);
  for (const o of outcomes) {
    console.log(`${o.day}: ${o.rows} dòng / rows, ${o.courses} khóa học / courses, ${o.skipped} đã có / already stored`);
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
} finally {
  await closeDb(db);
}
