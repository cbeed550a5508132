import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as fontkit from "fontkit";
import PDFDocument from "pdfkit";
import QRCode from "qrcode";
import { translate, type ArgsOf, type MessageKey } from "#app/i18n/catalog.ts";
import { verificationUrl } from "./code.ts";
import { vietnameseLongDate } from "./format.ts";

/**
 * The certificate as an A4 landscape PDF in Vietnamese: Noto Serif (SIL OFL 1.1, shipped in
 * public/fonts, full Vietnamese coverage), embedded as a subset; a double border; the QR code of
 * the public verification URL drawn as vector squares so it stays sharp at any print size.
 */

export type CertificateForPdf = {
  code: string;
  memberName: string;
  unitName: string;
  courseTitle: string;
  completedAt: Date;
  issuedAt: Date;
};

const FONT_FILES = { regular: "NotoSerif-Regular.ttf", bold: "NotoSerif-Bold.ttf" } as const;

/**
 * Where the fonts are: beside the sources (public/fonts, for tests and tools run from the repo)
 * or beside the production bundle (build/client/fonts, where Vite copied public/).
 */
function fontDirCandidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [path.resolve(here, "../../public/fonts"), path.resolve(here, "../client/fonts"), path.resolve("public/fonts"), path.resolve("build/client/fonts")];
}

// pdfkit 0.20 accepts a parsed fontkit Font wherever it takes a font file; its typings (0.17) predate that.
type ParsedFont = PDFKit.Mixins.PDFFontSource;

function parseFont(file: string): ParsedFont {
  const f = fontkit.create(fs.readFileSync(file));
  if (!("layout" in f)) throw new Error(`${file}: a single font was expected, not a collection`);
  // fontkit caches each glyph with the code points it was first reached by, and pdfkit writes the
  // PDF's ToUnicode map from them. A glyph first reached as a component of a composite while a
  // subset is written ("o" inside "ộ") would be cached with none, and every later document would
  // draw it without text ("H àng" for "Hoàng" when copied or searched). Reaching every mapped glyph
  // through the character map first gives each its code point for the life of the process.
  for (const cp of f.characterSet) f.glyphForCodePoint(cp);
  return f as unknown as ParsedFont;
}

let fonts: { regular: ParsedFont; bold: ParsedFont } | undefined;

/**
 * The two faces, parsed once per process: pdfkit takes parsed fontkit fonts and subsets them per
 * document, which makes a certificate several times cheaper than re-parsing the files each time.
 */
export function certificateFonts() {
  if (fonts) return fonts;
  for (const dir of fontDirCandidates()) {
    const r = path.join(dir, FONT_FILES.regular);
    const b = path.join(dir, FONT_FILES.bold);
    if (fs.existsSync(r) && fs.existsSync(b)) {
      fonts = { regular: parseFont(r), bold: parseFont(b) };
      return fonts;
    }
  }
  throw new Error(`certificate fonts not found (looked for ${FONT_FILES.regular} in ${fontDirCandidates().join(", ")})`);
}

// A4 landscape, in points.
const W = 841.89;
const H = 595.28;
const COLORS = { ink: "#1f2430", muted: "#5b5f6b", red: "#8e1b1b", gold: "#b08a3e", paper: "#fffdf7" };

const vi = <K extends MessageKey>(key: K, ...args: ArgsOf<K>) => translate("vi", key, ...args);

type Doc = PDFKit.PDFDocument;

/** The largest size ≤ `size` (and ≥ `min`) at which the text fits on one line of `width`. */
function fitSize(doc: Doc, text: string, size: number, width: number, min: number): number {
  let s = size;
  while (s > min) {
    doc.fontSize(s);
    if (doc.widthOfString(text) <= width) return s;
    s -= 0.5;
  }
  return min;
}

function centered(doc: Doc, text: string, y: number, opts: { font: ParsedFont; size: number; color: string; min?: number; spacing?: number; maxLines?: number }) {
  const left = 80;
  const width = W - 2 * left;
  const spacing = opts.spacing ?? 0;
  const min = opts.min ?? opts.size * 0.6;
  const maxLines = opts.maxLines ?? 1;
  doc.font(opts.font).fillColor(opts.color);
  let size: number;
  if (maxLines === 1) {
    size = fitSize(doc, text, opts.size, width - spacing * text.length, min);
  } else {
    // Wrapped text (course titles): the largest size at which it fits in maxLines lines.
    size = opts.size;
    const lines = (s: number) => {
      doc.fontSize(s);
      return Math.round(doc.heightOfString(text, { width, align: "center" }) / doc.heightOfString("X", { width }));
    };
    while (size > min && lines(size) > maxLines) size -= 0.5;
  }
  doc.fontSize(size);
  const h = doc.heightOfString(text, { width, align: "center", characterSpacing: spacing });
  doc.text(text, left, y, { width, align: "center", characterSpacing: spacing });
  return y + h;
}

function diamond(doc: Doc, cx: number, cy: number, r: number, color: string) {
  doc.save().moveTo(cx, cy - r).lineTo(cx + r, cy).lineTo(cx, cy + r).lineTo(cx - r, cy).closePath().fill(color).restore();
}

function frame(doc: Doc) {
  doc.rect(0, 0, W, H).fill(COLORS.paper);
  // Outer gold band, inner red hairline, and a fine gold line between them.
  doc.save().lineWidth(4).strokeColor(COLORS.gold).rect(20, 20, W - 40, H - 40).stroke().restore();
  doc.save().lineWidth(0.6).strokeColor(COLORS.gold).rect(28, 28, W - 56, H - 56).stroke().restore();
  doc.save().lineWidth(1.2).strokeColor(COLORS.red).rect(34, 34, W - 68, H - 68).stroke().restore();
  // Corner ornaments: a diamond on each inner corner with short flourishes along the edges.
  for (const [x, y, dx, dy] of [
    [34, 34, 1, 1],
    [W - 34, 34, -1, 1],
    [34, H - 34, 1, -1],
    [W - 34, H - 34, -1, -1],
  ] as const) {
    diamond(doc, x, y, 7, COLORS.gold);
    doc.save().lineWidth(1.2).strokeColor(COLORS.gold);
    doc.moveTo(x + dx * 12, y + dy * 8).lineTo(x + dx * 60, y + dy * 8).stroke();
    doc.moveTo(x + dx * 8, y + dy * 12).lineTo(x + dx * 8, y + dy * 60).stroke();
    doc.restore();
    diamond(doc, x + dx * 64, y + dy * 8, 2, COLORS.gold);
    diamond(doc, x + dx * 8, y + dy * 64, 2, COLORS.gold);
  }
}

function divider(doc: Doc, y: number, half = 70) {
  const cx = W / 2;
  doc.save().lineWidth(0.8).strokeColor(COLORS.gold);
  doc.moveTo(cx - half, y).lineTo(cx - 8, y).stroke();
  doc.moveTo(cx + 8, y).lineTo(cx + half, y).stroke();
  doc.restore();
  diamond(doc, cx, y, 4, COLORS.red);
}

/** The QR symbol as filled squares (runs of dark modules merged per row), with its quiet zone. */
function qr(doc: Doc, text: string, x: number, y: number, size: number) {
  const code = QRCode.create(text, { errorCorrectionLevel: "M" });
  const n = code.modules.size;
  const quiet = 4;
  const m = size / (n + 2 * quiet);
  doc.save().rect(x, y, size, size).fill("#ffffff");
  doc.fillColor("#000000");
  for (let r = 0; r < n; r++) {
    let c = 0;
    while (c < n) {
      if (!code.modules.get(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && code.modules.get(r, c)) c++;
      // A hair of overlap so renderers do not leave seams between adjacent squares.
      doc.rect(x + (quiet + start) * m, y + (quiet + r) * m, (c - start) * m + 0.05, m + 0.05);
    }
  }
  doc.fill();
  doc.restore();
}

/** Renders one certificate; `origin` is the public origin the QR code and the printed URL point to. */
export function renderCertificatePdf(cert: CertificateForPdf, origin: string): Promise<Uint8Array<ArrayBuffer>> {
  const f = certificateFonts();
  const name = cert.memberName.normalize("NFC");
  const unit = cert.unitName.normalize("NFC");
  const course = cert.courseTitle.normalize("NFC");
  const url = verificationUrl(origin, cert.code);
  const doc = new PDFDocument({
    size: "A4",
    layout: "landscape",
    margin: 0,
    autoFirstPage: true,
    lang: "vi-VN",
    displayTitle: true,
    font: f.regular as unknown as string,
    info: {
      Title: vi("certificates.pdf.docTitle", { course }),
      Author: "Học Số",
      Subject: `${name} — ${course}`,
      Keywords: cert.code,
      CreationDate: cert.issuedAt,
    },
  });
  const chunks: Uint8Array[] = [];
  const done = new Promise<Uint8Array<ArrayBuffer>>((resolve, reject) => {
    doc.on("data", (c: Uint8Array) => chunks.push(c));
    doc.on("error", reject);
    doc.on("end", () => {
      const len = chunks.reduce((a, c) => a + c.length, 0);
      const out = new Uint8Array(len);
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.length;
      }
      resolve(out);
    });
  });

  frame(doc);
  let y = 70;
  y = centered(doc, vi("certificates.pdf.brand"), y, { font: f.bold, size: 10.5, color: COLORS.gold, spacing: 1.6 });
  divider(doc, y + 12);
  y = centered(doc, vi("certificates.pdf.title"), y + 34, { font: f.bold, size: 27, color: COLORS.red, min: 20, spacing: 0.6 });
  y = centered(doc, vi("certificates.pdf.certifies"), y + 26, { font: f.regular, size: 14, color: COLORS.muted });
  y = centered(doc, name, y + 8, { font: f.bold, size: 32, color: COLORS.ink, min: 18 });
  y = centered(doc, vi("certificates.pdf.unit", { unit }), y + 8, { font: f.regular, size: 13.5, color: COLORS.muted, min: 9 });
  y = centered(doc, vi("certificates.pdf.completed"), y + 20, { font: f.regular, size: 14, color: COLORS.ink });
  y = centered(doc, course, y + 8, { font: f.bold, size: 21, color: COLORS.red, min: 12, maxLines: 2 });
  centered(doc, vi("certificates.pdf.completedOn", { date: vietnameseLongDate(cert.completedAt) }), y + 18, { font: f.regular, size: 13, color: COLORS.ink });

  // Bottom band: QR and verification details on the left, issue date and note on the right.
  const qrSize = 92;
  const bx = 70;
  const by = H - 70 - qrSize;
  qr(doc, url, bx, by, qrSize);
  const tx = bx + qrSize + 14;
  const tw = 330;
  doc.font(f.regular).fontSize(9.5).fillColor(COLORS.muted).text(vi("certificates.pdf.codeLabel"), tx, by + 6, { width: tw });
  doc.font(f.bold).fontSize(15).fillColor(COLORS.ink).text(cert.code, tx, by + 20, { width: tw, characterSpacing: 0.8 });
  doc.font(f.regular).fontSize(8.5).fillColor(COLORS.muted).text(vi("certificates.pdf.scan"), tx, by + 46, { width: tw });
  doc.font(f.regular).fontSize(8.5).fillColor(COLORS.ink).text(url, tx, by + 60, { width: tw, link: url });

  const rx = W - 70 - 260;
  doc.font(f.regular).fontSize(11).fillColor(COLORS.ink).text(vi("certificates.pdf.issuedOn", { date: vietnameseLongDate(cert.issuedAt) }), rx, by + 20, { width: 260, align: "right" });
  doc.font(f.regular).fontSize(8).fillColor(COLORS.muted).text(vi("certificates.pdf.footer"), rx, by + 44, { width: 260, align: "right" });

  doc.end();
  return done;
}
