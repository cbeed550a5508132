/**
 * Both catalogs, for the server and the command line. The browser never imports this module: it
 * gets the active locale's messages from the root loader (see format.ts and use-t.ts).
 */
import { vi } from "./vi.ts";
import { en } from "./en.ts";
import { fill, type ArgsOf, type Locale, type Message, type MessageKey, type Messages, type ParamNames, type Params } from "./format.ts";

export { LOCALES, isLocale, dateFormatter, plural } from "./format.ts";
export type { ArgsOf, Locale, Message, MessageKey, Messages, Params, PlainKey, Plural, Template } from "./format.ts";

const catalogs: Record<Locale, Messages> = { vi, en };

/**
 * vi and en must name the same placeholders for every key, so that a parameter typed from the
 * Vietnamese template is also the one the English template uses. A key where they differ is
 * named in the error of the line below. An English part must therefore keep its literal text
 * (`{ … } as const satisfies Record<keyof typeof viPart, Template>`): declared as plain `string`,
 * its keys with placeholders are reported here too.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type ParamMismatch = { [K in MessageKey]: Same<ParamNames<(typeof vi)[K]>, ParamNames<(typeof en)[K]>> extends true ? never : K }[MessageKey];
const sameParams: [ParamMismatch] extends [never] ? true : { differentParams: ParamMismatch } = true;
void sameParams;

export function isMessageKey(v: unknown): v is MessageKey {
  return typeof v === "string" && Object.hasOwn(vi, v);
}

/** The active locale's messages, which the root loader sends to the browser. */
export function messagesOf(locale: Locale): Messages {
  return catalogs[locale];
}

export function translate<K extends MessageKey>(locale: Locale, key: K, ...args: ArgsOf<K>): string;
export function translate(locale: Locale, message: Message): string;
export function translate(locale: Locale, keyOrMessage: MessageKey | Message, params?: Params): string {
  const [key, p] = typeof keyOrMessage === "string" ? [keyOrMessage, params] : [keyOrMessage.key, keyOrMessage.params];
  return fill(locale, catalogs[locale][key] ?? vi[key], key, p);
}

/** For command-line tools, which have no reader's locale: Vietnamese, then English. */
export function bilingual<K extends MessageKey>(key: K, ...args: ArgsOf<K>): string;
export function bilingual(message: Message): string;
export function bilingual(keyOrMessage: MessageKey | Message, params?: Params): string {
  const m: Message = typeof keyOrMessage === "string" ? { key: keyOrMessage, params } : keyOrMessage;
  const a = translate("vi", m);
  const b = translate("en", m);
  return a === b ? a : `${a} / ${b}`;
}
