/**
 * Vietnam time, the one home for it (client-safe, no database). The organisation lives in one time
 * zone (Asia/Ho_Chi_Minh, UTC+7 without daylight saving since 1975), so form fields are read and
 * written in that zone whatever the browser's or the server's own zone is, and a report "on
 * 2025-04-01" means the figures as they stood at the end of that day in Vietnam.
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

// Report days: "today" means now, so a course due later today is not yet overdue.

export const DAY_MS = 24 * 60 * 60 * 1000;
export const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The calendar day (YYYY-MM-DD) in Vietnam at instant `t`. */
export function vnDay(t: Date | number): string {
  return new Date(+t + OFFSET_MS).toISOString().slice(0, 10);
}

/** Whether `s` is a real calendar day (2025-02-30 is not). */
export function isDay(s: string): boolean {
  if (!DAY_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return Number.isFinite(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The first instant of the day in Vietnam. */
export function startOfVnDay(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - OFFSET_MS);
}

/** The last millisecond of the day in Vietnam (the report rules count `<= at`). */
export function endOfVnDay(day: string): Date {
  return new Date(startOfVnDay(day).getTime() + DAY_MS - 1);
}

/** `day` shifted by n days. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The instant a report on `day` is computed at: the end of that day, or now if it has not ended. */
export function reportInstant(day: string, now: Date = new Date()): Date {
  const end = endOfVnDay(day);
  return end.getTime() < now.getTime() ? end : now;
}

/** "2025-04-01 08:30" in Vietnam time: sortable and unambiguous in a spreadsheet. */
export function vnDateTime(t: Date | number | null | undefined): string {
  if (t == null) return "";
  const iso = new Date(+t + OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
