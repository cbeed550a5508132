import { useRouteLoaderData } from "@remix-run/react";
import { translate, dateFormatter, type Locale, type MessageKey, type Params } from "./catalog.ts";

/** The page's translator, bound to the locale the root loader chose for this request. */
export function useLocale(): Locale {
  const data = useRouteLoaderData("root") as { locale?: Locale } | undefined;
  return data?.locale ?? "vi";
}

export function useT() {
  const locale = useLocale();
  const t = (key: MessageKey, params?: Params) => translate(locale, key, params);
  const formatDate = (d: Date | string | number, opts?: Intl.DateTimeFormatOptions) =>
    dateFormatter(locale, opts).format(new Date(d));
  return { t, locale, formatDate };
}
