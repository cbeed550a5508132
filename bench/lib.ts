/**
 * Small, dependency-free helpers shared by the benchmarks: timing, percentiles, interleaved
 * sampling against a baseline, temp DB files under bench/.tmp/, an RSS sampler that keeps
 * sampling while the main thread is blocked in synchronous SQLite work, table formatting, and
 * the synthetic publisher and worker CPU reading the media benches share.
 *
 * Rules the benchmarks follow: figures are printed, never asserted; every subject is compared
 * with a baseline measured in the same process, interleaved with it where possible, because the
 * machines are shared and absolute numbers drift from run to run.
 */
import type dgram from "node:dgram";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { types } from "mediasoup";

export const BENCH_DIR = path.dirname(new URL(import.meta.url).pathname);
export const TMP_DIR = path.join(BENCH_DIR, ".tmp");

export type BenchResult = {
  name: string;
  /** Lines for the summary block printed at the end of `bench/run.ts`. */
  summary: string[];
  /** Figures a bench's PostgreSQL half sends back to its SQLite half (bench/engines.ts). */
  data?: unknown;
};

export type BenchModule = { title: string; run: () => Promise<BenchResult> };

// ---- temp files -------------------------------------------------------------------------------

/** A fresh path under bench/.tmp/, named `<bench>-<pid>-<label>.db` so run.ts can sweep leftovers. */
export function tmpDbPath(bench: string, label: string): string {
  fs.mkdirSync(TMP_DIR, { recursive: true });
  return path.join(TMP_DIR, `${bench}-${process.pid}-${label}.db`);
}

export function removeDbFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) fs.rmSync(f, { force: true });
}

/** Removes whatever a (possibly killed) bench process left under bench/.tmp/. */
export function sweepTmp(bench: string, pid: number): string[] {
  if (!fs.existsSync(TMP_DIR)) return [];
  const prefix = `${bench}-${pid}-`;
  const gone: string[] = [];
  for (const f of fs.readdirSync(TMP_DIR)) {
    if (f.startsWith(prefix)) {
      fs.rmSync(path.join(TMP_DIR, f), { force: true, recursive: true });
      gone.push(f);
    }
  }
  return gone;
}

// ---- statistics -------------------------------------------------------------------------------

export type Stats = { n: number; min: number; p50: number; p95: number; max: number; mean: number };

/** Nearest-rank percentiles (no interpolation: with ~30 samples p95 is the 29th value). */
export function stats(samples: number[]): Stats {
  if (samples.length === 0) return { n: 0, min: NaN, p50: NaN, p95: NaN, max: NaN, mean: NaN };
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return {
    n: s.length,
    min: s[0],
    p50: rank(50),
    p95: rank(95),
    max: s[s.length - 1],
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

export function median(xs: number[]): number {
  return stats(xs).p50;
}

// ---- timing -----------------------------------------------------------------------------------

export const now = () => performance.now();

export async function timeAsync<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export function timeSync<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

/**
 * Per-call time of a very fast function: runs it in batches long enough for the timer to be
 * meaningful and returns one per-call figure per batch.
 */
export function microSamples(fn: () => unknown, opts: { batches: number; batchMs?: number }): number[] {
  const batchMs = opts.batchMs ?? 20;
  let per = 1;
  // calibrate: grow the batch until it takes batchMs
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= batchMs || per > 1e8) break;
    per *= dt > 0 ? Math.min(10, Math.max(2, Math.ceil(batchMs / dt))) : 10;
  }
  const out: number[] = [];
  for (let b = 0; b < opts.batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) fn();
    out.push((performance.now() - t0) / per);
  }
  return out;
}

export type Variant = { name: string; fn: () => unknown };

/**
 * Runs the variants in turn, rotating which one goes first each round, so that drift on a shared
 * machine (another job starting, CPU frequency) hits subject and baseline alike. Stops after
 * `rounds`, or earlier once `budgetMs` is spent (but never before `minRounds`).
 */
export async function interleave(
  variants: Variant[],
  opts: { rounds: number; warmup?: number; budgetMs: number; minRounds?: number },
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let w = 0; w < (opts.warmup ?? 2); w++) for (const v of variants) await v.fn();
  const t0 = performance.now();
  const minRounds = Math.min(opts.minRounds ?? 10, opts.rounds);
  for (let r = 0; r < opts.rounds; r++) {
    if (r >= minRounds && performance.now() - t0 > opts.budgetMs) break;
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(r + k) % variants.length];
      const t = performance.now();
      await v.fn();
      out.get(v.name)!.push(performance.now() - t);
    }
  }
  return out;
}

// ---- memory -----------------------------------------------------------------------------------

/**
 * Samples process RSS from a worker thread every `intervalMs`: the imports are synchronous
 * (better-sqlite3), so a timer on the main thread would never fire while they run. The peak is
 * kept in shared memory (KiB) so the main thread reads it without waiting for a message.
 */
export class RssSampler {
  private shared = new Int32Array(new SharedArrayBuffer(8));
  private worker: Worker;

  constructor(intervalMs = 5) {
    this.worker = new Worker(
      `const { workerData } = require("node:worker_threads");
       const a = new Int32Array(workerData.sab);
       setInterval(() => {
         const kb = Math.round(process.memoryUsage.rss() / 1024);
         if (kb > Atomics.load(a, 0)) Atomics.store(a, 0, kb);
         Atomics.add(a, 1, 1);
       }, workerData.intervalMs);`,
      { eval: true, workerData: { sab: this.shared.buffer, intervalMs }, execArgv: [] },
    );
    this.worker.unref();
  }

  /** Starts a new window; the peak restarts from the current RSS. */
  reset(): void {
    Atomics.store(this.shared, 0, Math.round(process.memoryUsage.rss() / 1024));
    Atomics.store(this.shared, 1, 0);
  }

  /** Peak RSS in bytes since reset (including the current value) and how many samples were taken. */
  read(): { peakBytes: number; samples: number } {
    const cur = Math.round(process.memoryUsage.rss() / 1024);
    const peak = Math.max(cur, Atomics.load(this.shared, 0));
    return { peakBytes: peak * 1024, samples: Atomics.load(this.shared, 1) };
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/** `global.gc` when the process runs with --expose-gc (run.ts starts benches that way). */
export function gc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) return false;
  g();
  g();
  return true;
}

// ---- formatting -------------------------------------------------------------------------------

/** Milliseconds with a unit that keeps 3 significant digits (µs below 1 ms, s from 1 s). */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return "–";
  const sign = b < 0 ? "-" : "";
  const a = Math.abs(b);
  if (a < 1024 * 1024) return `${sign}${(a / 1024).toFixed(0)} KiB`;
  if (a < 1024 ** 3) return `${sign}${(a / 1024 ** 2).toFixed(1)} MiB`;
  return `${sign}${(a / 1024 ** 3).toFixed(2)} GiB`;
}

export function fmtRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "–";
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)} /s`;
}

/** "12.3×"; "0.41×" below 1. */
export function fmtRatio(subject: number, baseline: number): string {
  if (!Number.isFinite(subject) || !Number.isFinite(baseline) || baseline <= 0) return "–";
  const r = subject / baseline;
  if (r >= 100) return `${r.toFixed(0)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toFixed(2)}×`;
}

export function fmtInt(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Compact fixed-width table; numeric-looking cells are right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? "")].length)));
  const numeric = /^[-+]?[\d.,]+\s*(ns|µs|ms|s|×|%|KiB|MiB|GiB|k\/s|M\/s|\/s)?$/;
  const pad = (s: string, i: number) => {
    const gap = " ".repeat(widths[i] - [...s].length);
    return numeric.test(s) ? gap + s : s + gap;
  };
  const line = (r: string[]) => "  " + r.map((c, i) => pad(c ?? "", i)).join("  ");
  const rule = "  " + widths.map((w) => "─".repeat(w)).join("  ");
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

export function heading(title: string): string {
  return `\n== ${title} ${"=".repeat(Math.max(0, 76 - title.length))}`;
}

export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() ?? "?";
  return (
    `node ${process.version}, ${os.platform()}/${os.arch()}, ${cpus.length}× ${model}, ` +
    `${fmtBytes(os.totalmem())} RAM, loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`
  );
}

// ---------------------------------------------------------------------------------------------
// Synthetic media: one publisher's Opus + VP8 as RTP over loopback, and a worker's CPU from
// getResourceUsage. The media benches feed the same stream so their figures compare.

export const OPUS_PT = 100;
export const VP8_PT = 101;
export const AUDIO_SSRC = 1111;
export const VIDEO_SSRC = 2222;

/** RTP packet with a VP8 payload descriptor (X, I with a 15-bit picture id, S on a frame's first packet). */
export function vp8Packet(seq: number, ts: number, pictureId: number, first: boolean, last: boolean, key: boolean, size: number) {
  const b = Buffer.alloc(12 + 4 + size);
  b[0] = 0x80;
  b[1] = VP8_PT | (last ? 0x80 : 0);
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(VIDEO_SSRC, 8);
  b[12] = 0x80 | (first ? 0x10 : 0); // X, S, PID 0
  b[13] = 0x80; // I
  b[14] = 0x80 | ((pictureId >> 8) & 0x7f);
  b[15] = pictureId & 0xff;
  b[16] = first ? (key ? 0x00 : 0x01) : 0x55; // VP8 header: P bit 0 = key frame
  return b;
}

export function opusPacket(seq: number, ts: number) {
  const b = Buffer.alloc(12 + 100, 0x33);
  b[0] = 0x80;
  b[1] = OPUS_PT;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(AUDIO_SSRC, 8);
  b[12] = 0xf8;
  return b;
}

/** The two producers a synthetic publisher feeds, on a plain transport that learns its peer from the first packet (comedia). */
export async function produceSyntheticAv(router: types.Router) {
  const ingress = await router.createPlainTransport({ listenIp: "127.0.0.1", rtcpMux: true, comedia: true });
  const audio = await ingress.produce({
    kind: "audio",
    rtpParameters: { codecs: [{ mimeType: "audio/opus", clockRate: 48000, channels: 2, payloadType: OPUS_PT }], encodings: [{ ssrc: AUDIO_SSRC }] },
  });
  const video = await ingress.produce({
    kind: "video",
    rtpParameters: { codecs: [{ mimeType: "video/VP8", clockRate: 90000, payloadType: VP8_PT }], encodings: [{ ssrc: VIDEO_SSRC }] },
  });
  return { ingress, audio, video };
}

/**
 * Sends the publisher's stream from `sender` to `port` on loopback until stopped: 30 fps, 4
 * packets of ~1100 bytes per frame (~1.05 Mbit/s), a key frame every 2 s; Opus every 20 ms.
 * `sent()` counts packets sent so far, to set against what the far end counted.
 */
export function streamSyntheticAv(sender: dgram.Socket, port: number): { sent(): number; stop(): void } {
  let [aSeq, vSeq, frame, sent] = [0, 0, 0, 0];
  const send = (b: Buffer) => {
    sender.send(b, port, "127.0.0.1");
    sent++;
  };
  const videoTimer = setInterval(() => {
    const key = frame % 60 === 0;
    for (let k = 0; k < 4; k++) send(vp8Packet(vSeq++, frame * 3000, frame & 0x7fff, k === 0, k === 3, key, 1100));
    frame++;
  }, 1000 / 30);
  const audioTimer = setInterval(() => send(opusPacket(aSeq++, aSeq * 960)), 20);
  return {
    sent: () => sent,
    stop() {
      clearInterval(videoTimer);
      clearInterval(audioTimer);
    },
  };
}

/** A worker's CPU time so far (user + system, ms): the difference over a window is its load. */
export const workerCpuMs = (u: types.WorkerResourceUsage) => u.ru_utime + u.ru_stime;
