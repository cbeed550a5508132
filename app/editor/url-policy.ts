/**
 * URL allow-lists for user-authored content. Links may go to the web, e-mail or phone; images and
 * media may only come from our own uploads (no tracking pixels, no data: or javascript: URLs).
 */
const HREF_RE = /^(https?:\/\/|mailto:|tel:|\/(?!\/)|#)/i;

export function isAllowedHref(url: unknown): boolean {
  if (typeof url !== "string" || url.length > 2000) return false;
  // Control characters and whitespace inside a scheme are how "java\tscript:" slips through.
  if (/[\u0000-\u001f\u007f]/.test(url)) return false;
  return HREF_RE.test(url.trim());
}

export function isAllowedImageSrc(src: unknown): boolean {
  return typeof src === "string" && /^\/uploads\/[a-f0-9]{64}\.(png|jpe?g|gif|webp|svg)$/.test(src);
}

export function isAllowedMediaSrc(src: unknown): boolean {
  return typeof src === "string" && /^\/uploads\/[a-f0-9]{64}\.(mp4|webm|pdf)$/.test(src);
}
