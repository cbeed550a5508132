/**
 * A trainer in scope starts or stops a live session's recording from its manage page (ADR 0014):
 * the app asks the media node that is the session's origin over the control contract
 * (#live/media-control.server.ts), and that node records exactly as its presenter's event would.
 * One node: the media server at MEDIA_INTERNAL_URL. Several (REDIS_URL): the session's recorded
 * origin, at its `socketUrl` from the registry. Every failure is a DomainError with a catalog key;
 * nothing changes on the node when it refuses.
 */
import type { Env } from "#app/env.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { controlKey, mediaControl } from "#live/media-control.server.ts";
import type { RecordingStatus } from "#live/wire.ts";
import { placementFor } from "./placement.server.ts";

const CALL_TIMEOUT_MS = 15_000;

/** Where the session's origin node listens: undefined when there is none live (several nodes). */
async function originUrl(env: Pick<Env, "MEDIA_INTERNAL_URL" | "REDIS_URL">, sessionId: number): Promise<string | undefined> {
  const placement = await placementFor(env.REDIS_URL);
  if (!placement) return env.MEDIA_INTERNAL_URL;
  return (await placement.originOf(sessionId))?.socketUrl;
}

const unreachable = () => new DomainError("recording.control.unreachable", {}, 503);

export async function controlRecording(
  env: Pick<Env, "MEDIA_INTERNAL_URL" | "REDIS_URL" | "JOIN_TOKEN_SECRET">,
  input: { sessionId: number; action: "start" | "stop"; memberId: number },
): Promise<RecordingStatus> {
  const secret = env.JOIN_TOKEN_SECRET;
  if (!secret) throw unreachable();
  let base: string | undefined;
  try {
    base = await originUrl(env, input.sessionId);
  } catch {
    // Redis away: the origin cannot be known.
    throw unreachable();
  }
  // Several nodes and no live origin: no presenter has been placed (or its node is gone).
  if (!base) throw new DomainError("recording.control.noPresenter", {}, 409);
  const call = mediaControl.recording;
  let res: Response;
  try {
    res = await fetch(new URL(call.path, base), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${controlKey(secret)}` },
      body: JSON.stringify(call.body.parse(input)),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
  } catch {
    throw unreachable();
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw unreachable();
  }
  if (res.ok) {
    const reply = call.reply.safeParse(json);
    if (!reply.success) throw unreachable();
    return reply.data;
  }
  const code = (json as { error?: unknown } | null)?.error;
  if (code === "not-live") throw new DomainError("recording.control.notLive", {}, 409);
  if (code === "no-presenter" || code === "no-room") throw new DomainError("recording.control.noPresenter", {}, 409);
  if (code === "recording-unavailable") throw new DomainError("recording.control.unavailable", {}, 503);
  throw unreachable();
}
