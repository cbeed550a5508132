import crypto from "node:crypto";
import { expect, test } from "vitest";
import ExcelJS from "exceljs";
import { tableCsv, tableXlsx, xlsxSheetName, type ExportTable } from "#app/reports/export.server.ts";

const table: ExportTable = {
  title: "Thử nghiệm",
  headers: ["Họ và tên", "Số buổi", "Tỷ lệ (%)"],
  rows: [
    ["Nguyễn Văn Ân", 3, 75],
    ["=cmd|' /C calc'!A0", 0, null],
    ["Trần Thị Bích; tổ 2", 1, 12.5],
  ],
  columnTypes: ["text", "count", "pct"],
  meta: [["Đơn vị", "Chi bộ 1"]],
  fileBase: "thu",
  sheetName: "Điểm danh: đợt 1/2026 [buổi sáng] — toàn bộ chi bộ",
  extraSheets: [{ name: "Theo đơn vị", headers: ["Mã"], rows: [["A"]], columnTypes: ["text"] }],
};

test("sheet names keep their diacritics; only what Excel refuses is replaced, and 31 characters at most", () => {
  expect(xlsxSheetName("Thông tin")).toBe("Thông tin");
  expect(xlsxSheetName("Thông tin".normalize("NFD"))).toBe("Thông tin");
  const long = xlsxSheetName(table.sheetName!);
  expect(long).not.toMatch(/[[\]:*?/\\]/);
  expect(Array.from(long).length).toBeLessThanOrEqual(31);
  expect(long.startsWith("Điểm danh đợt 1 2026 buổi sáng")).toBe(true);
  expect(xlsxSheetName("'[]'")).toBe("Sheet");
});

test("CSV and XLSX carry the same checksum: SHA-256 of the CSV bytes after the header line", async () => {
  const at = new Date("2026-12-01T03:00:00Z");
  const csv = tableCsv(table, at);
  const header = "Họ và tên,Số buổi,Tỷ lệ (%)\r\n";
  const data = csv.slice(csv.indexOf(header) + header.length);
  expect(data).toBe(`Nguyễn Văn Ân,3,75\r\n'=cmd|' /C calc'!A0,0,\r\n"Trần Thị Bích; tổ 2",1,12.5\r\n`);
  const sum = crypto.createHash("sha256").update(data, "utf8").digest("hex");
  expect(csv).toContain(`Mã kiểm tra SHA-256 của các dòng dữ liệu,${sum}\r\n`);

  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await tableXlsx(table, at)) as unknown as ArrayBuffer);
  expect(wb.worksheets.map((w) => w.name)).toEqual([xlsxSheetName(table.sheetName!), "Theo đơn vị", "Thông tin"]);
  expect(wb.worksheets[0].getRow(3).getCell(1).value).toBe("'=cmd|' /C calc'!A0");
  expect(wb.worksheets[0].getRow(2).getCell(3).value).toBe(75);
  const info = new Map<string, unknown>();
  wb.getWorksheet("Thông tin")!.eachRow((r) => info.set(String(r.getCell(1).value), r.getCell(2).value));
  expect(info.get("Mã kiểm tra SHA-256 của các dòng dữ liệu")).toBe(sum);
});

test("a header-first CSV (the members list) is checksummed by the same rule", () => {
  const csv = tableCsv({ ...table, csvHeaderFirst: true }, new Date());
  expect(csv.startsWith("\uFEFFHọ và tên,Số buổi,Tỷ lệ (%)\r\nNguyễn Văn Ân,3,75\r\n")).toBe(true);
  expect(csv).not.toContain("Mã kiểm tra");
});
