import type { types } from "mediasoup";

/** Opus for speech, VP8 for camera and screen (simulcast): what every supported browser decodes. */
export const MEDIA_CODECS: types.RtpCodecCapability[] = [
  { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2 },
  { kind: "video", mimeType: "video/VP8", clockRate: 90000, parameters: { "x-google-start-bitrate": 600 } },
];

/** Consumer slots a viewer reserves on its worker: audio + one video (camera or screen). */
export const SLOTS_FULL = 2;
export const SLOTS_AUDIO_ONLY = 1;
/** Spatial layers the presenter's client sends (e.g. ~150 kbps / ~500 kbps / ~1.2 Mbps). */
export const MAX_SPATIAL_LAYER = 2;
