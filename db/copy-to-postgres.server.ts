/**
 * Moving an organisation from the embedded SQLite file to PostgreSQL (ADR 0015, `npm run db:copy`).
 *
 * Every table is copied in foreign-key order through drizzle's table objects on both sides, so
 * each value goes SQLite → JavaScript → PostgreSQL by the same mappings the product uses (dates,
 * flags, JSON). The copy is one PostgreSQL transaction: it lands whole or not at all. Identity
 * sequences are moved past the copied ids. Then every table is read back from both engines in
 * key order and compared by row count and a SHA-256 over every row.
 */
import crypto from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";
import { asc, getTableColumns, is, sql } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { getTableConfig, SQLiteTable, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import * as sqliteSchema from "./schema/sqlite.ts";
import { pgSchema } from "./schema-pg/index.ts";
import { migratePostgres } from "./postgres-migrate.server.ts";

export type CopyProgress = { table: string; done: number; total: number; phase: "copy" | "verify" };
export type TableReport = { table: string; rows: number; sqliteSha256: string; postgresSha256: string; same: boolean };

export class TargetNotEmptyError extends Error {
  constructor(readonly tables: { table: string; rows: number }[]) {
    super(
      `Cơ sở dữ liệu đích đã có dữ liệu, không chép đè / the target database is not empty: ${tables.map((t) => `${t.table} (${t.rows})`).join(", ")}. ` +
        "Hãy dùng một cơ sở dữ liệu PostgreSQL trống / use an empty PostgreSQL database.",
    );
  }
}

type Pair = { key: string; name: string; lite: SQLiteTable; twin: PgTable; keyColumns: string[]; selfRefs: [string, string][] };

/** Tables with both twins, parents before children (a table that references itself comes once). */
export function tablesInCopyOrder(): Pair[] {
  const pairs = new Map<string, Pair>();
  for (const [key, value] of Object.entries(sqliteSchema)) {
    if (!is(value, SQLiteTable)) continue;
    const cfg = getTableConfig(value);
    const cols = getTableColumns(value) as Record<string, SQLiteColumn>;
    const primary = Object.entries(cols).filter(([, c]) => c.primary).map(([k]) => k);
    const composite = cfg.primaryKeys[0]?.columns.map((c) => Object.entries(cols).find(([, x]) => x.name === c.name)![0]) ?? [];
    const selfRefs = cfg.foreignKeys
      .map((fk) => fk.reference())
      .filter((r) => getTableConfig(r.foreignTable).name === cfg.name)
      .map((r) => [r.columns[0].name, r.foreignColumns[0].name] as [string, string]);
    pairs.set(cfg.name, { key, name: cfg.name, lite: value, twin: (pgSchema as Record<string, PgTable>)[key], keyColumns: primary.length ? primary : composite, selfRefs });
  }
  const order: Pair[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (p: Pair) => {
    if (state.get(p.name) === "done") return;
    if (state.get(p.name) === "visiting") throw new Error(`Foreign keys form a cycle through ${p.name}`);
    state.set(p.name, "visiting");
    for (const fk of getTableConfig(p.lite).foreignKeys) {
      const parent = getTableConfig(fk.reference().foreignTable).name;
      if (parent !== p.name) visit(pairs.get(parent)!);
    }
    state.set(p.name, "done");
    order.push(p);
  };
  for (const p of [...pairs.values()].sort((a, b) => a.name.localeCompare(b.name))) visit(p);
  return order;
}

/** One row as stable text: the same JavaScript values give the same line on either engine. */
function canonical(row: Record<string, unknown>, keys: string[]): string {
  return JSON.stringify(
    keys.map((k) => {
      const v = row[k];
      if (v instanceof Date) return { d: v.getTime() };
      if (Buffer.isBuffer(v)) return { b: v.toString("hex") };
      if (typeof v === "bigint") return { n: v.toString() };
      return v === undefined ? null : v;
    }),
  );
}

/** Rows a self-referencing table can insert in order: every parent before its children. */
function parentsFirst(rows: Record<string, unknown>[], pair: Pair): Record<string, unknown>[] {
  if (pair.selfRefs.length === 0) return rows;
  const cols = getTableColumns(pair.lite) as Record<string, SQLiteColumn>;
  const prop = (name: string) => Object.entries(cols).find(([, c]) => c.name === name)![0];
  const [childCol, parentCol] = pair.selfRefs[0].map(prop);
  const placed = new Set<unknown>();
  const out: Record<string, unknown>[] = [];
  let pending = rows;
  while (pending.length) {
    const next: Record<string, unknown>[] = [];
    for (const r of pending) {
      const parent = r[childCol];
      if (parent === null || parent === undefined || placed.has(parent)) {
        out.push(r);
        placed.add(r[parentCol]);
      } else next.push(r);
    }
    if (next.length === pending.length) throw new Error(`${pair.name}: rows reference parents that do not exist`);
    pending = next;
  }
  return out;
}

const PAGE = 5_000;

/**
 * One page of rows in one statement with one parameter per column: `INSERT … SELECT * FROM
 * unnest($1::bigint[], $2::text[], …)`. Each value goes through the twin column's own mapping
 * (dates to epoch numbers, flags to 0/1, JSON to text), as drizzle's insert would map it; a
 * multi-row VALUES list of the same page (one parameter per cell) parsed and planned about 5×
 * slower on a loaded machine.
 */
async function insertColumns(client: pg.PoolClient, p: Pair, rows: Record<string, unknown>[]) {
  if (rows.length === 0) return;
  const cols = Object.entries(getTableColumns(p.twin) as Record<string, PgColumn>);
  const arrays = cols.map(([key, c]) => rows.map((r) => (r[key] === null || r[key] === undefined ? null : c.mapToDriverValue(r[key]))));
  await client.query(
    `INSERT INTO "${p.name}" (${cols.map(([, c]) => `"${c.name}"`).join(", ")}) SELECT * FROM unnest(${cols.map(([, c], i) => `$${i + 1}::${c.getSQLType()}[]`).join(", ")})`,
    arrays,
  );
}

export async function copySqliteToPostgres(opts: {
  sqliteFile: string;
  postgresUrl: string;
  onProgress?: (p: CopyProgress) => void;
  /** Compare both engines row by row afterwards (default); test loaders skip it. */
  verify?: boolean;
}): Promise<TableReport[]> {
  const sqlite = new Database(opts.sqliteFile, { readonly: true, fileMustExist: true });
  const lite = drizzleSqlite(sqlite);
  await migratePostgres(opts.postgresUrl);
  const pool = new pg.Pool({ connectionString: opts.postgresUrl, max: 2 });
  const order = tablesInCopyOrder();
  try {
    const client = await pool.connect();
    try {
      const nonEmpty: { table: string; rows: number }[] = [];
      for (const p of order) {
        const n = Number((await client.query(`SELECT count(*) AS n FROM "${p.name}"`)).rows[0].n);
        if (n > 0) nonEmpty.push({ table: p.name, rows: n });
      }
      if (nonEmpty.length) throw new TargetNotEmptyError(nonEmpty);

      await client.query("BEGIN");
      try {
        for (const p of order) {
          const total = (lite.select({ n: sql<number>`count(*)` }).from(p.lite).get() as { n: number }).n;
          const cols = getTableColumns(p.lite) as Record<string, SQLiteColumn>;
          const orderBy = p.keyColumns.map((k) => asc(cols[k]));
          // A self-referencing table is small (the unit tree): read it whole to order parents first.
          const pageSize = p.selfRefs.length ? Number.MAX_SAFE_INTEGER : PAGE;
          let done = 0;
          opts.onProgress?.({ table: p.name, done, total, phase: "copy" });
          while (done < total) {
            const page = parentsFirst(lite.select().from(p.lite).orderBy(...orderBy).limit(pageSize).offset(done).all() as Record<string, unknown>[], p);
            await insertColumns(client, p, page);
            done += page.length;
            opts.onProgress?.({ table: p.name, done, total, phase: "copy" });
            if (page.length === 0) break;
          }
          const identity = Object.values(getTableColumns(p.twin) as Record<string, PgColumn>).find((c) => c.primary && (c as unknown as { generatedIdentity?: unknown }).generatedIdentity);
          if (identity) {
            await client.query(
              `SELECT setval(pg_get_serial_sequence('"${p.name}"', '${identity.name}'), GREATEST((SELECT max("${identity.name}") FROM "${p.name}"), 1), (SELECT count(*) > 0 FROM "${p.name}"))`,
            );
          }
        }
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw e;
      }

    } finally {
      client.release();
    }
  } finally {
    await pool.end();
    sqlite.close();
  }
  return opts.verify === false ? [] : compareEngines(opts);
}

/** Compares every table of a SQLite file with its copy in PostgreSQL (what db:copy checks last). */
export async function compareEngines(opts: { sqliteFile: string; postgresUrl: string; onProgress?: (p: CopyProgress) => void }): Promise<TableReport[]> {
  const sqlite = new Database(opts.sqliteFile, { readonly: true, fileMustExist: true });
  const pool = new pg.Pool({ connectionString: opts.postgresUrl, max: 1 });
  try {
    return await verify(drizzleSqlite(sqlite), drizzlePg(pool), tablesInCopyOrder(), opts.onProgress);
  } finally {
    await pool.end();
    sqlite.close();
  }
}

/** Row counts and a SHA-256 over every row, read in key order from each engine. */
async function verify(
  lite: ReturnType<typeof drizzleSqlite>,
  db: ReturnType<typeof drizzlePg>,
  order: Pair[],
  onProgress?: (p: CopyProgress) => void,
): Promise<TableReport[]> {
  const reports: TableReport[] = [];
  for (const p of order) {
    const cols = getTableColumns(p.lite) as Record<string, SQLiteColumn>;
    const twinCols = getTableColumns(p.twin) as Record<string, PgColumn>;
    const keys = Object.keys(cols).sort();
    const [hl, hp] = [crypto.createHash("sha256"), crypto.createHash("sha256")];
    let rows = 0;
    let pgRows = 0;
    const total = (lite.select({ n: sql<number>`count(*)` }).from(p.lite).get() as { n: number }).n;
    for (let offset = 0; ; offset += PAGE) {
      const a = lite.select().from(p.lite).orderBy(...p.keyColumns.map((k) => asc(cols[k]))).limit(PAGE).offset(offset).all() as Record<string, unknown>[];
      const b = (await db.select().from(p.twin).orderBy(...p.keyColumns.map((k) => asc(twinCols[k]))).limit(PAGE).offset(offset)) as Record<string, unknown>[];
      for (const r of a) hl.update(canonical(r, keys) + "\n");
      for (const r of b) hp.update(canonical(r, keys) + "\n");
      rows += a.length;
      pgRows += b.length;
      onProgress?.({ table: p.name, done: rows, total, phase: "verify" });
      if (a.length < PAGE && b.length < PAGE) break;
    }
    const [sqliteSha256, postgresSha256] = [hl.digest("hex"), hp.digest("hex")];
    reports.push({ table: p.name, rows, sqliteSha256, postgresSha256, same: rows === pgRows && sqliteSha256 === postgresSha256 });
  }
  return reports;
}

