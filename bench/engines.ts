/**
 * Both engines side by side in one bench run (ADR 0015). `#db/schema` hands out one engine's tables
 * per process, chosen at import from DATABASE_URL: so a bench measures SQLite in its own process,
 * starts a throwaway PostgreSQL 15 cluster (tests/harness/postgres.ts: Unix socket, fsync off, as
 * the tests run it), loads the same data into it, and measures PostgreSQL in a child process of
 * its own (bench/child.ts with DATABASE_URL set), which sends its figures back over IPC.
 */
import path from "node:path";
import { fork } from "node:child_process";
import { BENCH_DIR, type BenchResult } from "./lib.ts";
export { startPostgres, type TestPostgres } from "#tests/harness/postgres.ts";

/** True in the PostgreSQL half of a bench (the child that `onPostgres` starts). */
export const inPostgresHalf = () => process.env.BENCH_ENGINE === "postgres";

/** The input the SQLite half handed to this PostgreSQL half. */
export function halfInput<T>(): T {
  return JSON.parse(process.env.BENCH_INPUT ?? "null") as T;
}

/** Runs `bench`'s PostgreSQL half against `url` in a child process; resolves with its `data`. */
export function onPostgres<T>(bench: string, url: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(BENCH_DIR, "child.ts"), [bench], {
      cwd: path.resolve(BENCH_DIR, ".."),
      execArgv: ["--import", "tsx", "--expose-gc"],
      env: { ...process.env, DATABASE_URL: url, BENCH_ENGINE: "postgres", BENCH_INPUT: JSON.stringify(input) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: BenchResult | undefined;
    child.on("message", (m: { type?: string; result?: BenchResult }) => {
      if (m?.type === "result") result = m.result;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (result) resolve(result.data as T);
      else reject(new Error(`${bench} PostgreSQL half exited with ${signal ?? code} before reporting`));
    });
  });
}
