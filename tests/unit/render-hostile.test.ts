import { describe, expect, test } from "vitest";
import type { JSONContent } from "@tiptap/core";
import { MAX_DOC_CHARS, MAX_DOC_DEPTH, renderDocHtml, validateDoc } from "#app/editor/document.server.ts";

/**
 * Hostile tiptap documents. validateDoc is what a save or an import goes through; renderDocHtml is
 * what a lesson page shows, and it is fed the same hostile input directly (as if a row had been
 * written around the validator) — its output must be inert on its own.
 */

const SHA = "0123456789abcdef".repeat(4);
const IMG = `/uploads/${SHA}.png`;
const PDF = `/uploads/${SHA}.pdf`;
const MP4 = `/uploads/${SHA}.mp4`;

const doc = (...content: JSONContent[]): JSONContent => ({ type: "doc", content });
const p = (...content: JSONContent[]): JSONContent => ({ type: "paragraph", content });
const text = (t: string, marks?: JSONContent["marks"]): JSONContent => (marks ? { type: "text", text: t, marks } : { type: "text", text: t });
const link = (t: string, href: unknown, extra: Record<string, unknown> = {}) => text(t, [{ type: "link", attrs: { href, ...extra } }]);

// ---- a strict reader for the renderer's output ------------------------------------------------

const VOID = new Set(["img", "br", "hr", "col"]);
const SAFE_HREF = /^(https?:\/\/[^\s]|mailto:|tel:|\/(?!\/)|#)/i;
const OUR_IMAGE = /^\/uploads\/[a-f0-9]{64}\.(png|jpe?g|gif|webp|svg)$/;
const OUR_VIDEO = /^\/uploads\/[a-f0-9]{64}\.(mp4|webm)$/;
const SIZE_STYLE = /^\s*((min-)?width:\s*\d+px;?\s*)+$/;

type AttrRule = (value: string, attrs: Map<string, string>) => boolean;
const any: AttrRule = () => true;
const empty: AttrRule = (v) => v === "";
const oneOf =
  (...vs: string[]): AttrRule =>
  (v) => vs.includes(v);
const matches =
  (re: RegExp): AttrRule =>
  (v) => re.test(v);

/** Every tag the lesson renderer may produce, with the attributes (and values) each may carry. */
const ALLOWED: Record<string, Record<string, AttrRule>> = {
  p: {},
  h1: {},
  h2: {},
  h3: {},
  h4: {},
  strong: {},
  em: {},
  u: {},
  s: {},
  // The code block's language is author text; escaped, it can only add class names.
  code: { class: matches(/^language-/) },
  pre: {},
  a: { href: matches(SAFE_HREF), rel: any, target: oneOf("_blank"), class: any, title: any },
  ul: {},
  ol: { start: any, type: any },
  li: {},
  blockquote: {},
  table: { style: matches(SIZE_STYLE) },
  tbody: {},
  tr: {},
  th: { colspan: any, rowspan: any, colwidth: any },
  td: { colspan: any, rowspan: any, colwidth: any },
  colgroup: {},
  col: { style: matches(SIZE_STYLE) },
  img: { src: matches(OUR_IMAGE), alt: any, title: any, width: any, height: any },
  aside: { "data-callout": empty, class: oneOf("callout"), role: oneOf("note"), "data-kind": oneOf("note", "tip", "warning"), "data-title": any },
  figure: { "data-media": oneOf("video", "pdf"), class: oneOf("media media-video", "media media-pdf") },
  figcaption: {},
  video: { src: matches(OUR_VIDEO), controls: empty, preload: oneOf("metadata"), playsinline: empty },
  br: {},
  hr: {},
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_m, e: string) => {
    const l = e.toLowerCase();
    if (l.startsWith("#x")) return String.fromCodePoint(parseInt(l.slice(2), 16));
    if (l.startsWith("#")) return String.fromCodePoint(parseInt(l.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[l] ?? "'";
  });
}

/** What a browser would see as the scheme: entities decoded, controls and spaces removed. */
const schemeView = (v: string) => decodeEntities(v).replace(/[\u0000-\u0020\u007f-\u00a0]/g, "").toLowerCase();

type Tag = { name: string; attrs: Map<string, string> };

/**
 * Tokenises the HTML strictly: text may hold no raw `<` or `>` and only well-formed entities;
 * every tag must be an allowed tag with allowed, double-quoted attributes; nesting must balance.
 * Throws on the first violation; returns the tags it read.
 */
function assertInert(html: string): Tag[] {
  const tags: Tag[] = [];
  const stack: string[] = [];
  const TAG = /<(\/)?([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*(?:="[^"<>]*")?)*)\s*(\/)?>/y;
  const checkText = (t: string) => {
    if (/[<>]/.test(t)) throw new Error(`raw < or > in text: ${JSON.stringify(t.slice(0, 80))}`);
    const bad = /&(?!(#x[0-9a-f]+|#\d+|[a-z]+);)/i.exec(t);
    if (bad) throw new Error(`bare & in text: ${JSON.stringify(t.slice(bad.index, bad.index + 20))}`);
  };
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf("<", i);
    checkText(html.slice(i, lt < 0 ? html.length : lt));
    if (lt < 0) break;
    TAG.lastIndex = lt;
    const m = TAG.exec(html);
    if (!m) throw new Error(`not a well-formed tag at ${lt}: ${JSON.stringify(html.slice(lt, lt + 80))}`);
    const [whole, closing, name, rawAttrs, selfClosing] = m;
    const rules = ALLOWED[name];
    if (!rules) throw new Error(`tag <${name}> is not allowed`);
    if (closing) {
      if (rawAttrs.trim() || selfClosing) throw new Error(`malformed closing tag ${whole}`);
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      const attrs = new Map<string, string>();
      for (const a of rawAttrs.matchAll(/\s+([a-z][a-z0-9-]*)(?:="([^"]*)")?/g)) {
        const [, an, raw = ""] = a;
        if (attrs.has(an)) throw new Error(`duplicate attribute ${an} on <${name}>`);
        attrs.set(an, raw);
      }
      for (const [an, raw] of attrs) {
        if (/^on/i.test(an)) throw new Error(`event handler attribute ${an} on <${name}>`);
        const rule = rules[an];
        if (!rule) throw new Error(`attribute ${an} is not allowed on <${name}>`);
        const value = decodeEntities(raw);
        const scheme = schemeView(raw);
        if (/^(javascript|vbscript|data|file):/.test(scheme) || /(javascript|vbscript):/.test(scheme)) {
          throw new Error(`script or data URL in ${name}[${an}]: ${JSON.stringify(value.slice(0, 80))}`);
        }
        if (/url\s*\(/i.test(value) || /expression\s*\(/i.test(value)) throw new Error(`CSS url()/expression in ${name}[${an}]`);
        if (!rule(value, attrs)) throw new Error(`value of ${name}[${an}] refused: ${JSON.stringify(value.slice(0, 80))}`);
      }
      if (selfClosing && !VOID.has(name) && name !== "colgroup") throw new Error(`non-void <${name}/> would swallow what follows`);
      if (!VOID.has(name) && !selfClosing) stack.push(name);
      tags.push({ name, attrs });
    }
    i = lt + whole.length;
  }
  if (stack.length) throw new Error(`unclosed tags: ${stack.join(", ")}`);
  if (/<script/i.test(html)) throw new Error("<script in output");
  return tags;
}

/** Renders and checks; returns the HTML and its tags for further assertions. */
function renderInert(input: unknown) {
  const html = renderDocHtml(input);
  expect(typeof html).toBe("string");
  const tags = assertInert(html);
  return { html, tags };
}

function problemKeys(input: unknown): string[] {
  const v = validateDoc(input);
  return v.ok ? [] : v.problems.map((x) => x.key);
}

// ---- the checker itself must be able to fail ----------------------------------------------------

test("the HTML checker refuses what it is meant to refuse", () => {
  const refused = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    '<p onclick="x">a</p>',
    '<img src="x" onerror="alert(1)"/>',
    '<a href="javascript:alert(1)">a</a>',
    '<a href="JaVaScRiPt:alert(1)">a</a>',
    '<a href="java&#x09;script:alert(1)">a</a>',
    '<a href="data:text/html,PHNjcmlwdD4=">a</a>',
    '<a href="vbscript:msgbox(1)">a</a>',
    '<a href="//evil.example/">a</a>',
    '<img src="https://evil.example/pixel.png"/>',
    `<img src="data:image/png;base64,AAAA"/>`,
    '<video src="https://evil.example/v.mp4"></video>',
    "<iframe></iframe>",
    "<div>x</div>",
    '<p style="color:red">x</p>',
    '<table style="background:url(x)"><tbody></tbody></table>',
    '<aside data-kind="danger" data-callout="" class="callout" role="note"><p>x</p></aside>',
    "<p>a < b</p>",
    "<p>unclosed",
    "<p><strong>x</p></strong>",
    "<p/>after",
    "<p>a &b</p>",
    "<img src=x>",
  ];
  for (const h of refused) expect(() => assertInert(h), h).toThrow();
  const accepted = [
    "<p>a &lt;script&gt; &amp; b</p>",
    `<p><a rel="noopener noreferrer nofollow" href="https://example.vn/a?b=1&amp;c=2">x</a></p>`,
    `<img src="${IMG}" alt="a" title="t"/>`,
    `<table style="min-width: 50px"><colgroup><col style="min-width: 25px"/></colgroup><tbody><tr><td><p>x</p></td></tr></tbody></table>`,
  ];
  for (const h of accepted) expect(() => assertInert(h), h).not.toThrow();
});

// ---- a benign document: accepted, rendered with every feature, within the allow-list -----------

test("a benign document using every node validates and renders within the allow-list", () => {
  const good = doc(
    { type: "heading", attrs: { level: 2 }, content: [text("Tiêu đề")] },
    p(
      text("đậm", [{ type: "bold" }]),
      text(" nghiêng", [{ type: "italic" }]),
      text(" gạch chân", [{ type: "underline" }]),
      text(" gạch", [{ type: "strike" }]),
      text(" mã", [{ type: "code" }]),
      { type: "hardBreak" },
      link("web", "https://dichvucong.gov.vn"),
      link("thư", "mailto:hotro@example.vn"),
      link("gọi", "tel:+84241234567"),
      link("nội bộ", "/courses"),
      link("neo", "#tom-tat"),
    ),
    { type: "bulletList", content: [{ type: "listItem", content: [p(text("một"))] }] },
    { type: "orderedList", attrs: { start: 3 }, content: [{ type: "listItem", content: [p(text("ba"))] }] },
    { type: "blockquote", content: [p(text("trích"))] },
    { type: "codeBlock", attrs: { language: "bash" }, content: [text("ls <x>")] },
    { type: "horizontalRule" },
    {
      type: "table",
      content: [
        { type: "tableRow", content: [{ type: "tableHeader", content: [p(text("H"))] }, { type: "tableHeader", attrs: { colwidth: [120] }, content: [p(text("I"))] }] },
        { type: "tableRow", content: [{ type: "tableCell", content: [p(text("1"))] }, { type: "tableCell", content: [p(text("2"))] }] },
      ],
    },
    { type: "image", attrs: { src: IMG, alt: "Sơ đồ", title: "Hình 1" } },
    { type: "callout", attrs: { kind: "warning", title: "Cẩn thận" }, content: [p(text("nội dung"))] },
    { type: "mediaEmbed", attrs: { kind: "video", src: MP4, title: "Video hướng dẫn" } },
    { type: "mediaEmbed", attrs: { kind: "pdf", src: PDF, title: "Tài liệu" } },
  );
  const v = validateDoc(good);
  expect(v.ok ? [] : v.problems).toEqual([]);
  const { html, tags } = renderInert(good);
  const names = new Set(tags.map((t) => t.name));
  for (const n of ["h2", "strong", "em", "u", "s", "code", "br", "a", "ul", "ol", "li", "blockquote", "pre", "hr", "table", "th", "td", "img", "aside", "figure", "video", "figcaption"]) {
    expect(names.has(n), n).toBe(true);
  }
  expect(tags.filter((t) => t.name === "a").map((t) => t.attrs.get("href"))).toEqual(["https://dichvucong.gov.vn", "mailto:hotro@example.vn", "tel:+84241234567", "/courses", "#tom-tat", PDF]);
  expect(html).toContain("ls &lt;x&gt;");
  expect(html).toContain('data-kind="warning"');
});

// ---- text --------------------------------------------------------------------------------------

test("markup in text is escaped, never parsed", () => {
  const hostile = doc(
    p(text("<script>window.__pwned=1</script>")),
    p(text('<img src=x onerror="window.__pwned=1">')),
    p(text('"><svg onload=alert(1)>'), text("</p><script>alert(2)</script>", [{ type: "bold" }])),
    { type: "codeBlock", content: [text("</code></pre><script>alert(3)</script>")] },
    { type: "heading", attrs: { level: 1 }, content: [text("<iframe src=javascript:alert(4)>")] },
  );
  const v = validateDoc(hostile);
  // Text is text: the document is valid, and its search text is the literal characters.
  expect(v.ok).toBe(true);
  if (v.ok) expect(v.text).toContain("<script>window.__pwned=1</script>");
  const { html, tags } = renderInert(hostile);
  expect(tags.map((t) => t.name)).toEqual(["p", "p", "p", "strong", "pre", "code", "h1"]);
  expect(html).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
  expect(html).toContain("&lt;img src=x onerror=");
  expect(html).not.toMatch(/<(script|img|svg|iframe)\b/i);
});

// ---- links -------------------------------------------------------------------------------------

const BAD_HREFS = [
  "javascript:window.__pwned=1",
  "JaVaScRiPt:window.__pwned=1",
  "java\tscript:window.__pwned=1",
  "java\nscript:window.__pwned=1",
  "\u0000javascript:window.__pwned=1",
  " javascript:window.__pwned=1",
  "javascript&colon;window.__pwned=1",
  "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xPC9zY3JpcHQ+",
  "DATA:text/html,<script>window.__pwned=1</script>",
  "vbscript:msgbox(1)",
  "//evil.example/phish",
  "file:///etc/passwd",
  "x".repeat(2001),
];

test("link hrefs outside the allow-list are refused by validation, one problem per link", () => {
  const hostile = doc(p(...BAD_HREFS.map((h, i) => link(`liên kết ${i}`, h))));
  const v = validateDoc(hostile);
  expect(v.ok).toBe(false);
  if (v.ok) return;
  expect(v.problems.map((x) => x.key)).toEqual(BAD_HREFS.map(() => "doc.error.linkHref"));
  expect(v.problems[0].params).toEqual({ href: "javascript:window.__pwned=1" });
  // Each one alone, too (no good link can launder a bad one).
  for (const h of BAD_HREFS) expect(problemKeys(doc(p(link("ok", "https://example.vn"), link("x", h)))), JSON.stringify(h)).toEqual(["doc.error.linkHref"]);
  // A non-string href is refused like a bad one.
  for (const h of [null, 42, { toString: () => "https://x" }, ["https://x"]]) expect(problemKeys(doc(p(link("x", h))))).toEqual(["doc.error.linkHref"]);
});

test("rendering drops bad links but keeps their text, and keeps the good ones", () => {
  const hostile = doc(p(link("tốt", "https://dichvucong.gov.vn"), ...BAD_HREFS.map((h, i) => link(`xấu${i}`, h))));
  const { html, tags } = renderInert(hostile);
  const anchors = tags.filter((t) => t.name === "a");
  expect(anchors.map((a) => a.attrs.get("href"))).toEqual(["https://dichvucong.gov.vn"]);
  for (let i = 0; i < BAD_HREFS.length; i++) expect(html).toContain(`xấu${i}`);
  expect(schemeView(html)).not.toMatch(/javascript|vbscript|data:|file:/);
});

// ---- images and media --------------------------------------------------------------------------

const BAD_IMAGE_SRCS = [
  "javascript:window.__pwned=1",
  "data:image/png;base64,iVBORw0KGgo=",
  "data:image/svg+xml,<svg onload=alert(1)>",
  "http://evil.example/pixel.png",
  "https://evil.example/pixel.png",
  "//evil.example/pixel.png",
  "/uploads/../../etc/passwd",
  `/uploads/${SHA}.png?x=1`,
  `/uploads/${SHA}.html`,
  `/uploads/${SHA}.mp4`,
  `https://evil.example/uploads/${SHA}.png`,
  "",
];

test("image src outside our uploads is refused by validation", () => {
  const hostile = doc(...BAD_IMAGE_SRCS.map((src) => ({ type: "image", attrs: { src, alt: "a" } })));
  const v = validateDoc(hostile);
  expect(v.ok).toBe(false);
  if (v.ok) return;
  expect(v.problems.map((x) => x.key)).toEqual(BAD_IMAGE_SRCS.map(() => "doc.error.imageSrc"));
  expect(problemKeys(doc({ type: "image", attrs: { src: IMG, alt: "ok" } }))).toEqual([]);
  // Deep inside a table cell or a callout it is found too.
  const nested = doc({
    type: "callout",
    attrs: { kind: "note" },
    content: [{ type: "table", content: [{ type: "tableRow", content: [{ type: "tableCell", content: [p(text("x")), { type: "image", attrs: { src: "https://evil.example/x.png" } }] }] }] }],
  });
  expect(problemKeys(nested)).toEqual(["doc.error.imageSrc"]);
});

test("rendering drops images outside our uploads and keeps ours", () => {
  const hostile = doc(
    { type: "image", attrs: { src: IMG, alt: "của ta" } },
    ...BAD_IMAGE_SRCS.map((src) => ({ type: "image", attrs: { src, alt: "lạ", title: "t" } })),
    p(text("sau ảnh")),
  );
  const { html, tags } = renderInert(hostile);
  expect(tags.filter((t) => t.name === "img").map((t) => t.attrs.get("src"))).toEqual([IMG]);
  expect(html).toContain("sau ảnh");
  expect(html).not.toContain("evil.example");
});

test("media embeds: only our uploaded video / PDF; others refused and dropped", () => {
  const bad = [
    { kind: "video", src: "https://evil.example/v.mp4" },
    { kind: "video", src: "javascript:window.__pwned=1" },
    { kind: "pdf", src: "data:application/pdf;base64,JVBERi0=" },
    { kind: "pdf", src: "https://evil.example/doc.pdf" },
    { kind: "video", src: IMG },
    { kind: "iframe", src: "https://evil.example/" },
  ];
  const hostile = doc(...bad.map((attrs) => ({ type: "mediaEmbed", attrs: { ...attrs, title: "phương tiện" } })));
  expect(problemKeys(hostile)).toEqual(bad.map(() => "doc.error.mediaSrc"));
  const { tags } = renderInert(doc(...hostile.content!, { type: "mediaEmbed", attrs: { kind: "video", src: MP4 } }, { type: "mediaEmbed", attrs: { kind: "pdf", src: PDF } }));
  expect(tags.filter((t) => t.name === "figure").map((t) => t.attrs.get("data-media"))).toEqual(["video", "pdf"]);
  expect(tags.filter((t) => t.name === "video").map((t) => t.attrs.get("src"))).toEqual([MP4]);
  expect(tags.filter((t) => t.name === "a").map((t) => t.attrs.get("href"))).toEqual([PDF]);
});

// ---- unknown nodes, marks and attributes -------------------------------------------------------

describe("unknown node types and marks", () => {
  for (const type of ["iframe", "script", "object", "embed", "svg", "style", "html", "div"]) {
    test(`node "${type}" is refused and never rendered`, () => {
      const hostile = doc(p(text("trước")), { type, attrs: { src: "javascript:window.__pwned=1" }, content: [text("<b>x</b>")] } as JSONContent);
      const v = validateDoc(hostile);
      expect(v.ok).toBe(false);
      if (!v.ok) {
        expect(v.problems.map((x) => x.key)).toEqual(["doc.error.invalid"]);
        expect(String(v.problems[0].params?.detail)).toContain(type);
      }
      const { html } = renderInert(hostile);
      expect(html).not.toContain(`<${type}`);
      expect(html).not.toContain("javascript");
    });
  }

  test("an unknown mark is refused and never rendered", () => {
    for (const mark of ["script", "blink", "onclick", "style"]) {
      const hostile = doc(p(text("x", [{ type: mark, attrs: { href: "javascript:alert(1)", onclick: "alert(1)" } }])));
      expect(problemKeys(hostile), mark).toEqual(["doc.error.invalid"]);
      const { html } = renderInert(hostile);
      expect(html).not.toContain(`<${mark}`);
    }
  });

  test("a node in the wrong place (inline image in text, text at block level) is refused", () => {
    expect(problemKeys(doc(text("trần trụi")))).toEqual(["doc.error.invalid"]);
    expect(problemKeys(doc(p({ type: "paragraph", content: [text("lồng")] })))).toEqual(["doc.error.invalid"]);
    expect(problemKeys(doc({ type: "bulletList", content: [p(text("không có listItem"))] }))).toEqual(["doc.error.invalid"]);
    expect(problemKeys({ type: "paragraph", content: [text("gốc không phải doc")] })).toEqual(["doc.error.invalid"]);
    // Rendering such input stays inert.
    renderInert(doc(text("<script>trần</script>")));
  });
});

describe("attribute injection", () => {
  test("callout kind and title with quotes and < cannot break out of their attribute", () => {
    const hostile = doc({
      type: "callout",
      attrs: { kind: 'note" onclick="window.__pwned=1', title: `Tiêu "đề" <script>alert(1)</script> ' onmouseover='x` },
      content: [p(text("nội dung"))],
    });
    const { tags } = renderInert(hostile);
    const aside = tags.find((t) => t.name === "aside")!;
    expect(aside.attrs.get("data-kind")).toBe("note");
    expect(decodeEntities(aside.attrs.get("data-title")!)).toBe(`Tiêu "đề" <script>alert(1)</script> ' onmouseover='x`);
    for (const kind of ["danger", "", "NOTE", "tip warning"]) {
      const { tags: t2 } = renderInert(doc({ type: "callout", attrs: { kind }, content: [p(text("x"))] }));
      expect(t2.find((t) => t.name === "aside")!.attrs.get("data-kind"), kind).toBe("note");
    }
  });

  test("image alt/title/size, heading level, list start, code language and cell spans stay quoted values", () => {
    const inj = '1" onerror="window.__pwned=1" x="';
    const hostile = doc(
      { type: "image", attrs: { src: IMG, alt: inj, title: `<"'>`, width: inj, height: inj } },
      { type: "heading", attrs: { level: inj }, content: [text("h")] },
      { type: "heading", attrs: { level: 9 }, content: [text("h9")] },
      { type: "orderedList", attrs: { start: inj, type: inj }, content: [{ type: "listItem", content: [p(text("li"))] }] },
      { type: "codeBlock", attrs: { language: inj }, content: [text("c")] },
      { type: "table", content: [{ type: "tableRow", content: [{ type: "tableCell", attrs: { colspan: inj, rowspan: inj, colwidth: [inj] }, content: [p(text("td"))] }] }] },
      { type: "mediaEmbed", attrs: { kind: "video", src: MP4, title: `"><script>alert(1)</script>` } },
      { type: "mediaEmbed", attrs: { kind: "pdf", src: PDF, title: `"><script>alert(1)</script>` } },
    );
    const { tags } = renderInert(hostile);
    // Heading levels outside 1–4 never produce h5…h9 or an injected tag name.
    expect(tags.filter((t) => /^h\d$/.test(t.name)).map((t) => t.name)).toEqual(["h1", "h1"]);
    expect(decodeEntities(tags.find((t) => t.name === "img")!.attrs.get("alt")!)).toBe(inj);
  });

  test("unknown attributes on known nodes and marks are dropped", () => {
    const hostile = doc(
      { type: "paragraph", attrs: { onclick: "window.__pwned=1", style: "background:url(javascript:alert(1))", class: "x" }, content: [text("p")] },
      p(text("a", [{ type: "link", attrs: { href: "https://example.vn", onclick: "window.__pwned=1", style: "x" } }])),
      { type: "image", attrs: { src: IMG, onerror: "window.__pwned=1", srcset: "https://evil.example/x.png 1x" } },
    );
    const v = validateDoc(hostile);
    if (v.ok) expect(JSON.stringify(v.doc)).not.toMatch(/onclick|onerror|srcset|style/);
    const { tags } = renderInert(hostile);
    expect(tags.map((t) => t.name)).toEqual(["p", "p", "a", "img"]);
  });
});

test("links carry only their href: no author-set target/rel/class (no reverse tabnabbing, no UI spoofing)", () => {
  const hostile = doc(p(link("mở", "https://example.vn", { target: "_blank", rel: "opener", class: "button notice notice-ok", title: "t" })));
  // The saved document should not keep them…
  const v = validateDoc(hostile);
  const saved = v.ok ? v.doc.content![0].content![0].marks![0].attrs! : {};
  // …and the page must not render them either (with target=_blank, rel must keep noopener).
  const { tags } = renderInert(hostile);
  const a = tags.find((t) => t.name === "a")!;
  expect(a.attrs.get("href")).toBe("https://example.vn");
  expect({ target: a.attrs.get("target") ?? null, rel: a.attrs.get("rel") ?? null, class: a.attrs.get("class") ?? null }).toEqual({
    target: null,
    rel: "noopener noreferrer nofollow",
    class: null,
  });
  // The stored rel is the schema's own safe default, never the author's "opener".
  expect({ target: saved.target ?? null, rel: saved.rel ?? null, class: saved.class ?? null }).toEqual({ target: null, rel: "noopener noreferrer nofollow", class: null });
});

// ---- size, depth, and what is not a document at all --------------------------------------------

test("a 2 MB document is refused as too large; rendering it directly is still inert", () => {
  const chunk = "Nội dung dài <script>alert(1)</script> ".repeat(25);
  const paras: JSONContent[] = [];
  let size = 0;
  while (size < 2_000_000) {
    paras.push(p(text(chunk)));
    size += chunk.length + 40;
  }
  const big = doc(...paras);
  expect(JSON.stringify(big).length).toBeGreaterThan(2_000_000);
  const v = validateDoc(big);
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.problems).toEqual([{ key: "doc.error.tooLarge", params: { kb: Math.round(MAX_DOC_CHARS / 1000) } }]);
  // Just under the cap is accepted (the cap is the size, not something else).
  const under = doc(...paras.slice(0, Math.floor((MAX_DOC_CHARS * 0.9) / (chunk.length + 60))));
  expect(JSON.stringify(under).length).toBeLessThan(MAX_DOC_CHARS);
  expect(validateDoc(under).ok).toBe(true);
  const { tags } = renderInert(big);
  expect(tags.length).toBe(paras.length);
});

function nestedList(depth: number, leaf = "đáy"): JSONContent {
  let node: JSONContent = p(text(leaf));
  for (let i = 0; i < depth; i++) node = { type: "bulletList", content: [{ type: "listItem", content: [p(text(`cấp ${depth - i}`)), node] }] };
  return doc(node);
}

test("a list nested 60 deep is refused as too deep; a shallow one is fine; rendering stays inert", () => {
  const deep = nestedList(60);
  const v = validateDoc(deep);
  expect(v.ok).toBe(false);
  if (!v.ok) expect(v.problems).toEqual([{ key: "doc.error.tooDeep", params: { depth: MAX_DOC_DEPTH } }]);
  expect(validateDoc(nestedList(5)).ok).toBe(true);
  // Blockquotes and callouts count as nesting too.
  let bq: JSONContent = p(text("x"));
  for (let i = 0; i < 60; i++) bq = { type: i % 2 ? "blockquote" : "callout", attrs: i % 2 ? undefined : { kind: "note" }, content: [bq] };
  expect(problemKeys(doc(bq))).toEqual(["doc.error.tooDeep"]);
  const { html } = renderInert(deep);
  expect(html === "" || html.includes("đáy")).toBe(true);
  // Far deeper than any parser should be asked to go: no crash, nothing dangerous.
  expect(() => renderDocHtml(nestedList(3000))).not.toThrow();
  assertInert(renderDocHtml(nestedList(3000)));
  // (So deep that even JSON.stringify may give up: refused either as too deep or as not JSON.)
  expect(validateDoc(nestedList(3000)).ok).toBe(false);
});

test("input that is not a document object is refused and renders as nothing", () => {
  const circular: Record<string, unknown> = { type: "doc" };
  circular.content = [circular];
  const inputs: unknown[] = [null, undefined, "", "<script>alert(1)</script>", 42, true, [], [doc(p(text("x")))], {}, { type: "doc" }, { type: "doc", content: "x" }, { type: "doc", content: [null] }, circular, 10n];
  for (const input of inputs) {
    const label = typeof input === "bigint" ? "bigint" : input === circular ? "circular" : JSON.stringify(input);
    expect(problemKeys(input), label).toEqual(["doc.error.invalid"]);
    const html = renderDocHtml(input);
    expect(html, label).not.toMatch(/<script/i);
    assertInert(html);
  }
});
