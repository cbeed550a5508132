/**
 * Fan-out: one producer (Opus + VP8, ~1.1 Mbps) fed over loopback RTP, forwarded by ONE mediasoup
 * worker to N consumers on PlainTransports with SRTP (the worker encrypts per consumer, as for
 * browsers), all sending to one local UDP sink that counts packets per SSRC.
 *
 * Reports worker CPU (getResourceUsage) per consumer and packet loss at N = 100, 250, 500, for
 * two setups interleaved in the same run:
 *   - bare: mediasoup's API only (createWorker, createRouter, consume);
 *   - ours: the router built by our WorkerPool + Room (same codecs, the consumer options and
 *     listeners room.ts uses: paused, then resumed with a key frame request).
 * The forwarding path inside the worker is the same, so the ratio shows what our wiring adds.
 *
 * Run alone: `node --import tsx bench/media-fanout.ts [100,250,500] [seconds]`.
 * Figures are printed, never asserted. The sink runs in this process on the same machine, so on a
 * 2-core host it competes with the worker; loss includes what the sink's socket dropped.
 */
import dgram from "node:dgram";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { types } from "mediasoup";
import { produceSyntheticAv, streamSyntheticAv, workerCpuMs, type BenchModule, type BenchResult } from "./lib.ts";
import { loadMediasoup } from "../media-server/src/mediasoup.ts";
import { MEDIA_CODECS } from "../media-server/src/codecs.ts";
import { WorkerPool } from "../media-server/src/worker-pool.ts";
import { Room } from "../media-server/src/room.ts";
import { parseConfig } from "../media-server/src/config.ts";
import { silentLogger } from "../media-server/src/log.ts";

const SRTP_SUITE = "AES_CM_128_HMAC_SHA1_80" as const;

type Setup = { router: types.Router; worker: types.Worker; close: () => Promise<void> };

async function bareSetup(ms: typeof import("mediasoup")): Promise<Setup> {
  const worker = await ms.createWorker({ logLevel: "error" });
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  return { router, worker, close: async () => worker.close() };
}

async function ourSetup(ms: typeof import("mediasoup")): Promise<Setup> {
  const config = parseConfig({ NODE_ENV: "test", MEDIA_WORKERS: "1" });
  const pool = await WorkerPool.create(ms, { count: 1, rtcMinPort: config.rtc.minPort, rtcMaxPort: config.rtc.maxPort, log: silentLogger, logLevel: "error" });
  const room = await Room.create(1, { pool, config, log: silentLogger });
  const slot = room.slots[0];
  return {
    router: slot.router,
    worker: slot.worker.worker,
    close: async () => {
      room.close();
      pool.close();
    },
  };
}

type Measure = { n: number; cpuPct: number; cpuPerConsumerPct: number; lossPct: number; sent: number; mbpsOut: number };

async function measure(setup: Setup, n: number, seconds: number): Promise<Measure> {
  const { router, worker } = setup;
  // Ingest.
  const { ingress, audio, video } = await produceSyntheticAv(router);

  // Sink.
  const sink = dgram.createSocket({ type: "udp4", recvBufferSize: 16 * 1024 * 1024 });
  await new Promise<void>((r) => sink.bind(0, "127.0.0.1", () => r()));
  const counts = new Map<number, number>();
  let bytesIn = 0;
  sink.on("message", (m) => {
    if (m.length < 12 || (m[1] >= 192 && m[1] <= 223)) return; // RTCP
    const ssrc = m.readUInt32BE(8);
    counts.set(ssrc, (counts.get(ssrc) ?? 0) + 1);
    bytesIn += m.length;
  });

  const caps = router.rtpCapabilities;
  // N consumers = N/2 viewers, each receiving audio + video (how CONSUMERS_PER_WORKER counts).
  const viewers = Math.ceil(n / 2);
  const consumers: types.Consumer[] = [];
  for (let i = 0; i < viewers; i++) {
    const t = await router.createPlainTransport({ listenIp: "127.0.0.1", rtcpMux: true, comedia: false, enableSrtp: true, srtpCryptoSuite: SRTP_SUITE });
    await t.connect({ ip: "127.0.0.1", port: sink.address().port, srtpParameters: { cryptoSuite: SRTP_SUITE, keyBase64: randomBytes(30).toString("base64") } });
    for (const p of [audio, video]) {
      const c = await t.consume({ producerId: p.id, rtpCapabilities: caps, paused: true });
      c.on("layerschange", () => {});
      c.on("producerclose", () => {});
      await c.resume();
      consumers.push(c);
    }
  }

  const sender = dgram.createSocket("udp4");
  const stream = streamSyntheticAv(sender, ingress.tuple.localPort);

  // Warm up (key frame sync), then measure.
  await new Promise((r) => setTimeout(r, 1500));
  const before = await worker.getResourceUsage();
  const sentBefore = stream.sent();
  counts.clear();
  bytesIn = 0;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const sentDuring = stream.sent() - sentBefore;
  const after = await worker.getResourceUsage();
  const wall = performance.now() - t0;
  stream.stop();
  await new Promise((r) => setTimeout(r, 300)); // drain
  const cpuMs = workerCpuMs(after) - workerCpuMs(before);
  const received = [...counts.values()].reduce((a, b) => a + b, 0);
  const expected = sentDuring * viewers;
  sender.close();
  sink.close();
  ingress.close(); // closes the producers, hence the consumers
  for (const c of consumers) c.close();
  return {
    n,
    cpuPct: (cpuMs / wall) * 100,
    cpuPerConsumerPct: (cpuMs / wall) * 100 / n,
    lossPct: Math.max(0, (1 - received / expected) * 100),
    sent: sentDuring,
    mbpsOut: (bytesIn * 8) / (wall / 1000) / 1e6,
  };
}

export const title = "media fan-out: one producer to N SRTP consumers on one worker";

export async function run(ns = [100, 250, 500], seconds = 5): Promise<BenchResult> {
  const { mediasoup } = await loadMediasoup();
  const rows: { variant: string; m: Measure }[] = [];
  for (const n of ns) {
    for (const [variant, make] of [
      ["bare", bareSetup],
      ["ours", ourSetup],
    ] as const) {
      const setup = await make(mediasoup);
      try {
        rows.push({ variant, m: await measure(setup, n, seconds) });
      } finally {
        await setup.close();
      }
      const m = rows.at(-1)!.m;
      console.log(
        `${variant.padEnd(4)} N=${String(n).padStart(3)}  worker CPU ${m.cpuPct.toFixed(1).padStart(5)}%  ` +
          `per consumer ${(m.cpuPerConsumerPct * 1000).toFixed(1).padStart(6)} m%  loss ${m.lossPct.toFixed(2).padStart(6)}%  ` +
          `out ${m.mbpsOut.toFixed(0).padStart(4)} Mbit/s`,
      );
    }
  }
  const summary = ns.map((n) => {
    const bare = rows.find((r) => r.variant === "bare" && r.m.n === n)!.m;
    const ours = rows.find((r) => r.variant === "ours" && r.m.n === n)!.m;
    return (
      `media fan-out N=${n} consumers (${Math.ceil(n / 2)} viewers × audio+video, ~1.1 Mbit/s each, SRTP): ` +
      `ours ${ours.cpuPct.toFixed(1)}% worker CPU (${(ours.cpuPerConsumerPct * 1000).toFixed(1)} m% per consumer), loss ${ours.lossPct.toFixed(2)}%; ` +
      `bare ${bare.cpuPct.toFixed(1)}%, loss ${bare.lossPct.toFixed(2)}%; ratio ours/bare ${(ours.cpuPct / bare.cpuPct).toFixed(2)}`
    );
  });
  return { name: "media-fanout", summary };
}

// Registered in bench/benches.ts as a module with `title` and `run`.
export type { BenchModule };

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const ns = process.argv[2] ? process.argv[2].split(",").map(Number) : undefined;
  const seconds = process.argv[3] ? Number(process.argv[3]) : undefined;
  const r = await run(ns, seconds);
  console.log(r.summary.join("\n"));
  process.exit(0);
}
