/**
 * Production entry: `node --import tsx app/http/main.ts` after `remix vite:build`.
 * Configuration comes from the environment (see .env.example); migrations run at start.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseEnv } from "#app/env.server.ts";
import { openDb } from "#db/client.server.ts";
import { createHttpApp, listen } from "./server.ts";
import { scheduleDailySnapshots } from "#app/reports/snapshots.server.ts";

const env = parseEnv();
const db = openDb(env.DATABASE_URL, { migrate: true });
const stopSnapshots = scheduleDailySnapshots(db);
const buildDir = path.resolve("build");
const build = await import(pathToFileURL(path.join(buildDir, "server", "index.js")).href);
const app = createHttpApp({ db, env, build, buildDir });
const server = await listen(app, env.HOST, env.PORT, env);
const shown = env.HOST === "0.0.0.0" ? "localhost" : env.HOST;
console.log(`Học Số đang chạy tại / is running at http://${shown}:${env.PORT}`);

function shutdown() {
  stopSnapshots();
  server.close(() => {
    db.$client.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
