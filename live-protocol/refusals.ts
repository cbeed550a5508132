/**
 * Why the media server refused something: the only thing it sends (an ack `{ error: code, … }`,
 * or a connect_error's `data: { code }`). The browser says it in the reader's language from the
 * app's catalogs (`live.refusal.<code>`), so a text is never decided by the media server.
 */
export const REFUSALS = [
  "invalid-payload",
  "payload-too-large",
  "rate-limited",
  "not-joined",
  "forbidden",
  "not-found",
  /** `audioOnly: true` in the ack when audio would still fit; else "try again later". */
  "session-full",
  "cannot-consume",
  "session-ended",
  "media-restarting",
  "checkin-code-expired",
  "cell-room-offline",
  "not-on-roster",
  /** The recorder (ffmpeg) could not start, or nobody is producing yet. */
  "recording-unavailable",
  "internal",
  // Connection refusals (auth middleware)
  "forbidden-origin",
  "invalid-token",
  "expired-token",
  "unknown-session",
  "member-inactive",
  "not-invited",
  "not-presenter",
  /** The token names another media node (ADR 0016): fetch a fresh token, which places again. */
  "wrong-node",
] as const;

export type Refusal = (typeof REFUSALS)[number];

/** Connection refusals after which retrying the same token cannot help. */
export const FATAL_CONNECT_REFUSALS: ReadonlySet<Refusal> = new Set([
  "forbidden-origin",
  "invalid-token",
  "unknown-session",
  "member-inactive",
  "not-invited",
  "not-presenter",
]);

export function isRefusal(v: unknown): v is Refusal {
  return typeof v === "string" && (REFUSALS as readonly string[]).includes(v);
}
