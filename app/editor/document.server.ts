import { getSchema, type JSONContent } from "@tiptap/core";
import { renderToHTMLString } from "@tiptap/static-renderer";
import { extensions } from "./extensions.ts";
import { isAllowedHref, isAllowedImageSrc, isAllowedMediaSrc } from "./url-policy.ts";
import type { MessageKey } from "#app/i18n/catalog.ts";

const schema = getSchema(extensions);

export const MAX_DOC_CHARS = 1_000_000;
export const MAX_DOC_DEPTH = 40;

export type DocProblem = { key: MessageKey; params?: Record<string, string | number> };

function depthOf(n: unknown, d = 0): number {
  if (d > MAX_DOC_DEPTH) return d;
  const c = (n as JSONContent)?.content;
  if (!Array.isArray(c)) return d;
  let max = d;
  for (const child of c) max = Math.max(max, depthOf(child, d + 1));
  return max;
}

function urlProblems(n: JSONContent, out: DocProblem[]) {
  if (n.type === "image" && !isAllowedImageSrc(n.attrs?.src)) out.push({ key: "doc.error.imageSrc", params: { src: String(n.attrs?.src ?? "").slice(0, 80) } });
  if (n.type === "mediaEmbed" && !isAllowedMediaSrc(n.attrs?.src)) out.push({ key: "doc.error.mediaSrc", params: { src: String(n.attrs?.src ?? "").slice(0, 80) } });
  for (const m of n.marks ?? []) {
    if (m.type === "link" && !isAllowedHref(m.attrs?.href)) out.push({ key: "doc.error.linkHref", params: { href: String(m.attrs?.href ?? "").slice(0, 80) } });
  }
  for (const c of n.content ?? []) urlProblems(c, out);
}

/**
 * Checks a document before it is stored: size, nesting, the shared schema (an unknown node or
 * mark, or content in the wrong place, is refused), and the URL policy. Returns the plain text
 * for search.
 */
export function validateDoc(json: unknown): { ok: true; doc: JSONContent; text: string } | { ok: false; problems: DocProblem[] } {
  let size: number;
  try {
    size = JSON.stringify(json)?.length ?? 0;
  } catch {
    return { ok: false, problems: [{ key: "doc.error.invalid", params: { detail: "not JSON" } }] };
  }
  if (size > MAX_DOC_CHARS) return { ok: false, problems: [{ key: "doc.error.tooLarge", params: { kb: Math.round(MAX_DOC_CHARS / 1000) } }] };
  if (depthOf(json) > MAX_DOC_DEPTH) return { ok: false, problems: [{ key: "doc.error.tooDeep", params: { depth: MAX_DOC_DEPTH } }] };
  let node;
  try {
    node = schema.nodeFromJSON(json);
    node.check();
  } catch (e) {
    return { ok: false, problems: [{ key: "doc.error.invalid", params: { detail: String((e as Error).message).slice(0, 160) } }] };
  }
  if (node.type.name !== "doc") return { ok: false, problems: [{ key: "doc.error.invalid", params: { detail: "root must be doc" } }] };
  const problems: DocProblem[] = [];
  const doc = schema.nodeFromJSON(hrefOnly(node.toJSON() as JSONContent)).toJSON() as JSONContent;
  urlProblems(doc, problems);
  if (problems.length) return { ok: false, problems };
  return { ok: true, doc, text: node.textBetween(0, node.content.size, "\n", " ").normalize("NFC") };
}

/** Authors choose where a link goes, nothing else: no target (tabnabbing), rel or class (spoofing). */
function hrefOnly(n: JSONContent): JSONContent {
  const marks = n.marks?.map((m) => (m.type === "link" ? { type: "link", attrs: { href: m.attrs?.href } } : m));
  const content = n.content?.map(hrefOnly);
  return { ...n, ...(marks ? { marks } : {}), ...(content ? { content } : {}) };
}

/** Drops whatever the URL policy refuses, so stored content that predates a policy stays inert. */
function sanitize(n: JSONContent): JSONContent | null {
  if (n.type === "image" && !isAllowedImageSrc(n.attrs?.src)) return null;
  if (n.type === "mediaEmbed" && !isAllowedMediaSrc(n.attrs?.src)) return null;
  const marks = n.marks?.filter((m) => m.type !== "link" || isAllowedHref(m.attrs?.href)).map((m) => (m.type === "link" ? { type: "link", attrs: { href: m.attrs?.href } } : m));
  const content = n.content?.map(sanitize).filter((c): c is JSONContent => c !== null);
  return { ...n, ...(marks ? { marks } : {}), ...(content ? { content } : {}) };
}

/**
 * Server-side HTML for read-only lesson pages, from the same extension list the editor uses.
 * Unknown nodes never reach the renderer: the document is re-parsed through the schema first.
 */
export function renderDocHtml(json: unknown): string {
  let node;
  try {
    node = schema.nodeFromJSON(sanitize(json as JSONContent));
  } catch {
    return "";
  }
  return renderToHTMLString({ extensions, content: node.toJSON() });
}
