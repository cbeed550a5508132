/**
 * The asynchronous write path on SQLite (ADR 0015): what lets domain code `await` inside a
 * transaction on better-sqlite3, whose own transaction function must be synchronous.
 *
 * - One write connection per process, behind a FIFO lock: a transaction holds the lock from
 *   `BEGIN IMMEDIATE` to `COMMIT`, across its awaits, so two requests' writes never interleave
 *   (the guarantee SQLite's single writer gave the synchronous code).
 * - Reads go to their own connection with `query_only`: in WAL mode it sees only committed data,
 *   so nobody reads another request's half-done transaction, and a write that forgot to go
 *   through `writeTx` fails loudly instead of slipping outside the lock.
 * - A transaction inside a transaction (a domain function that writes, called by another) is a
 *   savepoint on the same connection, as better-sqlite3's nested transactions are today.
 *
 * - Inside a transaction's async context, the process's database handle means the transaction
 *   (`activeTx`): a domain function handed `db` instead of `tx` reads the transaction's own writes
 *   and nests as a savepoint, as it did when every call ran synchronously on one connection,
 *   instead of waiting for a lock its own caller holds.
 *
 * A transaction holds the only write lock while it awaits: await the database only, never the
 * network or a password hash, inside it.
 */
import Database from "better-sqlite3";
import { AsyncLocalStorage } from "node:async_hooks";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import * as schema from "./schema/sqlite.ts";

type Drizzle = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** A FIFO mutex for async work: `run` waits for every earlier `run` to settle first. */
export class AsyncLock {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  run<T>(fn: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(fn);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tail = settled.then(() => {
      this.waiting--;
    });
    return result;
  }

  /** Transactions queued or running: a measure of write contention. */
  get depth() {
    return this.waiting;
  }
}

// Symbol.for, not Symbol: the production build bundles its own copy of this module, and a test
// hands the build a handle opened through the source copy; both must recognise it.
const TX = Symbol.for("hocso.sqlite-write-transaction");
/** The handle a transaction's body gets: the write connection, marked as inside a transaction. */
export type SqliteTx = Drizzle & { [TX]: { depth: number; seq: number; open: string[] } };

export type SqliteEngine = {
  /** Reads (committed data only); writing through it throws. */
  read: Drizzle;
  write: Drizzle;
  lock: AsyncLock;
  /** The transaction each async context is inside (kept on the engine for the same reason as TX). */
  running: AsyncLocalStorage<SqliteTx>;
  close(): void;
};

/** The live transaction this async context is inside on `engine`, if any. */
export function activeTx(engine: SqliteEngine): SqliteTx | undefined {
  const tx = engine.running.getStore();
  return tx && tx[TX].depth >= 0 ? tx : undefined;
}

/** Prepared statements kept per connection, by SQL text (drizzle prepares a statement per query). */
const STATEMENT_CACHE = 500;

/**
 * Keeps the connection's prepared statements: drizzle asks better-sqlite3 to prepare every query
 * it runs, and preparing costs more than running most of ours (the demo seed's thousands of steps
 * spent more time preparing than executing). A statement is handed out again in object mode:
 * drizzle switches one to raw (array) mode for the queries it maps itself, and a later caller of
 * the same SQL text must not inherit that. Nothing here iterates a statement, so a cached one is
 * never busy when handed out again.
 */
function cacheStatements(c: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  const prepare = c.prepare.bind(c);
  c.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (stmt) cache.delete(source);
    else {
      stmt = prepare(source);
      if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, stmt);
    if (stmt.reader) stmt.raw(false);
    return stmt;
  }) as typeof c.prepare;
}

function open(file: string): Database.Database {
  const c = new Database(file);
  cacheStatements(c);
  c.pragma("journal_mode = WAL");
  c.pragma("foreign_keys = ON");
  c.pragma("busy_timeout = 5000");
  c.pragma("synchronous = NORMAL");
  return c;
}

export function openSqliteEngine(file: string): SqliteEngine {
  // The writer first: it creates the file and the WAL the reader then opens.
  const writer = open(file);
  // A private in-memory database exists once per connection: reads must share the writer there.
  const reader = file === ":memory:" ? writer : open(file);
  if (reader !== writer) reader.pragma("query_only = ON");
  // Per-database caches (db/prepared.server.ts: cacheScopeOf) are shared by both connections.
  Object.defineProperty(writer, Symbol.for("hocso.db.cacheScope"), { value: reader });
  return {
    read: drizzle(reader, { schema }) as Drizzle,
    write: drizzle(writer, { schema }) as Drizzle,
    lock: new AsyncLock(),
    running: new AsyncLocalStorage<SqliteTx>(),
    close() {
      if (reader !== writer) reader.close();
      writer.close();
    },
  };
}

const isTx = (d: unknown): d is SqliteTx => typeof d === "object" && d !== null && TX in d;

/**
 * Runs `fn` in a write transaction and returns what it returns; a throw rolls everything back
 * and is rethrown. Called with a transaction's handle, it nests as a savepoint instead.
 */
export async function sqliteWriteTx<T>(engine: SqliteEngine | SqliteTx, fn: (tx: SqliteTx) => Promise<T>): Promise<T> {
  if (isTx(engine)) return savepoint(engine, fn);
  const outer = activeTx(engine);
  if (outer) return savepoint(outer, fn);
  return engine.lock.run(async () => {
    const client = engine.write.$client;
    const tx = Object.assign(Object.create(engine.write) as Drizzle, { [TX]: { depth: 0, seq: 0, open: [] as string[] } }) as SqliteTx;
    client.exec("BEGIN IMMEDIATE");
    try {
      const result = await engine.running.run(tx, () => fn(tx));
      client.exec("COMMIT");
      return result;
    } catch (e) {
      // A failed COMMIT (or SQLite's own rollback on some errors) may have ended it already.
      try {
        if (client.inTransaction) client.exec("ROLLBACK");
      } catch {
        // Rethrow what the body threw, not the rollback's complaint.
      }
      throw e;
    } finally {
      tx[TX].depth = -1;
    }
  });
}

async function savepoint<T>(tx: SqliteTx, fn: (tx: SqliteTx) => Promise<T>): Promise<T> {
  const state = tx[TX];
  if (state.depth < 0) throw new Error("This transaction has already ended: its handle was kept past its writeTx.");
  const name = `sp${++state.seq}`;
  const client = tx.$client;
  client.exec(`SAVEPOINT ${name}`);
  state.open.push(name);
  // Savepoints nest, they cannot overlap: two nested writeTx running at once (a Promise.all, a
  // missing await) would release each other's. Say so instead of failing on "no such savepoint".
  const mustBeInnermost = () => {
    if (state.depth < 0) throw new Error("This transaction ended before its nested writeTx finished: await every nested writeTx.");
    if (state.open.at(-1) !== name) {
      throw new Error("Two nested writeTx calls ran at the same time inside one transaction: await them one after the other.");
    }
    state.open.pop();
  };
  let result: T;
  try {
    result = await fn(tx);
  } catch (e) {
    if (state.depth >= 0 && client.inTransaction && state.open.at(-1) === name) {
      state.open.pop();
      try {
        client.exec(`ROLLBACK TO ${name}`);
        client.exec(`RELEASE ${name}`);
      } catch {
        // The body's own error is the one worth reporting; the outer transaction rolls back anyway.
      }
    }
    throw e;
  }
  mustBeInnermost();
  client.exec(`RELEASE ${name}`);
  return result;
}
