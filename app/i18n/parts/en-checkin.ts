import type { Template } from "../format.ts";
import type { viCheckin } from "./vi-checkin.ts";

/** English strings of phone check-in; must have exactly the keys of vi-checkin.ts. */
export const enCheckin = {
  "checkin.qr.title": "Check in by phone",
  "checkin.qr.help": "Members in the room scan this code with their phone's camera, sign in to Học Số and press “I am here”. Each one who scans is ticked on the list automatically.",
  "checkin.qr.rotates": "The code changes every {seconds} seconds; a photo of it sent to someone who is absent will not work.",
  "checkin.qr.alt": "QR code for checking in at the cell room",
  "checkin.qr.enlarge": "Enlarge code",
  "checkin.qr.shrink": "Shrink code",
  "checkin.qr.waiting": "The QR code appears once the room is connected.",
  "checkin.qr.badge": "QR",
  "checkin.qr.badgeTitle": "Checked in by scanning the QR code",
  "checkin.page.title": "Check in at the meeting room",
  "checkin.page.who": "Member: {name} ({code})",
  "checkin.page.explain": "Press the button below to be recorded as present through your cell's shared screen. Your phone does not need to play video or sound.",
  "checkin.page.confirm": "I am here",
  "checkin.page.working": "Checking in…",
  "checkin.page.done": "Checked in at {cell}. You are recorded as attending through the shared meeting room, from now until its screen leaves the session.",
  "checkin.page.already": "You were already checked in at {cell}.",
  "checkin.page.badCode": "The QR code in this link cannot be read. Scan the code now shown on the meeting room's screen again.",
  "checkin.page.ended": "This session has ended; check-in is closed.",
  "checkin.page.unreachable": "Cannot reach the media server. Check your phone's network and press again.",
  "checkin.page.loading": "Loading…",
  "checkin.page.back": "Back to the session page",
} as const satisfies Record<keyof typeof viCheckin, Template>;
