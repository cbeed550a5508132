// Runs the real mediasoup worker (built and cached by scripts/mediasoup-worker.mjs)
// and pushes real RTP through it on 127.0.0.1: no fake media backend.
import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { types } from "mediasoup";
import { ensureMediasoupWorker, workerCachePath } from "../../scripts/mediasoup-worker.mjs";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PRESET_BIN = process.env.MEDIASOUP_WORKER_BIN;
const OPUS_PT = 101;
const PRODUCER_SSRC = 11_111_111;
const OPUS_PAYLOAD = Buffer.from(Array.from({ length: 40 }, (_, i) => (i === 0 ? 0xf8 : (i * 7) & 0xff)));

const mediaCodecs: types.RtpCodecCapability[] = [
  { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2 },
  { kind: "video", mimeType: "video/VP8", clockRate: 90000, parameters: { "x-google-start-bitrate": 1000 } },
];

function rtpPacket(seq: number, timestamp: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80; // V=2, no padding, no extension, no CSRC
  header[1] = OPUS_PT; // M=0
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(PRODUCER_SSRC, 8);
  return Buffer.concat([header, OPUS_PAYLOAD]);
}

function parseRtp(buf: Buffer) {
  const cc = buf[0] & 0x0f;
  let offset = 12 + 4 * cc;
  if (buf[0] & 0x10) offset += 4 + 4 * buf.readUInt16BE(offset + 2); // header extension
  let end = buf.length;
  if (buf[0] & 0x20) end -= buf[buf.length - 1]; // padding
  return {
    version: buf[0] >> 6,
    payloadType: buf[1] & 0x7f,
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

let mediasoup: typeof import("mediasoup");
let workerBin: string;
let worker: types.Worker | undefined;
const sockets: dgram.Socket[] = [];

function udpSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket("udp4");
  sockets.push(s);
  return new Promise((resolve) => s.bind(0, "127.0.0.1", () => resolve(s)));
}

beforeAll(async () => {
  // Builds the worker (about 3 minutes on 2 cores) only if it is not cached yet.
  workerBin = await ensureMediasoupWorker({ log: (m: string) => console.log(m) });
  process.env.MEDIASOUP_WORKER_BIN = workerBin;
  // mediasoup reads MEDIASOUP_WORKER_BIN when it is loaded, so import it only now.
  mediasoup = await import("mediasoup");
}, 20 * 60_000);

afterAll(() => {
  for (const s of sockets) s.close();
  worker?.close();
});

describe("mediasoup worker install", () => {
  it("caches the worker outside the checkout, keyed by mediasoup version", () => {
    const cached = workerCachePath();
    expect(path.isAbsolute(cached)).toBe(true);
    expect(path.relative(REPO_ROOT, cached).startsWith("..")).toBe(true);
    expect(cached).toMatch(/[/\\]mediasoup-worker[/\\]3\.12\.16-[0-9a-f]{12}[/\\]mediasoup-worker$/);
    if (!PRESET_BIN || path.resolve(PRESET_BIN) === cached) {
      // Unless MEDIASOUP_WORKER_BIN already named another binary, ensure() hands out the cached one.
      expect(workerBin).toBe(cached);
      expect(fs.existsSync(cached)).toBe(true);
    }
    expect(() => fs.accessSync(workerBin, fs.constants.X_OK)).not.toThrow();
  });

  it("answers from the cache quickly the second time", async () => {
    const t0 = performance.now();
    const again = await ensureMediasoupWorker({ log: () => {} });
    expect(again).toBe(workerBin);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe("mediasoup worker end to end (127.0.0.1)", () => {
  it("routes Opus RTP from a plain transport to consumers", async () => {
    worker = await mediasoup.createWorker({ logLevel: "warn" });
    expect(worker.pid).toBeGreaterThan(0);
    // The process really is the binary we installed.
    expect(fs.realpathSync(`/proc/${worker.pid}/exe`)).toBe(fs.realpathSync(workerBin));

    const router = await worker.createRouter({ mediaCodecs });
    const capMimes = router.rtpCapabilities.codecs!.map((c) => c.mimeType.toLowerCase());
    expect(capMimes).toContain("audio/opus");
    expect(capMimes).toContain("video/vp8");

    // WebRTC transport on loopback, UDP and TCP.
    const webrtc = await router.createWebRtcTransport({
      listenIps: [{ ip: "127.0.0.1" }],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
    });
    const tcp = webrtc.iceCandidates.filter((c) => c.protocol === "tcp");
    const udp = webrtc.iceCandidates.filter((c) => c.protocol === "udp");
    expect(tcp.length).toBeGreaterThan(0);
    expect(udp.length).toBeGreaterThan(0);
    expect(tcp[0]).toMatchObject({ ip: "127.0.0.1", tcpType: "passive" });
    expect(tcp[0].port).toBeGreaterThan(0);
    expect(udp[0].priority).toBeGreaterThan(tcp[0].priority); // preferUdp
    expect(webrtc.iceParameters.usernameFragment.length).toBeGreaterThan(0);
    expect(webrtc.dtlsParameters.fingerprints.map((f) => f.algorithm)).toContain("sha-256");

    // Plain RTP transport that learns the sender's address from the first packet (comedia).
    const ingress = await router.createPlainTransport({ listenIp: "127.0.0.1", rtcpMux: true, comedia: true });
    expect(ingress.tuple.localIp).toBe("127.0.0.1");
    expect(ingress.tuple.localPort).toBeGreaterThan(0);

    const producer = await ingress.produce({
      kind: "audio",
      rtpParameters: {
        codecs: [{ mimeType: "audio/opus", clockRate: 48000, channels: 2, payloadType: OPUS_PT }],
        encodings: [{ ssrc: PRODUCER_SSRC }],
      },
    });
    expect(producer.kind).toBe("audio");
    expect(producer.type).toBe("simple");
    expect(producer.rtpParameters.encodings![0].ssrc).toBe(PRODUCER_SSRC);

    expect(router.canConsume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities })).toBe(true);
    const videoOnlyCaps: types.RtpCapabilities = {
      codecs: router.rtpCapabilities.codecs!.filter((c) => c.kind === "video"),
      headerExtensions: [],
    };
    expect(router.canConsume({ producerId: producer.id, rtpCapabilities: videoOnlyCaps })).toBe(false);

    // Consumer 1: on the WebRTC transport, as a browser would get it.
    const webrtcConsumer = await webrtc.consume({
      producerId: producer.id,
      rtpCapabilities: router.rtpCapabilities,
      paused: true,
    });
    expect(webrtcConsumer.kind).toBe("audio");
    expect(webrtcConsumer.producerId).toBe(producer.id);
    expect(webrtcConsumer.rtpParameters.codecs[0].mimeType.toLowerCase()).toBe("audio/opus");
    expect(webrtcConsumer.paused).toBe(true);

    // Consumer 2: on a second plain transport that sends to a local UDP socket,
    // so we can see the worker forward the packets.
    const receiver = await udpSocket();
    const egress = await router.createPlainTransport({ listenIp: "127.0.0.1", rtcpMux: true, comedia: false });
    await egress.connect({ ip: "127.0.0.1", port: receiver.address().port });
    const plainConsumer = await egress.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
    expect(plainConsumer.producerId).toBe(producer.id);
    const consumerSsrc = plainConsumer.rtpParameters.encodings![0].ssrc!;
    const consumerPt = plainConsumer.rtpParameters.codecs[0].payloadType;

    const received: Awaited<ReturnType<typeof parseRtp>>[] = [];
    receiver.on("message", (msg) => {
      if (msg.length < 12 || (msg[1] >= 192 && msg[1] <= 223)) return; // RTCP shares the port (RFC 5761)
      received.push(parseRtp(msg));
    });

    const sender = await udpSocket();
    for (let i = 0; i < 50 && received.length < 5; i++) {
      sender.send(rtpPacket(1000 + i, 960 * i), ingress.tuple.localPort, "127.0.0.1");
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(received.length).toBeGreaterThanOrEqual(5);
    expect(received[0].version).toBe(2);
    expect(received[0].ssrc).toBe(consumerSsrc);
    expect(received[0].ssrc).not.toBe(PRODUCER_SSRC);
    expect(received[0].payloadType).toBe(consumerPt);
    expect(Buffer.compare(received[0].payload, OPUS_PAYLOAD)).toBe(0);

    const [inbound] = await producer.getStats();
    expect(inbound.ssrc).toBe(PRODUCER_SSRC);
    expect(inbound.mimeType.toLowerCase()).toBe("audio/opus");
    expect(inbound.packetCount).toBeGreaterThanOrEqual(5);
    expect(inbound.byteCount).toBeGreaterThan(0);

    const usage = await worker.getResourceUsage();
    expect(typeof usage.ru_utime).toBe("number");
    expect(typeof usage.ru_stime).toBe("number");
    expect(usage.ru_maxrss).toBeGreaterThan(0);

    // Closing the worker closes everything under it.
    let routerCloseEvents = 0;
    router.observer.on("close", () => routerCloseEvents++);
    const died = new Promise<void>((resolve) => worker!.observer.once("close", () => resolve()));
    worker.close();
    await died;
    expect(worker.closed).toBe(true);
    expect(router.closed).toBe(true);
    expect(routerCloseEvents).toBe(1);
    expect(webrtc.closed).toBe(true);
    expect(producer.closed).toBe(true);
    expect(webrtcConsumer.closed).toBe(true);
    await expect(router.createPlainTransport({ listenIp: "127.0.0.1" })).rejects.toThrow();
  }, 30_000);
});
