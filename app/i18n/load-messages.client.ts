import { isLocale, type Locale } from "./format.ts";
import { provideMessages } from "./use-t.ts";

/**
 * Loads the catalog of the page's locale (the `lang` the server rendered) as its own chunk, and
 * only that one: the two dynamic imports make Vite split vi.ts and en.ts into separate files.
 */
export async function loadPageMessages(doc: Document = document): Promise<Locale> {
  const locale: Locale = isLocale(doc.documentElement.lang) ? doc.documentElement.lang : "vi";
  provideMessages(locale, locale === "en" ? (await import("./en.ts")).en : (await import("./vi.ts")).vi);
  return locale;
}
