/**
 * rollup: `completionRollup` over a generated organisation of 100,000 members × 10 courses
 * (depth 5, uneven subtrees, transfers, overlapping assignments, ~1.8 M item-progress rows and
 * ~0.5 M completions; tests/factories/big-org.ts), for the whole organisation and a few other
 * shapes, against a baseline measured in the same run and interleaved with it:
 *
 *   completionRollup — the app function: assignments and units read through drizzle, one SQL
 *                      statement giving per placed member the masks of courses completed / with
 *                      progress, assignment reach resolved per unit, the tree summed in memory;
 *   its SQL, raw     — that statement, captured once and run on a prepared statement: separates
 *                      the SQL's cost from drizzle's and the JavaScript's;
 *   baseline         — one aggregate SQL query over the same data: completions joined to the
 *                      members' current units, COUNT … GROUP BY unit and course. It answers a
 *                      much smaller question (no dates, no assignments, no progress, no tree), so
 *                      the ratio says what the honest numbers cost over the cheapest aggregate.
 *
 * Peak RSS is sampled from a worker thread (the queries are synchronous). A last section swaps the
 * item_progress covering index back to the order it had before migration 0012 (member, started,
 * course) on this throwaway DB, to show in the same run what the current order buys.
 */
import pg from "pg";
import { sql } from "drizzle-orm";
import { bulkWriter, closeDb, openDb, type Db } from "#db/client.server.ts";
import { rawRows } from "#db/dialect.server.ts";
import { compareEngines, copySqliteToPostgres } from "#db/copy-to-postgres.server.ts";
import { halfInput, inPostgresHalf, onPostgres, startPostgres } from "./engines.ts";
import { completionRollup, membersMissing } from "#app/reports/completion.server.ts";
import { generateBigOrg, DAY } from "#tests/factories/big-org.ts";
import {
  fmtBytes,
  fmtInt,
  fmtMs,
  fmtRate,
  fmtRatio,
  gc,
  heading,
  interleave,
  removeDbFiles,
  RssSampler,
  stats,
  table,
  timeSync,
  timeAsync,
  tmpDbPath,
  type BenchResult,
  type Stats,
} from "./lib.ts";
import { captureSql } from "./sql-capture.ts";

export const title = "rollup — completion roll-up, 100,000 members × 10 courses (SQLite and PostgreSQL) and 1,000,000 (PostgreSQL) vs one aggregate SQL query";

/** BENCH_ROLLUP_MEMBERS: a smaller organisation for a quick check of the bench itself. */
const MEMBERS = Number(process.env.BENCH_ROLLUP_MEMBERS ?? 100_000);
const COURSES = 10;
const ITEMS = 3;
const ROUNDS = 25;
/** The whole-organisation case gets more rounds; the others are context. */
const MIN_ROUNDS = 10;
const MIN_ROUNDS_OTHER = 5;

// ---- the PostgreSQL half (bench/engines.ts): the same cases on the copy, in a process of its own

type PgInput = { stage: "100k" | "1m"; ids: number[]; atEnd: number; atMid: number; committeePath: string; committeeId: number };
type PgCase = { label: string; s: Stats; b: Stats; info: string };
type PgData = { cases: PgCase[]; peakRss: number; rssBefore: number };

async function postgresHalf(db: Db, input: PgInput): Promise<PgData> {
  const { ids } = input;
  const atEnd = new Date(input.atEnd);
  const baseAll = sql.raw(
    `SELECT m.unit_id, cc.course_id, count(*) AS n FROM course_completions cc JOIN members m ON m.id = cc.member_id
     WHERE cc.course_id IN (${ids.join(", ")}) GROUP BY m.unit_id, cc.course_id`,
  );
  const baseOne = sql.raw(
    `SELECT m.unit_id, count(*) AS n FROM course_completions cc JOIN members m ON m.id = cc.member_id
     WHERE cc.course_id = ${ids[0]} GROUP BY m.unit_id`,
  );
  const baseScoped = sql`SELECT m.unit_id, cc.course_id, count(*) AS n FROM course_completions cc JOIN members m ON m.id = cc.member_id
     JOIN units u ON u.id = m.unit_id
     WHERE cc.course_id IN (${sql.raw(ids.join(", "))}) AND u.path LIKE ${`${input.committeePath}%`} GROUP BY m.unit_id, cc.course_id`;
  const big = input.stage === "1m";
  const whole = await completionRollup(db, { courseIds: ids, at: atEnd });
  const defs = [
    {
      label: "whole organisation, 10 courses, as of now",
      subject: () => completionRollup(db, { courseIds: ids, at: atEnd }),
      baseline: () => rawRows(db, baseAll),
      budgetMs: big ? 40_000 : 12_000,
      minRounds: big ? 3 : MIN_ROUNDS,
      info: `${fmtInt(whole.total.assigned)} pairs assigned, ${fmtInt(whole.total.completed)} completed`,
    },
    {
      label: "whole organisation, 1 course",
      subject: () => completionRollup(db, { courseIds: [ids[0]], at: atEnd }),
      baseline: () => rawRows(db, baseOne),
      budgetMs: big ? 15_000 : 4_000,
      minRounds: big ? 3 : MIN_ROUNDS_OTHER,
      info: "baseline: the same GROUP BY for one course",
    },
    {
      label: "trainer scope: one committee, 10 courses",
      subject: () => completionRollup(db, { courseIds: ids, at: atEnd, withinPaths: [input.committeePath] }),
      baseline: () => rawRows(db, baseScoped),
      budgetMs: big ? 15_000 : 4_000,
      minRounds: big ? 3 : MIN_ROUNDS_OTHER,
      info: "baseline joins units for the path",
    },
  ];
  const cases: PgCase[] = [];
  for (const d of defs) {
    const samples = await interleave(
      [
        { name: "s", fn: d.subject },
        { name: "b", fn: d.baseline },
      ],
      { rounds: big ? 10 : ROUNDS, warmup: 1, budgetMs: d.budgetMs, minRounds: d.minRounds },
    );
    cases.push({ label: d.label, s: stats(samples.get("s")!), b: stats(samples.get("b")!), info: d.info });
  }
  const sampler = new RssSampler(5);
  try {
    gc();
    const rssBefore = process.memoryUsage.rss();
    sampler.reset();
    await defs[0].subject();
    return { cases, peakRss: sampler.read().peakBytes, rssBefore };
  } finally {
    await sampler.stop();
  }
}

/**
 * 100,000 members to 1,000,000 on PostgreSQL, inside the database: nine more copies of every
 * member (new id and code, e-mail prefixed) in the same units, with their unit history,
 * completions, item progress and by-name assignments, by INSERT … SELECT (no round trips).
 */
async function scaleToMillion(url: string): Promise<{ members: number; progress: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const max = Number((await c.query("SELECT max(id) AS m FROM members")).rows[0].m);
    const off = 10 ** Math.ceil(Math.log10(max + 1));
    const k = "CROSS JOIN generate_series(1, 9) AS k(k)";
    await c.query("BEGIN");
    await c.query(
      `INSERT INTO members (id, code, full_name, full_name_folded, unit_id, position, email, phone, status, role, password_hash, created_at, updated_at)
       SELECT m.id + k.k * ${off}, m.code || '~' || k.k, m.full_name, m.full_name_folded, m.unit_id, m.position,
              CASE WHEN m.email IS NULL THEN NULL ELSE k.k || '.' || m.email END, m.phone, m.status, m.role, m.password_hash, m.created_at, m.updated_at
       FROM members m ${k}`,
    );
    await c.query(
      `INSERT INTO member_unit_history (member_id, unit_id, valid_from, valid_to, note)
       SELECT h.member_id + k.k * ${off}, h.unit_id, h.valid_from, h.valid_to, h.note FROM member_unit_history h ${k}`,
    );
    await c.query(
      `INSERT INTO course_completions (member_id, course_id, version_id, completed_at)
       SELECT x.member_id + k.k * ${off}, x.course_id, x.version_id, x.completed_at FROM course_completions x ${k}`,
    );
    await c.query(
      `INSERT INTO item_progress (member_id, course_id, item_key, state, version_id, started_at, completed_at, seconds_spent, watch_seconds, watch_duration, last_watch_at)
       SELECT p.member_id + k.k * ${off}, p.course_id, p.item_key, p.state, p.version_id, p.started_at, p.completed_at, p.seconds_spent, p.watch_seconds, p.watch_duration, p.last_watch_at
       FROM item_progress p ${k}`,
    );
    await c.query(
      `INSERT INTO course_assignments (course_id, unit_id, member_id, due_at, assigned_by, created_at)
       SELECT a.course_id, a.unit_id, a.member_id + k.k * ${off}, a.due_at, a.assigned_by, a.created_at FROM course_assignments a ${k} WHERE a.member_id IS NOT NULL`,
    );
    await c.query("COMMIT");
    await c.query("SELECT setval(pg_get_serial_sequence('members', 'id'), (SELECT max(id) FROM members))");
    await c.query("ANALYZE");
    const n = async (t: string) => Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    return { members: await n("members"), progress: await n("item_progress") };
  } finally {
    await c.end();
  }
}

async function analyze(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("ANALYZE");
  } finally {
    await c.end();
  }
}

export async function run(): Promise<BenchResult> {
  if (inPostgresHalf()) {
    const db = await openDb(process.env.DATABASE_URL!);
    try {
      return { name: "rollup", summary: [], data: await postgresHalf(db, halfInput<PgInput>()) };
    } finally {
      await closeDb(db);
    }
  }
  console.log(heading(title));
  const file = tmpDbPath("rollup", "db");
  const db = await openDb(`file:${file}`, { migrate: true });
  const sqlite = bulkWriter(db);
  const sampler = new RssSampler(5);
  try {
    // ---- data
    const gen = timeSync(() => generateBigOrg(sqlite, { members: MEMBERS, courses: COURSES, itemsPerCourse: ITEMS, seed: 2026 }));
    const org = gen.value;
    const c = org.counts;
    const rows = c.members + c.history + c.assignments + c.completions + c.progress;
    const dbBytes = (sqlite.prepare("SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()").get() as { n: number }).n;
    const depthOf = new Map<number, number>();
    for (const u of org.units) depthOf.set(u.depth, (depthOf.get(u.depth) ?? 0) + 1);
    console.log(
      `  generated ${fmtInt(org.units.length)} units (per depth ${[...depthOf].map(([d, n]) => `${d}:${n}`).join(" ")}), ${fmtInt(c.members)} members ` +
        `(${fmtInt(c.transferred)} transferred in the window, ${fmtInt(c.left)} left, ${fmtInt(c.noPassword)} never signed in), ` +
        `${fmtInt(c.assignments)} assignments (${fmtInt(c.byName)} by name), ${fmtInt(c.completions)} completions, ${fmtInt(c.progress)} progress rows`,
    );
    console.log(`  in ${fmtMs(gen.ms)} (${fmtRate((rows / gen.ms) * 1000)} rows, raw prepared INSERTs, one transaction); DB ${fmtBytes(dbBytes)}; no ANALYZE (as the app runs)`);

    const ids = org.courseIds;
    const atEnd = new Date(org.end + 30 * DAY); // after all activity: "as of now"
    const atMid = new Date(org.start + Math.floor((org.end - org.start) / 2));
    const committee = org.committees.reduce((best, u) => {
      const n = (x: typeof u) => (sqlite.prepare("SELECT count(*) AS n FROM members m JOIN units u ON u.id = m.unit_id WHERE u.path LIKE ?").get(`${x.path}%`) as { n: number }).n;
      return n(u) > n(best) ? u : best;
    }, org.committees[0]);
    const inCommittee = (sqlite.prepare("SELECT count(*) AS n FROM members m JOIN units u ON u.id = m.unit_id WHERE u.path LIKE ?").get(`${committee.path}%`) as { n: number }).n;

    const baseAll = sqlite.prepare(
      `SELECT m.unit_id, cc.course_id, count(*) AS n FROM course_completions cc JOIN members m ON m.id = cc.member_id
       WHERE cc.course_id IN (${ids.join(", ")}) GROUP BY m.unit_id, cc.course_id`,
    );
    const baseOne = sqlite.prepare(
      `SELECT m.unit_id, count(*) AS n FROM course_completions cc JOIN members m ON m.id = cc.member_id
       WHERE cc.course_id = ? GROUP BY m.unit_id`,
    );
    const baseScoped = sqlite.prepare(
      `SELECT m.unit_id, cc.course_id, count(*) AS n FROM course_completions cc JOIN members m ON m.id = cc.member_id
       JOIN units u ON u.id = m.unit_id
       WHERE cc.course_id IN (${ids.join(", ")}) AND u.path LIKE ? GROUP BY m.unit_id, cc.course_id`,
    );

    type Case = {
      label: string;
      subject: () => unknown;
      baseline: () => unknown;
      raw?: () => unknown;
      budgetMs: number;
      minRounds?: number;
      info: string;
    };
    const rawOf = async (fn: () => unknown) => {
      const heavy = (await captureSql(db, fn)).find((q) => q.sql.includes("item_progress"));
      if (!heavy) return undefined;
      const st = sqlite.prepare(heavy.sql).raw(true);
      return () => st.all(...(heavy.params as unknown[]));
    };
    const whole = await completionRollup(db, { courseIds: ids, at: atEnd });
    const baseRows = baseAll.all() as { n: number }[];
    const cases: Case[] = [
      {
        label: "whole organisation, 10 courses, as of now",
        subject: () => completionRollup(db, { courseIds: ids, at: atEnd }),
        raw: await rawOf(() => completionRollup(db, { courseIds: ids, at: atEnd })),
        baseline: () => baseAll.all(),
        budgetMs: 12_000,
        minRounds: MIN_ROUNDS,
        info: `${fmtInt(whole.total.assigned)} pairs assigned, ${fmtInt(whole.total.completed)} completed; baseline: ${fmtInt(baseRows.reduce((s, r) => s + r.n, 0))} completion rows in ${fmtInt(baseRows.length)} groups`,
      },
      {
        label: "whole organisation, 10 courses, mid-window date",
        subject: () => completionRollup(db, { courseIds: ids, at: atMid }),
        baseline: () => baseAll.all(),
        budgetMs: 4_000,
        info: `${fmtInt((await completionRollup(db, { courseIds: ids, at: atMid })).total.assigned)} pairs assigned at ${atMid.toISOString().slice(0, 10)}`,
      },
      {
        label: "whole organisation, 1 course",
        subject: () => completionRollup(db, { courseIds: [ids[0]], at: atEnd }),
        raw: await rawOf(() => completionRollup(db, { courseIds: [ids[0]], at: atEnd })),
        baseline: () => baseOne.all(ids[0]),
        budgetMs: 4_000,
        info: "baseline: the same GROUP BY for one course",
      },
      {
        label: `trainer scope: committee ${committee.code}, 10 courses`,
        subject: () => completionRollup(db, { courseIds: ids, at: atEnd, withinPaths: [committee.path] }),
        baseline: () => baseScoped.all(`${committee.path}%`),
        budgetMs: 4_000,
        info: `${fmtInt(inCommittee)} members (${((inCommittee / MEMBERS) * 100).toFixed(1)} %); baseline joins units for the path`,
      },
      {
        label: `membersMissing: committee ${committee.code}, 1 course`,
        subject: () => membersMissing(db, { courseId: ids[0], unitId: committee.id, at: atEnd }),
        baseline: () => baseOne.all(ids[0]),
        budgetMs: 3_000,
        info: `${fmtInt((await membersMissing(db, { courseId: ids[0], unitId: committee.id, at: atEnd })).length)} members listed; baseline: one-course GROUP BY (whole org)`,
      },
    ];

    type Row = { c: Case; s: Awaited<ReturnType<typeof stats>>; b: Awaited<ReturnType<typeof stats>>; r?: Awaited<ReturnType<typeof stats>> };
    const results: Row[] = [];
    for (const cs of cases) {
      const variants = [
        { name: "s", fn: cs.subject },
        { name: "b", fn: cs.baseline },
        ...(cs.raw ? [{ name: "r", fn: cs.raw }] : []),
      ];
      const samples = await interleave(variants, { rounds: ROUNDS, warmup: 1, budgetMs: cs.budgetMs, minRounds: cs.minRounds ?? MIN_ROUNDS_OTHER });
      results.push({ c: cs, s: stats(samples.get("s")!), b: stats(samples.get("b")!), r: cs.raw ? stats(samples.get("r")!) : undefined });
    }
    console.log(
      table(
        ["case", "n", "subject p50", "p95", "its SQL raw p50", "baseline p50", "p95", "÷ baseline"],
        results.map((x) => [x.c.label, x.s.n, fmtMs(x.s.p50), fmtMs(x.s.p95), x.r ? fmtMs(x.r.p50) : "–", fmtMs(x.b.p50), fmtMs(x.b.p95), fmtRatio(x.s.p50, x.b.p50)]),
      ),
    );
    for (const x of results) console.log(`  ${x.c.label}: ${x.c.info}`);

    // ---- memory: the whole-organisation roll-up, then the baseline, each from a collected heap
    const peak = (fn: () => unknown) => {
      gc();
      const before = process.memoryUsage.rss();
      sampler.reset();
      for (let i = 0; i < 3; i++) fn();
      const p = sampler.read().peakBytes;
      return { before, peak: p };
    };
    const memR = peak(cases[0].subject);
    const memB = peak(cases[0].baseline);
    console.log(
      `  peak RSS over 3 runs: completionRollup ${fmtBytes(memR.peak)} (+${fmtBytes(memR.peak - memR.before)} over ${fmtBytes(memR.before)} before); ` +
        `baseline ${fmtBytes(memB.peak)} (+${fmtBytes(memB.peak - memB.before)})`,
    );

    // ---- the index order before migration 0012, for comparison (this throwaway DB only):
    // item_progress (member_id, started_at, course_id) in place of (member_id, course_id, started_at).
    // The current order gives a member's progress rows in course order (DISTINCT course_id without
    // a temp B-tree) and one course's rows as one range.
    const idx = timeSync(() =>
      sqlite.exec(
        `CREATE INDEX bench_ip_member_started_course ON item_progress (member_id, started_at, course_id);
         DROP INDEX item_progress_member_course_started_idx;`,
      ),
    );
    const rawIdx = (await rawOf(() => completionRollup(db, { courseIds: ids, at: atEnd })))!;
    const rawIdxOne = (await rawOf(() => completionRollup(db, { courseIds: [ids[0]], at: atEnd })))!;
    const after = await interleave(
      [
        { name: "s", fn: cases[0].subject },
        { name: "b", fn: cases[0].baseline },
        { name: "r", fn: rawIdx },
        { name: "s1", fn: cases[2].subject },
        { name: "r1", fn: rawIdxOne },
      ],
      { rounds: ROUNDS, warmup: 1, budgetMs: 8_000, minRounds: MIN_ROUNDS },
    );
    const wi = { s: stats(after.get("s")!), b: stats(after.get("b")!), r: stats(after.get("r")!), s1: stats(after.get("s1")!), r1: stats(after.get("r1")!) };
    console.log(
      `  previous index order, item_progress(member_id, started_at, course_id) instead of (member_id, course_id, started_at) ` +
        `(built in ${fmtMs(idx.ms)}): completionRollup p50 ${fmtMs(wi.s.p50)} / p95 ${fmtMs(wi.s.p95)} (n ${wi.s.n}), its SQL raw p50 ${fmtMs(wi.r.p50)}, ` +
        `baseline p50 ${fmtMs(wi.b.p50)} (${fmtRatio(wi.s.p50, wi.b.p50)}); one course p50 ${fmtMs(wi.s1.p50)} / p95 ${fmtMs(wi.s1.p95)}, its SQL raw p50 ${fmtMs(wi.r1.p50)}`,
    );

    // ---- PostgreSQL: the same rows through db:copy's code (copied, then verified table by table)
    const server = await startPostgres();
    let pgLines: string[];
    try {
      const url = await server.createDatabase("rollup");
      const copied = await timeAsync(() => copySqliteToPostgres({ sqliteFile: file, postgresUrl: url, verify: false }));
      const verified = await timeAsync(() => compareEngines({ sqliteFile: file, postgresUrl: url }));
      const copiedRows = verified.value.reduce((n, r) => n + r.rows, 0);
      const allSame = verified.value.every((r) => r.same);
      const an = await timeAsync(() => analyze(url));
      const copyLine =
        `db:copy of this organisation (${fmtInt(copiedRows)} rows in ${verified.value.length} tables): copy ${fmtMs(copied.ms)} (${fmtRate((copiedRows / copied.ms) * 1000)} rows), ` +
        `verify ${fmtMs(verified.ms)}: ${allSame ? "every table identical (row count and SHA-256)" : `DIFFERS: ${verified.value.filter((r) => !r.same).map((r) => r.table).join(", ")}`}; ANALYZE ${fmtMs(an.ms)}`;
      console.log(`  ${copyLine}`);
      const input: PgInput = { stage: "100k", ids, atEnd: atEnd.getTime(), atMid: atMid.getTime(), committeePath: committee.path, committeeId: committee.id };
      const p100 = await onPostgres<PgData>("rollup", url, input);
      const scaled = await timeAsync(() => scaleToMillion(url));
      console.log(`  PostgreSQL scaled to ${fmtInt(scaled.value.members)} members, ${fmtInt(scaled.value.progress)} progress rows in ${fmtMs(scaled.ms)} (INSERT … SELECT, ANALYZE)`);
      const p1m = await onPostgres<PgData>("rollup", url, { ...input, stage: "1m" });
      const lite3 = [results[0], results[2], results[3]];
      console.log(
        table(
          ["case", "SQLite 100k p50", "÷ base", "PostgreSQL 100k p50", "p95", "baseline p50", "÷ base", "PostgreSQL 1M p50", "p95", "baseline p50", "÷ base"],
          p100.cases.map((x, i) => {
            const m = p1m.cases[i];
            const l = lite3[i];
            return [x.label, fmtMs(l.s.p50), fmtRatio(l.s.p50, l.b.p50), fmtMs(x.s.p50), fmtMs(x.s.p95), fmtMs(x.b.p50), fmtRatio(x.s.p50, x.b.p50), fmtMs(m.s.p50), fmtMs(m.s.p95), fmtMs(m.b.p50), fmtRatio(m.s.p50, m.b.p50)];
          }),
        ),
      );
      for (const [n, d] of [["100k", p100], ["1M", p1m]] as const) {
        console.log(`  PostgreSQL ${n}: ${d.cases[0].info}; peak RSS of the app process during one whole-organisation roll-up ${fmtBytes(d.peakRss)} (+${fmtBytes(d.peakRss - d.rssBefore)})`);
      }
      const [w100, w1m] = [p100.cases[0], p1m.cases[0]];
      pgLines = [
        `rollup on PostgreSQL, ${fmtInt(MEMBERS)} members × ${COURSES} courses: whole organisation ${fmtMs(w100.s.p50)} p50 / ${fmtMs(w100.s.p95)} p95, ` +
          `one aggregate SQL ${fmtMs(w100.b.p50)}: ratio ${fmtRatio(w100.s.p50, w100.b.p50)} (SQLite in the same run: ${fmtRatio(results[0].s.p50, results[0].b.p50)}); ` +
          `one course ${fmtMs(p100.cases[1].s.p50)} (${fmtRatio(p100.cases[1].s.p50, p100.cases[1].b.p50)}), trainer scope ${fmtMs(p100.cases[2].s.p50)} (${fmtRatio(p100.cases[2].s.p50, p100.cases[2].b.p50)})`,
        `rollup on PostgreSQL, ${fmtInt(scaled.value.members)} members × ${COURSES} courses (${fmtInt(scaled.value.progress)} progress rows): whole organisation ` +
          `${fmtMs(w1m.s.p50)} p50 / ${fmtMs(w1m.s.p95)} p95 (n ${w1m.s.n}), one aggregate SQL ${fmtMs(w1m.b.p50)}: ratio ${fmtRatio(w1m.s.p50, w1m.b.p50)} ` +
          `(target ≤ 2× and < 2 s: ${w1m.s.p50 <= 2 * w1m.b.p50 && w1m.s.p50 < 2000 ? "met" : "not met"}); peak RSS ${fmtBytes(p1m.peakRss)}; ` +
          `one course ${fmtMs(p1m.cases[1].s.p50)} (${fmtRatio(p1m.cases[1].s.p50, p1m.cases[1].b.p50)}), trainer scope ${fmtMs(p1m.cases[2].s.p50)} (${fmtRatio(p1m.cases[2].s.p50, p1m.cases[2].b.p50)})`,
        `rollup: ${copyLine}; scaling to 1M inside PostgreSQL ${fmtMs(scaled.ms)}`,
      ];
    } finally {
      await server.stop();
    }

    const [a, mid, one, scoped, missing] = results;
    return {
      name: "rollup",
      summary: [
        ...pgLines,
        `rollup (${fmtInt(c.members)} members × ${COURSES} courses, ${fmtInt(org.units.length)} units, depth 5; ${fmtInt(whole.total.assigned)} pairs assigned, ` +
          `${fmtInt(c.progress)} progress rows): whole-organisation completionRollup p50 ${fmtMs(a.s.p50)} / p95 ${fmtMs(a.s.p95)} ` +
          `(its SQL alone ${fmtMs(a.r!.p50)}), peak RSS ${fmtBytes(memR.peak)} (+${fmtBytes(memR.peak - memR.before)}); ` +
          `one aggregate SQL (completions ⋈ members, COUNT … GROUP BY unit, course) p50 ${fmtMs(a.b.p50)}: ratio ${fmtRatio(a.s.p50, a.b.p50)}`,
        `rollup: mid-window date ${fmtMs(mid.s.p50)} p50 (${fmtRatio(mid.s.p50, mid.b.p50)}); one course ${fmtMs(one.s.p50)} (${fmtRatio(one.s.p50, one.b.p50)}); ` +
          `trainer scope (${fmtInt(inCommittee)} members) ${fmtMs(scoped.s.p50)} (${fmtRatio(scoped.s.p50, scoped.b.p50)}); ` +
          `membersMissing for that committee ${fmtMs(missing.s.p50)} p50`,
        `rollup: with the index order before migration 0012, (member_id, started_at, course_id): whole organisation ${fmtMs(wi.s.p50)} p50 / ${fmtMs(wi.s.p95)} p95 ` +
          `(its SQL alone ${fmtMs(wi.r.p50)}; ${fmtRatio(wi.s.p50, wi.b.p50)} baseline), one course ${fmtMs(wi.s1.p50)} p50`,
      ],
    };
  } finally {
    await sampler.stop();
    await closeDb(db);
    removeDbFiles(file);
  }
}
