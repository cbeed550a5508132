/**
 * A script of this repository as its own Node process (`node --import tsx SCRIPT`), as `npm start`
 * runs it: from the repository root, with only PATH and HOME from the test runner's environment
 * (none of its settings leak in) and the settings the test gives, its stdout and stderr kept for
 * assertions and failure messages. With `netns`, inside that network namespace
 * (tests/harness/netns.ts). The test decides how it ends (SIGKILL, SIGTERM, stopMediaNode…).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

export type ScriptProcess = { child: ChildProcess; output: () => string };

export function spawnScript(
  script: string,
  env: { NODE_ENV: "development" | "production" | "test" } & Record<string, string>,
  opts: { netns?: string } = {},
): ScriptProcess {
  let out = "";
  const node = ["--import", "tsx", script];
  const [cmd, args] = opts.netns ? ["ip", ["netns", "exec", opts.netns, process.execPath, ...node]] : [process.execPath, node];
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return { child, output: () => out };
}
