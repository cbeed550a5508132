/**
 * search: `searchMembers` over an organisation of 100,000 members with realistic Vietnamese names
 * (tests/factories/big-org.ts with `people`: uneven tree of depth up to 5, most members in leaf
 * cells), for realistic queries, as an administrator (no scope) and as a trainer scoped to one
 * committee, on SQLite and on PostgreSQL 15 in the same run (bench/engines.ts).
 *
 * Two timings per query and engine, interleaved round by round:
 *   searchMembers — the app function: its text match is db/dialect.server.ts memberTextMatch, the
 *                   engine's index (FTS5 trigrams on SQLite, pg_trgm GIN on PostgreSQL), then a
 *                   COUNT and a page query joined to units;
 *   LIKE scan     — the same function as it was before the index (commit 819b69a): the same two
 *                   statements with the plain name/code/e-mail LIKE condition, through drizzle too.
 * Both must return the same rows (checked once per case and printed).
 *
 * The PostgreSQL database gets the SQLite file's rows through db:copy's code (its time printed),
 * then ANALYZE (what autovacuum does to a freshly loaded table soon after).
 */
import pg from "pg";
import { and, asc, count, eq, or, sql } from "drizzle-orm";
import { bulkWriter, closeDb, openDb, type Db } from "#db/client.server.ts";
import { first } from "#db/first.ts";
import { members, units } from "#db/schema/index.ts";
import { copySqliteToPostgres } from "#db/copy-to-postgres.server.ts";
import { searchMembers, type MemberSearch } from "#app/org/members.server.ts";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { likeEscape, subtreeCondition } from "#app/org/units.server.ts";
import { generateBigOrg } from "#tests/factories/big-org.ts";
import { halfInput, inPostgresHalf, onPostgres, startPostgres } from "./engines.ts";
import { fmtInt, fmtMs, fmtRatio, heading, interleave, removeDbFiles, stats, table, timeAsync, timeSync, tmpDbPath, type BenchResult, type Stats } from "./lib.ts";

export const title = "search — searchMembers on 100,000 members, SQLite and PostgreSQL, indexed vs the LIKE scan";

const MEMBERS = 100_000;
const LIMIT = 50;
const ROUNDS = 30;
const MIN_ROUNDS = 10;
/** Measuring time per engine for all cases together. */
const BUDGET_PER_ENGINE_MS = 30_000;

type Case = { query: string; q: string; scope: string; withinPaths: string[] | null };
type Row = Case & { hits: number; same: boolean; s: Stats; o: Stats };

/** searchMembers as it was before memberTextMatch: the LIKE scan (commit 819b69a). */
async function likeScanSearch(db: Db, s: MemberSearch) {
  const conds = [];
  const q = foldVietnamese(s.q ?? "");
  if (q) {
    const pat = `%${likeEscape(q)}%`;
    conds.push(
      or(
        sql`${members.fullNameFolded} LIKE ${pat} ESCAPE '\\'`,
        sql`lower(${members.code}) LIKE ${likeEscape(q) + "%"} ESCAPE '\\'`,
        sql`${members.email} LIKE ${pat} ESCAPE '\\'`,
      ),
    );
  }
  if (s.withinPaths) conds.push(or(...s.withinPaths.map((p) => subtreeCondition(p))));
  const where = conds.length ? and(...conds) : undefined;
  const total = (await first(db.select({ n: count() }).from(members).innerJoin(units, eq(units.id, members.unitId)).where(where)))!.n;
  const rows = await db
    .select({ id: members.id, code: members.code, fullName: members.fullName, unitCode: units.code })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(where)
    .orderBy(asc(members.fullNameFolded), asc(members.code))
    .limit(LIMIT);
  return { total, rows };
}

async function measure(db: Db, cases: Case[]): Promise<Row[]> {
  const rows: Row[] = [];
  const t0 = performance.now();
  for (const c of cases) {
    const input: MemberSearch = { q: c.q, withinPaths: c.withinPaths, limit: LIMIT };
    const now = await searchMembers(db, input);
    const before = await likeScanSearch(db, input);
    const same = now.total === before.total && now.rows.map((r) => r.id).join(",") === before.rows.map((r) => r.id).join(",");
    const casesLeft = cases.length - rows.length;
    const budgetMs = Math.max(500, (BUDGET_PER_ENGINE_MS - (performance.now() - t0)) / casesLeft);
    const samples = await interleave(
      [
        { name: "s", fn: () => searchMembers(db, input) },
        { name: "o", fn: () => likeScanSearch(db, input) },
      ],
      { rounds: ROUNDS, warmup: 1, budgetMs, minRounds: MIN_ROUNDS },
    );
    rows.push({ ...c, hits: now.total, same, s: stats(samples.get("s")!), o: stats(samples.get("o")!) });
  }
  return rows;
}

export async function run(): Promise<BenchResult> {
  if (inPostgresHalf()) {
    const db = await openDb(process.env.DATABASE_URL!);
    try {
      return { name: "search", summary: [], data: await measure(db, halfInput<Case[]>()) };
    } finally {
      await closeDb(db);
    }
  }

  console.log(heading(title));
  const file = tmpDbPath("search", "db");
  const db = await openDb(`file:${file}`, { migrate: true });
  const sqlite = bulkWriter(db);
  const server = await startPostgres();
  try {
    // ---- data: generated into SQLite (the FTS5 triggers fire on every insert), copied to PostgreSQL
    const gen = timeSync(() => generateBigOrg(sqlite, { members: MEMBERS, courses: 0, seed: 7, codePrefix: "DV", people: true }));
    const org = gen.value;
    const n = (q: string, ...p: unknown[]) => (sqlite.prepare(q).get(...p) as { n: number }).n;
    const nMembers = n("SELECT count(*) AS n FROM members");
    const committee = org.committees[0];
    const inCommittee = n("SELECT count(*) AS n FROM members m JOIN units u ON u.id = m.unit_id WHERE u.path LIKE ?", `${committee.path}%`);
    console.log(`  SQLite: generated ${fmtInt(org.units.length)} units, ${fmtInt(nMembers)} members in ${fmtMs(gen.ms)} (raw prepared INSERTs, one transaction, FTS5 triggers included); no ANALYZE`);
    const url = await server.createDatabase("search");
    const copy = await timeAsync(() => copySqliteToPostgres({ sqliteFile: file, postgresUrl: url, verify: false }));
    const analyze = await timeAsync(async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query("ANALYZE");
      await c.end();
    });
    console.log(`  PostgreSQL: copied by db:copy's code in ${fmtMs(copy.ms)} (migrations, rows, pg_trgm indexes maintained on insert), ANALYZE ${fmtMs(analyze.ms)}`);
    console.log(`  trainer scope: committee ${committee.code} holds ${fmtInt(inCommittee)} members (${((inCommittee / nMembers) * 100).toFixed(1)}%); page size ${LIMIT}`);

    const probe = sqlite
      .prepare(`SELECT m.code, m.full_name FROM members m JOIN units u ON u.id = m.unit_id WHERE u.path LIKE ? ORDER BY m.id LIMIT 1 OFFSET ?`)
      .get(`${committee.path}%`, Math.floor(inCommittee / 2)) as { code: string; full_name: string };
    const queries = [
      { query: "folded fragment", q: "nguyen van" },
      { query: "full name, typed with accents", q: probe.full_name },
      { query: "member-code prefix", q: probe.code.slice(0, 6) },
      { query: "short common fragment", q: "hoang" },
      { query: "two letters", q: "Hà" },
      { query: "no match", q: "qqqz" },
      { query: "empty query (list page 1)", q: "" },
    ];
    const scopes = [
      { scope: "admin", withinPaths: null },
      { scope: `trainer(${committee.code})`, withinPaths: [committee.path] },
    ];
    const cases: Case[] = queries.flatMap((q) => scopes.map((s) => ({ ...q, ...s })));

    const lite = await measure(db, cases);
    const pgRows = await onPostgres<Row[]>("search", url, cases);

    console.log(
      table(
        ["query", "scope", "hits", "SQLite p50", "p95", "LIKE scan p50", "÷ scan", "PostgreSQL p50", "p95", "LIKE scan p50", "÷ scan", "same rows"],
        lite.map((r, i) => {
          const p = pgRows[i];
          return [
            `${JSON.stringify(r.q)} ${r.query}`, r.scope, fmtInt(r.hits),
            fmtMs(r.s.p50), fmtMs(r.s.p95), fmtMs(r.o.p50), fmtRatio(r.s.p50, r.o.p50),
            fmtMs(p.s.p50), fmtMs(p.s.p95), fmtMs(p.o.p50), fmtRatio(p.s.p50, p.o.p50),
            `${r.same ? "yes" : "NO"}/${p.same ? "yes" : "NO"}${r.hits === p.hits ? "" : ` (pg ${p.hits} hits)`}`,
          ];
        }),
      ),
    );
    console.log("  hits = searchMembers' total (name, code prefix or e-mail); same rows = searchMembers and the LIKE scan agree (SQLite/PostgreSQL)");

    const worst = (rs: Row[]) => rs.reduce((a, b) => (b.s.p95 > a.s.p95 ? b : a));
    const worstText = (rs: Row[]) => {
      const w = worst(rs);
      return `${fmtMs(w.s.p95)} (${JSON.stringify(w.q)} ${w.scope})`;
    };
    const ratios = (rs: Row[]) => {
      const x = rs.filter((r) => r.q).map((r) => r.s.p50 / r.o.p50).sort((a, b) => a - b);
      return `${fmtRatio(x[0], 1)}–${fmtRatio(x[x.length - 1], 1)}`;
    };
    const p95All = (rs: Row[]) => stats(rs.map((r) => r.s.p95)).max;
    const scanP50 = (rs: Row[]) => {
      const x = rs.filter((r) => r.q).map((r) => r.o.p50).sort((a, b) => a - b);
      return `${fmtMs(x[0])}–${fmtMs(x[x.length - 1])}`;
    };
    const pick = (rs: Row[], q: string, scope: string) => rs.find((r) => r.query === q && r.scope === scope)!;
    const fr = (rs: Row[]) => {
      const r = pick(rs, "folded fragment", "admin");
      return `"nguyen van" admin ${fmtMs(r.s.p50)} p50 / ${fmtMs(r.s.p95)} p95 (${fmtInt(r.hits)} hits)`;
    };
    const allSame = lite.every((r) => r.same) && pgRows.every((r) => r.same);
    return {
      name: "search",
      summary: [
        `search (${fmtInt(nMembers)} members, ${cases.length} cases; results identical to the LIKE scan: ${allSame ? "yes" : "NO"}): ` +
          `SQLite FTS5 worst p95 ${worstText(lite)}, PostgreSQL pg_trgm worst p95 ${worstText(pgRows)}` +
          ` (target < 50 ms: ${p95All(lite) < 50 && p95All(pgRows) < 50 ? "met" : "not met"})`,
        `search: ÷ LIKE scan p50 (non-empty queries) SQLite ${ratios(lite)}, PostgreSQL ${ratios(pgRows)}; LIKE scan p50 SQLite ${scanP50(lite)}, PostgreSQL ${scanP50(pgRows)}`,
        `search: SQLite ${fr(lite)}; PostgreSQL ${fr(pgRows)}; copy to PostgreSQL (db:copy's code, ${fmtInt(nMembers)} members) ${fmtMs(copy.ms)}`,
      ],
    };
  } finally {
    await closeDb(db);
    removeDbFiles(file);
    await server.stop();
  }
}
