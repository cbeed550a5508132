/**
 * Report days. A report "on 2025-04-01" means the figures as they stood at the end of that day in
 * Vietnam (UTC+7, no daylight saving); "today" means now, so a course due later today is not yet
 * overdue. Client-safe: no database.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975. */
const VN_OFFSET_MS = 7 * 60 * 60 * 1000;
export const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The calendar day (YYYY-MM-DD) in Vietnam at instant `t`. */
export function vnDay(t: Date | number): string {
  return new Date(+t + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** Whether `s` is a real calendar day (2025-02-30 is not). */
export function isDay(s: string): boolean {
  if (!DAY_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return Number.isFinite(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** The first instant of the day in Vietnam. */
export function startOfVnDay(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - VN_OFFSET_MS);
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
  const iso = new Date(+t + VN_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
