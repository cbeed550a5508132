import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/**
 * Builds the app once per test run when the sources are newer than the last build, so the HTTP
 * and browser tests exercise exactly what `npm start` serves.
 */
function newest(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p)) max = Math.max(max, newest(path.join(p, e)));
  return max;
}

export default function setup() {
  const root = path.resolve(import.meta.dirname, "../..");
  const stamp = path.join(root, "build", ".stamp");
  const src = Math.max(newest(path.join(root, "app")), newest(path.join(root, "live-protocol")), newest(path.join(root, "db")), newest(path.join(root, "public")), newest(path.join(root, "vite.config.ts")));
  if (!fs.existsSync(stamp) || fs.statSync(stamp).mtimeMs < src) {
    // vitest sets NODE_ENV=test, and Vite would then bundle React's development build (StrictMode
    // mounting every effect twice), which is not what `npm start` builds and serves.
    const env = { ...process.env, NODE_ENV: "production" as const };
    const r = spawnSync("npx", ["remix", "vite:build"], { cwd: root, stdio: "pipe", encoding: "utf8", env });
    if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}\n${r.stderr}`);
    fs.writeFileSync(stamp, new Date().toISOString());
  }
  fs.mkdirSync(path.join(root, "tests", ".tmp"), { recursive: true });
}
