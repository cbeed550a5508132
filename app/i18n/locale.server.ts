import type { IncomingHttpHeaders } from "node:http";
import { cookieFromHeader, LOCALE_COOKIE } from "#app/auth/cookie.server.ts";
import { isLocale, type Locale } from "./catalog.ts";

/** Cookie choice first, then the browser's Accept-Language, then the configured default. */
export function localeOf(request: Request, fallback: Locale = "vi"): Locale {
  return localeFrom(request.headers.get("cookie"), request.headers.get("accept-language"), fallback);
}

/**
 * The same rule for express middlewares (body limits, CSRF), which answer before any web Request
 * exists and should not build one just to read two headers.
 */
export function localeOfNodeHeaders(headers: IncomingHttpHeaders, fallback: Locale = "vi"): Locale {
  return localeFrom(headers.cookie, headers["accept-language"], fallback);
}

function localeFrom(cookie: string | null | undefined, acceptLanguage: string | null | undefined, fallback: Locale): Locale {
  const chosen = cookieFromHeader(cookie, LOCALE_COOKIE);
  if (isLocale(chosen)) return chosen;
  for (const part of (acceptLanguage ?? "").split(",")) {
    const tag = part.split(";")[0].trim().toLowerCase();
    if (tag.startsWith("vi")) return "vi";
    if (tag.startsWith("en")) return "en";
  }
  return fallback;
}
