import { first } from "#db/first.ts";
/**
 * pages: requests/s and p95 of the pages a signed-in member opens most (home, course list, a
 * lesson, /progress) with 10 concurrent signed-in clients, against a baseline in the same run:
 * /verify requested by the same signed-in clients. /verify renders the same root layout (header,
 * menu, the root loader's session check and scope query) and does no data work of its own, so
 * "page ÷ baseline" is what the page's own reads and rendering cost. No route is added for this.
 *
 * The server is the production build served by the same code `npm start` runs (createHttpApp +
 * listen, NODE_ENV=production), in a child process of its own so the load generator does not share
 * its event loop. The database is the demo organisation with the courses of content/ (real lesson
 * bodies), 10 members with a password and some progress each.
 *
 * Pages are measured in rounds, rotating which goes first, so drift on a shared machine hits every
 * page alike. Run alone: `node --import tsx bench/pages.ts [--cpu-prof DIR] [/path ...]`; with
 * --cpu-prof the server writes a V8 CPU profile into DIR when it stops.
 */
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { eq, inArray } from "drizzle-orm";
import { closeDb, openDb, writeTx } from "#db/client.server.ts";
import { members } from "#db/schema/index.ts";
import { hashPassword } from "#app/auth/password.server.ts";
import { DEMO_PASSWORD, seedDemo } from "../scripts/seed/demo.ts";
import { seedDemoCourses, seedDemoLiveSession } from "../scripts/prepare-db.ts";
import { coursesForMember, openItem, completeLesson } from "#app/courses/learning.server.ts";
import { getCourse, publishedSnapshot } from "#app/courses/courses.server.ts";
import { snapshotItems } from "#app/courses/snapshot.ts";
import { BENCH_DIR, TMP_DIR, fmtMs, fmtRatio, heading, removeDbFiles, stats, table, tmpDbPath, type BenchResult } from "./lib.ts";

export const title = "pages — home, course list, a lesson, /progress vs /verify (same layout), 10 signed-in clients";

const CLIENTS = 10;
const ROUNDS = 6;
const SLICE_MS = 1500;
const WARMUP_MS = 800;
const ROOT = path.resolve(BENCH_DIR, "..");

// ---- the server (child process) ---------------------------------------------------------------

/** Child mode: serve the production build on a free loopback port until told to stop. */
async function serve(dbFile: string, dataDir: string) {
  const { parseEnv } = await import("#app/env.server.ts");
  const { createHttpApp, listen } = await import("#app/http/server.ts");
  const env = parseEnv({ NODE_ENV: "production", DATABASE_URL: `file:${dbFile}`, DATA_DIR: dataDir, SEED_DEMO: "false" });
  const db = await openDb(env.DATABASE_URL);
  const buildDir = path.join(ROOT, "build");
  const build = await import(pathToFileURL(path.join(buildDir, "server", "index.js")).href);
  const server = await listen(createHttpApp({ db, env, build, buildDir }), "127.0.0.1", 0, env);
  process.on("message", (m) => {
    // Server CPU time is what a page costs even when other jobs share the machine's cores.
    if (m === "cpu") return process.send!({ type: "cpu", us: (({ user, system }) => user + system)(process.cpuUsage()) });
    if (m !== "stop") return;
    server.closeAllConnections();
    server.close(() => {
      // A normal exit, so --cpu-prof writes its profile.
      void closeDb(db).finally(() => process.exit(0));
    });
  });
  process.send!({ type: "listening", port: (server.address() as AddressInfo).port });
}

type Server = { origin: string; child: ChildProcess; cpuMs: () => Promise<number>; stop: () => Promise<void> };

function startServer(dbFile: string, dataDir: string, cpuProfDir: string | null): Promise<Server> {
  const child = fork(new URL(import.meta.url).pathname, ["serve", dbFile, dataDir], {
    cwd: ROOT,
    execArgv: ["--import", "tsx", ...(cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : [])],
    // What `npm start` gives the app process: react-dom/server and express load their production builds.
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench server exited (${code}) before listening`)));
    child.on("message", (m: { type?: string; port?: number }) => {
      if (m?.type !== "listening") return;
      child.removeAllListeners("exit");
      const stop = () =>
        new Promise<void>((r) => {
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            r();
          });
          child.send("stop");
        });
      const cpuMs = () =>
        new Promise<number>((r) => {
          const on = (x: { type?: string; us?: number }) => {
            if (x?.type !== "cpu") return;
            child.off("message", on);
            r(x.us! / 1000);
          };
          child.on("message", on);
          child.send("cpu");
        });
      resolve({ origin: `http://127.0.0.1:${m.port}`, child, cpuMs, stop });
    });
  });
}

/** The build `npm start` serves; rebuilt here only when app/ is newer than it (as npm start does). */
export function ensureBuild() {
  const newest = (p: string): number => {
    if (!fs.existsSync(p)) return 0;
    const st = fs.statSync(p);
    if (!st.isDirectory()) return st.mtimeMs;
    return fs.readdirSync(p).reduce((m, e) => Math.max(m, newest(path.join(p, e))), st.mtimeMs);
  };
  const stamp = path.join(ROOT, "build", ".stamp");
  const sources = Math.max(newest(path.join(ROOT, "app")), newest(path.join(ROOT, "public")), newest(path.join(ROOT, "vite.config.ts")));
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= sources) return;
  console.log("  building the app (remix vite:build, NODE_ENV=production)…");
  const r = spawnSync("npx", ["remix", "vite:build"], { cwd: ROOT, stdio: "pipe", encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
  fs.writeFileSync(stamp, new Date().toISOString());
}

// ---- the data ---------------------------------------------------------------------------------

/** The demo organisation and courses; CLIENTS members with a password and a different amount of progress each. */
export async function seed(dbFile: string, dataDir: string) {
  const db = await openDb(`file:${dbFile}`, { migrate: true });
  try {
    const hash = await hashPassword(DEMO_PASSWORD);
    await seedDemo(db, hash);
    await seedDemoCourses(db, dataDir);
    await seedDemoLiveSession(db);
    const codes = Array.from({ length: CLIENTS }, (_, i) => `DV${String(i + 1).padStart(5, "0")}`);
    await writeTx(db, async (tx) => {
      await tx.update(members).set({ passwordHash: hash }).where(inArray(members.code, codes));
    });
    const past = new Date(Date.now() - 3600_000);
    let lesson: { slug: string; key: string } | null = null;
    for (const [i, code] of codes.entries()) {
      const m = (await first(db.select({ id: members.id }).from(members).where(eq(members.code, code))))!;
      for (const c of await coursesForMember(db, m.id)) {
        const course = (await getCourse(db, c.id))!;
        const pub = (await publishedSnapshot(db, course))!;
        const lessons = snapshotItems(pub.snapshot).filter((it) => it.type === "lesson");
        // The lesson every client reads: the longest body, the page's worst case.
        if (!lesson && i === 0) {
          const longest = [...lessons].sort((a, b) => JSON.stringify(b.body).length - JSON.stringify(a.body).length)[0];
          lesson = { slug: c.slug, key: longest.key };
        }
        for (const it of lessons.slice(0, i % 6)) {
          await openItem(db, m.id, c.id, it.key, pub.versionId, past);
          try {
            await completeLesson(db, m.id, course, it.key);
          } catch {
            // a video lesson needs watch time: it stays "started", which /progress shows too
          }
        }
      }
    }
    if (!lesson) throw new Error("bench setup: no lesson in content/");
    return { codes, lesson: lesson as { slug: string; key: string } };
  } finally {
    await closeDb(db);
  }
}

// ---- the load ---------------------------------------------------------------------------------

async function signIn(origin: string, code: string): Promise<string> {
  const res = await fetch(`${origin}/login`, {
    method: "POST",
    headers: { origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ identifier: code, password: DEMO_PASSWORD, redirectTo: "/" }),
    redirect: "manual",
  });
  const cookie = res.headers.get("set-cookie")?.split(";")[0];
  if (res.status !== 302 || !cookie) throw new Error(`bench setup: sign-in of ${code} answered ${res.status}`);
  return cookie;
}

type Slice = { n: number; ms: number; cpuMs: number; latencies: number[] };

/** Every client requests `p` in a loop (one request at a time, keep-alive, like a browser tab) for `ms`. */
async function drive(server: Server, cookies: string[], p: string, ms: number): Promise<Slice> {
  const { origin } = server;
  const latencies: number[] = [];
  const cpu0 = await server.cpuMs();
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    cookies.map(async (cookie) => {
      while (performance.now() < end) {
        const t = performance.now();
        const res = await fetch(origin + p, { headers: { cookie, "accept-encoding": "gzip" }, redirect: "manual" });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${p} answered ${res.status}: the bench measures only successful pages`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  return { n: latencies.length, ms: elapsed, cpuMs: (await server.cpuMs()) - cpu0, latencies };
}

export async function run(opts: { cpuProfDir?: string | null; only?: string[] } = {}): Promise<BenchResult> {
  console.log(heading(title));
  ensureBuild();
  const dbFile = tmpDbPath("pages", "db");
  const dataDir = path.join(TMP_DIR, `pages-${process.pid}-data`);
  let server: Server | null = null;
  try {
    const { codes, lesson } = await seed(dbFile, dataDir);
    server = await startServer(dbFile, dataDir, opts.cpuProfDir ?? null);
    const cookies = await Promise.all(codes.map((c) => signIn(server!.origin, c)));
    const all = [
      { name: "baseline /verify (same layout)", path: "/verify" },
      { name: "home /", path: "/" },
      { name: "course list /courses", path: "/courses" },
      { name: "lesson", path: `/courses/${lesson.slug}/${lesson.key}` },
      { name: "/progress", path: "/progress" },
    ];
    const pages = opts.only?.length ? all.filter((p, i) => i === 0 || opts.only!.includes(p.path)) : all;
    for (const p of pages) await drive(server, cookies, p.path, WARMUP_MS);
    const slices = new Map<string, Slice[]>(pages.map((p) => [p.path, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < pages.length; k++) {
        const p = pages[(r + k) % pages.length];
        slices.get(p.path)!.push(await drive(server, cookies, p.path, SLICE_MS));
      }
    }
    const measured = pages.map((p) => {
      const s = slices.get(p.path)!;
      const n = s.reduce((a, x) => a + x.n, 0);
      const ms = s.reduce((a, x) => a + x.ms, 0);
      const cpu = s.reduce((a, x) => a + x.cpuMs, 0) / n;
      return { ...p, n, rps: (n / ms) * 1000, cpu, lat: stats(s.flatMap((x) => x.latencies)) };
    });
    const base = measured[0];
    console.log(`  ${CLIENTS} clients, ${ROUNDS} rounds × ${SLICE_MS / 1000} s per page, NODE_ENV=production; lesson ${lesson.slug}/${lesson.key}`);
    console.log(
      table(
        ["page", "requests", "req/s", "÷ baseline", "p50", "p95", "p95 ÷ baseline", "server CPU/req", "÷ baseline"],
        measured.map((m) => [m.name, m.n, m.rps.toFixed(0), fmtRatio(m.rps, base.rps), fmtMs(m.lat.p50), fmtMs(m.lat.p95), fmtRatio(m.lat.p95, base.lat.p95), fmtMs(m.cpu), fmtRatio(m.cpu, base.cpu)]),
      ),
    );
    return {
      name: "pages",
      summary: [
        `pages (${CLIENTS} signed-in clients, production build): ` +
          measured
            .map((m, i) =>
              i === 0
                ? `${m.name} ${m.rps.toFixed(0)} req/s p95 ${fmtMs(m.lat.p95)} CPU ${fmtMs(m.cpu)}/req`
                : `${m.name} ${m.rps.toFixed(0)} req/s (${fmtRatio(m.rps, base.rps)}) p95 ${fmtMs(m.lat.p95)} (${fmtRatio(m.lat.p95, base.lat.p95)}) CPU ${fmtMs(m.cpu)}/req (${fmtRatio(m.cpu, base.cpu)})`,
            )
            .join("; "),
      ],
    };
  } finally {
    await server?.stop();
    removeDbFiles(dbFile);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "serve" && import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await serve(process.argv[3], process.argv[4]);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const prof = args.indexOf("--cpu-prof");
  const cpuProfDir = prof >= 0 ? path.resolve(args[prof + 1]) : null;
  const only = args.filter((a, i) => a.startsWith("/") && !(prof >= 0 && i === prof + 1));
  const r = await run({ cpuProfDir, only });
  console.log(r.summary.join("\n"));
  process.exit(0);
}
