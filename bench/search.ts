/**
 * search: `searchMembers` over an organisation of 100,000 members with realistic Vietnamese names
 * (tests/factories/big-org.ts, the generator the roll-up benchmark uses: uneven tree of depth up
 * to 5, most members in leaf cells), for realistic queries, as an administrator (no scope) and as
 * a trainer scoped to one committee.
 *
 * Three timings per query, interleaved round by round:
 *   searchMembers — the app function (drizzle builds and prepares the SQL on every call; it runs a
 *                   COUNT and a page query, with the name/code/e-mail OR and the unit join);
 *   raw same SQL  — the two statements searchMembers generated, captured once and run through
 *                   prepared better-sqlite3 statements: separates drizzle's cost from the SQL's;
 *   baseline      — one raw prepared statement doing the same LIKE over full_name_folded (joined
 *                   to units for the path filter when scoped), ORDER BY name LIMIT 50.
 */
import type Database from "better-sqlite3";
import { bulkWriter, closeDb, openDb } from "#db/client.server.ts";
import { searchMembers, type MemberSearch } from "#app/org/members.server.ts";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { likeEscape } from "#app/org/units.server.ts";
import { generateBigOrg } from "#tests/factories/big-org.ts";
import {
  fmtInt,
  fmtMs,
  fmtRate,
  fmtRatio,
  heading,
  interleave,
  removeDbFiles,
  stats,
  table,
  timeSync,
  tmpDbPath,
  type BenchResult,
} from "./lib.ts";
import { captureSql, type Captured } from "./sql-capture.ts";

export const title = "search — searchMembers on 100,000 members vs raw prepared LIKE";

const MEMBERS = 100_000;
const LIMIT = 50;
const ROUNDS = 30;
const MIN_ROUNDS = 10;
/** Measuring time for all cases together; data generation (~4 s) comes on top. */
const TOTAL_BUDGET_MS = 38_000;

function planOf(sqlite: Database.Database, c: Captured): string {
  const rows = sqlite.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...(c.params as unknown[])) as { detail: string }[];
  return rows.map((r) => r.detail).join("; ");
}

export async function run(): Promise<BenchResult> {
  console.log(heading(title));
  const file = tmpDbPath("search", "db");
  const db = await openDb(`file:${file}`, { migrate: true });
  const sqlite = bulkWriter(db);
  try {
    // ---- data
    // "DV" codes: the six-character code prefix queried below (e.g. "DV0481") matches 100 members.
    const gen = timeSync(() => generateBigOrg(sqlite, { members: MEMBERS, courses: 0, seed: 7, codePrefix: "DV", people: true }));
    const org = { ...gen.value, cells: gen.value.units.filter((u) => u.leaf) };
    const count = (sql: string, ...p: unknown[]) => (sqlite.prepare(sql).get(...p) as { n: number }).n;
    const nMembers = count("SELECT count(*) AS n FROM members");
    const nHistory = count("SELECT count(*) AS n FROM member_unit_history");
    const maxDepth = count("SELECT max(depth) AS n FROM units");
    const committee = org.committees[0];
    const inCommittee = count(
      "SELECT count(*) AS n FROM members m JOIN units u ON u.id = m.unit_id WHERE u.path LIKE ?",
      `${committee.path}%`,
    );
    const dbBytes = count("SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()");
    console.log(
      `  generated ${fmtInt(org.units.length)} units (${fmtInt(org.cells.length)} cells, depth 0–${maxDepth}), ` +
        `${fmtInt(nMembers)} members, ${fmtInt(nHistory)} history rows in ${fmtMs(gen.ms)} ` +
        `(${fmtRate(((nMembers + nHistory) / gen.ms) * 1000)} rows, raw prepared INSERTs, one transaction); DB ${(dbBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    console.log(
      `  trainer scope: committee ${committee.code} (path ${committee.path}) holds ${fmtInt(inCommittee)} members ` +
        `(${((inCommittee / nMembers) * 100).toFixed(1)}%); page size ${LIMIT}; no ANALYZE (as the app runs)`,
    );

    // A real member inside the committee gives a full name and a code prefix that hit in both scopes.
    const probe = sqlite
      .prepare(
        `SELECT m.code, m.full_name FROM members m JOIN units u ON u.id = m.unit_id
         WHERE u.path LIKE ? ORDER BY m.id LIMIT 1 OFFSET ?`,
      )
      .get(`${committee.path}%`, Math.floor(inCommittee / 2)) as { code: string; full_name: string };

    const queries = [
      { label: "folded fragment", q: "nguyen van" },
      { label: "full name, typed with accents", q: probe.full_name },
      { label: "member-code prefix", q: probe.code.slice(0, 6) },
      { label: "short common fragment", q: "hoang" },
      { label: "no match", q: "qqqz" },
      { label: "empty query (list page 1)", q: "" },
    ];
    const scopes: { label: string; withinPaths: string[] | null }[] = [
      { label: "admin", withinPaths: null },
      { label: `trainer(${committee.code})`, withinPaths: [committee.path] },
    ];

    const baseAll = sqlite.prepare(
      `SELECT m.id, m.code, m.full_name FROM members m
       WHERE m.full_name_folded LIKE ? ESCAPE '\\'
       ORDER BY m.full_name_folded, m.code LIMIT ${LIMIT}`,
    );
    const baseScoped = sqlite.prepare(
      `SELECT m.id, m.code, m.full_name FROM members m JOIN units u ON u.id = m.unit_id
       WHERE m.full_name_folded LIKE ? ESCAPE '\\' AND u.path LIKE ? ESCAPE '\\'
       ORDER BY m.full_name_folded, m.code LIMIT ${LIMIT}`,
    );

    type Row = {
      query: string;
      q: string;
      scope: string;
      hits: number;
      baseRows: number;
      same: boolean;
      s: Awaited<ReturnType<typeof stats>>;
      rc: Awaited<ReturnType<typeof stats>>;
      rp: Awaited<ReturnType<typeof stats>>;
      r: Awaited<ReturnType<typeof stats>>;
      b: Awaited<ReturnType<typeof stats>>;
    };
    const rows: Row[] = [];
    const plans: string[] = [];
    const t0 = performance.now();

    for (const qd of queries) {
      for (const sc of scopes) {
        const input: MemberSearch = { q: qd.q, withinPaths: sc.withinPaths, limit: LIMIT };
        let expected: Awaited<ReturnType<typeof searchMembers>> | undefined;
        const captured = await captureSql(db, async () => {
          expected = await searchMembers(db, input);
        });
        if (captured.length !== 2) throw new Error(`expected 2 statements from searchMembers, got ${captured.length}`);
        const rawStmts = captured.map((c) => sqlite.prepare(c.sql).raw(true));
        const rawCount = () => (rawStmts[0].get(...(captured[0].params as unknown[])) as unknown[])[0] as number;
        const rawPage = () => (rawStmts[1].all(...(captured[1].params as unknown[])) as unknown[][]).map((r) => r[0] as number);
        const same = rawCount() === expected!.total && rawPage().join(",") === expected!.rows.map((r) => r.id).join(",");
        const pat = `%${likeEscape(foldVietnamese(qd.q))}%`;
        const baseArgs = sc.withinPaths ? [pat, `${likeEscape(sc.withinPaths[0])}%`] : [pat];
        const baseStmt = sc.withinPaths ? baseScoped : baseAll;
        const runBase = () => baseStmt.all(...baseArgs);
        const baseRows = (runBase() as unknown[]).length;
        if (qd === queries[0]) {
          plans.push(`  ${sc.label} searchMembers COUNT: ${planOf(sqlite, captured[0])}`);
          plans.push(`  ${sc.label} searchMembers page:  ${planOf(sqlite, captured[1])}`);
          plans.push(`  ${sc.label} baseline:            ${planOf(sqlite, { sql: baseStmt.source, params: baseArgs })}`);
        }

        // share what is left of the time budget among the cases still to run
        const casesLeft = queries.length * scopes.length - rows.length;
        const budget = Math.max(500, (TOTAL_BUDGET_MS - (performance.now() - t0)) / casesLeft);
        const samples = await interleave(
          [
            { name: "s", fn: () => searchMembers(db, input) },
            { name: "rc", fn: rawCount },
            { name: "rp", fn: rawPage },
            { name: "b", fn: runBase },
          ],
          { rounds: ROUNDS, warmup: 1, budgetMs: budget, minRounds: MIN_ROUNDS },
        );
        const rc = samples.get("rc")!;
        const rp = samples.get("rp")!;
        rows.push({
          query: qd.label,
          q: qd.q,
          scope: sc.label,
          hits: expected!.total,
          baseRows,
          same,
          s: stats(samples.get("s")!),
          rc: stats(rc),
          rp: stats(rp),
          r: stats(rc.map((x, i) => x + rp[i])),
          b: stats(samples.get("b")!),
        });
      }
    }
    const benchMs = performance.now() - t0;

    console.log(
      table(
        ["query", "scope", "hits", "n", "searchMembers p50", "p95", "raw COUNT p50", "raw page p50", "baseline p50", "÷ baseline", "÷ raw SQL"],
        rows.map((r) => [
          `${JSON.stringify(r.q)} ${r.query}`,
          r.scope,
          fmtInt(r.hits),
          r.s.n,
          fmtMs(r.s.p50),
          fmtMs(r.s.p95),
          fmtMs(r.rc.p50),
          fmtMs(r.rp.p50),
          fmtMs(r.b.p50),
          fmtRatio(r.s.p50, r.b.p50),
          fmtRatio(r.s.p50, r.r.p50),
        ]),
      ),
    );
    console.log(
      `  hits = searchMembers' total (name, code prefix or e-mail); the baseline only matches the name` +
        ` (e.g. 0 rows for a code prefix) but scans the same table. raw-same-SQL rows identical to searchMembers: ` +
        `${rows.every((r) => r.same) ? "yes, all cases" : rows.filter((r) => !r.same).map((r) => `${r.query}/${r.scope}`).join(", ") + " DIFFER"}.`,
    );
    console.log(
      `  raw COUNT / raw page = the two statements searchMembers generates, run on prepared statements;` +
        ` ÷ raw SQL = searchMembers ÷ (COUNT + page) of the same round, i.e. drizzle's own cost.`,
    );
    console.log(`  query plans for ${JSON.stringify(queries[0].q)}:`);
    for (const p of plans) console.log(p);
    console.log(`  measuring took ${fmtMs(benchMs)}`);

    const worst = rows.reduce((a, b) => (b.s.p95 > a.s.p95 ? b : a));
    const ratios = rows.map((r) => r.s.p50 / r.b.p50).sort((a, b) => a - b);
    const drizzle = rows.map((r) => r.s.p50 / r.r.p50).sort((a, b) => a - b);
    const pick = (label: string, scope: string) => rows.find((r) => r.query === label && r.scope === scope)!;
    const summaryCase = (r: Row) =>
      `${JSON.stringify(r.q)} ${r.scope}: ${fmtMs(r.s.p50)} p50 / ${fmtMs(r.s.p95)} p95 (${fmtInt(r.hits)} hits, ${fmtRatio(r.s.p50, r.b.p50)} baseline)`;
    return {
      name: "search",
      summary: [
        `search (${fmtInt(nMembers)} members, ${fmtInt(org.cells.length)} cells, depth ${maxDepth}; trainer scope ${fmtInt(inCommittee)} members): ` +
          `searchMembers ÷ raw LIKE baseline p50 ratio ${fmtRatio(ratios[0], 1)}–${fmtRatio(ratios[ratios.length - 1], 1)} over ${rows.length} cases; ` +
          `searchMembers ÷ same SQL run raw ${fmtRatio(drizzle[0], 1)}–${fmtRatio(drizzle[drizzle.length - 1], 1)} (drizzle's own share)`,
        `search: ${summaryCase(pick("folded fragment", scopes[0].label))}; ${summaryCase(pick("folded fragment", scopes[1].label))}`,
        `search: ${summaryCase(pick("member-code prefix", scopes[0].label))}; ${summaryCase(pick("empty query (list page 1)", scopes[0].label))}`,
        `search: worst p95 ${fmtMs(worst.s.p95)} (${worst.query}, ${worst.scope})`,
      ],
    };
  } finally {
    await closeDb(db);
    removeDbFiles(file);
  }
}
