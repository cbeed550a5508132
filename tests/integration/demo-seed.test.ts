import { first } from "#db/first.ts";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { and, eq, getTableColumns, sql } from "drizzle-orm";
import { rawFirst, rawRows } from "#db/dialect.server.ts";
import { tablesInCopyOrder } from "#db/copy-to-postgres.server.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { writeTx, type Db } from "#db/client.server.ts";
import { completionSnapshots, members } from "#db/schema/index.ts";
import { completionRollup, memberRecord } from "#app/reports/completion.server.ts";
import { snapshotRecentDays } from "#app/reports/snapshots.server.ts";
import { seriesPoints } from "#app/reports/page.server.ts";
import { sessionAttendance } from "#app/live/attendance.server.ts";
import { madeUpMembers, recordingFile, recordingOf } from "#app/live/recordings.server.ts";
import { RECONNECT_WINDOW_MS } from "#app/live/sessions.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";
import { addDays, endOfVnDay, vnDay } from "#app/common/vietnam-time.ts";
import type { DemoAccounts } from "../../scripts/seed/demo.ts";
import type { PastSession } from "../../scripts/seed/past-session.ts";
import { HISTORY_DAYS } from "../../scripts/seed/clock.ts";

/**
 * The demo a newcomer meets after `npm start` (scripts/seed/): six weeks of believable history,
 * seeded into a real SQLite file through the product's functions, checked through the functions
 * the report pages call. The same `now` twice must write the same rows.
 */
type SeededDb = Db & { file: string; url: string };
const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "tests/factories/demo-world-cli.ts");
// 10:30 in Vietnam: the story ends last night, and today has begun.
const NOW = new Date(Date.UTC(2026, 11, 7, 3, 30));
const TODAY = vnDay(NOW);
const YESTERDAY = addDays(TODAY, -1);
/** Columns that are secrets, drawn at random on purpose: never predictable, hence not repeated. */
const RANDOM_BY_DESIGN: Record<string, string[]> = { certificates: ["code"], members: ["activation_code_hash"] };

let a: SeededDb, b: SeededDb;
let worldA: SeedOutcome;
let dataDir: string;
let courseIds: number[];

type SeedOutcome = { ms: number; pastSession: PastSession | null; accounts: DemoAccounts };

/** Seeds a fresh test database in a child process (see the CLI), then opens it here. */
async function seeded(): Promise<{ db: SeededDb; outcome: SeedOutcome }> {
  const db = await testDb();
  const { stdout } = await run(process.execPath, ["--import", "tsx", CLI, db.url, dataDir, NOW.toISOString(), "demo-hash"], { cwd: ROOT, maxBuffer: 16 << 20 });
  return { db, outcome: JSON.parse(stdout.trim().split("\n").at(-1)!) as SeedOutcome };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-demo-"));
  // One after the other: each seed keeps a core busy, and the machine is shared.
  const x = await seeded();
  const y = await seeded();
  a = x.db;
  b = y.db;
  worldA = x.outcome;
  console.log(`demo seed: ${x.outcome.ms} ms, then ${y.outcome.ms} ms`);
  courseIds = (await rawRows<{ id: number }>(a, sql`SELECT DISTINCT course_id AS id FROM course_assignments ORDER BY 1`)).map((r) => r.id);
});
afterAll(async () => {
  // Unset when the seed itself failed: its error is the one to read, not a second one here.
  if (a) await dropDb(a);
  if (b) await dropDb(b);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const memberId = async (db: Db, code: string) => (await first(db.select({ id: members.id }).from(members).where(eq(members.code, code))))!.id;

describe("demo seed", () => {
  test("the completion-over-time chart of the demo root shows a rising curve over at least 20 days", async () => {
    const root = (await getUnitByCode(a, "TW"))!;
    const live = (await completionRollup(a, { courseIds, at: NOW, rootUnitId: root.id })).units.find((u) => u.unitId === root.id)!.total;
    const points = await seriesPoints(a, { unitIds: [root.id], courseIds, day: TODAY, today: TODAY, live });
    const days = new Set(points.map((p) => p.day));
    expect(days.size).toBeGreaterThanOrEqual(20);
    for (let i = 1; i < points.length; i++) expect(points[i].completed).toBeGreaterThanOrEqual(points[i - 1].completed);
    // A curve, not a step: the figure moves on most days and ends well above where it started.
    expect(new Set(points.map((p) => p.completed)).size).toBeGreaterThanOrEqual(15);
    expect(points.at(-1)!.rate! - points[0].rate!).toBeGreaterThan(0.15);
    expect(points.every((p) => p.assigned === live.assigned)).toBe(true);
  });

  test("cells complete at different rates, and some members are overdue", async () => {
    const rollup = await completionRollup(a, { courseIds, at: NOW });
    const parents = new Set(rollup.units.map((u) => u.parentId));
    const cells = rollup.units.filter((u) => !parents.has(u.unitId));
    expect(cells).toHaveLength(12);
    const rates = cells.map((c) => c.total.rate!);
    expect(new Set(rates.map((r) => r.toFixed(2))).size).toBeGreaterThanOrEqual(8);
    expect(Math.max(...rates) - Math.min(...rates)).toBeGreaterThan(0.3);
    expect(rollup.total.overdue).toBeGreaterThan(0);
    expect(rollup.total.completed).toBeGreaterThan(0);
    expect(rollup.total.inProgress).toBeGreaterThan(0);
    expect(rollup.total.notStarted).toBeGreaterThan(0);
  });

  test("the demo accounts keep their stories", async () => {
    const one = (await memberRecord(a, await memberId(a, "DV00001"), { at: NOW })).courses.filter((c) => c.assigned);
    expect(one.filter((c) => c.state === "completed").length).toBeGreaterThanOrEqual(1);
    expect(one.filter((c) => c.state !== "completed").length).toBeGreaterThanOrEqual(1);
    expect(one.some((c) => c.state === "in_progress")).toBe(true);
    const two = (await memberRecord(a, await memberId(a, "DV00002"), { at: NOW })).courses.filter((c) => c.assigned);
    expect(two.every((c) => c.state === "completed")).toBe(true);
    const three = (await memberRecord(a, await memberId(a, "DV00003"), { at: NOW })).courses.filter((c) => c.assigned);
    expect(three.some((c) => c.state === "in_progress" && c.overdue)).toBe(true);
    expect(three.some((c) => c.state === "completed")).toBe(false);
    for (const code of ["DV00004", "DV00005"]) {
      const m = (await first(a.select().from(members).where(eq(members.code, code))))!;
      expect(m.passwordHash).toBeNull();
      expect(m.activationCodeHash).not.toBeNull();
      expect(m.activationExpiresAt!.getTime()).toBeGreaterThan(NOW.getTime());
      expect((await memberRecord(a, m.id, { at: NOW })).courses.every((c) => c.state === "not_started")).toBe(true);
    }
    expect(worldA.accounts.members.map((m) => m.code)).toEqual(["DV00001", "DV00002", "DV00003"]);
    expect(worldA.accounts.activation.map((m) => m.code)).toEqual(["DV00004", "DV00005"]);
  });

  test("the past session has every kind of attendance, and one absence corrected as excused", async () => {
    const rep = (await sessionAttendance(a, worldA.pastSession!.sessionId, { reconnectWindowMs: RECONNECT_WINDOW_MS, now: NOW.getTime() }))!;
    expect(rep.end.getTime()).toBeLessThan(NOW.getTime());
    const statuses = new Set(rep.members.map((m) => m.status));
    for (const s of ["present", "late", "left-early", "absent"]) expect(statuses).toContain(s);
    const via = new Set(rep.members.map((m) => m.via));
    expect(via).toContain("individual");
    expect(via).toContain("cell-room");
    expect(rep.members.some((m) => m.via === "cell-room" && m.status === "late")).toBe(true);
    const corrected = rep.members.filter((m) => m.corrected);
    expect(corrected).toHaveLength(1);
    expect(corrected[0]).toMatchObject({ status: "absent", corrected: { status: "excused" } });
  });

  test("the past session has its recording (a playable WebM), published for make-up; two absentees have made it up", async () => {
    const sessionId = worldA.pastSession!.sessionId;
    const rec = (await recordingOf(a, sessionId))!;
    expect(rec).toMatchObject({ state: "ready", makeUpMinPercent: 80 });
    expect(rec.publishedAt).not.toBeNull();
    const file = recordingFile(dataDir, rec)!;
    expect(file).toBeDefined();
    // What a browser gets: a video and an audio track, as long as the row says.
    const probe = await run("ffprobe", ["-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "json", file]);
    const info = JSON.parse(probe.stdout) as { format: { duration: string }; streams: { codec_type: string }[] };
    expect(info.streams.map((s) => s.codec_type).sort()).toEqual(["audio", "video"]);
    expect(Math.abs(Number(info.format.duration) * 1000 - rec.durationMs!)).toBeLessThan(2000);

    const madeUp = await madeUpMembers(a, sessionId);
    expect([...madeUp].sort((x, y) => x - y)).toEqual(worldA.pastSession!.madeUpMemberIds);
    expect(madeUp.size).toBe(2);
    // Made up, never merged with live presence: the live report still has them absent.
    const rep = (await sessionAttendance(a, sessionId, { reconnectWindowMs: RECONNECT_WINDOW_MS, now: NOW.getTime() }))!;
    for (const id of madeUp) expect(rep.members.find((m) => m.memberId === id)?.status).toBe("absent");
  });

  test("quiz attempts score across the range; every completion has its certificate", async () => {
    const scores = await rawRows<{ score: number; passed: number }>(a, sql`SELECT score, passed FROM quiz_attempts WHERE state = 'submitted'`);
    expect(new Set(scores.map((s) => Math.floor(s.score * 10))).size).toBeGreaterThanOrEqual(5);
    expect(scores.some((s) => s.passed === 0)).toBe(true);
    expect(scores.some((s) => s.score === 1)).toBe(true);
    const n = async (q: string) => (await rawFirst<{ n: number }>(a, sql.raw(q)))!.n;
    expect(await n("SELECT COUNT(*) AS n FROM quiz_attempts WHERE state = 'open'")).toBe(0);
    expect(await n("SELECT COUNT(*) AS n FROM certificates")).toBe(await n("SELECT COUNT(*) AS n FROM course_completions"));
    expect(await n("SELECT COUNT(*) AS n FROM certificates")).toBeGreaterThan(0);
    // Issued when the course was completed, on the history's clock.
    expect(await n("SELECT COUNT(*) AS n FROM certificates WHERE issued_at < completed_at OR issued_at >= " + NOW.getTime())).toBe(0);
  });

  test("the roll-up for today equals the latest snapshot (yesterday's), course by course", async () => {
    for (const courseId of courseIds) {
      const rollup = await completionRollup(a, { courseIds: [courseId], at: NOW });
      expect(await stored(a, YESTERDAY, courseId)).toEqual(rollupRows(rollup));
    }
  });

  test("each snapshot, frozen as its day ended, equals the roll-up recomputed from the records for that day", async () => {
    const days = (await rawRows<{ day: string }>(a, sql`SELECT DISTINCT day FROM completion_snapshots ORDER BY day`)).map((r) => r.day);
    expect(days).toHaveLength(HISTORY_DAYS + 1);
    expect(days.at(-1)).toBe(YESTERDAY);
    for (const day of days) {
      for (const courseId of courseIds) {
        const rollup = await completionRollup(a, { courseIds: [courseId], at: endOfVnDay(day) });
        expect(await stored(a, day, courseId), `${day} course ${courseId}`).toEqual(rollupRows(rollup));
      }
    }
  });

  test("a back-fill after the fact stores what the nightly snapshots stored", async () => {
    const before = await snapshotRows(b);
    await writeTx(b, async (tx) => tx.delete(completionSnapshots));
    await snapshotRecentDays(b, HISTORY_DAYS + 1, NOW);
    expect(await snapshotRows(b)).toEqual(before);
  });

  test("two seeds with the same now write the same rows (secrets aside)", async () => {
    // Every table of the schema, in key order (the same list db:copy walks), on either engine.
    const tables = tablesInCopyOrder()
      .map((p) => {
        const cols = getTableColumns(p.lite) as Record<string, { name: string }>;
        return { name: p.name, key: p.keyColumns.map((k) => `"${cols[k].name}"`).join(", ") };
      })
      // b's snapshots were rebuilt by the back-fill test; they are compared there.
      .filter((t) => t.name !== "completion_snapshots");
    expect(tables.length).toBeGreaterThan(20);
    for (const { name: table, key } of tables) {
      const secret = RANDOM_BY_DESIGN[table] ?? [];
      const rows = (db: Db) => rawRows<Record<string, unknown>>(db, sql.raw(`SELECT * FROM "${table}" ORDER BY ${key}`));
      const ra = await rows(a);
      const rb = await rows(b);
      const strip = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => !secret.includes(k)));
      expect(rb.map(strip), table).toEqual(ra.map(strip));
      for (const col of secret) {
        const filled = ra.filter((r) => r[col] != null);
        expect(filled.length, `${table}.${col}`).toBeGreaterThan(0);
        expect(filled.every((r, i) => r[col] !== rb.filter((x) => x[col] != null)[i][col]), `${table}.${col} is random`).toBe(true);
      }
    }
  });
});

function figures(c: { assigned: number; completed: number; inProgress: number; notStarted: number; overdue: number }) {
  return { assigned: c.assigned, completed: c.completed, inProgress: c.inProgress, notStarted: c.notStarted, overdue: c.overdue };
}

/** What a snapshot stores of a roll-up: the subtree totals of units where something is assigned. */
function rollupRows(rollup: Awaited<ReturnType<typeof completionRollup>>) {
  return rollup.units
    .filter((u) => u.total.assigned > 0)
    .map((u) => ({ unitId: u.unitId, ...figures(u.total) }))
    .sort((x, y) => x.unitId - y.unitId);
}

async function stored(db: Db, day: string, courseId: number) {
  return (await db
    .select()
    .from(completionSnapshots)
    .where(and(eq(completionSnapshots.day, day), eq(completionSnapshots.courseId, courseId))))
    .map((r) => ({ unitId: r.unitId, ...figures(r) }))
    .sort((x, y) => x.unitId - y.unitId);
}

async function snapshotRows(db: Db) {
  return (await db
    .select()
    .from(completionSnapshots))
    .map((r) => ({ day: r.day, unitId: r.unitId, courseId: r.courseId, ...figures(r) }))
    .sort((x, y) => (x.day < y.day ? -1 : x.day > y.day ? 1 : x.courseId - y.courseId || x.unitId - y.unitId));
}
