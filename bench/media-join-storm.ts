import { one } from "#db/first.ts";
/**
 * Join storm: N viewers (default 500) open a socket and follow the whole join protocol (auth →
 * join → createTransport recv → consume with RTP capabilities) within a spread window (default
 * 10 s). The media server runs in this process with one real worker; the clients run in a child
 * process so the server's event-loop delay is its own. Reports p50/p95 time from "socket opened"
 * to "consume answered", errors, and the server's event-loop delay (p50/p99/max), against a
 * baseline of the same clients doing a bare socket.io echo round trip on a plain server. No
 * producer is live, so consume answers an empty list: this measures signalling, not media.
 * Then the same members check in at one cell room by its QR code, as phones in a hall do
 * (auth with a check-in token → qrCheckin, each recorded in the ledger in its own transaction).
 * (monitorEventLoopDelay, 1 ms resolution: figures include that 1 ms timer.)
 *
 * Run alone: `node --import tsx bench/media-join-storm.ts [viewers] [spreadSeconds]`.
 */
import { fork } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Server as IOServer } from "socket.io";
import { io as ioClient } from "socket.io-client";
import { closeDb, openDb, writeTx } from "../db/client.server.ts";
import { liveSessionInvites, liveSessions, members, units } from "../db/schema/index.ts";
import { signJoinToken } from "../live-protocol/join-token.server.ts";
import { parseConfig } from "../media-server/src/config.ts";
import { silentLogger } from "../media-server/src/log.ts";
import { startMediaServer } from "../media-server/src/server.ts";
import { removeDbFiles, tmpDbPath, type BenchResult } from "./lib.ts";

const SECRET = "bench-join-token-secret-0123456789abcdef";
const ORIGIN = "http://bench.local:3000";

type ClientJob = { url: string; tokens: string[]; spreadMs: number; mode: "full" | "echo" | "qr"; code?: string };
type ClientResult = { ms: number[]; errors: Record<string, number> };

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

// ---------------------------------------------------------------------------------------------
// Child: the clients
// ---------------------------------------------------------------------------------------------

async function runClients(job: ClientJob): Promise<ClientResult> {
  const ms: number[] = [];
  const errors: Record<string, number> = {};
  const sockets: Awaited<ReturnType<typeof ioClient>>[] = [];
  const fail = (e: string) => (errors[e] = (errors[e] ?? 0) + 1);
  const one = (token: string) =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const s = ioClient(job.url, { transports: ["websocket"], auth: { token }, extraHeaders: { origin: ORIGIN }, reconnection: false, forceNew: true, timeout: 30_000 });
      sockets.push(s);
      s.once("connect_error", (e: Error) => {
        fail(`connect:${e.message}`);
        resolve();
      });
      s.once("connect", async () => {
        try {
          if (job.mode === "echo") {
            await s.timeout(30_000).emitWithAck("echo", { hello: 1 });
          } else if (job.mode === "qr") {
            const r = await s.timeout(30_000).emitWithAck("qrCheckin", { code: job.code });
            if (r.error) throw new Error(`qrCheckin:${r.error}`);
          } else {
            const j = await s.timeout(30_000).emitWithAck("join", {});
            if (j.error) throw new Error(`join:${j.error}`);
            const t = await s.timeout(30_000).emitWithAck("createTransport", { direction: "recv" });
            if (t.error) throw new Error(`createTransport:${t.error}`);
            const c = await s.timeout(30_000).emitWithAck("consume", { rtpCapabilities: j.routerRtpCapabilities });
            if (c.error) throw new Error(`consume:${c.error}`);
          }
          ms.push(performance.now() - t0);
        } catch (e) {
          fail((e as Error).message);
        }
        resolve();
      });
    });
  const gap = job.spreadMs / job.tokens.length;
  const all: Promise<void>[] = [];
  for (let i = 0; i < job.tokens.length; i++) {
    all.push(one(job.tokens[i]));
    await new Promise((r) => setTimeout(r, gap));
  }
  await Promise.all(all);
  for (const s of sockets) s.close();
  return { ms, errors };
}

function clientsInChild(job: ClientJob): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--clients"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (m) => resolve(m as ClientResult));
    child.once("error", reject);
    child.once("exit", (code) => code !== 0 && reject(new Error(`clients exited with ${code}`)));
    child.send(job);
  });
}

// ---------------------------------------------------------------------------------------------
// Parent: the servers
// ---------------------------------------------------------------------------------------------

export const title = "media join storm: N viewers joining within a window";

export async function run(viewers = 500, spreadSeconds = 10): Promise<BenchResult> {
  const file = tmpDbPath("media-join-storm", "db");
  removeDbFiles(file);
  const db = await openDb(`file:${file}`, { migrate: true });
  const now = new Date();
  const tokens: string[] = [];
  const phones: string[] = [];
  const { unit, session, host } = await writeTx(db, async (tx) => {
    const unit = await one(tx.insert(units).values({ code: "U", name: "U", nameFolded: "u", path: "/", depth: 0, createdAt: now, updatedAt: now }).returning());
    await tx.update(units).set({ path: `/${unit.id}/` });
    const session = await one(tx.insert(liveSessions).values({ title: "bench", scheduledStartAt: now, plannedEndAt: new Date(now.getTime() + 3_600_000), createdAt: now, updatedAt: now }).returning());
    await tx.insert(liveSessionInvites).values({ sessionId: session.id, unitId: unit.id, createdAt: now });
    for (let i = 0; i < viewers; i++) {
      const m = await one(tx.insert(members).values({ code: `V${i}`, fullName: `Viewer ${i}`, fullNameFolded: `viewer ${i}`, unitId: unit.id, createdAt: now, updatedAt: now }).returning());
      const t = { memberId: m.id, memberCode: m.code, name: m.fullName, sessionId: session.id, unitId: unit.id, ttlMs: 3_600_000 };
      tokens.push(signJoinToken({ ...t, role: "viewer" }, SECRET));
      phones.push(signJoinToken({ ...t, role: "check-in" }, SECRET));
    }
    const host = await one(tx.insert(members).values({ code: "HOST", fullName: "Bí thư", fullNameFolded: "bi thu", unitId: unit.id, createdAt: now, updatedAt: now }).returning());
    return { unit, session, host };
  });
  const hostToken = signJoinToken({ memberId: host.id, memberCode: host.code, name: host.fullName, sessionId: session.id, role: "cell-room", unitId: unit.id, ttlMs: 3_600_000 }, SECRET);

  const summary: string[] = [];
  try {
    // Baseline: a bare socket.io server answering one echo per client.
    const h = monitorEventLoopDelay({ resolution: 1 });
    const bare = http.createServer();
    const bareIo = new IOServer(bare);
    bareIo.on("connection", (s) => s.on("echo", (_p, ack) => ack({ ok: true })));
    await new Promise<void>((r) => bare.listen(0, "127.0.0.1", () => r()));
    h.enable();
    const base = await clientsInChild({ url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`, tokens, spreadMs: spreadSeconds * 1000, mode: "echo" });
    h.disable();
    const baseLoop = { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
    await new Promise<void>((r) => bareIo.close(() => r()));

    // The media server, one worker, admission budget large enough for everyone.
    const config = parseConfig({
      NODE_ENV: "test",
      MEDIA_HOST: "127.0.0.1",
      MEDIA_PORT: "0",
      JOIN_TOKEN_SECRET: SECRET,
      APP_ORIGINS: ORIGIN,
      MEDIA_WORKERS: "1",
      CONSUMERS_PER_WORKER: String(viewers * 2 + 10),
      HEARTBEAT_SECONDS: "15",
    });
    const server = await startMediaServer(config, { db, log: silentLogger });
    const h2 = monitorEventLoopDelay({ resolution: 1 });
    h2.enable();
    const full = await clientsInChild({ url: server.url, tokens, spreadMs: spreadSeconds * 1000, mode: "full" });
    h2.disable();
    const loop = { p50: h2.percentile(50) / 1e6, p99: h2.percentile(99) / 1e6, max: h2.max / 1e6 };

    // The hall's screen (one socket, here) shows a code; every member's phone checks in with it.
    const screen = ioClient(server.url, { transports: ["websocket"], auth: { token: hostToken }, extraHeaders: { origin: ORIGIN }, reconnection: false, forceNew: true });
    await new Promise<void>((r, j) => (screen.once("connect", () => r()), screen.once("connect_error", j)));
    const joined = await screen.timeout(30_000).emitWithAck("join", {});
    const h3 = monitorEventLoopDelay({ resolution: 1 });
    h3.enable();
    const qr = await clientsInChild({ url: server.url, tokens: phones, spreadMs: spreadSeconds * 1000, mode: "qr", code: joined.checkinCode.code });
    h3.disable();
    const qrLoop = { p50: h3.percentile(50) / 1e6, p99: h3.percentile(99) / 1e6, max: h3.max / 1e6 };
    const checkedIn = server.registry.peek(session.id)?.checkins.get(host.id)?.size ?? 0;
    screen.close();
    await server.close();

    const line = (name: string, r: ClientResult, l: typeof loop) =>
      `${name}: ${r.ms.length}/${viewers} ok, p50 ${pct(r.ms, 50).toFixed(0)} ms, p95 ${pct(r.ms, 95).toFixed(0)} ms, max ${Math.max(...r.ms).toFixed(0)} ms; ` +
      `errors ${JSON.stringify(r.errors)}; server event-loop delay p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`;
    console.log(line("bare socket.io echo", base, baseLoop));
    console.log(line("media server join", full, loop));
    console.log(line("phone QR check-in", qr, qrLoop));
    summary.push(
      `media join storm, ${viewers} viewers over ${spreadSeconds} s (auth → join → createTransport → consume, 1 worker): ` +
        `p50 ${pct(full.ms, 50).toFixed(0)} ms, p95 ${pct(full.ms, 95).toFixed(0)} ms, errors ${Object.values(full.errors).reduce((a, b) => a + b, 0)}, ` +
        `event-loop delay p99 ${loop.p99.toFixed(1)} ms (max ${loop.max.toFixed(1)}); bare socket.io echo baseline p50 ${pct(base.ms, 50).toFixed(0)} ms, ` +
        `p95 ${pct(base.ms, 95).toFixed(0)} ms, loop p99 ${baseLoop.p99.toFixed(1)} ms; ratio p95 ${(pct(full.ms, 95) / pct(base.ms, 95)).toFixed(1)}×`,
      `phone QR check-in, ${viewers} phones at one cell room over ${spreadSeconds} s (auth → qrCheckin → ledger): p50 ${pct(qr.ms, 50).toFixed(0)} ms, ` +
        `p95 ${pct(qr.ms, 95).toFixed(0)} ms, errors ${Object.values(qr.errors).reduce((a, b) => a + b, 0)}, checked in ${checkedIn}/${viewers}, ` +
        `event-loop delay p99 ${qrLoop.p99.toFixed(1)} ms; ratio p95 to the bare echo ${(pct(qr.ms, 95) / pct(base.ms, 95)).toFixed(1)}×`,
    );
  } finally {
    await closeDb(db);
    removeDbFiles(file);
  }
  return { name: "media-join-storm", summary };
}

if (process.argv.includes("--clients")) {
  process.once("message", async (job) => {
    const r = await runClients(job as ClientJob);
    process.send!(r, undefined, {}, () => process.exit(0));
  });
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await run(process.argv[2] ? Number(process.argv[2]) : undefined, process.argv[3] ? Number(process.argv[3]) : undefined);
  console.log(r.summary.join("\n"));
  process.exit(0);
}
