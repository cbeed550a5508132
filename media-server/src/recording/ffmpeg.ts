/**
 * The recorder is Debian's ffmpeg, run as a child process: it receives RTP on loopback and writes
 * the packets as they are (`-c copy`: no decoding, no encoding, so recording costs almost no CPU)
 * into WebM, which every browser plays. Joining segments uses ffmpeg's concat demuxer, also
 * without re-encoding; ffprobe reads durations and tracks.
 */
import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";

/** Two adjacent free UDP ports on loopback (RTP on the even one, RTCP on the next). */
export async function freeUdpPair(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = dgram.createSocket("udp4");
    const port = await new Promise<number>((resolve, reject) => {
      a.once("error", reject);
      a.bind(0, host, () => resolve(a.address().port));
    });
    a.close();
    const even = port % 2 === 0 ? port : port + 1;
    if (even + 1 > 65535) continue;
    const ok = await Promise.all([even, even + 1].map((p) => udpFree(host, p)));
    if (ok.every(Boolean)) return even;
  }
  throw new Error("no free UDP port pair for the recorder");
}

/**
 * Resolves once something (the recorder) has bound `port`, polling; false after `timeoutMs` or if
 * `gone()` says the recorder exited. RTP sent before ffmpeg listens is lost, key frame included.
 */
export async function waitUntilBound(port: number, timeoutMs: number, gone: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone()) return false;
    if (udpPortBound(port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * Whether a UDP socket is bound to `port`, read from the kernel's table (Linux): probing by
 * binding the port ourselves could take it from under ffmpeg. Elsewhere, assume it is after a pause.
 */
function udpPortBound(port: number): boolean {
  let table: string;
  try {
    table = fs.readFileSync("/proc/net/udp", "utf8") + (fs.existsSync("/proc/net/udp6") ? fs.readFileSync("/proc/net/udp6", "utf8") : "");
  } catch {
    return true;
  }
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  return table.split("\n").some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex));
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    s.once("error", () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

export type RecorderProcess = {
  child: ChildProcess;
  /** Resolves when ffmpeg has exited (with its code and the tail of its log). */
  exited: Promise<{ code: number | null; log: string }>;
  /** Asks ffmpeg to finish the file (it writes the WebM index and duration), then waits. */
  stop(timeoutMs?: number): Promise<{ code: number | null; log: string }>;
};

/** Starts ffmpeg reading `sdpFile` and writing `outFile` (WebM, streams copied). */
export function startRecorder(ffmpegBin: string, sdpFile: string, outFile: string, hasVideo: boolean, hasAudio: boolean): RecorderProcess {
  const args = [
    "-hide_banner",
    "-nostats",
    "-loglevel",
    "warning",
    "-protocol_whitelist",
    "file,udp,rtp",
    // Packets may arrive out of order on a busy machine: keep a small reorder buffer.
    "-reorder_queue_size",
    "128",
    "-fflags",
    "+genpts",
    "-i",
    sdpFile,
    ...(hasVideo ? ["-map", "0:v:0"] : []),
    ...(hasAudio ? ["-map", "0:a:0"] : []),
    "-c",
    "copy",
    "-f",
    "webm",
    "-y",
    outFile,
  ];
  const child = spawn(ffmpegBin, args, { stdio: ["pipe", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log = (log + d.toString("utf8")).slice(-4000);
  });
  const exited = new Promise<{ code: number | null; log: string }>((resolve) => {
    child.once("error", (e) => {
      log += `\n${e.message}`;
      resolve({ code: -1, log });
    });
    child.once("exit", (code) => resolve({ code, log }));
  });
  const stop = async (timeoutMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      // "q" on stdin is ffmpeg's own "finish and close the file"; SIGINT does the same if stdin is gone.
      child.stdin?.end("q");
      const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs / 2);
      const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      clearTimeout(killer);
      return r;
    }
    return exited;
  };
  return { child, exited, stop };
}

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString("utf8")).slice(-4000)));
    child.once("error", (e) => resolve({ code: -1, stdout, stderr: stderr + e.message }));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Joins WebM segments, in order, into one file (concat demuxer, streams copied). */
export async function joinSegments(ffmpegBin: string, segments: string[], outFile: string): Promise<void> {
  const list = `${outFile}.txt`;
  // The concat list quotes paths with single quotes; a quote inside a path is written '\''.
  fs.writeFileSync(list, segments.map((s) => `file '${path.resolve(s).replaceAll("'", "'\\''")}'`).join("\n") + "\n");
  const tmp = `${outFile}.part.webm`;
  const r = await run(ffmpegBin, ["-hide_banner", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", "-f", "webm", "-y", tmp]);
  fs.rmSync(list, { force: true });
  if (r.code !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`ffmpeg concat failed (${r.code}): ${r.stderr.trim().slice(-500)}`);
  }
  fs.renameSync(tmp, outFile);
}

export type Probe = { durationMs: number; video: number; audio: number; codecs: string[] };

/** What ffprobe says about a media file: its duration and its tracks. */
export async function probe(ffprobeBin: string, file: string): Promise<Probe> {
  const r = await run(ffprobeBin, ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", file]);
  if (r.code !== 0) throw new Error(`ffprobe failed (${r.code}): ${r.stderr.trim().slice(-300)}`);
  const j = JSON.parse(r.stdout) as { format?: { duration?: string }; streams?: { codec_type?: string; codec_name?: string }[] };
  const streams = j.streams ?? [];
  return {
    durationMs: Math.round(Number(j.format?.duration ?? 0) * 1000),
    video: streams.filter((s) => s.codec_type === "video").length,
    audio: streams.filter((s) => s.codec_type === "audio").length,
    codecs: streams.map((s) => s.codec_name ?? "?"),
  };
}
