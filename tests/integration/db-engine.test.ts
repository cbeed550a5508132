import { afterEach, beforeEach, expect, test } from "vitest";
import { eq, sql } from "drizzle-orm";
import { openDb, writeTx } from "#db/client.server.ts";
import { activeEngine } from "#db/engine-kind.ts";
import { affectedRows, ping, rawFirst, rawRows, rawRun, rawValues } from "#db/dialect.server.ts";
import { first } from "#db/first.ts";
import { units } from "#db/schema/index.ts";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";

/**
 * The contract of the data layer that domain code relies on, on whichever engine this project runs
 * (ADR 0015: fast on SQLite, fast-pg on PostgreSQL), through the same handle and functions.
 */
let db: TestDb;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

const tick = () => new Promise((r) => setImmediate(r));
const unit = (code: string, depth = 0) => ({
  code, name: `Chi bộ ${code}`, nameFolded: `chi bo ${code.toLowerCase()}`, parentId: null, path: `/${code}/`, depth,
  createdAt: new Date(1_700_000_000_123), updatedAt: new Date(1_700_000_000_123),
});
const depthOf = async (code: string) => (await first(db.select({ depth: units.depth }).from(units).where(eq(units.code, code))))?.depth;

test("a write through the handle outside writeTx fails instead of slipping past the transaction rules", async () => {
  await expect(db.insert(units).values(unit("STRAY"))).rejects.toThrow();
  expect(await depthOf("STRAY")).toBeUndefined();
});

test("inside writeTx the handle is the transaction: it reads its own writes, and a nested writeTx through it does not wait on its own locks", async () => {
  const seen = await writeTx(db, async (tx) => {
    await tx.insert(units).values(unit("OWN"));
    // `db`, not `tx`: what a domain function handed the process's handle does.
    const mine = await depthOf("OWN");
    // Row-locks the row on PostgreSQL; a nested writeTx on another connection would wait forever.
    await tx.update(units).set({ depth: 1 }).where(eq(units.code, "OWN"));
    await writeTx(db, async (inner) => inner.update(units).set({ depth: 2 }).where(eq(units.code, "OWN")));
    return mine;
  });
  expect(seen).toBe(0);
  expect(await depthOf("OWN")).toBe(2);
});

test("a reader outside the transaction sees nothing of it until it commits", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const writing = writeTx(db, async (tx) => {
    await tx.insert(units).values(unit("PENDING"));
    await held;
  });
  await tick();
  await tick();
  expect(await depthOf("PENDING")).toBeUndefined();
  release();
  await writing;
  expect(await depthOf("PENDING")).toBe(0);
});

test("a nested writeTx that throws rolls back its own writes only (a savepoint); a throw in the outer one rolls back all", async () => {
  await writeTx(db, async (tx) => {
    await tx.insert(units).values(unit("KEPT"));
    await expect(
      writeTx(tx, async (inner) => {
        await inner.insert(units).values(unit("UNDONE"));
        throw new Error("inner");
      }),
    ).rejects.toThrow("inner");
  });
  expect(await depthOf("KEPT")).toBe(0);
  expect(await depthOf("UNDONE")).toBeUndefined();
  await expect(
    writeTx(db, async (tx) => {
      await tx.insert(units).values(unit("GONE"));
      throw new Error("outer");
    }),
  ).rejects.toThrow("outer");
  expect(await depthOf("GONE")).toBeUndefined();
});

test("the dialect functions read numbers as numbers, count changed rows and name columns as written", async () => {
  await writeTx(db, async (tx) => {
    await tx.insert(units).values([unit("A", 1), unit("B", 2), unit("C", 3)]);
  });
  const changed = await writeTx(db, async (tx) => affectedRows(await tx.update(units).set({ depth: 9 }).where(sql`${units.depth} >= 2`)));
  expect(changed).toBe(2);
  expect(await writeTx(db, (tx) => rawRun(tx, sql`UPDATE units SET depth = 0 WHERE code = 'A'`))).toBe(1);
  // count(*) is int8 on PostgreSQL and epoch-ms columns are bigint: both come back as numbers.
  expect(await rawFirst<{ n: number }>(db, sql`SELECT count(*) AS n FROM units`)).toEqual({ n: 3 });
  expect(await rawRows(db, sql`SELECT code, created_at AS "createdAt" FROM units WHERE code = 'B'`)).toEqual([{ code: "B", createdAt: 1_700_000_000_123 }]);
  expect(await rawValues(db, sql`SELECT code, depth FROM units ORDER BY code`)).toEqual([["A", 0], ["B", 9], ["C", 9]]);
  const row = await first(db.select().from(units).where(eq(units.code, "C")));
  expect(row?.createdAt).toEqual(new Date(1_700_000_000_123));
  await ping(db);
});

test("a process speaks to one engine: openDb refuses a URL of the other", async () => {
  const other = activeEngine === "postgres" ? "file:tests/.tmp/never.db" : "postgresql://postgres@localhost/never";
  await expect(openDb(other)).rejects.toThrow(/cannot open/);
});
