import { translate } from "#app/i18n/catalog.ts";

/**
 * Dates on certificates, in the Vietnamese administrative style ("ngày 05 tháng 3 năm 2026": a day
 * below 10 and the months 1 and 2 take a leading zero), in Vietnam's time zone whatever the
 * server's. Client-safe.
 */
export const CERTIFICATE_TIME_ZONE = "Asia/Ho_Chi_Minh";

export function dayMonthYear(d: Date, timeZone = CERTIFICATE_TIME_ZONE): { day: number; month: number; year: number } {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "numeric", day: "numeric" }).formatToParts(d);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return { day: get("day"), month: get("month"), year: get("year") };
}

export function vietnameseLongDate(d: Date, timeZone = CERTIFICATE_TIME_ZONE): string {
  const { day, month, year } = dayMonthYear(d, timeZone);
  return translate("vi", "certificates.pdf.date", { day: day < 10 ? `0${day}` : day, month: month <= 2 ? `0${month}` : month, year });
}
