/**
 * Two (or more) app processes racing on one database (ADR 0015 step 3): each child
 * (tests/harness/two-process-child.ts) opens the test database's URL, says it is ready, and all
 * start on one "go". Returns each child's result, in order; `killed` when it SIGKILLed itself.
 */
import path from "node:path";
import { spawn } from "node:child_process";

const child = path.resolve(import.meta.dirname, "two-process-child.ts");
const root = path.resolve(import.meta.dirname, "..", "..");

export type ChildOutcome = { result: unknown; killed: boolean; stdout: string };

export async function raceProcesses(url: string, tasks: readonly object[]): Promise<ChildOutcome[]> {
  const procs = tasks.map((t) =>
    spawn(process.execPath, ["--import", "tsx", child, JSON.stringify(t)], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["pipe", "pipe", "pipe"],
    }),
  );
  const outs = procs.map((p) => {
    let stdout = "";
    let stderr = "";
    p.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      p.stdout.on("data", (b: Buffer) => {
        stdout += b.toString();
        if (stdout.includes("ready\n")) resolve();
      });
      p.once("exit", () => reject(new Error(`child exited before it was ready: ${stderr}`)));
    });
    const done = new Promise<ChildOutcome>((resolve, reject) => {
      p.once("exit", (code, signal) => {
        const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
        if (signal === "SIGKILL") return resolve({ result: null, killed: true, stdout });
        if (code !== 0 || !line) return reject(new Error(`child failed (${code ?? signal}): ${stderr}`));
        resolve({ result: JSON.parse(line.slice("RESULT ".length)), killed: false, stdout });
      });
    });
    return { ready, done };
  });
  await Promise.all(outs.map((o) => o.ready));
  for (const p of procs) p.stdin.write("go\n");
  return Promise.all(outs.map((o) => o.done));
}
