import { Node, mergeAttributes, type Extensions } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";
import { TableKit } from "@tiptap/extension-table";
import Image from "@tiptap/extension-image";
import { isAllowedHref, isAllowedMediaSrc } from "./url-policy.ts";

/**
 * The one extension list shared by the editor (browser), the validator and the server renderer.
 * A node that is not here cannot be saved, imported or rendered.
 */
export const CALLOUT_KINDS = ["note", "tip", "warning"] as const;
export type CalloutKind = (typeof CALLOUT_KINDS)[number];

export const Callout = Node.create({
  name: "callout",
  group: "block",
  content: "block+",
  defining: true,
  addAttributes() {
    return {
      kind: {
        default: "note",
        parseHTML: (el) => {
          const k = el.getAttribute("data-kind");
          return (CALLOUT_KINDS as readonly string[]).includes(k ?? "") ? k : "note";
        },
        renderHTML: (attrs) => ({ "data-kind": (CALLOUT_KINDS as readonly string[]).includes(attrs.kind) ? attrs.kind : "note" }),
      },
      title: {
        default: null,
        parseHTML: (el) => el.getAttribute("data-title"),
        renderHTML: (attrs) => (attrs.title ? { "data-title": String(attrs.title).slice(0, 200) } : {}),
      },
    };
  },
  parseHTML() {
    return [{ tag: "aside[data-callout]" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["aside", mergeAttributes({ "data-callout": "", class: "callout", role: "note" }, HTMLAttributes), 0];
  },
});

export const MEDIA_KINDS = ["video", "pdf"] as const;

/** An uploaded video or PDF shown inside a lesson; `src` is always one of our /uploads/ URLs. */
export const MediaEmbed = Node.create({
  name: "mediaEmbed",
  group: "block",
  atom: true,
  addAttributes() {
    return {
      kind: { default: "video" },
      src: { default: null },
      title: { default: null },
    };
  },
  parseHTML() {
    return [{ tag: "figure[data-media]", getAttrs: (el) => ({ kind: el.getAttribute("data-media"), src: el.getAttribute("data-src"), title: el.getAttribute("data-title") }) }];
  },
  renderHTML({ node }) {
    const src = isAllowedMediaSrc(node.attrs.src) ? String(node.attrs.src) : "";
    const title = node.attrs.title ? String(node.attrs.title).slice(0, 200) : "";
    if (node.attrs.kind === "pdf") {
      return ["figure", { "data-media": "pdf", class: "media media-pdf" }, ["a", { href: src, target: "_blank", rel: "noopener" }, title || "PDF"]];
    }
    return [
      "figure",
      { "data-media": "video", class: "media media-video" },
      ["video", { src, controls: "", preload: "metadata", playsinline: "" }],
      ...(title ? [["figcaption", {}, title] as const] : []),
    ] as never;
  },
});

export function buildExtensions(): Extensions {
  return [
    StarterKit.configure({
      heading: { levels: [1, 2, 3, 4] },
      link: {
        openOnClick: false,
        autolink: true,
        protocols: ["http", "https", "mailto", "tel"],
        isAllowedUri: (url) => isAllowedHref(url),
        HTMLAttributes: { rel: "noopener noreferrer nofollow", target: null },
      },
    }),
    TableKit.configure({ table: { resizable: false } }),
    Image.configure({ inline: false, allowBase64: false }),
    Callout,
    MediaEmbed,
  ];
}

export const extensions = buildExtensions();
