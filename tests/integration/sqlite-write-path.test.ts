import { afterEach, beforeEach, expect, test } from "vitest";
import { closeDb } from "#db/client.server.ts";
import fs from "node:fs";
import { eq } from "drizzle-orm";
import { testDb } from "#tests/factories/db.ts";
import { units } from "#db/schema/index.ts";
import { AsyncLock, openSqliteEngine, sqliteWriteTx, type SqliteEngine } from "#db/sqlite-write-path.server.ts";

/**
 * The asynchronous write path on SQLite (ADR 0015), on a real migrated file: transactions that
 * await keep SQLite's single-writer guarantees, readers never see half a transaction, and a
 * write that bypasses the path fails instead of slipping past the lock.
 */
let file: string;
let engine: SqliteEngine;
beforeEach(async () => {
  const migrated = await testDb();
  file = migrated.file;
  await closeDb(migrated);
  engine = openSqliteEngine(file);
});
afterEach(() => {
  engine.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
});

const tick = () => new Promise((r) => setImmediate(r));
const unit = (code: string, depth = 0) => ({
  code, name: `Chi bộ ${code}`, nameFolded: `chi bo ${code.toLowerCase()}`, parentId: null, path: `/${code}/`, depth,
  createdAt: new Date(0), updatedAt: new Date(0),
});
const depthOf = async (code: string) => (await engine.read.select({ depth: units.depth }).from(units).where(eq(units.code, code)))[0]?.depth;

test("two transactions that read, await, then write never lose an update (the lock spans the awaits)", async () => {
  await sqliteWriteTx(engine, async (tx) => {
    await tx.insert(units).values(unit("C"));
  });
  const increment = () =>
    sqliteWriteTx(engine, async (tx) => {
      const [row] = await tx.select({ depth: units.depth }).from(units).where(eq(units.code, "C"));
      await tick(); // another request gets the event loop here
      await tx.update(units).set({ depth: row.depth + 1 }).where(eq(units.code, "C"));
    });
  await Promise.all(Array.from({ length: 20 }, increment));
  expect(await depthOf("C")).toBe(20);
});

test("a reader sees nothing of a transaction until it commits", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const writing = sqliteWriteTx(engine, async (tx) => {
    await tx.insert(units).values(unit("PENDING"));
    await held;
  });
  await tick();
  expect(await depthOf("PENDING")).toBeUndefined();
  release();
  await writing;
  expect(await depthOf("PENDING")).toBe(0);
});

test("a throw rolls the whole transaction back, is rethrown, and frees the lock for the next one", async () => {
  await expect(
    sqliteWriteTx(engine, async (tx) => {
      await tx.insert(units).values(unit("GONE"));
      throw new Error("hỏng giữa chừng");
    }),
  ).rejects.toThrow("hỏng giữa chừng");
  expect(await depthOf("GONE")).toBeUndefined();
  await sqliteWriteTx(engine, async (tx) => {
    await tx.insert(units).values(unit("NEXT"));
  });
  expect(await depthOf("NEXT")).toBe(0);
  expect(engine.lock.depth).toBe(0);
});

test("a constraint violation inside rolls back the writes before it", async () => {
  await expect(
    sqliteWriteTx(engine, async (tx) => {
      await tx.insert(units).values(unit("DUP"));
      await tx.insert(units).values(unit("DUP")); // units_code_uq
    }),
  ).rejects.toThrow(/UNIQUE/);
  expect(await depthOf("DUP")).toBeUndefined();
});

test("a nested transaction is a savepoint: its failure, caught, undoes only its own writes", async () => {
  await sqliteWriteTx(engine, async (tx) => {
    await tx.insert(units).values(unit("OUTER"));
    await expect(
      sqliteWriteTx(tx, async (inner) => {
        await inner.insert(units).values(unit("INNER"));
        throw new Error("inner fails");
      }),
    ).rejects.toThrow("inner fails");
    await sqliteWriteTx(tx, async (inner) => {
      await inner.insert(units).values(unit("INNER2"));
    });
  });
  expect(await depthOf("OUTER")).toBe(0);
  expect(await depthOf("INNER")).toBeUndefined();
  expect(await depthOf("INNER2")).toBe(0);
});

test("two nested transactions run at once inside one are refused with a clear error, and nothing is kept", async () => {
  const tick = () => new Promise((r) => setTimeout(r, 5));
  await expect(
    sqliteWriteTx(engine, async (tx) => {
      await tx.insert(units).values(unit("PAR-OUTER"));
      await Promise.all([
        sqliteWriteTx(tx, async (a) => {
          await a.insert(units).values(unit("PAR-A"));
          await tick();
        }),
        sqliteWriteTx(tx, async (b) => {
          await b.insert(units).values(unit("PAR-B"));
          await tick();
          await tick();
        }),
      ]);
    }),
  ).rejects.toThrow(/at the same time/);
  for (const code of ["PAR-OUTER", "PAR-A", "PAR-B"]) expect(await depthOf(code)).toBeUndefined();
});

test("writing through the read connection fails instead of bypassing the lock", async () => {
  await expect(async () => await engine.read.insert(units).values(unit("STRAY"))).rejects.toThrow(/readonly/);
  expect(await depthOf("STRAY")).toBeUndefined();
});

test("a transaction handle kept past its transaction cannot open a savepoint", async () => {
  let kept: Parameters<Parameters<typeof sqliteWriteTx>[1]>[0] | undefined;
  await sqliteWriteTx(engine, async (tx) => {
    kept = tx;
  });
  await expect(sqliteWriteTx(kept!, async () => 1)).rejects.toThrow(/already ended/);
});

test("AsyncLock runs work in call order, one at a time, and survives a rejection", async () => {
  const lock = new AsyncLock();
  const log: string[] = [];
  const job = (name: string, fail = false) =>
    lock.run(async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
  const results = await Promise.allSettled([job("a"), job("b", true), job("c")]);
  expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  expect(lock.depth).toBe(0);
});
