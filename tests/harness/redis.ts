/**
 * A throwaway Redis 7 from Debian's package (`redis-server`), as the cluster tests run it: no
 * persistence, its own temp directory, reached over a Unix socket by default (no TCP port to
 * collide with on a shared machine), or over TCP on one address when processes in other network
 * namespaces must reach it. Started in the foreground so it dies with its owner.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./media.ts";
import { skipReasonOrFail } from "./requirement.ts";

export const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? "redis-server";

/** Why this machine cannot start Redis, or null when it can. */
export function redisUnavailable(): string | null {
  return skipReasonOrFail(whyRedisUnavailable());
}

function whyRedisUnavailable(): string | null {
  const r = spawnSync(REDIS_BIN, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return "redis-server is not installed (apt-get install -y redis-server, or run `node scripts/bootstrap.mjs test`)";
  return null;
}

export type TestRedis = {
  /** What `REDIS_URL` takes: `unix:///…/r.sock`, or `redis://host:port` with `tcp`. */
  url: string;
  pid: number;
  /**
   * Freezes the server (SIGSTOP): connections stay open and nothing is answered, like a Redis
   * host that stops responding for a few seconds. `resume()` lets it go on where it was.
   */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
};

/**
 * Starts redis-server; resolves once it logs that it accepts connections (its own readiness
 * signal, not a delay). `tcp: { host }` listens on that address and a free port instead of a
 * Unix socket.
 */
export async function startRedis(opts: { tcp?: { host: string } } = {}): Promise<TestRedis> {
  const why = redisUnavailable();
  if (why) throw new Error(why);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-redis-"));
  const sock = path.join(dir, "r.sock");
  const port = opts.tcp ? await freePort() : 0;
  const args = [
    "--port", String(port),
    ...(opts.tcp ? ["--bind", opts.tcp.host, "--protected-mode", "no"] : ["--unixsocket", sock, "--unixsocketperm", "700"]),
    "--save", "", "--appendonly", "no",
    "--daemonize", "no",
    "--dir", dir,
    "--loglevel", "notice",
  ];
  const server: ChildProcess = spawn(REDIS_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      log = (log + b.toString()).slice(-8000);
      if (/ready to accept connections/i.test(log)) {
        server.stdout?.off("data", onData);
        resolve();
      }
    };
    server.stdout?.on("data", onData);
    server.stderr?.on("data", onData);
    server.once("exit", (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${log}`)));
    server.once("error", reject);
  });
  // Keep draining its output so a chatty server never blocks on a full pipe.
  server.stdout?.resume();
  server.stderr?.resume();
  return {
    url: opts.tcp ? `redis://${opts.tcp.host}:${port}` : `unix://${sock}`,
    pid: server.pid!,
    pause: () => void server.kill("SIGSTOP"),
    resume: () => void server.kill("SIGCONT"),
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        // A stopped process does not act on SIGTERM until it is continued.
        server.kill("SIGCONT");
        server.kill("SIGTERM");
      }
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
