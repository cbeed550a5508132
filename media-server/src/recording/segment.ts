/**
 * One recorder run: the presenter's current audio and video producers, consumed on the room's
 * main router through plain RTP transports of their own (viewers' WebRTC transports and consumers
 * are not touched), sent to one ffmpeg on loopback that writes one WebM file.
 *
 * The consumers start paused and are resumed only once ffmpeg has opened its ports, then a key
 * frame is asked for (and asked again for a few seconds: a key frame lost before ffmpeg listened
 * would leave the start of the file undecodable).
 */
import fs from "node:fs";
import type { types } from "mediasoup";
import type { Logger } from "../log.ts";
import { freeUdpPair, startRecorder, waitUntilBound, type RecorderProcess } from "./ffmpeg.ts";
import { recorderSdp, type RecordedStream } from "./sdp.ts";

const LOOPBACK = "127.0.0.1";
/** How long ffmpeg gets to open its sockets before recording is refused. */
const RECORDER_OPEN_MS = 10_000;
const KEYFRAME_REQUESTS_MS = [0, 500, 1500, 3000];

export type SegmentSources = { audio?: types.Producer; video?: types.Producer };

export class SegmentRecorder {
  private readonly transports: types.PlainTransport[] = [];
  private readonly consumers: types.Consumer[] = [];
  private process: RecorderProcess | undefined;
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<{ ok: boolean; log: string }> | undefined;

  private constructor(
    readonly file: string,
    private readonly log: Logger,
  ) {}

  /** Starts recording `sources` (at least one) into `file`; throws if the recorder cannot start. */
  static async start(o: { router: types.Router; sources: SegmentSources; file: string; ffmpegBin: string; log: Logger }): Promise<SegmentRecorder> {
    const seg = new SegmentRecorder(o.file, o.log);
    try {
      await seg.open(o.router, o.sources, o.ffmpegBin);
      return seg;
    } catch (e) {
      await seg.stop();
      throw e;
    }
  }

  private async open(router: types.Router, sources: SegmentSources, ffmpegBin: string) {
    const streams: RecordedStream[] = [];
    for (const producer of [sources.video, sources.audio]) {
      if (!producer || producer.closed) continue;
      const port = await freeUdpPair(LOOPBACK);
      const transport = await router.createPlainTransport({ listenIp: { ip: LOOPBACK }, rtcpMux: false, comedia: false, appData: { recording: true } });
      this.transports.push(transport);
      await transport.connect({ ip: LOOPBACK, port, rtcpPort: port + 1 });
      // The router's own capabilities: the recorder takes whatever the producer sends, as is.
      const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true, appData: { recording: true } });
      this.consumers.push(consumer);
      const codec = consumer.rtpParameters.codecs[0];
      streams.push({
        kind: consumer.kind,
        port,
        payloadType: codec.payloadType,
        codecName: codec.mimeType.split("/")[1],
        clockRate: codec.clockRate,
        channels: codec.channels,
        parameters: codec.parameters as Record<string, string | number> | undefined,
      });
    }
    if (streams.length === 0) throw new Error("nothing to record");
    const sdpFile = `${this.file}.sdp`;
    fs.writeFileSync(sdpFile, recorderSdp(streams, LOOPBACK));
    this.process = startRecorder(
      ffmpegBin,
      sdpFile,
      this.file,
      streams.some((s) => s.kind === "video"),
      streams.some((s) => s.kind === "audio"),
    );
    void this.process.exited.then(({ code, log }) => {
      fs.rmSync(sdpFile, { force: true });
      if (!this.stopping) this.log.error("recorder exited on its own", { file: this.file, code, log: log.slice(-800) });
    });
    const child = this.process.child;
    // RTP flows only once ffmpeg listens on every port of the SDP.
    for (const s of streams) {
      const bound = await waitUntilBound(s.port, RECORDER_OPEN_MS, () => child.exitCode !== null || child.signalCode !== null);
      if (!bound) throw new Error(`recorder did not start: ${child.exitCode !== null ? (await this.process.exited).log.slice(-500) : "its ports stayed closed"}`);
    }
    for (const c of this.consumers) await c.resume();
    const video = this.consumers.find((c) => c.kind === "video");
    if (video) {
      for (const ms of KEYFRAME_REQUESTS_MS) {
        this.timers.push(setTimeout(() => void video.requestKeyFrame().catch(() => {}), ms));
      }
    }
  }

  /** Whether the recorder process is still running. */
  get running(): boolean {
    return !!this.process && this.process.child.exitCode === null && this.process.child.signalCode === null && !this.stopping;
  }

  /** Finishes the file and closes the plain transports; safe to call twice. */
  stop(): Promise<{ ok: boolean; log: string }> {
    return (this.stopping ??= (async () => {
      for (const t of this.timers) clearTimeout(t);
      const r = this.process ? await this.process.stop() : { code: null, log: "" };
      for (const t of this.transports) t.close();
      const size = fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
      return { ok: size > 0, log: r.log };
    })());
  }
}
