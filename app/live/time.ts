/**
 * Times of live sessions, client-safe. The organisation lives in one time zone (Asia/Ho_Chi_Minh,
 * UTC+7, no daylight saving), so a `datetime-local` field is read and written in that zone whatever
 * the browser's or the server's own zone is.
 */
export const ORG_TIME_ZONE = "Asia/Ho_Chi_Minh";
const OFFSET_MS = 7 * 3600_000;

/** "2025-06-01T08:30" (as typed in a datetime-local field, Vietnam time) → the instant, or null. */
export function parseLocalDateTime(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(utc);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) return null; // 31 February
  return new Date(utc - OFFSET_MS);
}

/** The instant as a datetime-local value in Vietnam time ("2025-06-01T08:30"). */
export function toLocalInput(d: Date | number): string {
  const v = new Date(new Date(d).getTime() + OFFSET_MS);
  return v.toISOString().slice(0, 16);
}

/** "2025-06-01 08:30:05" in Vietnam time: for exports (sortable, no locale ambiguity). */
export function toLocalStamp(d: Date | number | null | undefined): string {
  if (d == null) return "";
  const v = new Date(new Date(d).getTime() + OFFSET_MS);
  return v.toISOString().slice(0, 19).replace("T", " ");
}

/** Splits a countdown into days, hours, minutes, seconds (never negative). */
export function countdownParts(ms: number) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return { days: Math.floor(s / 86400), hours: Math.floor((s % 86400) / 3600), minutes: Math.floor((s % 3600) / 60), seconds: s % 60 };
}

/** "1 ngày 02:03:04" / "02:03:04" / "03:04". */
export function formatCountdown(ms: number, dayWord: string): string {
  const { days, hours, minutes, seconds } = countdownParts(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  const clock = days > 0 || hours > 0 ? `${two(hours)}:${two(minutes)}:${two(seconds)}` : `${two(minutes)}:${two(seconds)}`;
  return days > 0 ? `${days} ${dayWord} ${clock}` : clock;
}
