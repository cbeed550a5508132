import { afterAll, beforeAll, expect, test } from "vitest";
import pg from "pg";
import { startPostgres, type TestPostgres } from "#tests/harness/postgres.ts";

/**
 * The throwaway PostgreSQL the suite runs against: started from Debian's binaries as the
 * `postgres` user (CI is root), on a Unix socket, with a fresh database per test file that
 * really is separate from the next one.
 */
let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
});

test("each createDatabase is an empty PostgreSQL 15 database of its own, in UTF-8", async () => {
  const [a, b] = [await server.createDatabase(), await server.createDatabase()];
  expect(a).not.toBe(b);
  const ca = new pg.Client({ connectionString: a });
  const cb = new pg.Client({ connectionString: b });
  await ca.connect();
  await cb.connect();
  try {
    const v = await ca.query<{ server_version_num: string }>("SHOW server_version_num");
    expect(Number(v.rows[0].server_version_num)).toBeGreaterThanOrEqual(150000);
    expect((await ca.query<{ server_encoding: string }>("SHOW server_encoding")).rows[0].server_encoding).toBe("UTF8");
    await ca.query("CREATE TABLE t (ten text)");
    await ca.query("INSERT INTO t VALUES ($1)", ["Chi bộ Thử nghiệm"]);
    expect((await ca.query("SELECT ten FROM t")).rows).toEqual([{ ten: "Chi bộ Thử nghiệm" }]);
    const other = await cb.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 't'");
    expect(other.rows[0].n).toBe(0);
  } finally {
    await ca.end();
    await cb.end();
  }
});

test("stop shuts the server down and removes its directory", async () => {
  const s = await startPostgres();
  const url = await s.createDatabase();
  await s.stop();
  const { existsSync } = await import("node:fs");
  expect(existsSync(s.socketDir)).toBe(false);
  const c = new pg.Client({ connectionString: url });
  await expect(c.connect()).rejects.toThrow();
});
