/**
 * The app as its own process, exactly as `npm start` runs it (scripts/start.ts on the production
 * build: migrations, the jobs, the HTTP server), for tests that run several of them on one
 * database and kill one. The build must exist (the slow projects' global set-up makes it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort, waitFor } from "./media.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

export type AppProcess = {
  /** `127.0.0.1:port`, as an nginx upstream `server` line names it. */
  address: string;
  origin: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM and wait, unless it is already gone. */
  stop(): Promise<void>;
};

export async function startAppProcess(o: { databaseUrl: string; dataDir: string; env?: Record<string, string> }): Promise<AppProcess> {
  const port = await freePort();
  let out = "";
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: o.databaseUrl,
      DATA_DIR: o.dataDir,
      SEED_DEMO: "false",
      ...o.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const exited = new Promise<never>((_, reject) => child.once("exit", (code, signal) => reject(new Error(`app process exited (${signal ?? code}):\n${out}`))));
  exited.catch(() => {});
  const ready = waitFor(() => /is running at/.test(out), `app process on ${port}`, 240_000).catch((e: Error) => {
    child.kill("SIGKILL");
    throw new Error(`${e.message}; its output:\n${out}`);
  });
  await Promise.race([ready, exited]);
  return {
    address: `127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    async stop() {
      if (gone()) return;
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await done;
    },
  };
}
