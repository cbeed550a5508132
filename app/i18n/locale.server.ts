import { readCookie, LOCALE_COOKIE } from "#app/auth/cookie.server.ts";
import { isLocale, type Locale } from "./catalog.ts";

/** Cookie choice first, then the browser's Accept-Language, then the configured default. */
export function localeOf(request: Request, fallback: Locale = "vi"): Locale {
  const chosen = readCookie(request, LOCALE_COOKIE);
  if (isLocale(chosen)) return chosen;
  const accept = request.headers.get("accept-language") ?? "";
  for (const part of accept.split(",")) {
    const tag = part.split(";")[0].trim().toLowerCase();
    if (tag.startsWith("vi")) return "vi";
    if (tag.startsWith("en")) return "en";
  }
  return fallback;
}
