/**
 * `npm start`: migrations, the demo organisation on first run, a build when the sources changed,
 * then the app (and, once it lands, the media server beside it).
 */
// First: NODE_ENV must be set before any import loads React or express (see the module).
import "./production-env.ts";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseEnv } from "#app/env.server.ts";
import { closeDb } from "#db/client.server.ts";
import { createHttpApp, listen } from "#app/http/server.ts";
import { closePlacementClients } from "#app/live/placement.server.ts";
import { prepareDb, printDemoAccounts } from "./prepare-db.ts";
import { DEMO_PASSWORD } from "./seed/demo.ts";
import { INTERNAL_ORIGIN } from "#app/http/media-proxy.ts";
import { scheduleDailySnapshots } from "#app/reports/snapshots.server.ts";
import { scheduleLiveItemSettlement } from "#app/courses/live-items.server.ts";
import { scheduleMailOutbox } from "#app/notifications/outbox.server.ts";
import { mailConfig } from "#app/notifications/config.server.ts";
import { scheduleAbandonedAttempts } from "#app/quizzes/attempts.server.ts";
import { ensureMediasoupWorker } from "./mediasoup-worker.mjs";

const env = parseEnv();
// react-dom/server and express choose their builds from process.env.NODE_ENV when they load (the
// server build imported below, createHttpApp); unset, they run the development builds, which cost
// 10–35 % of every page. The configured value (production unless set) is what this process runs.
process.env.NODE_ENV = env.NODE_ENV;
const root = path.resolve(import.meta.dirname, "..");
const buildDir = path.join(root, "build");

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p)) max = Math.max(max, newestMtime(path.join(p, e)));
  return max;
}

function ensureBuild() {
  const stamp = path.join(buildDir, ".stamp");
  const sources = Math.max(
    newestMtime(path.join(root, "app")),
    newestMtime(path.join(root, "live-protocol")),
    newestMtime(path.join(root, "public")),
    newestMtime(path.join(root, "vite.config.ts")),
    newestMtime(path.join(root, "package-lock.json")),
  );
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= sources) return;
  console.log("▶ Đóng gói giao diện / building the app (remix vite:build)…");
  const r = spawnSync("npx", ["remix", "vite:build"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
  fs.writeFileSync(stamp, new Date().toISOString());
}

/** The join-token secret both processes share: configured, or generated once and kept in DATA_DIR. */
function joinTokenSecret(): string {
  if (env.JOIN_TOKEN_SECRET) return env.JOIN_TOKEN_SECRET;
  const file = path.resolve(env.DATA_DIR, "join-token-secret");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString("base64url"), { mode: 0o600 });
  }
  return fs.readFileSync(file, "utf8").trim();
}

/**
 * The media server runs beside the app, on loopback: browsers reach it through the app's
 * WebSocket proxy. If it dies it is started again (attendance recovers at start); if the app dies,
 * it stops too (media-server/src/index.ts watches the IPC channel).
 */
function startMediaServer(secret: string, workerBin: string) {
  const internal = new URL(env.MEDIA_INTERNAL_URL);
  let child: ChildProcess | null = null;
  let stopping = false;
  let restarts = 0;
  const launch = () => {
    child = spawn(process.execPath, ["--import", "tsx", path.join(root, "media-server", "src", "index.ts")], {
      cwd: root,
      // The IPC channel is the child's lifeline: when this process dies, even by SIGKILL, the
      // channel closes and the media server stops instead of holding its port as an orphan.
      stdio: ["inherit", "inherit", "inherit", "ipc"],
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: env.DATABASE_URL,
        // Recordings are written where the app serves them from.
        DATA_DIR: env.DATA_DIR,
        JOIN_TOKEN_SECRET: secret,
        MEDIA_HOST: process.env.MEDIA_HOST ?? internal.hostname,
        MEDIA_PORT: internal.port || "3100",
        APP_ORIGINS: [INTERNAL_ORIGIN, ...(env.APP_ORIGIN ? [env.APP_ORIGIN] : [])].join(","),
        MEDIASOUP_WORKER_BIN: workerBin,
      },
    });
    child.on("exit", (code, signal) => {
      if (stopping) return;
      restarts++;
      const delay = Math.min(30_000, 1000 * restarts);
      console.error(`Máy chủ truyền hình dừng (${signal ?? code}); khởi động lại sau ${delay / 1000}s / media server exited, restarting`);
      setTimeout(launch, delay).unref();
    });
  };
  launch();
  return () => {
    stopping = true;
    child?.kill("SIGTERM");
  };
}

ensureBuild();
const secret = joinTokenSecret();
env.JOIN_TOKEN_SECRET = secret;
const { db, seeded } = await prepareDb(env);
// Another process's media server, at MEDIA_INTERNAL_URL, when several app processes share one.
const stopMedia = env.START_MEDIA_SERVER ? startMediaServer(secret, await ensureMediasoupWorker({ log: () => {} })) : () => {};
// Yesterday's completion figures are frozen once a day, so last week's report never changes.
const stopSnapshots = await scheduleDailySnapshots(db, { log: (m) => console.log(m) });
// Course items "attend session X" are settled from the attendance ledger once a session ends.
const stopLiveItems = await scheduleLiveItemSettlement(db, { reconnectWindowMs: env.RECONNECT_WINDOW_SECONDS * 1000, log: (m) => console.log(m) });
// Quiz attempts left open past their deadline are closed with what was saved.
const stopAbandoned = scheduleAbandonedAttempts(db, { log: (m) => console.log(m) });
// Reminder e-mails leave from the outbox, outside requests, with retries (when SMTP is set).
const mail = mailConfig(env);
const stopMail = mail ? scheduleMailOutbox(db, mail, { log: (m) => console.log(m) }) : () => {};
if (seeded) printDemoAccounts(seeded);
else if (env.SEED_DEMO === true) {
  console.log(`Tài khoản minh họa / demo accounts: admin / ${DEMO_PASSWORD}; GV01–GV03 / ${DEMO_PASSWORD}; DV00001–DV00003 / ${DEMO_PASSWORD}`);
}
const build = await import(pathToFileURL(path.join(buildDir, "server", "index.js")).href);
const app = createHttpApp({ db, env, build, buildDir });
const server = await listen(app, env.HOST, env.PORT, env);
const shown = env.HOST === "0.0.0.0" ? "localhost" : env.HOST;
console.log(`\n✓ Học Số đang chạy tại / is running at http://${shown}:${env.PORT}  (Ctrl+C để dừng / to stop)`);

const stop = () => {
  stopMedia();
  stopSnapshots();
  stopLiveItems();
  stopAbandoned();
  stopMail();
  server.close();
  void Promise.allSettled([closeDb(db), closePlacementClients()]).finally(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
