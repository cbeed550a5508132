/**
 * The demo's calendar: six weeks of history that end today. Everything the seed writes is a
 * function of `now` (the run's instant) and a fixed PRNG seed, so two runs with the same `now`
 * write the same rows, and a run on another day writes the same story shifted to end that day.
 */
import { addDays, DAY_MS, startOfVnDay, vnDay } from "#app/common/vietnam-time.ts";

export const HISTORY_DAYS = 42;

export type DemoCalendar = {
  now: Date;
  today: string;
  /** The first day of study; the organisation and its courses were set up the day before. */
  firstDay: string;
  /** The morning the organisation was founded and the courses assigned. */
  foundedAt: Date;
};

export function demoCalendar(now: Date): DemoCalendar {
  const today = vnDay(now);
  const firstDay = addDays(today, -HISTORY_DAYS);
  return { now, today, firstDay, foundedAt: atVn(addDays(firstDay, -1), 8 * 60) };
}

/** `minutes` after midnight of `day` in Vietnam. */
export function atVn(day: string, minutes: number): Date {
  return new Date(startOfVnDay(day).getTime() + minutes * 60_000);
}

/** The day `n` days after the first day of study (0 = first day). */
export function studyDay(cal: DemoCalendar, n: number): string {
  return addDays(cal.firstDay, n);
}

export { DAY_MS };
