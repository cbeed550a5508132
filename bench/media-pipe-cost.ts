/**
 * What one cross-node pipe costs the origin's worker, compared with one viewer (ADR 0016).
 *
 * One producer pair (Opus + VP8 at ~1.1 Mbit/s, synthetic RTP over loopback) on an "origin"
 * worker, and three setups measured in the same run, interleaved round by round (the order turns
 * each round), each on fresh workers:
 *   - ingest:  the producers alone (the baseline every other figure subtracts);
 *   - viewers: K viewers, each a PlainTransport with SRTP and two consumers (audio + video), as
 *              mediasoup forwards to a browser;
 *   - pipes:   K edges, each fed as cluster/pipe.ts feeds one: per producer its own PipeTransport
 *              pair (enableRtx, enableSrtp) between the origin worker and a router of another
 *              worker (the edge), consumed on the origin, produced with the same id on the edge.
 * Worker CPU comes from getResourceUsage (user + system) over the measured window. Reported: the
 * origin worker's CPU per viewer and per edge above ingest, their ratio, the edge worker's CPU per
 * pipe received, and delivery (what the sink or the edges' producers counted vs what was sent).
 *
 * Scaled down and said so: K is 20, both "hosts" are workers on this machine (the pipe crosses
 * loopback, not a NIC), and the video is one VP8 stream. A simulcast producer's pipe carries all
 * its layers (~1.85 Mbit/s for 150 + 500 + 1 200 kbit/s) where a viewer gets one, so with
 * simulcast a pipe costs more bytes than this; per packet the work is the same.
 *
 * Run alone: `node --import tsx bench/media-pipe-cost.ts [K] [seconds] [rounds]`.
 */
import dgram from "node:dgram";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import type { types } from "mediasoup";
import type { BenchResult } from "./lib.ts";
import { fmtRatio, produceSyntheticAv, stats, streamSyntheticAv, workerCpuMs } from "./lib.ts";
import { loadMediasoup } from "../media-server/src/mediasoup.ts";
import { MEDIA_CODECS } from "../media-server/src/codecs.ts";

type Variant = "ingest" | "viewers" | "pipes";
type Sample = { variant: Variant; originCpuPct: number; edgeCpuPct: number; deliveredPct: number };

const SRTP_SUITE = "AES_CM_128_HMAC_SHA1_80" as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The steps of cluster/pipe.ts (and Router.pipeToRouter), between two routers on two workers. The
 * edge produces under a fresh id: a producer id can exist once per worker, and the K "edges" here
 * share one edge worker (on real edges, each its own host, the id is the origin's). The packets,
 * and so the work, are the same.
 */
async function pipeAcross(from: types.Router, to: types.Router, producer: types.Producer) {
  const opts: types.PipeTransportOptions = { listenIp: { ip: "127.0.0.1" }, enableRtx: true, enableSrtp: true, enableSctp: false };
  const [edgeT, originT] = [await to.createPipeTransport(opts), await from.createPipeTransport(opts)];
  await originT.connect({ ip: edgeT.tuple.localIp, port: edgeT.tuple.localPort, srtpParameters: edgeT.srtpParameters });
  const consumer = await originT.consume({ producerId: producer.id });
  await edgeT.connect({ ip: originT.tuple.localIp, port: originT.tuple.localPort, srtpParameters: originT.srtpParameters });
  return await edgeT.produce({ kind: consumer.kind, rtpParameters: consumer.rtpParameters, paused: consumer.producerPaused });
}

async function measure(ms: typeof import("mediasoup"), variant: Variant, k: number, seconds: number): Promise<Sample> {
  const origin = await ms.createWorker({ logLevel: "error" });
  const edgeWorker = variant === "pipes" ? await ms.createWorker({ logLevel: "error" }) : undefined;
  const sender = dgram.createSocket("udp4");
  const sink = dgram.createSocket({ type: "udp4", recvBufferSize: 16 * 1024 * 1024 });
  try {
    const router = await origin.createRouter({ mediaCodecs: MEDIA_CODECS });
    const { ingress, audio, video } = await produceSyntheticAv(router);

    await new Promise<void>((r) => sink.bind(0, "127.0.0.1", () => r()));
    let sinkPackets = 0;
    sink.on("message", (m) => {
      if (m.length >= 12 && !(m[1] >= 192 && m[1] <= 223)) sinkPackets++;
    });
    const edgeProducers: types.Producer[] = [];
    if (variant === "viewers") {
      for (let i = 0; i < k; i++) {
        const t = await router.createPlainTransport({ listenIp: "127.0.0.1", rtcpMux: true, comedia: false, enableSrtp: true, srtpCryptoSuite: SRTP_SUITE });
        await t.connect({ ip: "127.0.0.1", port: sink.address().port, srtpParameters: { cryptoSuite: SRTP_SUITE, keyBase64: randomBytes(30).toString("base64") } });
        for (const p of [audio, video]) {
          const c = await t.consume({ producerId: p.id, rtpCapabilities: router.rtpCapabilities, paused: true });
          await c.resume();
        }
      }
    } else if (variant === "pipes") {
      for (let i = 0; i < k; i++) {
        // Each edge is its own router on the one edge worker.
        const edgeRouter = await edgeWorker!.createRouter({ mediaCodecs: MEDIA_CODECS });
        for (const p of [audio, video]) edgeProducers.push(await pipeAcross(router, edgeRouter, p));
      }
    }

    // As media-fanout: 30 fps × 4 packets of ~1100 bytes, a key frame every 2 s; Opus every 20 ms.
    const stream = streamSyntheticAv(sender, ingress.tuple.localPort);

    await sleep(1500); // warm-up: pipes and consumers see a key frame
    const received = async () => {
      if (variant === "viewers") return sinkPackets;
      let n = 0;
      for (const p of edgeProducers) for (const s of await p.getStats()) n += s.packetCount;
      return n;
    };
    const [o0, e0, sent0, got0] = [await origin.getResourceUsage(), await edgeWorker?.getResourceUsage(), stream.sent(), await received()];
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const [o1, e1, sent1] = [await origin.getResourceUsage(), await edgeWorker?.getResourceUsage(), stream.sent()];
    const wall = performance.now() - t0;
    stream.stop();
    await sleep(300); // drain what is in flight
    const got = (await received()) - got0;
    const expected = (sent1 - sent0) * k;
    return {
      variant,
      originCpuPct: ((workerCpuMs(o1) - workerCpuMs(o0)) / wall) * 100,
      edgeCpuPct: e0 && e1 ? ((workerCpuMs(e1) - workerCpuMs(e0)) / wall) * 100 : 0,
      deliveredPct: expected > 0 ? Math.min(100, (got / expected) * 100) : 100,
    };
  } finally {
    sender.close();
    sink.close();
    origin.close();
    edgeWorker?.close();
  }
}

export const title = "media pipe cost: one cross-node pipe vs one viewer, origin worker CPU";

export async function run(k = 20, seconds = 4, rounds = 3): Promise<BenchResult> {
  const { mediasoup } = await loadMediasoup();
  const order: Variant[] = ["ingest", "viewers", "pipes"];
  const samples: Sample[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < order.length; i++) {
      const v = order[(i + r) % order.length];
      const s = await measure(mediasoup, v, k, seconds);
      samples.push(s);
      console.log(
        `round ${r + 1} ${v.padEnd(7)} origin worker ${s.originCpuPct.toFixed(2).padStart(6)}%` +
          (v === "pipes" ? `  edge worker ${s.edgeCpuPct.toFixed(2).padStart(6)}%` : "") +
          (v === "ingest" ? "" : `  delivered ${s.deliveredPct.toFixed(2)}%`),
      );
    }
  }
  const med = (v: Variant, f: (s: Sample) => number) => stats(samples.filter((s) => s.variant === v).map(f)).p50;
  const ingest = med("ingest", (s) => s.originCpuPct);
  const perViewer = (med("viewers", (s) => s.originCpuPct) - ingest) / k;
  const perEdge = (med("pipes", (s) => s.originCpuPct) - ingest) / k;
  const edgePerPipe = med("pipes", (s) => s.edgeCpuPct) / k;
  const summary = [
    `media pipe cost (K=${k}, audio+video ~1.1 Mbit/s, one VP8 stream, medians of ${rounds} interleaved rounds; origin worker CPU with the producers alone ${ingest.toFixed(2)}%); ` +
      `origin worker CPU above that: one viewer (2 SRTP consumers) ${(perViewer * 1000).toFixed(0)} m%, one edge's pipes (2 pipe consumers, RTX + SRTP) ${(perEdge * 1000).toFixed(0)} m%; ` +
      `pipe/viewer ${fmtRatio(perEdge, perViewer)}; the edge worker spends ${(edgePerPipe * 1000).toFixed(0)} m% receiving one edge's pipes; ` +
      `delivered: viewers ${med("viewers", (s) => s.deliveredPct).toFixed(2)}%, pipes ${med("pipes", (s) => s.deliveredPct).toFixed(2)}%`,
  ];
  return { name: "media-pipe-cost", summary };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [k, seconds, rounds] = process.argv.slice(2).map(Number);
  const r = await run(k || undefined, seconds || undefined, rounds || undefined);
  console.log(r.summary.join("\n"));
  process.exit(0);
}
