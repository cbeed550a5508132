/**
 * The one export engine: every table the product lets a trainer download (completion reports,
 * attendance over a period, one session's attendance, the members list) is written here, as CSV
 * (UTF-8 with BOM, RFC 4180) or XLSX (exceljs), with the same neutralised cells and the same
 * checksum rule, so a trainer verifies any export the same way.
 *
 * The rule: the checksum is the SHA-256 (hex) of the data rows written as CSV — every data row
 * through toCsvLine, each followed by CRLF, UTF-8 — without the header row and without the
 * metadata. In the CSV file those bytes are exactly everything after the header line
 * (`tail -n +K file.csv | sha256sum`, K = the header's line number + 1), so a CSV and an XLSX of
 * the same data carry the same checksum, and two copies with equal checksums hold the same data
 * whenever they were generated (the time and filters are outside the checksummed part). Sheets
 * derived from the data (a roll-up) are outside it too.
 */
import crypto from "node:crypto";
import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { CSV_BOM, neutraliseCell, toCsvLine } from "#app/common/spreadsheet-safety.ts";
import { translate, type PlainKey } from "#app/i18n/catalog.ts";
import { vnDateTime } from "#app/common/vietnam-time.ts";
import type { Cell } from "./tables.server.ts";

const vi = (key: PlainKey) => translate("vi", key);

export type ColumnType = "text" | "count" | "pct";

/** A sheet of its own in the XLSX, derived from the data (not checksummed), e.g. a roll-up per unit. */
export type ExtraSheet = { name: string; headers: string[]; rows: Cell[][]; columnTypes: ColumnType[] };

export type ExportTable = {
  /** Title of the export (Vietnamese), the first metadata line. */
  title: string;
  headers: string[];
  rows: Cell[][];
  /** Per column: "pct" for a percentage number (one decimal), otherwise text or a count. */
  columnTypes: ColumnType[];
  /** Filters and context, label → value (Vietnamese), printed above the data. */
  meta: readonly (readonly [string, string | number])[];
  /** Base of the download's file name (made ASCII). */
  fileBase: string;
  /** Name of the data sheet in the XLSX; "Dữ liệu" when not given. */
  sheetName?: string;
  extraSheets?: ExtraSheet[];
  /**
   * The CSV starts with the header, without the metadata block: for the members list, which is
   * imported back by the same columns. The checksum is still the part after the header line.
   */
  csvHeaderFirst?: boolean;
};

/** The checksummed part: the data rows as CSV records, each ended by CRLF. */
export function csvDataSection(rows: readonly Cell[][]): string {
  let out = "";
  for (const r of rows) out += toCsvLine(r) + "\r\n";
  return out;
}

export function dataChecksum(rows: readonly Cell[][]): string {
  return crypto.createHash("sha256").update(csvDataSection(rows), "utf8").digest("hex");
}

/** Metadata lines: report, generated at, filters, row count, checksum. */
export function metaLines(table: ExportTable, generatedAt: Date, checksum: string): [string, string | number][] {
  return [
    [vi("reports.meta.report"), table.title],
    [vi("reports.meta.generatedAt"), `${vnDateTime(generatedAt)} (${generatedAt.toISOString()})`],
    ...table.meta.map(([k, v]) => [k, v] as [string, string | number]),
    [vi("reports.meta.rows"), table.rows.length],
    [vi("reports.meta.checksum"), checksum],
  ];
}

/**
 * The CSV file: BOM, metadata records (label, value), an empty record, the header, the data —
 * or, for `csvHeaderFirst`, the header and the data alone. Either way the header is the last line
 * before the checksummed part.
 */
export function tableCsv(table: ExportTable, generatedAt: Date): string {
  const data = csvDataSection(table.rows);
  const header = toCsvLine(table.headers) + "\r\n";
  if (table.csvHeaderFirst) return CSV_BOM + header + data;
  const checksum = crypto.createHash("sha256").update(data, "utf8").digest("hex");
  const head = metaLines(table, generatedAt, checksum).map(([k, v]) => toCsvLine([k, v]) + "\r\n");
  return CSV_BOM + head.join("") + "\r\n" + header + data;
}

const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/**
 * A valid XLSX sheet name that keeps its diacritics: Excel allows any Unicode letter but refuses
 * []:*?/\ , a leading or trailing apostrophe and more than 31 characters.
 */
export function xlsxSheetName(name: string): string {
  const clean = name.normalize("NFC").replace(/[[\]:*?/\\]/g, " ").replace(/\s+/g, " ").replace(/^'+|'+$/g, "").trim();
  return Array.from(clean).slice(0, 31).join("").trim() || "Sheet";
}

/**
 * The XLSX workbook: the data sheet (header and data rows, text cells neutralised, counts and
 * percentages as numbers), any derived sheets, and sheet "Thông tin" with the same metadata as the
 * CSV and the checksum rule. Written with the streaming writer, so a large subtree does not hold a
 * DOM of every cell.
 */
export async function tableXlsx(table: ExportTable, generatedAt: Date): Promise<Buffer> {
  const checksum = dataChecksum(table.rows);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    sink.on("end", resolve);
    sink.on("error", reject);
  });
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
  wb.created = generatedAt;
  wb.creator = "Học Số";
  const sheets: ExtraSheet[] = [{ name: table.sheetName ?? vi("reports.export.sheetData"), headers: table.headers, rows: table.rows, columnTypes: table.columnTypes }, ...(table.extraSheets ?? [])];
  for (const s of sheets) {
    const ws = wb.addWorksheet(xlsxSheetName(s.name), {
      views: [{ state: "frozen", ySplit: 1 }],
      pageSetup: { paperSize: 9, orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
    });
    ws.columns = s.headers.map((_, i) => ({
      width: s.columnTypes[i] === "text" ? 24 : 14,
      style: s.columnTypes[i] === "pct" ? { numFmt: "0.0" } : {},
    }));
    const header = ws.addRow(s.headers.map((h) => neutraliseCell(h)));
    header.font = { bold: true };
    header.commit();
    for (const r of s.rows) ws.addRow(r.map(xlsxCell)).commit();
    await ws.commit();
  }
  const info = wb.addWorksheet(xlsxSheetName(vi("reports.export.sheetInfo")));
  info.columns = [{ width: 32 }, { width: 90 }];
  for (const [k, v] of metaLines(table, generatedAt, checksum)) info.addRow([neutraliseCell(k), typeof v === "number" ? v : neutraliseCell(v)]).commit();
  info.addRow([vi("reports.meta.checksumHow"), vi("reports.meta.checksumHowValue")]).commit();
  await info.commit();
  await wb.commit();
  await done;
  return Buffer.concat(chunks);
}

/** Strings are neutralised (a name starting with "=" stays text); numbers stay numbers; null is empty. */
function xlsxCell(c: Cell): string | number | null {
  if (c == null) return null;
  if (typeof c === "number") return Number.isFinite(c) ? c : null;
  return neutraliseCell(c);
}

/** The download response of a table in the chosen format; the checksum also travels as a header. */
export async function exportResponse(table: ExportTable, format: "csv" | "xlsx", generatedAt = new Date()): Promise<Response> {
  const name = table.fileBase.replace(/[^A-Za-z0-9._-]/g, "_");
  const checksum = dataChecksum(table.rows);
  const common = { "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff", "X-Report-Checksum": checksum };
  if (format === "xlsx") {
    const buf = await tableXlsx(table, generatedAt);
    return new Response(new Uint8Array(buf), {
      headers: { ...common, "Content-Type": XLSX_MIME, "Content-Disposition": `attachment; filename="${name}.xlsx"` },
    });
  }
  return new Response(tableCsv(table, generatedAt), {
    headers: { ...common, "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}.csv"` },
  });
}
