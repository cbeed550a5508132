import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import pg from "pg";
import { eq, getTableColumns, is } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { getTableConfig as sqliteConfig, SQLiteTable, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import { getTableConfig as pgConfig, type PgColumn } from "drizzle-orm/pg-core";
import * as sqliteSchema from "#db/schema/index.ts";
import * as pgTwin from "#db/schema-pg/index.ts";
import { migratePostgres } from "#db/postgres-migrate.server.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { startPostgres, type TestPostgres } from "#tests/harness/postgres.ts";

/**
 * One schema, two engines (ADR 0015): the PostgreSQL twin is generated from db/schema, its
 * committed migrations are what drizzle-kit would generate from it today, and a database migrated
 * on each engine has the same tables, columns, nullability, indexes and foreign keys.
 */
const root = path.resolve(import.meta.dirname, "..", "..");
const sqliteTables = Object.entries(sqliteSchema).filter(([, v]) => is(v, SQLiteTable)) as [string, SQLiteTable][];

describe("the twin, as drizzle sees it", () => {
  test("every SQLite table has a twin exported under the same name", () => {
    const missing = sqliteTables.map(([k]) => k).filter((k) => !(k in pgTwin));
    expect(missing, "add these to db/schema-pg/index.ts").toEqual([]);
  });

  test.each(sqliteTables)("%s: same columns, keys, defaults, indexes, checks and foreign keys", (key) => {
    const s = sqliteConfig(sqliteSchema[key as keyof typeof sqliteSchema] as SQLiteTable);
    const p = pgConfig((pgTwin as unknown as Record<string, never>)[key]);
    expect(p.name).toBe(s.name);
    const cols = (cs: (SQLiteColumn | PgColumn)[]) =>
      cs.map((c) => ({ name: c.name, notNull: c.notNull, primary: c.primary, hasDefault: c.hasDefault })).sort((a, b) => a.name.localeCompare(b.name));
    expect(cols(p.columns)).toEqual(cols(s.columns));
    const ix = (list: { config: { name: string; unique: boolean; columns: unknown[]; where?: unknown } }[]) =>
      list.map((i) => ({ name: i.config.name, unique: i.config.unique, columns: i.config.columns.map((c) => (c as { name: string }).name), partial: !!i.config.where })).sort((a, b) => a.name.localeCompare(b.name));
    expect(ix(p.indexes as never)).toEqual(ix(s.indexes as never));
    const fks = (list: { getName(): string; onDelete?: string }[]) => list.map((f) => `${f.getName()} ${f.onDelete ?? "no action"}`).sort();
    expect(fks(p.foreignKeys)).toEqual(fks(s.foreignKeys));
    expect(p.checks.map((c) => c.name).sort()).toEqual(s.checks.map((c) => c.name).sort());
  });

  test("the committed PostgreSQL migrations are what drizzle-kit generates from the twin today", () => {
    // drizzle-kit takes `out` relative to the working directory only, and exits 0 on errors:
    // so a copy inside the tree, and the verdict read from what it prints.
    const rel = path.posix.join("tests", ".tmp", `twin-check-${process.pid}`);
    const dir = path.join(root, rel);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(path.join(root, "db", "migrations-pg"), dir, { recursive: true });
    const config = path.join(root, `drizzle.twin-check.${process.pid}.config.ts`);
    fs.writeFileSync(
      config,
      `import { defineConfig } from "drizzle-kit";\nexport default defineConfig({ dialect: "postgresql", schema: "./db/schema-pg/index.ts", out: ${JSON.stringify(`./${rel}`)} });\n`,
    );
    try {
      const r = spawnSync(path.join(root, "node_modules", ".bin", "drizzle-kit"), ["generate", "--config", config], { cwd: root, encoding: "utf8" });
      const said = `${r.stdout}\n${r.stderr}`;
      expect(said, "db/schema changed without its PostgreSQL migration: run npm run db:generate").toMatch(/No schema changes/);
      expect(fs.readdirSync(dir).filter((f) => f.endsWith(".sql"))).toEqual(fs.readdirSync(path.join(root, "db", "migrations-pg")).filter((f) => f.endsWith(".sql")));
    } finally {
      fs.rmSync(config, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("the two engines, migrated", () => {
  let server: TestPostgres;
  let url: string;
  let lite: Awaited<ReturnType<typeof testDb>>;
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
    lite = await testDb();
  });
  afterAll(async () => {
    await server?.stop();
    if (lite) await dropDb(lite);
  });

  test("two processes migrating at the same moment apply each migration once", async () => {
    await Promise.all([migratePostgres(url), migratePostgres(url), migratePostgres(url)]);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const applied = await c.query("SELECT hash FROM drizzle.__drizzle_migrations");
      const journal = JSON.parse(fs.readFileSync(path.join(root, "db", "migrations-pg", "meta", "_journal.json"), "utf8"));
      expect(applied.rowCount).toBe(journal.entries.length);
    } finally {
      await c.end();
    }
  });

  test("same tables, columns, nullability, indexes and foreign keys on SQLite and PostgreSQL", async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const pgCols = await c.query<{ table_name: string; column_name: string; is_nullable: string }>(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'",
      );
      // Primary keys aside, as SQLite's index_list (origin "c") leaves them out.
      const pgIx = await c.query<{ tablename: string; indexname: string; unique: boolean }>(
        `SELECT t.relname AS tablename, ic.relname AS indexname, i.indisunique AS unique
           FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
          WHERE n.nspname = 'public' AND NOT i.indisprimary`,
      );
      const pgFk = await c.query<{ table_name: string; n: number }>(
        "SELECT table_name, count(*)::int AS n FROM information_schema.table_constraints WHERE table_schema = 'public' AND constraint_type = 'FOREIGN KEY' GROUP BY table_name",
      );
      // The member-search index is each engine's own (ADR 0015 "Search"), outside the twin: an FTS5
      // table (and its shadow tables) on SQLite, pg_trgm indexes on PostgreSQL; both checked below.
      const tables = lite.$client
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' AND name NOT LIKE 'members_search%'")
        .all() as { name: string }[];
      expect(lite.$client.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'members_search%' AND type IN ('table', 'trigger') ORDER BY name").all().map((r) => (r as { name: string }).name)).toEqual(
        ["members_search", "members_search_ad", "members_search_ai", "members_search_au", "members_search_config", "members_search_data", "members_search_docsize", "members_search_idx"],
      );
      expect(pgIx.rows.filter((i) => i.indexname.startsWith("members_search_")).map((i) => `${i.tablename}.${i.indexname}`).sort()).toEqual(
        ["members.members_search_code_prefix", "members.members_search_email_trgm", "members.members_search_name_trgm"],
      );
      expect((await c.query("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")).rowCount).toBe(1);
      expect([...new Set(pgCols.rows.map((r) => r.table_name))].sort()).toEqual(tables.map((t) => t.name).sort());
      for (const { name } of tables) {
        const liteCols = (lite.$client.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; notnull: number; pk: number }[])
          .map((r) => `${r.name} ${r.notnull || r.pk ? "NOT NULL" : "NULL"}`)
          .sort();
        const twinCols = pgCols.rows.filter((r) => r.table_name === name).map((r) => `${r.column_name} ${r.is_nullable === "NO" ? "NOT NULL" : "NULL"}`).sort();
        expect(twinCols, name).toEqual(liteCols);
        const liteIx = (lite.$client.prepare(`PRAGMA index_list("${name}")`).all() as { name: string; unique: number; origin: string }[])
          .filter((i) => i.origin === "c")
          .map((i) => `${i.name} ${i.unique ? "unique" : ""}`)
          .sort();
        const twinIx = pgIx.rows.filter((i) => i.tablename === name && !i.indexname.startsWith("members_search_")).map((i) => `${i.indexname} ${i.unique ? "unique" : ""}`).sort();
        expect(twinIx, name).toEqual(liteIx);
        const liteFk = new Set((lite.$client.prepare(`PRAGMA foreign_key_list("${name}")`).all() as { id: number }[]).map((f) => f.id)).size;
        expect(pgFk.rows.find((r) => r.table_name === name)?.n ?? 0, name).toBe(liteFk);
      }
    } finally {
      await c.end();
    }
  });

  test("a row means the same on both engines: dates, flags and JSON come back as written", async () => {
    const pool = new pg.Pool({ connectionString: url });
    // pool.end() resolves before the sockets close: the cluster stopping in afterAll may still
    // reach an idle client, which the pool re-emits as its own 'error' (uncaught without this).
    pool.on("error", () => {});
    const db = drizzle(pool);
    try {
      const when = new Date("2026-12-07T08:30:00.123Z");
      const t = pgTwin.units as unknown as typeof sqliteSchema.units;
      const values = { code: "CB-01", name: "Chi bộ Thử nghiệm", nameFolded: "chi bo thu nghiem", parentId: null, path: "/x/", depth: 0, createdAt: when, updatedAt: when };
      await (db.insert(t as never).values(values as never) as unknown as Promise<unknown>);
      const [row] = (await db.select().from(t as never).where(eq((t as unknown as Record<string, PgColumn>).code, "CB-01"))) as (typeof values & { id: number })[];
      expect(row).toMatchObject(values);
      expect(row.createdAt).toBeInstanceOf(Date);
      expect(typeof row.id).toBe("number");
      const raw = await pool.query("SELECT created_at FROM units WHERE code = 'CB-01'");
      expect(Number(raw.rows[0].created_at)).toBe(when.getTime());
      const cols = getTableColumns(pgTwin.liveChatMessages as never) as Record<string, PgColumn>;
      expect(cols.hidden.getSQLType()).toBe("smallint");
    } finally {
      await pool.end();
    }
  });
});
