import MarkdownIt, { type StateBlock, type Token } from "markdown-it";
import type { JSONContent } from "@tiptap/core";
import { CALLOUT_KINDS } from "./extensions.ts";

/**
 * Lesson Markdown → tiptap JSON. CommonMark + GFM tables, with one extension for authors:
 *
 *   :::note Optional title        (kinds: note, tip, warning)
 *   Any Markdown…
 *   :::
 *
 * Raw HTML is not interpreted (it stays text), so a lesson file cannot smuggle markup in.
 * `resolveImage` turns a package-relative image path into an uploaded /uploads/ URL.
 */
export type MarkdownOptions = { resolveImage?: (path: string) => string | null };

function calloutRule(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  const start = state.bMarks[startLine] + state.tShift[startLine];
  const max = state.eMarks[startLine];
  const line = state.src.slice(start, max);
  const m = /^:::\s*([a-z]+)\s*(.*)$/.exec(line);
  if (!m || !(CALLOUT_KINDS as readonly string[]).includes(m[1])) return false;
  if (silent) return true;
  let next = startLine + 1;
  let depth = 1;
  while (next < endLine) {
    const s = state.bMarks[next] + state.tShift[next];
    const text = state.src.slice(s, state.eMarks[next]).trim();
    if (/^:::\s*[a-z]+/.test(text)) depth++;
    else if (text === ":::") {
      depth--;
      if (depth === 0) break;
    }
    next++;
  }
  const open = state.push("callout_open", "aside", 1);
  open.info = m[1];
  open.meta = { title: m[2].trim() || null };
  open.map = [startLine, next];
  const oldParent = state.parentType;
  const oldLineMax = state.lineMax;
  state.parentType = "blockquote" as never;
  state.lineMax = next;
  state.md.block.tokenize(state, startLine + 1, next);
  state.parentType = oldParent;
  state.lineMax = oldLineMax;
  state.push("callout_close", "aside", -1);
  state.line = Math.min(next + 1, endLine);
  return true;
}

const md = new MarkdownIt("commonmark", { html: false, linkify: false, typographer: false }).enable(["table", "strikethrough"]);
md.block.ruler.before("fence", "callout", calloutRule, { alt: ["paragraph", "blockquote", "list"] });
// markdown-it would silently turn a javascript: link into text; let every link through so the
// document validator refuses it with a message the author can act on.
md.validateLink = () => true;

type Mark = NonNullable<JSONContent["marks"]>[number];

function inlineToNodes(tokens: Token[], opts: MarkdownOptions): { inline: JSONContent[]; images: JSONContent[] } {
  const out: JSONContent[] = [];
  const images: JSONContent[] = [];
  const marks: Mark[] = [];
  const pushText = (text: string, extra: Mark[] = []) => {
    if (!text) return;
    const all = [...marks, ...extra];
    out.push(all.length ? { type: "text", text, marks: all.map((m) => ({ ...m })) } : { type: "text", text });
  };
  const pop = (type: string) => {
    const i = marks.map((m) => m.type).lastIndexOf(type);
    if (i >= 0) marks.splice(i, 1);
  };
  for (const t of tokens) {
    switch (t.type) {
      case "text":
        pushText(t.content);
        break;
      case "softbreak":
        pushText(" ");
        break;
      case "hardbreak":
        out.push({ type: "hardBreak" });
        break;
      case "code_inline":
        pushText(t.content, [{ type: "code" }]);
        break;
      case "strong_open":
        marks.push({ type: "bold" });
        break;
      case "strong_close":
        pop("bold");
        break;
      case "em_open":
        marks.push({ type: "italic" });
        break;
      case "em_close":
        pop("italic");
        break;
      case "s_open":
        marks.push({ type: "strike" });
        break;
      case "s_close":
        pop("strike");
        break;
      case "link_open":
        marks.push({ type: "link", attrs: { href: t.attrGet("href") ?? "" } });
        break;
      case "link_close":
        pop("link");
        break;
      case "image": {
        // tiptap images are blocks: lift them out after the paragraph that held them.
        const src = opts.resolveImage?.(String(t.attrGet("src") ?? "")) ?? null;
        const alt = t.children?.map((c: Token) => c.content).join("") ?? "";
        if (src) images.push({ type: "image", attrs: { src, alt, title: t.attrGet("title") } });
        else pushText(alt);
        break;
      }
      default:
        if (t.content) pushText(t.content);
    }
  }
  return { inline: out, images };
}

export function markdownToDoc(source: string, opts: MarkdownOptions = {}): JSONContent {
  const tokens = md.parse(source.normalize("NFC"), {});
  const root: JSONContent = { type: "doc", content: [] };
  const stack: JSONContent[] = [root];
  const top = () => stack[stack.length - 1];
  const append = (n: JSONContent) => (top().content ??= []).push(n);
  const open = (n: JSONContent) => {
    append(n);
    stack.push(n);
  };
  const close = () => {
    const n = stack.pop()!;
    // Table cells and list items need block content; an empty one gets an empty paragraph.
    if (["tableCell", "tableHeader", "listItem", "blockquote", "callout"].includes(n.type!) && !n.content?.length) {
      n.content = [{ type: "paragraph" }];
    }
  };
  for (const t of tokens) {
    switch (t.type) {
      case "heading_open":
        open({ type: "heading", attrs: { level: Math.min(4, Number(t.tag.slice(1))) } });
        break;
      case "paragraph_open":
        open({ type: "paragraph" });
        break;
      case "bullet_list_open":
        open({ type: "bulletList" });
        break;
      case "ordered_list_open": {
        const start = Number(t.attrGet("start") ?? 1);
        open({ type: "orderedList", attrs: start !== 1 ? { start } : {} });
        break;
      }
      case "list_item_open":
        open({ type: "listItem" });
        break;
      case "blockquote_open":
        open({ type: "blockquote" });
        break;
      case "callout_open":
        open({ type: "callout", attrs: { kind: t.info, title: t.meta?.title ?? null } });
        break;
      case "table_open":
        open({ type: "table" });
        break;
      case "tr_open":
        open({ type: "tableRow" });
        break;
      case "th_open":
        open({ type: "tableHeader" });
        stack.push(top()); // cells hold inline directly in markdown-it; wrap in a paragraph below
        break;
      case "td_open":
        open({ type: "tableCell" });
        stack.push(top());
        break;
      case "th_close":
      case "td_close":
        stack.pop();
        close();
        break;
      case "heading_close":
      case "paragraph_close":
      case "bullet_list_close":
      case "ordered_list_close":
      case "list_item_close":
      case "blockquote_close":
      case "callout_close":
      case "table_close":
      case "tr_close":
        close();
        break;
      case "thead_open":
      case "thead_close":
      case "tbody_open":
      case "tbody_close":
        break;
      case "hr":
        append({ type: "horizontalRule" });
        break;
      case "fence":
      case "code_block":
        append({ type: "codeBlock", content: t.content.replace(/\n$/, "") ? [{ type: "text", text: t.content.replace(/\n$/, "") }] : [] });
        break;
      case "inline": {
        const { inline, images } = inlineToNodes(t.children ?? [], opts);
        const parent = top();
        if (parent.type === "tableCell" || parent.type === "tableHeader") {
          (parent.content ??= []).push(inline.length ? { type: "paragraph", content: inline } : { type: "paragraph" });
        } else if (inline.length) {
          (parent.content ??= []).push(...inline);
        }
        if (images.length) {
          // Close the paragraph that held the image, then place the image after it.
          const holder = stack[stack.length - 2];
          (holder.content ??= []).push(...images);
        }
        break;
      }
      default:
        break;
    }
  }
  return dropEmptyParagraphs(root);
}

function dropEmptyParagraphs(node: JSONContent): JSONContent {
  if (!node.content) return node;
  const content = node.content
    .map(dropEmptyParagraphs)
    // A list item must open with a paragraph (tiptap's schema), even when an image was lifted out of it.
    .filter((c, i, all) => !(c.type === "paragraph" && !c.content?.length && all.length > 1 && node.type !== "tableCell" && node.type !== "tableHeader" && !(node.type === "listItem" && i === 0)));
  return { ...node, content };
}
