import type { viLiveRefusals } from "./vi-live-refusals.ts";

/** English words for the media server's refusal codes; must have exactly the keys of vi-live-refusals.ts. */
export const enLiveRefusals: Record<keyof typeof viLiveRefusals, string> = {
  "live.refusal.invalid-payload": "The request payload is invalid.",
  "live.refusal.payload-too-large": "The request payload is too large.",
  "live.refusal.rate-limited": "Too many requests; please try again shortly.",
  "live.refusal.not-joined": "You have not joined the session yet.",
  "live.refusal.forbidden": "You are not allowed to do this.",
  "live.refusal.not-found": "The requested object was not found.",
  "live.refusal.session-full": "The session is full for video. You can join audio only, or try again later.",
  "live.refusal.session-full-retry": "The session is full. Please try again later.",
  "live.refusal.cannot-consume": "Your browser cannot receive this stream.",
  "live.refusal.session-ended": "The session has ended.",
  "live.refusal.media-restarting": "The media server is restarting; please wait.",
  "live.error.replaced": "You opened this session in another tab or device; this connection was replaced.",
  "live.refusal.checkin-code-expired": "This QR code has expired or is not valid. Scan the code now shown on the meeting room's screen again.",
  "live.refusal.cell-room-offline": "This meeting room's screen has disconnected. Ask the secretary to reopen the room, then scan the new code.",
  "live.refusal.not-on-roster": "You are not on this cell's invited roster, so you cannot check in at this room. Tell the secretary, or join on your own device.",
  "live.refusal.recording-unavailable": "Recording could not start: the server has no recorder, or nothing is being broadcast yet. Start broadcasting and try again.",
  "live.refusal.internal": "Server error; please try again.",
  "live.refusal.forbidden-origin": "This origin is not allowed.",
  "live.refusal.invalid-token": "The join token is invalid.",
  "live.refusal.expired-token": "The join token has expired; please reload the page.",
  "live.refusal.unknown-session": "The session does not exist.",
  "live.refusal.member-inactive": "This account is not active.",
  "live.refusal.not-invited": "You are not invited to this session.",
  "live.refusal.not-presenter": "You are not a presenter of this session.",
};
