import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import type { JSONContent } from "@tiptap/core";
import { markdownToDoc } from "#app/editor/markdown.server.ts";
import { validateDoc } from "#app/editor/document.server.ts";

/**
 * Lesson Markdown → tiptap JSON: the shapes authors rely on, the one extension (callouts), and
 * what must never become markup (raw HTML). Every converted document must also pass validateDoc,
 * because that is what the importer does next.
 */

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const IMG = `/uploads/${"a".repeat(64)}.png`;

const blocks = (md: string, opts?: Parameters<typeof markdownToDoc>[1]) => markdownToDoc(md, opts).content ?? [];
const t = (text: string, marks?: JSONContent["marks"]): JSONContent => (marks ? { type: "text", text, marks } : { type: "text", text });
const p = (...content: JSONContent[]): JSONContent => ({ type: "paragraph", content });

/** Converts, and insists the result is a document the shared schema accepts. */
function valid(md: string, opts?: Parameters<typeof markdownToDoc>[1]) {
  const doc = markdownToDoc(md, opts);
  const v = validateDoc(doc);
  if (!v.ok) throw new Error(`markdownToDoc produced an invalid document: ${JSON.stringify(v.problems)}\n${JSON.stringify(doc)}`);
  return v;
}

/** All text of a node, in order. */
function textOf(n: JSONContent): string {
  return (n.text ?? "") + (n.content ?? []).map(textOf).join("");
}

function nodesOfType(n: JSONContent, type: string, out: JSONContent[] = []): JSONContent[] {
  if (n.type === type) out.push(n);
  for (const c of n.content ?? []) nodesOfType(c, type, out);
  return out;
}

test("headings: levels 1–4 kept, deeper levels capped at 4", () => {
  const b = blocks("# Một\n\n## Hai\n\n### Ba\n\n#### Bốn\n\n##### Năm\n\n###### Sáu");
  expect(b.map((n) => [n.type, n.attrs?.level, textOf(n)])).toEqual([
    ["heading", 1, "Một"],
    ["heading", 2, "Hai"],
    ["heading", 3, "Ba"],
    ["heading", 4, "Bốn"],
    ["heading", 4, "Năm"],
    ["heading", 4, "Sáu"],
  ]);
  valid("# Một\n\n###### Sáu");
});

test("emphasis, strong, strike and inline code become marks", () => {
  expect(blocks("a *em* b **strong** c ~~gạch~~ d `mã <b>`")).toEqual([
    p(t("a "), t("em", [{ type: "italic" }]), t(" b "), t("strong", [{ type: "bold" }]), t(" c "), t("gạch", [{ type: "strike" }]), t(" d "), t("mã <b>", [{ type: "code" }])),
  ]);
  // Nested marks stack; closing the inner one keeps the outer one.
  expect(blocks("**đậm _cả nghiêng_ đậm**")).toEqual([
    p(t("đậm ", [{ type: "bold" }]), t("cả nghiêng", [{ type: "bold" }, { type: "italic" }]), t(" đậm", [{ type: "bold" }])),
  ]);
  valid("a *em* **strong** ~~s~~ `c`");
});

test("links keep their href; an autolink too", () => {
  expect(blocks("Xem [Cổng dịch vụ công](https://dichvucong.gov.vn) và <mailto:hotro@example.vn>.")).toEqual([
    p(
      t("Xem "),
      t("Cổng dịch vụ công", [{ type: "link", attrs: { href: "https://dichvucong.gov.vn" } }]),
      t(" và "),
      t("mailto:hotro@example.vn", [{ type: "link", attrs: { href: "mailto:hotro@example.vn" } }]),
      t("."),
    ),
  ]);
  const v = valid("[**đậm trong liên kết**](https://example.vn/a?b=1)");
  const node = v.doc.content![0].content![0];
  expect(node.text).toBe("đậm trong liên kết");
  expect(node.marks!.map((m) => m.type).sort()).toEqual(["bold", "link"]);
  expect(node.marks!.find((m) => m.type === "link")!.attrs!.href).toBe("https://example.vn/a?b=1");
});

test("ordered lists keep their start number; a list starting at 1 has no start attribute", () => {
  const [ol] = blocks("3. ba\n4. bốn\n5. năm");
  expect(ol.type).toBe("orderedList");
  expect(ol.attrs).toEqual({ start: 3 });
  expect(ol.content!.map(textOf)).toEqual(["ba", "bốn", "năm"]);
  const [one] = blocks("1. một\n2. hai");
  expect(one.attrs?.start).toBeUndefined();
  const v = valid("7. bảy\n8. tám");
  expect(v.doc.content![0].attrs!.start).toBe(7);
});

test("nested lists: bullets inside numbered items inside bullets", () => {
  const [ul] = blocks("- ngoài\n  1. giữa\n     - trong cùng\n  2. giữa hai\n- ngoài hai");
  expect(ul.type).toBe("bulletList");
  expect(ul.content!.length).toBe(2);
  const first = ul.content![0];
  expect(first.type).toBe("listItem");
  expect(first.content!.map((n) => n.type)).toEqual(["paragraph", "orderedList"]);
  const ol = first.content![1];
  expect(ol.content!.map((li) => textOf(li.content![0]))).toEqual(["giữa", "giữa hai"]);
  const inner = ol.content![0].content![1];
  expect(inner.type).toBe("bulletList");
  expect(textOf(inner)).toBe("trong cùng");
  valid("- ngoài\n  1. giữa\n     - trong cùng\n  2. giữa hai\n- ngoài hai");
});

test("GFM tables: header and body cells each hold a paragraph (an empty cell an empty one)", () => {
  const md = "| Việc | Hạn |\n|---|---|\n| Nộp **báo cáo** | 30/11 |\n|  | trống bên trái |";
  const [table] = blocks(md);
  expect(table.type).toBe("table");
  const rows = table.content!;
  expect(rows.map((r) => r.type)).toEqual(["tableRow", "tableRow", "tableRow"]);
  expect(rows[0].content!.map((c) => c.type)).toEqual(["tableHeader", "tableHeader"]);
  expect(rows[1].content!.map((c) => c.type)).toEqual(["tableCell", "tableCell"]);
  expect(rows[1].content![0]).toEqual({ type: "tableCell", content: [p(t("Nộp "), t("báo cáo", [{ type: "bold" }]))] });
  expect(rows[2].content![0]).toEqual({ type: "tableCell", content: [{ type: "paragraph" }] });
  for (const row of rows) for (const cell of row.content!) expect(cell.content!.map((n) => n.type)).toEqual(["paragraph"]);
  valid(md);
});

test("blockquote and fenced / indented code", () => {
  expect(blocks("> Trích **dẫn**\n> dòng hai")).toEqual([{ type: "blockquote", content: [p(t("Trích "), t("dẫn", [{ type: "bold" }]), t(" "), t("dòng hai"))] }]);
  expect(blocks("```bash\nls -la <thu-muc>\n  echo *x*\n```")).toEqual([{ type: "codeBlock", content: [t("ls -la <thu-muc>\n  echo *x*")] }]);
  expect(blocks("    mã thụt lề")).toEqual([{ type: "codeBlock", content: [t("mã thụt lề")] }]);
  valid("> a\n\n```\nx\n```");
});

for (const kind of ["note", "tip", "warning"] as const) {
  test(`callout "${kind}" with a title and without one`, () => {
    const withTitle = blocks(`:::${kind} Lưu ý quan trọng\nNội dung **chú thích**.\n:::`);
    expect(withTitle).toEqual([
      { type: "callout", attrs: { kind, title: "Lưu ý quan trọng" }, content: [p(t("Nội dung "), t("chú thích", [{ type: "bold" }]), t("."))] },
    ]);
    const bare = blocks(`:::${kind}\nChỉ có nội dung.\n:::`);
    expect(bare).toEqual([{ type: "callout", attrs: { kind, title: null }, content: [p(t("Chỉ có nội dung."))] }]);
    // Text after the closing fence is outside the callout.
    const after = blocks(`:::${kind}\nbên trong\n:::\n\nbên ngoài`);
    expect(after.map((n) => n.type)).toEqual(["callout", "paragraph"]);
    expect(textOf(after[1])).toBe("bên ngoài");
    const v = valid(`:::${kind} Tiêu đề\nx\n:::`);
    expect(v.doc.content![0].attrs).toEqual({ kind, title: "Tiêu đề" });
  });
}

test("Markdown inside a callout: lists, tables, code, links and a nested callout", () => {
  const md = [
    ":::warning Các bước",
    "1. Mở **ứng dụng**",
    "2. Chọn [cài đặt](https://example.vn)",
    "",
    "| a | b |",
    "|---|---|",
    "| 1 | 2 |",
    "",
    "```",
    "mã",
    "```",
    "",
    ":::tip Mẹo lồng",
    "- một",
    ":::",
    "",
    "Đoạn cuối.",
    ":::",
    "",
    "Sau callout.",
  ].join("\n");
  const b = blocks(md);
  expect(b.map((n) => n.type)).toEqual(["callout", "paragraph"]);
  const c = b[0];
  expect(c.attrs).toEqual({ kind: "warning", title: "Các bước" });
  expect(c.content!.map((n) => n.type)).toEqual(["orderedList", "table", "codeBlock", "callout", "paragraph"]);
  expect(c.content![3].attrs).toEqual({ kind: "tip", title: "Mẹo lồng" });
  expect(c.content![3].content!.map((n) => n.type)).toEqual(["bulletList"]);
  expect(textOf(c.content![4])).toBe("Đoạn cuối.");
  expect(nodesOfType(c, "text").some((n) => n.marks?.some((m) => m.type === "link" && m.attrs?.href === "https://example.vn"))).toBe(true);
  valid(md);
});

test("an unknown callout kind stays text", () => {
  const b = blocks(":::danger Nguy hiểm\nnội dung\n:::");
  expect(b.every((n) => n.type !== "callout")).toBe(true);
  expect(b.map((n) => n.type)).toEqual(["paragraph"]);
  expect(textOf(b[0])).toBe(":::danger Nguy hiểm nội dung :::");
  valid(":::danger x\ny\n:::");
});

test("raw HTML is literal text, never nodes or marks", () => {
  const md = [
    "<script>window.__pwned=1</script>",
    "",
    '<img src=x onerror="window.__pwned=1">',
    "",
    'Trong câu <b>đậm?</b> và <a href="javascript:alert(1)">liên kết</a>.',
    "",
    "<div>",
    "*vẫn là markdown?*",
    "</div>",
  ].join("\n");
  const v = valid(md);
  const types = new Set<string>();
  const marks = new Set<string>();
  const walk = (n: JSONContent) => {
    types.add(n.type!);
    for (const m of n.marks ?? []) marks.add(m.type);
    (n.content ?? []).forEach(walk);
  };
  walk(v.doc);
  expect([...types].sort()).toEqual(["doc", "paragraph", "text"]);
  // "*vẫn là markdown?*" is Markdown, not HTML, so italic is the only mark allowed here.
  expect([...marks]).toEqual(["italic"]);
  expect(v.text).toContain("<script>window.__pwned=1</script>");
  expect(v.text).toContain('<img src=x onerror="window.__pwned=1">');
  expect(v.text).toContain('<a href="javascript:alert(1)">liên kết</a>');
});

test("NFD input comes out NFC (text, titles of callouts, link text)", () => {
  const nfd = "# Tiếng Việt\n\n:::note Chú ý\nĐăng nhập [Cổng](https://dichvucong.gov.vn) rồi ký số.\n:::".normalize("NFD");
  expect(nfd).not.toBe(nfd.normalize("NFC"));
  const doc = markdownToDoc(nfd);
  const json = JSON.stringify(doc);
  expect(json).toBe(json.normalize("NFC"));
  expect(textOf(doc.content![0])).toBe("Tiếng Việt".normalize("NFC"));
  expect(doc.content![1].attrs!.title).toBe("Chú ý".normalize("NFC"));
  const v = valid(nfd);
  expect(v.text).toBe(v.text.normalize("NFC"));
  expect(v.text).toContain("Đăng nhập Cổng rồi ký số.".normalize("NFC"));
});

test("images: resolved through resolveImage and lifted out of their paragraph", () => {
  const seen: string[] = [];
  const resolveImage = (src: string) => {
    seen.push(src);
    return src === "images/so-do.png" ? IMG : null;
  };
  const b = blocks('Trước ![Sơ đồ](images/so-do.png "Tiêu đề") sau.\n\nĐoạn khác ![mất](images/khong-co.png).', { resolveImage });
  expect(seen).toEqual(["images/so-do.png", "images/khong-co.png"]);
  expect(b).toEqual([
    p(t("Trước "), t(" sau.")),
    { type: "image", attrs: { src: IMG, alt: "Sơ đồ", title: "Tiêu đề" } },
    // An image the resolver does not know stays as its alt text.
    p(t("Đoạn khác "), t("mất"), t(".")),
  ]);
  // A paragraph holding nothing but an image leaves no empty paragraph behind.
  expect(blocks("Mở đầu\n\n![Ảnh](images/so-do.png)", { resolveImage })).toEqual([p(t("Mở đầu")), { type: "image", attrs: { src: IMG, alt: "Ảnh", title: null } }]);
  // Without a resolver no image node is ever produced (no external / arbitrary src).
  expect(nodesOfType(markdownToDoc("![x](https://evil.example/x.png)"), "image")).toEqual([]);
  expect(nodesOfType(markdownToDoc("![x](images/so-do.png)"), "image")).toEqual([]);
  valid("Trước ![Sơ đồ](images/so-do.png) sau.", { resolveImage });
});

test("images inside a list item, a blockquote and a table cell still give a valid document", () => {
  const resolveImage = () => IMG;
  for (const md of ["> ![a](x.png)", "| h |\n|---|\n| ![a](x.png) |", "1. bước một\n\n   ![a](x.png)", "- xem ảnh: ![a](x.png)", "- ![a](x.png)"]) {
    const v = valid(md, { resolveImage });
    expect(nodesOfType(v.doc, "image").length, md).toBe(1);
  }
});

test("every shipped lesson converts to a document validateDoc accepts", () => {
  const coursesDir = path.join(ROOT, "content", "courses");
  const files = fs
    .readdirSync(coursesDir)
    .flatMap((slug) => {
      const dir = path.join(coursesDir, slug, "lessons");
      return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".md")).map((f) => path.join(dir, f)) : [];
    })
    .sort();
  // Four courses with at least five lessons each are shipped.
  expect(files.length).toBeGreaterThanOrEqual(20);
  for (const file of files) {
    const rel = path.relative(ROOT, file);
    const source = fs.readFileSync(file, "utf8");
    const v = validateDoc(markdownToDoc(source));
    expect(v.ok ? [] : v.problems, rel).toEqual([]);
    if (!v.ok) continue;
    // The documented lesson shape: starts with "# Title", has a "## Tóm tắt", real text.
    expect(v.doc.content![0].type, rel).toBe("heading");
    expect(v.doc.content![0].attrs!.level, rel).toBe(1);
    expect(
      v.doc.content!.some((n) => n.type === "heading" && n.attrs?.level === 2 && textOf(n).trim() === "Tóm tắt"),
      rel,
    ).toBe(true);
    expect(v.text.length, rel).toBeGreaterThan(1500);
    // No Markdown syntax leaked through as text (an unclosed callout, a raw fence).
    expect(v.text, rel).not.toMatch(/^:::/m);
  }
});
