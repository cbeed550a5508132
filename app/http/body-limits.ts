/**
 * How many bytes a request body may have, by route. The check runs before anything reads the body
 * (app/http/server.ts), so a client cannot make the process buffer hundreds of megabytes, signed
 * in or not. Routes that take files import their own limits from here, so the number a route
 * enforces and the number the server lets through are one number. nginx's
 * `client_max_body_size` (docs/deployment/nginx-hocso.conf) matches the largest of them.
 */
const KiB = 1024;
const MiB = 1024 * KiB;

/** Editor uploads: images, videos and PDFs. */
export const UPLOAD_MAX_BYTES = 500 * MiB;
/** Organisation CSV/XLSX files. */
export const IMPORT_MAX_BYTES = 20 * MiB;
/** GIFT question banks. */
export const GIFT_MAX_BYTES = 5 * MiB;
/** Lesson autosave: a tiptap document of at most MAX_DOC_CHARS characters, as JSON. */
export const LESSON_MAX_BYTES = 2_000_000;
/** Every other form and JSON body (the largest real one, a bulk form of member ids, is ~100 KiB). */
export const DEFAULT_BODY_MAX_BYTES = 1 * MiB;

/** A multipart envelope (boundaries, part headers, other small fields) around one file. */
const MULTIPART_SLACK = 64 * KiB;

const RULES: { path: RegExp; bytes: number }[] = [
  { path: /^\/api\/uploads$/, bytes: UPLOAD_MAX_BYTES + MULTIPART_SLACK },
  { path: /^\/manage\/import$/, bytes: IMPORT_MAX_BYTES + MULTIPART_SLACK },
  { path: /^\/manage\/courses\/[^/]+\/quizzes\/[^/]+$/, bytes: GIFT_MAX_BYTES + MULTIPART_SLACK },
  { path: /^\/api\/lessons\/[^/]+\/[^/]+$/, bytes: LESSON_MAX_BYTES },
];

/** The limit for a request path (Remix's single-fetch `.data` suffix included). */
export function bodyLimitFor(pathname: string): number {
  const p = pathname.replace(/\.data$/, "").replace(/\/+$/, "") || "/";
  return RULES.find((r) => r.path.test(p))?.bytes ?? DEFAULT_BODY_MAX_BYTES;
}

export type BodyVerdict = { ok: true } | { ok: false; status: 411 | 413; limit: number };

/**
 * Judged from the headers alone. A body without a Content-Length (chunked) is refused with 411:
 * browsers always send the length for forms, fetch and uploads, and a length known up front is what
 * lets us refuse before reading.
 */
export function judgeBody(method: string, pathname: string, headers: { contentLength?: string; transferEncoding?: string }): BodyVerdict {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return { ok: true };
  const limit = bodyLimitFor(pathname);
  if (headers.contentLength === undefined) {
    return headers.transferEncoding ? { ok: false, status: 411, limit } : { ok: true };
  }
  const n = Number(headers.contentLength);
  if (!Number.isSafeInteger(n) || n < 0 || n > limit) return { ok: false, status: 413, limit };
  return { ok: true };
}
