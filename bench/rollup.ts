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
import { bulkWriter, closeDb, openDb } from "#db/client.server.ts";
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
  tmpDbPath,
  type BenchResult,
} from "./lib.ts";
import { captureSql } from "./sql-capture.ts";

export const title = "rollup — completion roll-up, 100,000 members × 10 courses vs one aggregate SQL query";

const MEMBERS = 100_000;
const COURSES = 10;
const ITEMS = 3;
const ROUNDS = 25;
/** The whole-organisation case gets more rounds; the others are context. */
const MIN_ROUNDS = 10;
const MIN_ROUNDS_OTHER = 5;

export async function run(): Promise<BenchResult> {
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

    const [a, mid, one, scoped, missing] = results;
    return {
      name: "rollup",
      summary: [
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
