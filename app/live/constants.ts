/** Constants of live sessions shared by the server and the browser (no server imports here). */

/** Viewers may connect this long before the scheduled start (the lobby shows a countdown before). */
export const LOBBY_OPENS_BEFORE_MS = 30 * 60_000;
/** Longest reason of an attendance correction. */
export const MAX_REASON = 500;
/** What a correction may set (the schema's ATTENDANCE_OVERRIDES, repeated so the browser needs no schema). */
export const CORRECTION_STATUSES = ["present", "late", "left-early", "absent", "excused"] as const;
export type CorrectionStatus = (typeof CORRECTION_STATUSES)[number];
