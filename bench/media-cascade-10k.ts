import { one } from "#db/first.ts";
/**
 * 10 000 viewers of one session placed across media nodes (ADR 0016, issue 13), on one 2-core
 * machine. Everything on the signalling path is real:
 *   - redis-server (Debian's), and five media-server processes as `npm start` runs them, each with
 *     one real mediasoup worker: `origin` (MEDIA_NODE_ROLES=origin) and `edge-1`…`edge-4` (edge);
 *   - a Chromium presenter (the tests' live-client page: Opus + VP8 simulcast 150/500/1 200 kbit/s
 *     from Chromium's fake camera) placed by the app's placement on the origin;
 *   - the viewers: headless protocol clients in four child processes. Each viewer asks the app's
 *     placement (`Placement.place`, the function the token route calls, one Redis client per child
 *     process as several app processes would have) for a node, gets a join token signed with that
 *     node as the app signs it, opens a socket.io connection to the node, and follows the join
 *     protocol: auth → join → createTransport(recv) → consume. Timed from the token request to the
 *     consume answer ("consuming"). Each edge carries the session from the origin by itself (pipes).
 *
 * Scaled down, and said so in the output:
 *   - the viewers' sockets go straight to the node their token names, not through the app's HTTP
 *     WebSocket relay (its cost is one more proxied socket per viewer, measured by the relay's own
 *     tests, not here);
 *   - the 10 000 viewers' consumers stay paused and their WebRTC transports are never connected:
 *     2 cores cannot receive 20 000 media streams. The server still holds every transport (a UDP
 *     and a TCP port each) and every consumer, and its router still hands every packet to every
 *     consumer, which drops it while paused;
 *   - delivery is measured on a sample: 20 Chromium viewers, 5 per edge (their tokens name the
 *     edge: placement would put them all on the first edge with room), each receiving the 500
 *     kbit/s layer for real (ICE, DTLS, SRTP, decoding);
 *   - all "hosts" share one loopback and two cores.
 * Baseline in the same run: the same join, the same clients and concurrency, on one media-server
 * process with no cluster settings (no placement, no Redis), for BASELINE viewers.
 *
 * Run alone: `node --import tsx bench/media-cascade-10k.ts [viewers] [overflow] [baseline] [storm budget s]`
 * (past the budget no new viewer is placed, and the summary says how many were attempted), or
 * `npx tsx bench/run.ts media-cascade-10k`. Heavy: about 3 to 6 minutes of a 2-core machine.
 */
import { spawn, fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { createClient } from "redis";
import { io as ioClient, type Socket } from "socket.io-client";
import { Placement } from "../app/live/placement.server.ts";
import { closeDb, openDb, writeTx } from "../db/client.server.ts";
import { liveSessionInvites, liveSessionPresenters, liveSessions, members, units } from "../db/schema/index.ts";
import { signJoinToken } from "../live-protocol/join-token.server.ts";
import { readNodes, type NodeRecord, type RedisClient } from "../live-protocol/node-registry.server.ts";
import { ensureMediasoupWorker } from "../scripts/mediasoup-worker.mjs";
import { launchBrowser } from "../tests/harness/browser.ts";
import { openLiveClient, serveLiveClientPage } from "../tests/harness/live-client-page.ts";
import { freePort, JOIN_TOKEN_SECRET, waitFor } from "../tests/harness/media.ts";
import { startMediaNode, stopMediaNode, type MediaNode } from "../tests/harness/media-node.ts";
import { startRedis } from "../tests/harness/redis.ts";
import { machineLine, removeDbFiles, stats, tmpDbPath, type BenchResult } from "./lib.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const ORIGIN = "http://bench.local:3000";
const EDGES = 4;
const CLIENT_PROCS = 4;
/** Joins in flight per client process (closed loop): 4 × 12 = 48 at once. */
const CONCURRENCY = 12;
const SAMPLE_PER_EDGE = 5;
const MEASURE_MS = 10_000;
const quiet = { warn: () => {} };

type Viewer = { memberId: number; code: string; name: string; unitId: number };
type ClientJob = { redisUrl?: string; url?: string; sessionId: number; viewers: Viewer[]; concurrency: number; deadline: number };
type ClientResult = { attempted: number; ms: number[]; placeMs: number[]; refused: number; errors: Record<string, number>; perNode: Record<string, number>; wallMs: number; cpuMs: number };

// ---------------------------------------------------------------------------------------------
// Child: the viewers' clients (kept connected until the parent says "close")
// ---------------------------------------------------------------------------------------------

async function runClients(job: ClientJob, sockets: Socket[]): Promise<ClientResult> {
  const ms: number[] = [];
  const placeMs: number[] = [];
  const errors: Record<string, number> = {};
  const perNode: Record<string, number> = {};
  let refused = 0;
  const fail = (e: string) => (errors[e] = (errors[e] ?? 0) + 1);
  let placement: Placement | undefined;
  let redis: RedisClient | undefined;
  if (job.redisUrl) {
    redis = createClient({ url: job.redisUrl }) as RedisClient;
    redis.on("error", () => {});
    await redis.connect();
    placement = new Placement(redis, { log: quiet });
  }
  const joinOne = async (v: Viewer) => {
    const t0 = performance.now();
    let url = job.url!;
    let node: string | undefined;
    if (placement) {
      const placed = await placement.place(job.sessionId, "viewer");
      placeMs.push(performance.now() - t0);
      if (!placed.ok) {
        refused++;
        return;
      }
      node = placed.node.id;
      url = placed.node.socketUrl;
    }
    const token = signJoinToken({ memberId: v.memberId, memberCode: v.code, name: v.name, sessionId: job.sessionId, role: "viewer", unitId: v.unitId, node }, JOIN_TOKEN_SECRET);
    const s = ioClient(url, { transports: ["websocket"], auth: { token }, extraHeaders: { origin: ORIGIN }, reconnection: false, forceNew: true, timeout: 60_000 });
    sockets.push(s);
    try {
      await new Promise<void>((resolve, reject) => {
        s.once("connect", () => resolve());
        s.once("connect_error", (e: Error) => reject(new Error(`connect:${e.message}`)));
      });
      const j = await s.timeout(60_000).emitWithAck("join", {});
      if (j.error) throw new Error(`join:${j.error}`);
      const t = await s.timeout(60_000).emitWithAck("createTransport", { direction: "recv" });
      if (t.error) throw new Error(`createTransport:${t.error}`);
      const c = await s.timeout(60_000).emitWithAck("consume", { rtpCapabilities: j.routerRtpCapabilities });
      if (c.error) throw new Error(`consume:${c.error}`);
      ms.push(performance.now() - t0);
      if (ms.length % 500 === 0) console.log(`[cascade-10k clients ${process.pid}] ${ms.length} consuming`);
      if (node) perNode[node] = (perNode[node] ?? 0) + 1;
    } catch (e) {
      fail((e as Error).message);
      s.close();
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      // A time budget: on a shared machine the storm stops placing new viewers at the deadline.
      while (next < job.viewers.length && Date.now() < job.deadline) await joinOne(job.viewers[next++]);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  await redis?.quit().catch(() => {});
  return { attempted: next, ms, placeMs, refused, errors, perNode, wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

type ClientProc = { child: ChildProcess; result: Promise<ClientResult>; close(): Promise<void> };

/** A child process of clients, started now; the job runs when `go` is sent (so start-up is not timed). */
function clientProc(): { ready: Promise<void>; go(job: ClientJob): ClientProc } {
  const child = fork(fileURLToPath(import.meta.url), ["--clients"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ready = new Promise<void>((r) => child.once("message", () => r()));
  return {
    ready,
    go(job) {
      const result = new Promise<ClientResult>((resolve, reject) => {
        child.once("message", (m) => resolve(m as ClientResult));
        child.once("exit", (code) => reject(new Error(`clients exited with ${code}`)));
      });
      child.send({ type: "go", job });
      return {
        child,
        result,
        close: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) return r();
            child.once("exit", () => r());
            child.send({ type: "close" });
          }),
      };
    },
  };
}

async function storm(job: Omit<ClientJob, "viewers" | "concurrency" | "deadline">, viewers: Viewer[], budgetMs = Infinity) {
  const procs = Array.from({ length: CLIENT_PROCS }, () => clientProc());
  await Promise.all(procs.map((p) => p.ready));
  const t0 = performance.now();
  const deadline = Date.now() + Math.min(budgetMs, 24 * 3_600_000);
  const running = procs.map((p, i) => p.go({ ...job, viewers: viewers.filter((_, k) => k % CLIENT_PROCS === i), concurrency: CONCURRENCY, deadline }));
  const results = await Promise.all(running.map((r) => r.result));
  const wallMs = performance.now() - t0;
  const merged: ClientResult = { attempted: 0, ms: [], placeMs: [], refused: 0, errors: {}, perNode: {}, wallMs, cpuMs: 0 };
  for (const r of results) {
    merged.ms.push(...r.ms);
    merged.placeMs.push(...r.placeMs);
    merged.refused += r.refused;
    merged.attempted += r.attempted;
    merged.cpuMs += r.cpuMs;
    for (const [k, v] of Object.entries(r.errors)) merged.errors[k] = (merged.errors[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.perNode)) merged.perNode[k] = (merged.perNode[k] ?? 0) + v;
  }
  return { result: merged, close: () => Promise.all(running.map((r) => r.close())) };
}

// ---------------------------------------------------------------------------------------------
// Parent
// ---------------------------------------------------------------------------------------------

/** CPU time (ms) of a process and of its children (the mediasoup worker), from /proc. */
function cpuOf(pid: number): { node: number; worker: number } {
  const ticks = (p: number) => {
    try {
      const f = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
      return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100; // utime + stime, USER_HZ 100
    } catch {
      return 0;
    }
  };
  let kids: number[] = [];
  try {
    kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {}
  return { node: ticks(pid), worker: kids.reduce((a, k) => a + ticks(k), 0) };
}

/** A media-server process with no cluster settings: one node as `npm start` runs it today. */
async function startPlainNode(dbFile: string, workerBin: string, env: Record<string, string>): Promise<MediaNode> {
  const port = await freePort();
  let out = "";
  const child = spawn(process.execPath, ["--import", "tsx", "media-server/src/index.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "test",
      MEDIA_HOST: "127.0.0.1",
      MEDIA_PORT: String(port),
      RTC_LISTEN_IP: "127.0.0.1",
      DATABASE_URL: `file:${dbFile}`,
      JOIN_TOKEN_SECRET,
      APP_ORIGINS: ORIGIN,
      MEDIA_WORKERS: "1",
      MEDIASOUP_WORKER_BIN: workerBin,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  await waitFor(() => /media server ready/.test(out) || child.exitCode !== null, "plain node ready", 120_000);
  if (child.exitCode !== null) throw new Error(`plain node exited:\n${out}`);
  return { id: "plain", host: "127.0.0.1", child, url: `http://127.0.0.1:${port}`, internalUrl: "", output: () => out };
}

type RtpCount = { audio: number; video: number; lostAudio: number; lostVideo: number; height: number };

/** A sample viewer's received packets (inbound-rtp), from its page. */
const received = (page: Page): Promise<RtpCount> =>
  page.evaluate(async () => {
    const out = { audio: 0, video: 0, lostAudio: 0, lostVideo: 0, height: 0 };
    for (const c of (window.live as any).consumers.values()) {
      (await c.getStats()).forEach((s: any) => {
        if (s.type !== "inbound-rtp") return;
        if (s.kind === "audio") (out.audio += s.packetsReceived ?? 0), (out.lostAudio += s.packetsLost ?? 0);
        else (out.video += s.packetsReceived ?? 0), (out.lostVideo += s.packetsLost ?? 0), (out.height = Math.max(out.height, s.frameHeight ?? 0));
      });
    }
    return out;
  });

/** The presenter's sent packets: audio, and video per simulcast layer (rid). */
const sent = (page: Page): Promise<Record<string, number>> =>
  page.evaluate(async () => {
    const out: Record<string, number> = {};
    for (const p of (window.live as any).producers.values()) {
      (await p.getStats()).forEach((s: any) => {
        if (s.type !== "outbound-rtp") return;
        const k = s.kind === "audio" ? "audio" : `video-${s.rid ?? "?"}`;
        out[k] = (out[k] ?? 0) + (s.packetsSent ?? 0);
      });
    }
    return out;
  });

export const title = "media cascade: 10 000 viewers placed on an origin and four edges";

export async function run(viewers = 10_000, overflow = 200, baseline = 500, stormBudgetS = Infinity): Promise<BenchResult> {
  const wall0 = performance.now();
  console.log(`[cascade-10k] start: ${machineLine()}`);
  const file = tmpDbPath("media-cascade-10k", "db");
  removeDbFiles(file);
  const db = await openDb(`file:${file}`, { migrate: true });
  const now = new Date();
  const total = viewers + overflow + EDGES * SAMPLE_PER_EDGE + 1;
  const { unit, session, baseSession, presenter, all } = await writeTx(db, async (tx) => {
    const unit = await one(tx.insert(units).values({ code: "U", name: "U", nameFolded: "u", path: "/", depth: 0, createdAt: now, updatedAt: now }).returning());
    await tx.update(units).set({ path: `/${unit.id}/` });
    const mk = async (title: string) => {
      const s = await one(tx.insert(liveSessions).values({ title, scheduledStartAt: now, plannedEndAt: new Date(now.getTime() + 3_600_000), actualStartAt: now, state: "live", createdAt: now, updatedAt: now }).returning());
      await tx.insert(liveSessionInvites).values({ sessionId: s.id, unitId: unit.id, createdAt: now });
      return s;
    };
    const session = await mk("cascade");
    const baseSession = await mk("baseline");
    const presenter = await one(tx.insert(members).values({ code: "HOST", fullName: "Bí thư", fullNameFolded: "bi thu", unitId: unit.id, createdAt: now, updatedAt: now }).returning());
    await tx.insert(liveSessionPresenters).values({ sessionId: session.id, memberId: presenter.id, createdAt: now });
    const all: Viewer[] = [];
    for (let i = 0; i < total; i++) {
      const m = await one(tx.insert(members).values({ code: `V${i}`, fullName: `Viewer ${i}`, fullNameFolded: `viewer ${i}`, unitId: unit.id, createdAt: now, updatedAt: now }).returning());
      all.push({ memberId: m.id, code: m.code, name: m.fullName, unitId: unit.id });
    }
    return { unit, session, baseSession, presenter, all };
  });
  const stormViewers = all.slice(0, viewers + overflow);
  const sampleViewers = all.slice(viewers + overflow);

  const workerBin = await ensureMediasoupWorker({ log: () => {} });
  const summary: string[] = [];
  const say = (s: string) => console.log(`[cascade-10k ${((performance.now() - wall0) / 1000).toFixed(0)} s] ${s}`);
  const nodes: MediaNode[] = [];
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  let rc: RedisClient | undefined;
  let browser: Browser | undefined;
  let pages: Awaited<ReturnType<typeof serveLiveClientPage>> | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    // ---- Baseline: one node, no cluster, no placement ------------------------------------------
    // Ports: every node its own RTC range below the ephemeral range (sockets use that one).
    const rtc = (i: number) => ({ RTC_MIN_PORT: String(10_000 + i * 4_000), RTC_MAX_PORT: String(13_999 + i * 4_000) });
    const plain = await startPlainNode(file, workerBin, { CONSUMERS_PER_WORKER: String(baseline * 2 + 10), ...rtc(5) });
    const plainCpu0 = cpuOf(plain.child.pid!);
    const base = await storm({ url: plain.url, sessionId: baseSession.id }, stormViewers.slice(0, baseline));
    const plainCpu1 = cpuOf(plain.child.pid!);
    await base.close();
    await stopMediaNode(plain);
    const b = base.result;
    say(`baseline: ${b.ms.length}/${baseline} joined in ${(b.wallMs / 1000).toFixed(1)} s, p50 ${stats(b.ms).p50.toFixed(0)} ms, p95 ${stats(b.ms).p95.toFixed(0)} ms, errors ${JSON.stringify(b.errors)}`);

    // ---- The cluster ------------------------------------------------------------------------------
    redis = await startRedis();
    rc = createClient({ url: redis.url }) as RedisClient;
    rc.on("error", () => {});
    await rc.connect();
    pages = await serveLiveClientPage();
    // 2 slots a viewer, placement stops at 0.8 of the budget: this budget takes viewers / EDGES per edge.
    const perEdge = Math.ceil(viewers / EDGES);
    const budget = Math.ceil(((perEdge + SAMPLE_PER_EDGE) * 2) / 0.8) + 2;
    const common = { dbFile: file, redisUrl: redis.url, workerBin, appOrigins: `${ORIGIN},${pages.origin}` };
    nodes.push(
      ...(await Promise.all([
        startMediaNode({ ...common, id: "origin", env: { MEDIA_NODE_ROLES: "origin", ...rtc(0) } }),
        ...Array.from({ length: EDGES }, (_, i) =>
          startMediaNode({ ...common, id: `edge-${i + 1}`, env: { MEDIA_NODE_ROLES: "edge", CONSUMERS_PER_WORKER: String(budget), ...rtc(i + 1) } }),
        ),
      ])),
    );
    say(`redis and ${nodes.length} media nodes up (edge budget ${budget} consumers, placement stops at 0.8)`);

    // The presenter, placed as the app places it.
    const placement = new Placement(rc, { log: quiet });
    const p = await placement.place(session.id, "presenter");
    if (!p.ok || p.node.id !== "origin") throw new Error(`presenter placed on ${JSON.stringify(p)}`);
    const origin = nodes.find((n) => n.id === "origin")!;
    browser = await launchBrowser();
    const presenterToken = signJoinToken({ memberId: presenter.id, memberCode: presenter.code, name: presenter.fullName, sessionId: session.id, role: "presenter", unitId: unit.id, node: p.node.id }, JOIN_TOKEN_SECRET);
    const presenterPage = await openLiveClient(browser, pages, { url: origin.url, token: presenterToken, role: "presenter" });
    await waitFor(async () => (await presenterPage.evaluate(() => window.live!.stats())).producers === 2, "presenter producing", 60_000);
    say("presenter producing on origin");

    // ---- Delivery sample: Chromium viewers, 5 per edge, on the 500 kbit/s layer -------------------
    // They join first (their tokens name the edge), so they watch through the storm, and every
    // edge carries the session when the storm starts.
    const samplePages: { edge: string; page: Page }[] = [];
    for (let e = 0; e < EDGES; e++) {
      const edge = nodes.find((n) => n.id === `edge-${e + 1}`)!;
      for (let k = 0; k < SAMPLE_PER_EDGE; k++) {
        const v = sampleViewers[e * SAMPLE_PER_EDGE + k];
        const token = signJoinToken({ memberId: v.memberId, memberCode: v.code, name: v.name, sessionId: session.id, role: "viewer", unitId: v.unitId, node: edge.id }, JOIN_TOKEN_SECRET);
        samplePages.push({ edge: edge.id, page: await openLiveClient(browser, pages, { url: edge.url, token, role: "viewer" }) });
      }
    }
    // One reference viewer on the origin itself: what a viewer there receives, no pipe in between.
    {
      const v = sampleViewers[EDGES * SAMPLE_PER_EDGE];
      const token = signJoinToken({ memberId: v.memberId, memberCode: v.code, name: v.name, sessionId: session.id, role: "viewer", unitId: v.unitId, node: origin.id }, JOIN_TOKEN_SECRET);
      samplePages.push({ edge: origin.id, page: await openLiveClient(browser, pages, { url: origin.url, token, role: "viewer" }) });
    }
    for (const { page, edge } of samplePages) {
      await waitFor(async () => (await page.evaluate(() => window.live!.stats())).video.some((v) => v.framesDecoded > 0), `sample viewer on ${edge} decoding`, 90_000, 500);
      await page.evaluate(async () => {
        const live = window.live as any;
        for (const c of live.consumers.values()) if (c.kind === "video") await live.must("setPreferredLayers", { consumerId: c.id, spatialLayer: 1 });
      });
    }
    await new Promise((res) => setTimeout(res, 3_000)); // the layer switch settles (a key frame)
    say(`${samplePages.length} sample viewers decoding, on the 500 kbit/s layer`);

    // ---- The storm ----------------------------------------------------------------------------------
    const cpu0 = nodes.map((n) => cpuOf(n.child.pid!));
    const redisOps = async () => Number(/total_commands_processed:(\d+)/.exec(await rc!.info("stats"))?.[1] ?? 0);
    const ops0 = await redisOps();
    const stormBefore = await Promise.all(samplePages.map((x) => received(x.page)));
    const stormSent0 = await sent(presenterPage);
    const stormT0 = performance.now();
    const s = await storm({ redisUrl: redis.url, sessionId: session.id }, stormViewers, stormBudgetS * 1000);
    closers.push(s.close);
    const stormAfter = await Promise.all(samplePages.map((x) => received(x.page)));
    const stormSent1 = await sent(presenterPage);
    const stormSecs = (performance.now() - stormT0) / 1000;
    const ops1 = await redisOps();
    const cpu1 = nodes.map((n) => cpuOf(n.child.pid!));
    const r = s.result;
    say(`storm: ${r.attempted} of ${stormViewers.length} attempted within the budget, ${r.ms.length} consuming in ${(r.wallMs / 1000).toFixed(1)} s, session-full ${r.refused}, errors ${JSON.stringify(r.errors)}`);

    // Let every record catch up (two beats), then read them.
    await new Promise((res) => setTimeout(res, 4_500));
    const records = (await readNodes(rc, quiet)) as NodeRecord[];

    // ---- Steady state: delivery and CPU with everyone in -------------------------------------------
    const before = await Promise.all(samplePages.map((x) => received(x.page)));
    const sent0 = await sent(presenterPage);
    const steadyCpu0 = nodes.map((n) => cpuOf(n.child.pid!));
    const steadyOps0 = await redisOps();
    const m0 = performance.now();
    await new Promise((res) => setTimeout(res, MEASURE_MS));
    const after = await Promise.all(samplePages.map((x) => received(x.page)));
    const sent1 = await sent(presenterPage);
    const steadyCpu1 = nodes.map((n) => cpuOf(n.child.pid!));
    const steadyOps1 = await redisOps();
    const secs = (performance.now() - m0) / 1000;

    // ---- Report -------------------------------------------------------------------------------------
    const delivery = (b0: RtpCount[], b1: RtpCount[], s0: Record<string, number>, s1: Record<string, number>, secs: number) => {
      const sentRate = Object.fromEntries(Object.keys(s1).map((k) => [k, (s1[k] - (s0[k] ?? 0)) / secs]));
      const edges = nodes.map((n) => {
          const idx = samplePages.map((x, i) => (x.edge === n.id ? i : -1)).filter((i) => i >= 0);
          const d = idx.map((i) => ({
            audio: b1[i].audio - b0[i].audio,
            video: b1[i].video - b0[i].video,
            lost: b1[i].lostAudio + b1[i].lostVideo - b0[i].lostAudio - b0[i].lostVideo,
          }));
          const sum = d.reduce((a, x) => ({ audio: a.audio + x.audio, video: a.video + x.video, lost: a.lost + x.lost }), { audio: 0, video: 0, lost: 0 });
          const height = Math.max(0, ...idx.map((i) => b1[i].height));
          return { id: n.id, height, viewers: idx.length, audioPps: sum.audio / idx.length / secs, videoPps: sum.video / idx.length / secs, lost: sum.lost, lossPct: (sum.lost / Math.max(1, sum.audio + sum.video + sum.lost)) * 100 };
        });
      const video = sentRate["video-r1"] ?? NaN;
      const ref = edges.find((e) => e.id === "origin")!;
      const line =
        `presenter sent audio ${(sentRate.audio ?? NaN).toFixed(1)} pkt/s, video r0/r1/r2 ${(sentRate["video-r0"] ?? NaN).toFixed(0)}/${video.toFixed(0)}/${(sentRate["video-r2"] ?? NaN).toFixed(0)} pkt/s; ` +
        edges.map((e) => `${e.id} (${e.viewers} viewer${e.viewers > 1 ? "s" : ""}) per viewer audio ${e.audioPps.toFixed(1)} pkt/s (${(e.audioPps / ref.audioPps).toFixed(2)}× the origin viewer's), video ${e.videoPps.toFixed(1)} pkt/s (${(e.videoPps / ref.videoPps).toFixed(2)}× the origin viewer's, ${(e.videoPps / video).toFixed(2)}× the presenter's r1 layer; up to ${e.height}p), lost ${e.lost} (${e.lossPct.toFixed(2)}%)`).join("; ");
      return line;
    };
    const steadyLine = delivery(before, after, sent0, sent1, secs);
    const stormLine = delivery(stormBefore, stormAfter, stormSent0, stormSent1, stormSecs);
    const pct = (xs: number[]) => stats(xs);
    const st = pct(r.ms);
    const bs = pct(b.ms);
    const joinsPerS = r.ms.length / (r.wallMs / 1000);
    const baseJoinsPerS = b.ms.length / (b.wallMs / 1000);
    const nodeLine = nodes
      .map((n, i) => {
        const rec = records.find((x) => x.id === n.id);
        const stormCpu = (cpu1[i].node - cpu0[i].node + cpu1[i].worker - cpu0[i].worker) / 1000;
        const steady = ((steadyCpu1[i].node - steadyCpu0[i].node) / 10 / secs).toFixed(0) + "% node + " + ((steadyCpu1[i].worker - steadyCpu0[i].worker) / 10 / secs).toFixed(0) + "% worker";
        return `${n.id}: placed ${r.perNode[n.id] ?? 0}, consumers ${rec?.consumers ?? "?"}, reserved ${rec?.reserved ?? "?"}/${rec?.capacity ?? "?"}, pipes in ${rec?.pipesIn ?? "?"} out ${rec?.pipesOut ?? "?"}, storm CPU ${stormCpu.toFixed(1)} s, steady ${steady}`;
      })
      .join("; ");
    // The storm's CPU less what the nodes spend anyway (forwarding to the sample, beats), at the steady rate.
    const steadyPerS = nodes.reduce((a, _n, i) => a + (steadyCpu1[i].node - steadyCpu0[i].node + steadyCpu1[i].worker - steadyCpu0[i].worker), 0) / 1000 / secs;
    const baseCpu = (plainCpu1.node - plainCpu0.node + plainCpu1.worker - plainCpu0.worker) / 1000;
    const stormCpuAll = nodes.reduce((a, _n, i) => a + (cpu1[i].node - cpu0[i].node + cpu1[i].worker - cpu0[i].worker), 0) / 1000;
    const errs = Object.values(r.errors).reduce((a, x) => a + x, 0);
    summary.push(
      `media cascade 10k (origin + ${EDGES} edges, 1 mediasoup worker each, redis-server, Chromium presenter Opus + VP8 simulcast; ${stormViewers.length} headless viewers from ${CLIENT_PROCS} client processes, ${CLIENT_PROCS * CONCURRENCY} joins in flight, each placed by the app's Placement then auth → join → createTransport → consume straight to its node; consumers paused, transports never connected): ` +
        `${r.attempted < stormViewers.length ? `STOPPED BY THE TIME BUDGET (${stormBudgetS} s, shared machine): ${r.attempted} of ${stormViewers.length} attempted; ` : ""}${r.ms.length} consuming, ${r.refused} session-full, ${errs} errors ${JSON.stringify(r.errors)}, ${joinsPerS.toFixed(0)} joins/s; token→consuming p50 ${st.p50.toFixed(0)} ms, p95 ${st.p95.toFixed(0)} ms (placement alone p50 ${pct(r.placeMs).p50.toFixed(1)} ms, p95 ${pct(r.placeMs).p95.toFixed(1)} ms); ` +
        `baseline (same join on one node, no cluster, no placement, ${baseline} viewers): ${baseJoinsPerS.toFixed(0)} joins/s, p50 ${bs.p50.toFixed(0)} ms, p95 ${bs.p95.toFixed(0)} ms, errors ${b.ms.length === baseline ? 0 : baseline - b.ms.length}; ratio p95 ${(st.p95 / bs.p95).toFixed(2)}×, joins/s ${(joinsPerS / baseJoinsPerS).toFixed(2)}×; ` +
        `server CPU per join ${((stormCpuAll * 1000) / Math.max(1, r.ms.length)).toFixed(1)} ms, less the steady ${(steadyPerS * 100).toFixed(0)}% of a core: ${(((stormCpuAll - steadyPerS * stormSecs) * 1000) / Math.max(1, r.ms.length)).toFixed(1)} ms (baseline ${((baseCpu * 1000) / Math.max(1, b.ms.length)).toFixed(1)} ms), clients ${((r.cpuMs / Math.max(1, r.ms.length + r.refused))).toFixed(1)} ms; redis ${((ops1 - ops0) / (r.wallMs / 1000)).toFixed(0)} commands/s during the storm, ${((steadyOps1 - steadyOps0) / secs).toFixed(0)} /s steady (heartbeats + sweeps + follow)`,
      `media cascade 10k, per node after the storm: ${nodeLine}`,
      `media cascade 10k delivery, ${samplePages.length} Chromium viewers (${SAMPLE_PER_EDGE} per edge, 500 kbit/s layer), steady ${secs.toFixed(0)} s after the storm: ${steadyLine}`,
      `media cascade 10k delivery to the same sample during the storm (${stormSecs.toFixed(0)} s, client start-up included): ${stormLine}`,
    );
    for (const x of samplePages) await x.page.context().close();
    await presenterPage.context().close();
  } finally {
    for (const c of closers) await c().catch(() => {});
    await browser?.close().catch(() => {});
    for (const n of nodes) await stopMediaNode(n).catch(() => {});
    // Keep the nodes' logs (what happened to pipes and peers) where the run can be read afterwards.
    for (const n of nodes) {
      const f = path.join(os.tmpdir(), `media-cascade-10k-${n.id}.log`);
      fs.writeFileSync(f, n.output());
      console.log(`[cascade-10k] ${n.id} log: ${f}`);
    }
    await rc?.quit().catch(() => {});
    await redis?.stop();
    await pages?.close();
    await closeDb(db);
    removeDbFiles(file);
  }
  summary.push(`media cascade 10k wall time ${((performance.now() - wall0) / 1000).toFixed(0)} s; ${machineLine()}`);
  return { name: "media-cascade-10k", summary };
}

if (process.argv.includes("--clients")) {
  const sockets: Socket[] = [];
  process.on("message", async (m: { type: string; job?: ClientJob }) => {
    if (m.type === "go") {
      const r = await runClients(m.job!, sockets);
      process.send!(r);
    } else if (m.type === "close") {
      for (const s of sockets) s.close();
      process.exit(0);
    }
  });
  process.send!({ type: "ready" });
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [v, o, b, budget] = process.argv.slice(2).map(Number);
  const r = await run(v || undefined, Number.isFinite(o) ? o : undefined, b || undefined, budget || undefined);
  console.log(r.summary.join("\n"));
  process.exit(0);
}
