import { vi, type MessageKey } from "./vi.ts";
import { en } from "./en.ts";

export type { MessageKey };
export const LOCALES = ["vi", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export type Params = Record<string, string | number>;

const catalogs: Record<Locale, Record<MessageKey, string>> = { vi, en };

export function isLocale(v: unknown): v is Locale {
  return v === "vi" || v === "en";
}

export function isMessageKey(v: unknown): v is MessageKey {
  return typeof v === "string" && v in vi;
}

export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  const template = catalogs[locale][key] ?? vi[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** For command-line tools, which have no reader's locale: Vietnamese, then English. */
export function bilingual(key: MessageKey, params: Params = {}): string {
  const a = translate("vi", key, params);
  const b = translate("en", key, params);
  return a === b ? a : `${a} / ${b}`;
}

export function dateFormatter(locale: Locale, opts: Intl.DateTimeFormatOptions = { dateStyle: "medium" }) {
  return new Intl.DateTimeFormat(locale === "vi" ? "vi-VN" : "en-GB", { timeZone: "Asia/Ho_Chi_Minh", ...opts });
}
