/**
 * processes: sign-in and lesson-page throughput (requests/s, p95) with one and with two app
 * processes, on SQLite and on PostgreSQL 15, in one run (ADR 0015 step 3). Ratios are to the same
 * run's baseline: one process on SQLite, the default deployment.
 *
 * Data: the pages bench's (the demo organisation, the courses of content/, 10 members with a
 * password and some progress), seeded once into a SQLite file and copied into a throwaway
 * PostgreSQL cluster with db:copy's code, so both engines serve the same rows. Each app process is
 * the production build served as `npm start` serves it (createHttpApp + listen, NODE_ENV=production)
 * in a child of its own; all four (two per engine) run throughout, and a configuration drives one
 * or two of them. Configurations are measured in rounds, rotating which goes first, so drift on a
 * shared machine hits each alike. Clients are split evenly over the processes driven (what nginx's
 * round robin does), one request at a time each, keep-alive.
 *
 * What is measured: "sign-in" posts the sign-in form (member lookup, throttle check, argon2id, a
 * session row written); "lesson" is a signed-in member's longest lesson page.
 * Run alone: `node --import tsx bench/processes.ts`, or `npm run bench processes`.
 */
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { copySqliteToPostgres } from "#db/copy-to-postgres.server.ts";
import { startPostgres, type TestPostgres } from "#tests/harness/postgres.ts";
import { DEMO_PASSWORD } from "../scripts/seed/demo.ts";
import { ensureBuild, seed } from "./pages.ts";
import { BENCH_DIR, TMP_DIR, fmtMs, fmtRatio, heading, machineLine, removeDbFiles, stats, table, tmpDbPath, type BenchResult } from "./lib.ts";

export const title = "processes — sign-in and lesson page, one vs two app processes, SQLite vs PostgreSQL";

const CLIENTS = 10;
const ROUNDS = 3;
const SLICE_MS = 2000;
const WARMUP_MS = 600;
const ROOT = path.resolve(BENCH_DIR, "..");

// ---- the app processes (children) -------------------------------------------------------------

/** Child mode: the production build on a free loopback port, on DATABASE_URL (from the environment). */
async function serve(dataDir: string) {
  const { parseEnv } = await import("#app/env.server.ts");
  const { createHttpApp, listen } = await import("#app/http/server.ts");
  const { openDb, closeDb } = await import("#db/client.server.ts");
  const env = parseEnv({ NODE_ENV: "production", DATABASE_URL: process.env.DATABASE_URL, DATA_DIR: dataDir, SEED_DEMO: "false" });
  const db = await openDb(env.DATABASE_URL);
  const buildDir = path.join(ROOT, "build");
  const build = await import(pathToFileURL(path.join(buildDir, "server", "index.js")).href);
  const server = await listen(createHttpApp({ db, env, build, buildDir }), "127.0.0.1", 0, env);
  process.on("message", (m) => {
    if (m !== "stop") return;
    server.closeAllConnections();
    server.close(() => void closeDb(db).finally(() => process.exit(0)));
  });
  process.send!({ type: "listening", port: (server.address() as AddressInfo).port });
}

type App = { origin: string; child: ChildProcess; stop: () => Promise<void> };

function startApp(databaseUrl: string, dataDir: string): Promise<App> {
  const child = fork(new URL(import.meta.url).pathname, ["serve", dataDir], {
    cwd: ROOT,
    execArgv: ["--import", "tsx"],
    // DATABASE_URL picks the engine (and #db/schema's tables) when the child's modules load.
    env: { ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench app process exited (${code}) before listening`)));
    child.on("message", (m: { type?: string; port?: number }) => {
      if (m?.type !== "listening") return;
      child.removeAllListeners("exit");
      const stop = () =>
        new Promise<void>((r) => {
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => (clearTimeout(timer), r()));
          child.send("stop");
        });
      resolve({ origin: `http://127.0.0.1:${m.port}`, child, stop });
    });
  });
}

// ---- the load ---------------------------------------------------------------------------------

async function signIn(origin: string, code: string): Promise<string> {
  const res = await fetch(`${origin}/login`, {
    method: "POST",
    headers: { origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ identifier: code, password: DEMO_PASSWORD, redirectTo: "/" }),
    redirect: "manual",
  });
  await res.arrayBuffer();
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  if (res.status !== 302 || !cookie) throw new Error(`sign-in of ${code} answered ${res.status}`);
  return cookie;
}

type Client = { origin: string; code: string; cookie: string };
type Slice = { n: number; ms: number; latencies: number[] };

/** Every client repeats `one` (one request at a time) for `ms`. */
async function drive(clients: Client[], one: (c: Client) => Promise<void>, ms: number): Promise<Slice> {
  const latencies: number[] = [];
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < end) {
        const t = performance.now();
        await one(c);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { n: latencies.length, ms: performance.now() - t0, latencies };
}

export async function run(): Promise<BenchResult> {
  console.log(heading(title));
  ensureBuild();
  const dbFile = tmpDbPath("processes", "db");
  const dataDir = path.join(TMP_DIR, `processes-${process.pid}-data`);
  let cluster: TestPostgres | null = null;
  const apps: App[] = [];
  try {
    const { codes, lesson } = await seed(dbFile, dataDir);
    cluster = await startPostgres();
    const pgUrl = await cluster.createDatabase("bench_processes");
    await copySqliteToPostgres({ sqliteFile: dbFile, postgresUrl: pgUrl, verify: false });
    const engines = [
      { name: "SQLite", url: `file:${dbFile}` },
      { name: "PostgreSQL", url: pgUrl },
    ];
    // Two processes per engine, started one after another (the first PostgreSQL one migrates).
    const byEngine = new Map<string, App[]>();
    for (const e of engines) {
      const pair = [await startApp(e.url, dataDir), await startApp(e.url, dataDir)];
      apps.push(...pair);
      byEngine.set(e.name, pair);
    }
    const configs = engines.flatMap((e) =>
      [1, 2].map((n) => ({ name: `${e.name}, ${n} process${n > 1 ? "es" : ""}`, apps: byEngine.get(e.name)!.slice(0, n) })),
    );
    const lessonPath = `/courses/${lesson.slug}/${lesson.key}`;
    const workloads = [
      { name: "sign-in", one: async (c: Client) => void (await signIn(c.origin, c.code)) },
      {
        name: "lesson",
        one: async (c: Client) => {
          const res = await fetch(c.origin + lessonPath, { headers: { cookie: c.cookie, "accept-encoding": "gzip" }, redirect: "manual" });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${lessonPath} answered ${res.status}`);
        },
      },
    ];
    // Clients split over the configuration's processes; each signed in on its own process.
    const clientsOf = new Map<string, Client[]>();
    for (const cfg of configs) {
      const list: Client[] = [];
      for (const [i, code] of codes.slice(0, CLIENTS).entries()) {
        const origin = cfg.apps[i % cfg.apps.length].origin;
        list.push({ origin, code, cookie: await signIn(origin, code) });
      }
      clientsOf.set(cfg.name, list);
    }
    for (const cfg of configs) for (const w of workloads) await drive(clientsOf.get(cfg.name)!, w.one, WARMUP_MS);
    const slices = new Map<string, Slice[]>();
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < configs.length; k++) {
        const cfg = configs[(r + k) % configs.length];
        for (const w of workloads) {
          const key = `${w.name}|${cfg.name}`;
          slices.set(key, [...(slices.get(key) ?? []), await drive(clientsOf.get(cfg.name)!, w.one, SLICE_MS)]);
        }
      }
    }
    const summary: string[] = [];
    console.log(`  ${machineLine()}; ${CLIENTS} clients, ${ROUNDS} rounds × ${SLICE_MS / 1000} s per configuration and workload; lesson ${lessonPath}`);
    for (const w of workloads) {
      const measured = configs.map((cfg) => {
        const s = slices.get(`${w.name}|${cfg.name}`)!;
        const n = s.reduce((a, x) => a + x.n, 0);
        const ms = s.reduce((a, x) => a + x.ms, 0);
        return { name: cfg.name, n, rps: (n / ms) * 1000, lat: stats(s.flatMap((x) => x.latencies)) };
      });
      const base = measured[0];
      console.log(`\n  ${w.name} (baseline: ${base.name})`);
      console.log(
        table(
          ["configuration", "requests", "req/s", "÷ baseline", "p50", "p95", "p95 ÷ baseline"],
          measured.map((m) => [m.name, m.n, m.rps.toFixed(1), fmtRatio(m.rps, base.rps), fmtMs(m.lat.p50), fmtMs(m.lat.p95), fmtRatio(m.lat.p95, base.lat.p95)]),
        ),
      );
      summary.push(
        `processes ${w.name} (${CLIENTS} clients, ${os.cpus().length} cores): ` +
          measured.map((m) => `${m.name} ${m.rps.toFixed(1)} req/s (${fmtRatio(m.rps, base.rps)}) p95 ${fmtMs(m.lat.p95)} (${fmtRatio(m.lat.p95, base.lat.p95)})`).join("; "),
      );
    }
    return { name: "processes", summary };
  } finally {
    for (const a of apps) await a.stop();
    await cluster?.stop();
    removeDbFiles(dbFile);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "serve" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await serve(process.argv[3]);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await run();
  console.log(r.summary.join("\n"));
  process.exit(0);
}
