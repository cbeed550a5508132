/**
 * The SDP ffmpeg reads to receive a segment's RTP: one media section per consumer, with the
 * payload type, codec and clock rate the consumer actually sends (its rtpParameters), on the
 * ports ffmpeg listens on. RTCP comes on port + 1 (ffmpeg's convention, rtcpMux off), which lets
 * ffmpeg line audio and video up from the sender reports.
 */
export type RecordedStream = {
  kind: "audio" | "video";
  /** Even UDP port ffmpeg binds for RTP; RTCP is this + 1. */
  port: number;
  payloadType: number;
  /** "VP8", "opus" (the part of mimeType after the slash). */
  codecName: string;
  clockRate: number;
  channels?: number;
  parameters?: Record<string, string | number>;
};

export function recorderSdp(streams: RecordedStream[], ip = "127.0.0.1"): string {
  const lines = ["v=0", `o=- 0 0 IN IP4 ${ip}`, "s=hoc-so recording", `c=IN IP4 ${ip}`, "t=0 0"];
  for (const s of streams) {
    if (s.port % 2 !== 0) throw new Error(`RTP port must be even (RTCP is port + 1): ${s.port}`);
    lines.push(`m=${s.kind} ${s.port} RTP/AVP ${s.payloadType}`);
    const channels = s.kind === "audio" && s.channels ? `/${s.channels}` : "";
    lines.push(`a=rtpmap:${s.payloadType} ${s.codecName}/${s.clockRate}${channels}`);
    const fmtp = Object.entries(s.parameters ?? {}).map(([k, v]) => `${k}=${v}`);
    if (fmtp.length) lines.push(`a=fmtp:${s.payloadType} ${fmtp.join(";")}`);
    lines.push("a=recvonly");
  }
  return lines.join("\r\n") + "\r\n";
}
