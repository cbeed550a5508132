import { useRouteLoaderData } from "@remix-run/react";
import { dateFormatter, fill, type ArgsOf, type Locale, type Message, type MessageKey, type Messages, type Params } from "./format.ts";

/** What the root loader sends for i18n: the locale and that locale's catalog only. */
type RootI18n = { locale?: Locale; messages?: Messages } | undefined;

/**
 * A translator over the messages the root loader sent: only the active locale's catalog reaches
 * the browser. When the root loader itself failed there are none, and a key shows as is.
 */
function translatorFor(data: RootI18n) {
  const locale = data?.locale ?? "vi";
  const messages = data?.messages;
  function t<K extends MessageKey>(key: K, ...args: ArgsOf<K>): string;
  function t(message: Message): string;
  function t(keyOrMessage: MessageKey | Message, params?: Params): string {
    const [key, p] = typeof keyOrMessage === "string" ? [keyOrMessage, params] : [keyOrMessage.key, keyOrMessage.params];
    return fill(locale, messages?.[key], key, p);
  }
  return { t, locale };
}

/** The locale the root loader chose for this request. */
export function useLocale(): Locale {
  const data = useRouteLoaderData("root") as RootI18n;
  return data?.locale ?? "vi";
}

export function useT() {
  const { t, locale } = translatorFor(useRouteLoaderData("root") as RootI18n);
  const formatDate = (d: Date | string | number, opts?: Intl.DateTimeFormatOptions) => dateFormatter(locale, opts).format(new Date(d));
  return { t, locale, formatDate };
}

/** The translator for a route's `meta`, which runs in the browser too and has no hooks. */
export function metaT(matches: readonly { id: string; data?: unknown }[]) {
  return translatorFor(matches.find((m) => m.id === "root")?.data as RootI18n).t;
}
