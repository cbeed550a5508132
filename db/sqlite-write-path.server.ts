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
 * A transaction holds the only write lock while it awaits: await the database only, never the
 * network or a password hash, inside it.
 */
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import * as schema from "./schema/index.ts";

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

const TX = Symbol("sqlite write transaction");
/** The handle a transaction's body gets: the write connection, marked as inside a transaction. */
export type SqliteTx = Drizzle & { [TX]: { depth: number } };

export type SqliteEngine = {
  /** Reads (committed data only); writing through it throws. */
  read: Drizzle;
  write: Drizzle;
  lock: AsyncLock;
  close(): void;
};

function open(file: string): Database.Database {
  const c = new Database(file);
  c.pragma("journal_mode = WAL");
  c.pragma("foreign_keys = ON");
  c.pragma("busy_timeout = 5000");
  c.pragma("synchronous = NORMAL");
  return c;
}

export function openSqliteEngine(file: string): SqliteEngine {
  // The writer first: it creates the file and the WAL the reader then opens.
  const writer = open(file);
  const reader = open(file);
  reader.pragma("query_only = ON");
  return {
    read: drizzle(reader, { schema }) as Drizzle,
    write: drizzle(writer, { schema }) as Drizzle,
    lock: new AsyncLock(),
    close() {
      reader.close();
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
  return engine.lock.run(async () => {
    const client = engine.write.$client;
    const tx = Object.assign(Object.create(engine.write) as Drizzle, { [TX]: { depth: 0 } }) as SqliteTx;
    client.exec("BEGIN IMMEDIATE");
    try {
      const result = await fn(tx);
      client.exec("COMMIT");
      return result;
    } catch (e) {
      // A failed COMMIT (or SQLite's own rollback on some errors) may have ended it already.
      if (client.inTransaction) client.exec("ROLLBACK");
      throw e;
    } finally {
      tx[TX].depth = -1;
    }
  });
}

async function savepoint<T>(tx: SqliteTx, fn: (tx: SqliteTx) => Promise<T>): Promise<T> {
  if (tx[TX].depth < 0) throw new Error("This transaction has already ended: its handle was kept past its writeTx.");
  const name = `sp${++tx[TX].depth}`;
  const client = tx.$client;
  client.exec(`SAVEPOINT ${name}`);
  try {
    const result = await fn(tx);
    client.exec(`RELEASE ${name}`);
    return result;
  } catch (e) {
    if (client.inTransaction) {
      client.exec(`ROLLBACK TO ${name}`);
      client.exec(`RELEASE ${name}`);
    }
    throw e;
  } finally {
    tx[TX].depth--;
  }
}
