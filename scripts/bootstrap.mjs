#!/usr/bin/env node
/**
 * Makes a fresh clone runnable, with no dependencies of its own (it runs before node_modules
 * exists): npm packages, the mediasoup worker, and for tests Debian's Chromium. Each step is
 * skipped when already done, so a second run takes a second or two.
 *
 *   node scripts/bootstrap.mjs start   what `npm start` needs
 *   node scripts/bootstrap.mjs test    what `npm test` needs (adds Chromium)
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const mode = process.argv[2] === "test" ? "test" : "start";
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

function step(msg) {
  console.log(`\n▶ ${msg}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`✗ Lệnh thất bại / command failed: ${cmd} ${args.join(" ")}`);
    process.exit(r.status ?? 1);
  }
}

function checkNode() {
  const [major] = process.versions.node.split(".").map(Number);
  if (major < 20) {
    console.error(`Cần Node.js 20 trở lên / Node.js 20+ is required (found ${process.versions.node}).`);
    process.exit(1);
  }
}

/** npm ci when node_modules is missing or older than the lock file. */
async function ensurePackages() {
  const marker = path.join(root, "node_modules", ".package-lock.json");
  const lock = path.join(root, "package-lock.json");
  const fresh = fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs;
  if (fresh) return;
  step("Cài các gói npm / installing npm packages (npm ci)…");
  const { workerCachePath } = await import("./mediasoup-worker.mjs");
  // mediasoup's own postinstall downloads a prebuilt worker from GitHub, which air-gapped networks
  // cannot reach; pointing MEDIASOUP_WORKER_BIN anywhere skips it, and the next step provides one.
  run("npm", ["ci", "--no-audit", "--no-fund"], {
    env: { ...process.env, MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN || workerCachePath() },
  });
}

async function ensureWorker() {
  const { ensureMediasoupWorker } = await import("./mediasoup-worker.mjs");
  const bin = await ensureMediasoupWorker({ log: (m) => console.log(`  ${m}`) });
  console.log(`✓ mediasoup worker: ${bin}`);
}

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/**
 * What the tests drive besides Node: Debian's Chromium and Firefox ESR (end-to-end journeys, never
 * a downloaded browser), nginx and openssl (the documented HTTPS reverse proxy is tested for real),
 * iproute2 (a viewer in its own network namespace loses its network for real), PostgreSQL 15
 * (a throwaway cluster per run: tests/harness/postgres.ts), Redis 7 (the media nodes' registry:
 * tests/harness/redis.ts).
 */
function ensureTestTools() {
  const missing = [
    ["chromium", "chromium"],
    ["firefox-esr", "firefox-esr"],
    ["nginx", "nginx-light"],
    ["ip", "iproute2"],
    ["openssl", "openssl"],
    // PostgreSQL 15: the suite runs the database tests on it too (ADR 0015); not on PATH in Debian.
    ["/usr/lib/postgresql/15/bin/postgres", "postgresql"],
    // Redis 7: the media-cascade tests start their own (tests/harness/redis.ts; ADR 0016).
    ["redis-server", "redis-server"],
  ].filter(([cmd]) => !(cmd.startsWith("/") ? fs.existsSync(cmd) : has(cmd)));
  if (missing.length === 0) return;
  const pkgs = missing.map(([, pkg]) => pkg);
  if (missing.some(([cmd]) => cmd === "chromium")) pkgs.push("fonts-noto-core");
  if (!isRoot) {
    console.error(`Kiểm thử cần các gói Debian / the tests need Debian packages:\n  sudo apt-get install -y ${pkgs.join(" ")}`);
    process.exit(1);
  }
  step(`Cài gói Debian / installing Debian packages: ${pkgs.join(", ")} (apt-get)…`);
  run("apt-get", ["update", "-q"]);
  run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...pkgs], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  // The nginx, postgresql and redis-server packages start system services; the tests run their own instances.
  spawnSync("sh", ["-c", "for s in nginx postgresql redis-server; do systemctl stop $s 2>/dev/null; service $s stop 2>/dev/null; done; true"], { stdio: "ignore" });
}

/**
 * What `start` itself needs besides Node: Debian's ffmpeg, the recorder of live sessions (the media
 * server writes the broadcast to WebM with it and ffprobe measures the file).
 */
function ensureRecorder() {
  if (has("ffmpeg") && has("ffprobe")) return;
  if (!isRoot) {
    console.error(`Ghi hình phiên trực tuyến cần gói Debian / recording live sessions needs a Debian package:\n  sudo apt-get install -y ffmpeg`);
    process.exit(1);
  }
  step("Cài gói Debian / installing Debian package: ffmpeg (apt-get)…");
  run("apt-get", ["update", "-q"]);
  run("apt-get", ["install", "-y", "-q", "--no-install-recommends", "ffmpeg"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

checkNode();
await ensurePackages();
// Debian packages before the mediasoup worker: an apt install may upgrade a library the worker is
// built against (openssl, ffmpeg or postgresql can pull a newer libssl3, and libssl-dev with
// it), and the worker's cache key is those libraries' versions: built first, it would then be
// looked for under a key that no longer matches.
ensureRecorder();
if (mode === "test") ensureTestTools();
await ensureWorker();
console.log("✓ Sẵn sàng / ready");
