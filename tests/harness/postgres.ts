/**
 * A throwaway PostgreSQL 15 from Debian's package, as the tests run it: its own cluster in a temp
 * directory, reached over a Unix socket only (no TCP port to collide with), fsync off. CI runs as
 * root and initdb refuses root, so the cluster belongs to the `postgres` user the package creates.
 * Each test file asks for a fresh database of its own (CREATE DATABASE, milliseconds), like
 * testDb() gives a fresh SQLite file.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import pg from "pg";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

/** Why this machine cannot start PostgreSQL, or null when it can. */
export function postgresUnavailable(): string | null {
  if (!fs.existsSync(path.join(PG_BIN, "postgres"))) {
    return "PostgreSQL 15 is not installed (apt-get install -y postgresql, or run `node scripts/bootstrap.mjs test`)";
  }
  return null;
}

export type TestPostgres = {
  /** The socket directory; the connection string's `host`. */
  socketDir: string;
  url(database: string): string;
  /** A new empty database with a unique name; returns its connection string. */
  createDatabase(prefix?: string): Promise<string>;
  stop(): Promise<void>;
};

const isRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the cluster's owner: `postgres` when we are root, ourselves otherwise. */
function asOwner(bin: string, args: string[]): [string, string[]] {
  const exe = path.join(PG_BIN, bin);
  return isRoot() ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", exe, ...args]] : [exe, args];
}

export async function startPostgres(): Promise<TestPostgres> {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-pg-"));
  const data = path.join(dir, "data");
  if (isRoot()) spawnSync("chown", ["postgres:postgres", dir]);
  const [initCmd, initArgs] = asOwner("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]);
  const init = spawnSync(initCmd, initArgs, { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);

  // No TCP at all, and durability traded for speed: the cluster dies with the test run.
  const [cmd, args] = asOwner("postgres", [
    "-D", data, "-k", dir,
    "-c", "listen_addresses=",
    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
    "-c", "max_connections=200",
  ]);
  const server: ChildProcess = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr?.on("data", (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));

  const url = (database: string) => `postgresql://postgres@localhost/${database}?host=${encodeURIComponent(dir)}`;
  await waitUntilAccepting(url("postgres"), () => (server.exitCode !== null ? `postgres exited: ${log}` : null));

  return {
    socketDir: dir,
    url,
    async createDatabase(prefix = "t") {
      const name = `${prefix}_${process.pid}_${crypto.randomBytes(4).toString("hex")}`;
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop() {
      // SIGINT is PostgreSQL's "fast shutdown"; setpriv execs, so the signal reaches postgres itself.
      if (server.exitCode === null) server.kill("SIGINT");
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAccepting(url: string, failed: () => string | null) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const why = failed();
    if (why) throw new Error(why);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (e) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not start within 30 s: ${String(e)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
