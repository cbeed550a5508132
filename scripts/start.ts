/**
 * `npm start`: migrations, the demo organisation on first run, a build when the sources changed,
 * then the app (and, once it lands, the media server beside it).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseEnv } from "#app/env.server.ts";
import { createHttpApp, listen } from "#app/http/server.ts";
import { prepareDb, printDemoAccounts } from "./prepare-db.ts";
import { DEMO_PASSWORD } from "#db/seed/demo.ts";

const env = parseEnv();
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

ensureBuild();
const { db, seeded } = await prepareDb(env);
if (seeded) printDemoAccounts(seeded);
else if (env.SEED_DEMO === true) {
  console.log(`Tài khoản minh họa / demo accounts: admin / ${DEMO_PASSWORD}; GV01–GV03 / ${DEMO_PASSWORD}; DV00001–DV00003 / ${DEMO_PASSWORD}`);
}
const build = await import(pathToFileURL(path.join(buildDir, "server", "index.js")).href);
const app = createHttpApp({ db, env, build, buildDir });
const server = await listen(app, env.HOST, env.PORT);
const shown = env.HOST === "0.0.0.0" ? "localhost" : env.HOST;
console.log(`\n✓ Học Số đang chạy tại / is running at http://${shown}:${env.PORT}  (Ctrl+C để dừng / to stop)`);

const stop = () => {
  server.close();
  db.$client.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
