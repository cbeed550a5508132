import type Database from "better-sqlite3";
import type { BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as schema from "./schema/sqlite.ts";
import { activeTx, openSqliteEngine, sqliteWriteTx, type SqliteEngine } from "./sqlite-write-path.server.ts";
import { activeEngine, engineOfUrl } from "./engine-kind.ts";
import { activePgTx, openPostgresEngine, postgresEngineOf, postgresWriteTx, PG_ENGINE } from "./postgres-engine.server.ts";

/**
 * The database handle domain code gets, on either engine. Await its query builders (never
 * `.all/.get/.run`, which exist on SQLite only); write only inside `writeTx`; SQL that differs
 * between engines goes through db/dialect.server.ts (ADR 0015). On PostgreSQL it is drizzle's
 * node-postgres database cast to this type, once, in `openDb`: the one place the compiler is told
 * to trust us, kept honest by every DB-touching test running on both engines.
 */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
export { schema };

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** Accepts "file:data/x.db", "sqlite:data/x.db" or a plain path; ":memory:" for throwaway use. */
export function sqlitePathFromUrl(url: string): string {
  return url.replace(/^(file|sqlite):(\/\/)?/, "");
}

// On the handle under Symbol.for: the production build bundles its own copy of this module, and
// tests hand the build a handle opened through the source copy.
const ENGINE = Symbol.for("hocso.sqlite-engine");
const engineOfHandle = (db: Db): SqliteEngine | undefined => (db as unknown as Record<symbol, SqliteEngine | undefined>)[ENGINE];

function engineOf(db: Db): SqliteEngine {
  const engine = engineOfHandle(db);
  if (!engine) throw new Error("Not a handle from openDb (a transaction's handle cannot be closed or bulk-loaded).");
  return engine;
}

/**
 * Opens the database at `url`: PostgreSQL for `postgres://…`/`postgresql://…`, SQLite otherwise.
 * The URL must be of the engine whose tables `#db/schema` hands out in this process
 * (db/engine-kind.ts): one process speaks to one engine.
 *
 * SQLite: the file with the settings every process shares (WAL, foreign keys, a busy timeout so
 * the app and the media server can both write, synchronous=NORMAL) on two connections: the handle
 * returned reads committed data, and `writeTx` writes on the other behind an async lock.
 * PostgreSQL: a pool (postgres-engine.server.ts); migrations always run first, under an advisory
 * lock. On both, inside a transaction's async context the handle is the transaction.
 */
export async function openDb(url: string, opts: { migrate?: boolean; poolSize?: number } = {}): Promise<Db> {
  const kind = engineOfUrl(url);
  if (kind !== activeEngine) {
    throw new Error(
      `This process uses ${activeEngine} tables (chosen from DATABASE_URL/TEST_DB when #db/schema was first imported) and cannot open a ${kind} database.`,
    );
  }
  if (kind === "postgres") {
    const engine = await openPostgresEngine(url, { poolSize: opts.poolSize });
    return new Proxy(engine.db, {
      get(base, prop) {
        if (prop === PG_ENGINE) return engine;
        const source = activePgTx(engine) ?? base;
        const value = Reflect.get(source, prop, source);
        return typeof value === "function" ? value.bind(source) : value;
      },
    }) as unknown as Db;
  }
  return openSqlite(url, opts);
}

function openSqlite(url: string, opts: { migrate?: boolean }): Db {
  const file = sqlitePathFromUrl(url);
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const engine = openSqliteEngine(file);
  if (opts.migrate) migrate(engine.write, { migrationsFolder });
  const handle = new Proxy(engine.read, {
    get(read, prop) {
      if (prop === ENGINE) return engine;
      const source = activeTx(engine) ?? read;
      const value = Reflect.get(source, prop, source);
      return typeof value === "function" ? value.bind(source) : value;
    },
  }) as Db;
  return handle;
}

/**
 * Runs `fn` in a write transaction that takes the write lock up front (BEGIN IMMEDIATE) and holds
 * it across `fn`'s awaits; a throw rolls it back. Nested calls are savepoints. Await only the
 * database inside `fn`: the whole process's writes wait behind it.
 */
export function writeTx<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  const pgEngine = postgresEngineOf(db);
  if (pgEngine) return postgresWriteTx(pgEngine, fn as never) as Promise<T>;
  const engine = engineOfHandle(db);
  // A transaction's own handle (passed down as `tx`) nests as a savepoint.
  return sqliteWriteTx(engine ?? (db as never), fn as never) as Promise<T>;
}

export async function closeDb(db: Db): Promise<void> {
  const pgEngine = postgresEngineOf(db);
  if (pgEngine) return pgEngine.close();
  engineOf(db).close();
}

/**
 * The raw write connection, for bulk loaders outside the request path (seeds, benches, test
 * data generators) that insert many rows in one better-sqlite3 transaction. Never use it while
 * requests are being served: it bypasses the write lock.
 */
export function bulkWriter(db: Db): Database.Database {
  if (postgresEngineOf(db)) throw new Error("bulkWriter is SQLite's raw connection; on PostgreSQL load through writeTx.");
  return engineOf(db).write.$client;
}
