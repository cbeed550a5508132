/** Which catalog text says a media-server refusal code (browser-safe: the page translates it). */
import type { Refusal } from "#live/refusals.ts";

/** A catalog key per code (app/i18n/parts/*-live-refusals.ts); `t` refuses a code without one. */
export type RefusalKey = `live.refusal.${Refusal}` | "live.refusal.session-full-retry";

export function refusalKey(code: Refusal, detail: { audioOnly?: boolean } = {}): RefusalKey {
  // Full for video: audio only is offered when it still fits, else "try again later".
  if (code === "session-full" && detail.audioOnly === false) return "live.refusal.session-full-retry";
  return `live.refusal.${code}`;
}
