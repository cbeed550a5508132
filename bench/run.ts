/**
 * Runs all benchmarks, or the ones named: `npx tsx bench/run.ts [signin|search|import ...]`.
 *
 * Each bench runs in a child process of its own (fresh heap, --expose-gc, hard time limit) and
 * prints its own tables; this script then prints a summary block meant to be pasted into an
 * issue note. Figures are measured, never asserted: every bench reports a ratio against a
 * baseline measured in the same run, because absolute times on shared machines drift.
 */
import { fork } from "node:child_process";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { BENCHES, ON_REQUEST } from "./benches.ts";
import { BENCH_DIR, fmtMs, machineLine, sweepTmp, type BenchResult } from "./lib.ts";

/** Each bench aims at < 60 s; this only stops a runaway one. Benches on both engines load a
 * PostgreSQL copy of their data on top, and rollup builds 1,000,000 members there: more time. */
const HARD_LIMIT_MS = 150_000;
const HARD_LIMITS_MS: Record<string, number> = { search: 420_000, rollup: 1_500_000, "media-ingest": 420_000, "media-cascade-10k": 3_600_000 };

const args = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = args.length ? args : Object.keys(BENCHES).filter((n) => !ON_REQUEST.has(n));
const unknown = names.filter((n) => !BENCHES[n]);
if (unknown.length) {
  console.error(`unknown bench: ${unknown.join(", ")}; known: ${Object.keys(BENCHES).join(", ")}`);
  process.exit(2);
}

type Outcome = { name: string; ms: number; result?: BenchResult; error?: string };

function runChild(name: string): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = fork(path.join(BENCH_DIR, "child.ts"), [name], {
      cwd: path.resolve(BENCH_DIR, ".."),
      execArgv: ["--import", "tsx", "--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: BenchResult | undefined;
    let timedOut = false;
    const limitMs = HARD_LIMITS_MS[name] ?? HARD_LIMIT_MS;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, limitMs);
    child.on("message", (m: { type?: string; result?: BenchResult }) => {
      if (m?.type === "result") result = m.result;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const leftovers = child.pid ? sweepTmp(name, child.pid) : [];
      if (leftovers.length) console.log(`  (removed leftover temp files: ${leftovers.join(", ")})`);
      const ms = performance.now() - t0;
      if (timedOut) resolve({ name, ms, error: `killed after ${limitMs / 1000} s` });
      else if (!result) resolve({ name, ms, error: `exited with ${signal ?? code} before reporting` });
      else resolve({ name, ms, result });
    });
  });
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: path.resolve(BENCH_DIR, ".."), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

const outcomes: Outcome[] = [];
for (const name of names) outcomes.push(await runChild(name));

const commit = git(["rev-parse", "--short", "HEAD"]) || "?";
const dirty = git(["status", "--porcelain", "--untracked-files=no"]) ? " + uncommitted changes" : "";
console.log("\n----- 8< ----- benchmark summary (paste into the issue) -----");
console.log(`Benchmarks \`${["npx tsx bench/run.ts", ...args].join(" ")}\`, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit ${commit}${dirty}`);
console.log(`Machine: ${machineLine()}`);
console.log("Ratios are against baselines measured in the same run (shared machine: absolute times drift).");
for (const o of outcomes) {
  if (o.error) console.log(`- ${o.name}: FAILED (${o.error}) after ${fmtMs(o.ms)}`);
  else for (const line of o.result!.summary) console.log(`- ${line}`);
}
console.log(`Wall time: ${outcomes.map((o) => `${o.name} ${fmtMs(o.ms)}`).join(", ")}`);
console.log("----- >8 -----");
process.exitCode = outcomes.some((o) => o.error) ? 1 : 0;
