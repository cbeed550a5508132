/**
 * CSRF defence for every state-changing request, in one place (the HTTP server calls it before
 * Remix sees the request). Browsers send Sec-Fetch-Site on every request they make; older ones
 * still send Origin on POST. A request with neither is refused: a form on another site cannot
 * forge either header.
 */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

export function checkRequestOrigin(
  method: string,
  headers: { get(name: string): string | null },
  expectedOrigin: string,
): OriginVerdict {
  if (SAFE_METHODS.has(method.toUpperCase())) return { ok: true };
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") {
    return { ok: false, reason: `sec-fetch-site=${site}` };
  }
  const origin = headers.get("origin");
  if (origin) {
    return origin === expectedOrigin ? { ok: true } : { ok: false, reason: `origin=${origin}` };
  }
  if (site === "same-origin") return { ok: true };
  return { ok: false, reason: "no origin" };
}
