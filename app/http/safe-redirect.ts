/**
 * Only same-site paths: "//evil.example" and "https://…" would make the sign-in page an open
 * redirect. Control characters and backslashes are refused anywhere in the path: the URL standard
 * drops tabs and newlines and reads "\" as "/", so "/\t/evil.example" or "/\evil.example" in a
 * Location header lands on another site.
 */
export function safeRedirect(to: string | null | undefined, fallback = "/"): string {
  if (!to || typeof to !== "string") return fallback;
  if (!to.startsWith("/") || to.startsWith("//")) return fallback;
  if (/[\x00-\x1f\x7f\\]/.test(to)) return fallback;
  return to;
}
