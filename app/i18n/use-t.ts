import { useRouteLoaderData } from "@remix-run/react";
import { dateFormatter, fill, type ArgsOf, type Locale, type Message, type MessageKey, type Messages, type Params } from "./format.ts";

/**
 * The catalogs this process holds. On the server the root loader provides both; in the browser
 * entry.client.tsx loads only the page's locale (its own chunk, see load-messages.client.ts)
 * before hydrating, so a Vietnamese page never downloads the English catalog, nor the other way
 * round, and no page's HTML carries a catalog.
 */
const provided: Partial<Record<Locale, Messages>> = {};

export function provideMessages(locale: Locale, messages: Messages) {
  provided[locale] = messages;
}

type RootI18n = { locale?: Locale } | undefined;

function translatorFor(data: RootI18n) {
  const locale = data?.locale ?? "vi";
  // A locale the browser has not loaded (changed elsewhere since this page loaded) falls back to
  // the one it has; a key shows as is only if nothing is loaded at all.
  const messages = provided[locale] ?? provided.vi ?? provided.en;
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

/** The page's translator, bound to the locale the root loader chose for this request. */
export function useT() {
  const { t, locale } = translatorFor(useRouteLoaderData("root") as RootI18n);
  const formatDate = (d: Date | string | number, opts?: Intl.DateTimeFormatOptions) => dateFormatter(locale, opts).format(new Date(d));
  return { t, locale, formatDate };
}

/** The translator for a route's `meta`, which runs in the browser too and has no hooks. */
export function metaT(matches: readonly { id: string; data?: unknown }[]) {
  return translatorFor(matches.find((m) => m.id === "root")?.data as RootI18n).t;
}
