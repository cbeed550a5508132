/**
 * What the browser needs to say a message: the types of keys and parameters, the filling of
 * "{name}" placeholders and the choice of a plural form. It holds no catalog: the browser gets
 * only the active locale's messages from the root loader (use-t.ts), so a Vietnamese page never
 * downloads the English catalog, nor the other way round.
 */
import type { vi } from "./vi.ts";

export const LOCALES = ["vi", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export type MessageKey = keyof typeof vi;

export function isLocale(v: unknown): v is Locale {
  return v === "vi" || v === "en";
}

/**
 * A message whose wording depends on a count, chosen by `Intl.PluralRules` of the locale from the
 * parameter named by `plural` ("1 member", "2 members"). Vietnamese has one form and needs none.
 */
export type Plural = { readonly plural: string; readonly one: string; readonly other: string };
export type Template = string | Plural;
export type Messages = Record<MessageKey, Template>;

export function plural<const By extends string, const One extends string, const Other extends string>(by: By, forms: { one: One; other: Other }) {
  return { plural: by, one: forms.one, other: forms.other } as const;
}

/** The placeholder names of a template, as a union of string literal types ("{count} thành viên" → "count"). */
type NamesIn<S> = S extends `${string}{${infer P}}${infer Rest}` ? P | NamesIn<Rest> : never;
export type ParamNames<T> = T extends Plural ? T["plural"] | NamesIn<T["one"]> | NamesIn<T["other"]> : NamesIn<T>;

export type Params = Record<string, string | number>;
type Template0<K extends MessageKey> = (typeof vi)[K];
export type ParamsOf<K extends MessageKey> = { [P in ParamNames<Template0<K>>]: string | number };
/** A key without placeholders takes no parameters; one with placeholders needs every one, and no others. */
export type ArgsOf<K extends MessageKey> = [ParamNames<Template0<K>>] extends [never] ? [params?: Record<string, never>] : [params: ParamsOf<K>];
/** Keys that take no parameters: what a table of labels (a status → its key) may hold. */
export type PlainKey = { [K in MessageKey]: [ParamNames<Template0<K>>] extends [never] ? K : never }[MessageKey];

/**
 * A message already checked where it was made (a DomainError, a flash, an import rejection):
 * its key and the parameters its maker had to give.
 */
export type Message = { readonly key: MessageKey; readonly params?: Params };

const pluralRules = new Map<Locale, Intl.PluralRules>();
function pluralForm(locale: Locale, n: number): "one" | "other" {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale === "vi" ? "vi-VN" : "en-GB")));
  return rules.select(n) === "one" ? "one" : "other";
}

/** Fills a template; a placeholder without a value stays visible rather than vanishing. */
export function fill(locale: Locale, template: Template | undefined, key: string, params: Params = {}): string {
  if (template === undefined) return key;
  const text = typeof template === "string" ? template : template[pluralForm(locale, Number(params[template.plural]))];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/**
 * Building an Intl.DateTimeFormat costs far more than formatting with one (it was the largest
 * single cost of rendering the course cards and /progress in a CPU profile), and pages ask for a
 * handful of option sets: one formatter per locale and options, kept.
 */
const dateFormatters = new Map<string, Intl.DateTimeFormat>();
export function dateFormatter(locale: Locale, opts: Intl.DateTimeFormatOptions = { dateStyle: "medium" }) {
  const key = `${locale}|${JSON.stringify(opts)}`;
  let f = dateFormatters.get(key);
  if (!f) dateFormatters.set(key, (f = new Intl.DateTimeFormat(locale === "vi" ? "vi-VN" : "en-GB", { timeZone: "Asia/Ho_Chi_Minh", ...opts })));
  return f;
}
