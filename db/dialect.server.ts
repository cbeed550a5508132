/**
 * Every SQL difference between the two engines, in one place (ADR 0015). Domain code calls these
 * and never asks which engine it is on; each function has one signature and one body per engine.
 *
 * Raw SQL passed here must be portable: quote aliases that are not all lower case
 * (`AS "courseId"`: PostgreSQL folds unquoted names), compare 0/1 flags as numbers, and keep
 * timestamps as epoch-ms numbers (both twins store them so).
 */
import { and, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client.server.ts";
import { postgresEngineOf } from "./postgres-engine.server.ts";
import { members } from "./schema/index.ts";

type PgLike = {
  execute(q: SQL): Promise<{ rows: unknown[]; rowCount: number | null }>;
  session: { client: { query(c: { text: string; values: unknown[]; rowMode: "array" }): Promise<{ rows: unknown[][] }> } };
  dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } };
};
const onPostgres = (db: Db) => postgresEngineOf(db) !== undefined;
const asPg = (db: Db) => db as unknown as PgLike;

/** The rows of a raw query, as objects keyed by the column names it selects (`db.all`). */
export async function rawRows<T>(db: Db, query: SQL): Promise<T[]> {
  if (onPostgres(db)) return (await asPg(db).execute(query)).rows as T[];
  return db.all<T>(query);
}

/** The first row of a raw query, or undefined (`db.get`). */
export async function rawFirst<T>(db: Db, query: SQL): Promise<T | undefined> {
  return (await rawRows<T>(db, query))[0];
}

/** The rows of a raw query as arrays, in the order of its select list (`db.values`). */
export async function rawValues<T extends unknown[]>(db: Db, query: SQL): Promise<T[]> {
  if (onPostgres(db)) {
    const pg = asPg(db);
    const q = pg.dialect.sqlToQuery(query);
    // The session's client: the transaction's connection inside writeTx, the pool outside it.
    return (await pg.session.client.query({ text: q.sql, values: q.params, rowMode: "array" })).rows as T[];
  }
  return db.values<T>(query);
}

/** Runs a raw statement; returns how many rows it changed (`db.run(…).changes`). */
export async function rawRun(db: Db, query: SQL): Promise<number> {
  if (onPostgres(db)) return (await asPg(db).execute(query)).rowCount ?? 0;
  return db.run(query).changes;
}

/**
 * How many rows an awaited insert/update/delete changed: better-sqlite3's `RunResult.changes`,
 * node-postgres's `rowCount`.
 */
export function affectedRows(result: unknown): number {
  const r = result as { changes?: number; rowCount?: number | null };
  return r.changes ?? r.rowCount ?? 0;
}

/**
 * A select that locks the rows it reads until the transaction ends (`SELECT … FOR UPDATE`), for
 * a check-then-write whose check must hold until the write commits (ADR 0015). On PostgreSQL a
 * second transaction reading the same rows this way waits, then reads them as committed; on
 * SQLite the write lock already serialises every write transaction, so the query is unchanged.
 * `"no key update"` for a parent row (a member) that other transactions insert children of: it
 * does not block their foreign-key checks.
 */
export function forUpdate<Q>(db: Db, query: Q, strength: "update" | "no key update" = "update"): Q {
  if (!onPostgres(db)) return query;
  return (query as unknown as { for(s: string): Q }).for(strength);
}

/**
 * Whether `e` (or what it wraps: drizzle reports a failed query with the driver's error as its
 * cause) is a unique-constraint violation: SQLite's SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY,
 * PostgreSQL's 23505.
 */
export function isUniqueViolation(e: unknown): boolean {
  for (let c: unknown = e; c && typeof c === "object"; c = (c as { cause?: unknown }).cause) {
    const code = (c as { code?: unknown }).code;
    if (code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") return true;
  }
  return false;
}

/** A round trip to the database (the health check). */
export async function ping(db: Db): Promise<void> {
  await rawRows(db, sqlSelect1);
}

const sqlSelect1 = sql`SELECT 1 AS ok`;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The member-search condition (ADR 0015 "Search"): `folded` (already `foldVietnamese`d, non-empty)
 * is a substring of the member's folded name or lower-cased e-mail, or a prefix of the lower-cased
 * code. The same rows on both engines; what differs is the index that finds them:
 * - PostgreSQL: the conditions as written, served by pg_trgm GIN indexes on full_name_folded and
 *   lower(email) and a text_pattern_ops B-tree on lower(code) (migrations-pg 0005).
 * - SQLite: the FTS5 trigram table members_search (migration 0018) narrows the rows to those with
 *   `folded` somewhere in name, code or e-mail, and the same conditions are checked on those.
 *   Trigrams need three characters: a shorter query is the plain scan.
 */
export function memberTextMatch(db: Db, folded: string): SQL {
  const pat = `%${likeEscape(folded)}%`;
  const exact = or(
    sql`${members.fullNameFolded} LIKE ${pat} ESCAPE '\\'`,
    sql`lower(${members.code}) LIKE ${likeEscape(folded) + "%"} ESCAPE '\\'`,
    sql`lower(${members.email}) LIKE ${pat} ESCAPE '\\'`,
  )!;
  if (onPostgres(db) || [...folded].length < 3) return exact;
  const phrase = `"${folded.replaceAll('"', '""')}"`;
  return and(sql`${members.id} IN (SELECT rowid FROM members_search WHERE members_search MATCH ${phrase})`, exact)!;
}

/**
 * How a report should compute a value per member over a large table (completions, item progress):
 * true — aggregate the table once, GROUP BY member, and join that to the members (PostgreSQL);
 * false — a correlated subquery per member on the member's covering index (SQLite).
 * SQLite runs a correlated subquery as a few B-tree steps in the same process, so one per member
 * is the cheapest plan it has (bench/rollup.ts: 0.8× one aggregate SQL). PostgreSQL pays its
 * executor's per-call overhead for each of the 100,000 subplan runs (about 10 µs each on a loaded
 * machine, twice per member) and its planner cannot unnest them; grouped aggregates read the
 * index once, in parallel, and join by hash (ADR 0015, step 3: the roll-up on PostgreSQL).
 * PostgreSQL also has bit_or, which the grouped statements use for course masks.
 */
export function aggregatesPerMemberByGroup(db: Db): boolean {
  return onPostgres(db);
}
