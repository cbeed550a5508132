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

function hasChromium() {
  return spawnSync("sh", ["-c", "command -v chromium"], { stdio: "ignore" }).status === 0;
}

function ensureChromium() {
  if (hasChromium()) return;
  if (!isRoot) {
    console.error("Cần Debian Chromium cho kiểm thử đầu-cuối / end-to-end tests need Debian's Chromium:\n  sudo apt-get install -y chromium");
    process.exit(1);
  }
  step("Cài Chromium của Debian / installing Debian's Chromium (apt-get)…");
  run("apt-get", ["update", "-q"]);
  run("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium", "fonts-noto-core"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
}

checkNode();
await ensurePackages();
await ensureWorker();
if (mode === "test") ensureChromium();
console.log("✓ Sẵn sàng / ready");
