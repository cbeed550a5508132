/**
 * The PostgreSQL engine (ADR 0015 step 2): the same handle and `writeTx` rules as
 * sqlite-write-path, on a node-postgres pool.
 *
 * - Reads go to the pool. Its sessions default to read-only (`default_transaction_read_only`), so a
 *   write that forgot `writeTx` fails loudly, as it does on SQLite's `query_only` connection.
 * - `writeTx` is drizzle's `transaction` (`BEGIN READ WRITE` on a connection of its own). Inside its
 *   async context the process's handle IS the transaction (AsyncLocalStorage): a domain function
 *   handed `db` rather than `tx` reads its own writes and cannot wait on its own row locks. A nested
 *   `writeTx` is a savepoint (drizzle's nested transaction).
 * - int8 and numeric come back as numbers (node-postgres gives strings): ids, epoch-ms columns and
 *   `count(*)` read the same as on SQLite.
 */
import pg from "pg";
import { AsyncLocalStorage } from "node:async_hooks";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { pgSchema } from "./schema-pg/index.ts";
import { migratePostgres } from "./postgres-migrate.server.ts";

type PgDrizzle = NodePgDatabase<typeof pgSchema> & { $client: pg.Pool };
type PgTx = Parameters<Parameters<PgDrizzle["transaction"]>[0]>[0];

// Symbol.for for the same reason as in sqlite-write-path: the production build has its own copy.
export const PG_ENGINE = Symbol.for("hocso.pg-engine");
export const PG_TX = Symbol.for("hocso.pg-transaction");

export type PostgresEngine = {
  db: PgDrizzle;
  pool: pg.Pool;
  running: AsyncLocalStorage<PgTx>;
  close(): Promise<void>;
};

// Process-wide, not per pool: drizzle's node-postgres session passes its own per-query type
// config that falls back to pg's global parsers. Ids and epoch-ms fit in 2^53; sums and averages
// of them are what the reports read as numbers, as on SQLite.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export async function openPostgresEngine(url: string, opts: { migrate?: boolean; poolSize?: number } = {}): Promise<PostgresEngine> {
  if (opts.migrate !== false) await migratePostgres(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    // jit off: the planner compiles a statement whose estimated cost passes jit_above_cost, which
    // the reports' statements do from ~20,000 members on; compiling took 85–235 ms per run of the
    // roll-up and won nothing back on its short per-row expressions (ADR 0015, step 3).
    options: "-c default_transaction_read_only=on -c jit=off",
  });
  // An idle client that loses its server (a restart) must not crash the process. Nor may one the
  // pool has already let go of: pool.end() resolves before each socket has closed, and a server
  // that stops or drops the database meanwhile sends that client a FATAL no pool listener hears.
  pool.on("error", (e) => console.error("PostgreSQL pool:", e.message));
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = drizzle(pool, { schema: pgSchema }) as PgDrizzle;
  return {
    db,
    pool,
    running: new AsyncLocalStorage<PgTx>(),
    async close() {
      await pool.end();
    },
  };
}

export function activePgTx(engine: PostgresEngine): PgTx | undefined {
  const tx = engine.running.getStore();
  return tx && (tx as unknown as Record<symbol, { open: boolean }>)[PG_TX].open ? tx : undefined;
}

const mark = (tx: PgTx, engine: PostgresEngine, state: { open: boolean }) =>
  Object.defineProperties(tx, { [PG_TX]: { value: state }, [PG_ENGINE]: { value: engine } });

/** How often an outermost transaction is tried when PostgreSQL aborts it as a deadlock victim or a serialization failure. */
export const TX_TRIES = 5;
const RETRYABLE = new Set(["40001", "40P01"]);

function retryable(e: unknown): boolean {
  for (let c: unknown = e; c && typeof c === "object"; c = (c as { cause?: unknown }).cause) {
    if (RETRYABLE.has((c as { code?: string }).code ?? "")) return true;
  }
  return false;
}

/**
 * Runs `fn` in a transaction (a savepoint when this async context is already inside one). An
 * outermost transaction that PostgreSQL aborts with 40001 (serialization failure) or 40P01
 * (deadlock: two row-lock orders crossed) runs again, up to TX_TRIES times with a short jittered
 * wait; `fn` awaits only the database (the writeTx rule), so running it again is safe. A savepoint
 * does not retry: the failure aborted the whole transaction, which its outermost caller retries.
 */
export async function postgresWriteTx<T>(engine: PostgresEngine, fn: (tx: PgTx) => Promise<T>): Promise<T> {
  if (activePgTx(engine)) return postgresWriteTxOnce(engine, fn);
  for (let attempt = 1; ; attempt++) {
    try {
      return await postgresWriteTxOnce(engine, fn);
    } catch (e) {
      if (attempt >= TX_TRIES || !retryable(e)) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
    }
  }
}

async function postgresWriteTxOnce<T>(engine: PostgresEngine, fn: (tx: PgTx) => Promise<T>): Promise<T> {
  const outer = activePgTx(engine);
  const state = { open: true };
  const body = (tx: PgTx) => {
    mark(tx, engine, state);
    return engine.running.run(tx, () => fn(tx));
  };
  try {
    return outer ? await outer.transaction(body) : await engine.db.transaction(body, { accessMode: "read write" });
  } finally {
    state.open = false;
  }
}

/** The engine behind a handle or a transaction from this module, if it is one. */
export function postgresEngineOf(db: unknown): PostgresEngine | undefined {
  return (db as Record<symbol, PostgresEngine | undefined>)[PG_ENGINE];
}

/** True when `db` (a handle or a transaction) is inside a live transaction. */
export function inPostgresTx(db: unknown): boolean {
  return !!(db as Record<symbol, { open: boolean } | undefined>)[PG_TX]?.open;
}
