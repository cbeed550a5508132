// `npm start` runs the media server as a child of the app. A probe SIGKILLed the app: the media
// server was reparented and kept its port, so the restarted app's media server failed with
// EADDRINUSE forever and stopping the new app did not stop the orphan. Here the real start script
// is killed the hard way, started again, and stopped; the media server must follow it each time.
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ensureMediasoupWorker } from "../../scripts/mediasoup-worker.mjs";
import { freePort, waitFor } from "#tests/harness/media.ts";
import { spawnScript } from "#tests/harness/spawn-script.ts";

let dir: string;
let appPort: number;
let mediaPort: number;
let workerBin: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  workerBin = await ensureMediasoupWorker({ log: () => {} });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-start-"));
  appPort = await freePort();
  mediaPort = await freePort();
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

function startApp() {
  const p = spawnScript("scripts/start.ts", {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(appPort),
    DATABASE_URL: `file:${path.join(dir, "hocso.db")}`,
    DATA_DIR: dir,
    SEED_DEMO: "false",
    MEDIA_INTERNAL_URL: `http://127.0.0.1:${mediaPort}`,
    MEDIA_WORKERS: "1",
    MEDIASOUP_WORKER_BIN: workerBin,
  });
  children.push(p.child);
  return p;
}

const up = async (port: number) => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true;
const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));

test("the media server stops with the app, whether the app is killed or stopped, and a restart gets the port back", async () => {
  const first = startApp();
  await waitFor(async () => (await up(appPort)) && (await up(mediaPort)), "first app and its media server", 180_000, 250);

  first.child.kill("SIGKILL");
  await exited(first.child);
  // Without the lifeline the orphan answers here forever.
  await waitFor(async () => !(await up(mediaPort)), "media server gone after the app was killed", 20_000, 200);

  const second = startApp();
  await waitFor(async () => (await up(appPort)) && (await up(mediaPort)), "second app and its media server", 180_000, 250);
  expect(second.output()).not.toContain("EADDRINUSE");

  second.child.kill("SIGTERM");
  await exited(second.child);
  await waitFor(async () => !(await up(mediaPort)), "media server gone after the app stopped", 20_000, 200);
}, 600_000);
