/**
 * Report exports: CSV (UTF-8 with BOM, RFC 4180) and XLSX (exceljs), both with the same
 * neutralised cells and the same checksum.
 *
 * The checksum is the SHA-256 (hex) of the data rows written as CSV: every data row through
 * toCsvLine, each followed by CRLF, UTF-8. In the CSV file those bytes are exactly everything
 * after the header line, so anyone can check it (`tail -n +K file.csv | sha256sum`, K = the
 * header's line number + 1); the
 * XLSX carries the checksum of the same rows, so a CSV and an XLSX of the same data carry the
 * same checksum, and two copies with equal checksums hold the same data whenever they were
 * generated (the time and filters are outside the checksummed part).
 */
import crypto from "node:crypto";
import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { CSV_BOM, neutraliseCell, toCsvLine } from "#app/org/spreadsheet-safety.ts";
import { translate } from "#app/i18n/catalog.ts";
import { vnDateTime } from "./dates.ts";
import type { Cell, ReportTable } from "./tables.server.ts";

const vi = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate("vi", key, params);

/** The checksummed part: the data rows as CSV records, each ended by CRLF. */
export function csvDataSection(rows: Cell[][]): string {
  let out = "";
  for (const r of rows) out += toCsvLine(r) + "\r\n";
  return out;
}

export function dataChecksum(rows: Cell[][]): string {
  return crypto.createHash("sha256").update(csvDataSection(rows), "utf8").digest("hex");
}

/** Metadata lines above the data: report, generated at, filters, row count, checksum. */
export function metaLines(table: ReportTable, generatedAt: Date, checksum: string): [string, string | number][] {
  return [
    [vi("reports.meta.report"), table.title],
    [vi("reports.meta.generatedAt"), `${vnDateTime(generatedAt)} (${generatedAt.toISOString()})`],
    ...table.meta,
    [vi("reports.meta.rows"), table.rows.length],
    [vi("reports.meta.checksum"), checksum],
  ];
}

/**
 * The CSV file: BOM, metadata records (label, value), an empty record, the header, the data.
 * The header is the last line before the checksummed part.
 */
export function tableCsv(table: ReportTable, generatedAt: Date): string {
  const data = csvDataSection(table.rows);
  const checksum = crypto.createHash("sha256").update(data, "utf8").digest("hex");
  const head = metaLines(table, generatedAt, checksum).map(([k, v]) => toCsvLine([k, v]));
  return CSV_BOM + [...head, "", toCsvLine(table.headers)].join("\r\n") + "\r\n" + data;
}

const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/**
 * The XLSX workbook: sheet "Dữ liệu" with the header and the data rows (text cells neutralised,
 * counts and percentages as numbers), sheet "Thông tin" with the same metadata as the CSV.
 * Written with the streaming writer, so a large subtree does not hold a DOM of every cell.
 */
export async function tableXlsx(table: ReportTable, generatedAt: Date): Promise<Buffer> {
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
  const ws = wb.addWorksheet(vi("reports.export.sheetData"), {
    views: [{ state: "frozen", ySplit: 1 }],
    pageSetup: { paperSize: 9, orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  ws.columns = table.headers.map((_, i) => ({
    width: table.columnTypes[i] === "text" ? 24 : 14,
    style: table.columnTypes[i] === "pct" ? { numFmt: "0.0" } : {},
  }));
  const header = ws.addRow(table.headers.map((h) => neutraliseCell(h)));
  header.font = { bold: true };
  header.commit();
  for (const r of table.rows) ws.addRow(r.map(xlsxCell)).commit();
  await ws.commit();
  const info = wb.addWorksheet(vi("reports.export.sheetInfo"));
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

/** The download response of a table in the chosen format. */
export async function exportResponse(table: ReportTable, format: "csv" | "xlsx", generatedAt = new Date()): Promise<Response> {
  const name = table.fileBase.replace(/[^A-Za-z0-9._-]/g, "_");
  const checksum = dataChecksum(table.rows);
  const common = { "Cache-Control": "no-store", "X-Report-Checksum": checksum };
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
