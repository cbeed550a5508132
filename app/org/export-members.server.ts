import ExcelJS from "exceljs";
import { and, asc, eq, or } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { members, units } from "#db/schema/index.ts";
import { neutraliseCell, toCsvLine, CSV_BOM } from "./spreadsheet-safety.ts";
import { subtreeCondition } from "./units.server.ts";

/** Same column names as the import, so an export can be edited and imported back. */
export const EXPORT_HEADERS = ["ma_dang_vien", "ho_ten", "don_vi", "chuc_vu", "email", "so_dien_thoai", "trang_thai", "ten_don_vi"] as const;

export function memberExportRows(db: Db, opts: { unitPath?: string | null; withinPaths?: string[] | null }): string[][] {
  if (opts.withinPaths && opts.withinPaths.length === 0) return [];
  const conds = [];
  if (opts.unitPath) conds.push(subtreeCondition(opts.unitPath));
  if (opts.withinPaths) conds.push(or(...opts.withinPaths.map((p) => subtreeCondition(p))));
  return db
    .select({
      code: members.code,
      fullName: members.fullName,
      unitCode: units.code,
      position: members.position,
      email: members.email,
      phone: members.phone,
      status: members.status,
      unitName: units.name,
    })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(and(...conds))
    .orderBy(asc(units.path), asc(members.code))
    .all()
    .map((r) => [r.code, r.fullName, r.unitCode, r.position, r.email ?? "", r.phone ?? "", r.status, r.unitName]);
}

export function membersCsv(rows: string[][]): string {
  return CSV_BOM + [toCsvLine([...EXPORT_HEADERS]), ...rows.map((r) => toCsvLine(r))].join("\r\n") + "\r\n";
}

export async function membersXlsx(rows: string[][], meta: { generatedAt: Date; filter: string }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.created = meta.generatedAt;
  const ws = wb.addWorksheet("Thanh vien");
  ws.addRow([...EXPORT_HEADERS]);
  ws.getRow(1).font = { bold: true };
  // Every value is written as a string cell, neutralised: a name that starts with "=" must stay text.
  for (const r of rows) ws.addRow(r.map((v) => neutraliseCell(String(v))));
  ws.columns.forEach((c) => (c.width = 22));
  const info = wb.addWorksheet("Thong tin");
  info.addRow(["Tạo lúc / Generated at", meta.generatedAt.toISOString()]);
  info.addRow(["Bộ lọc / Filter", neutraliseCell(meta.filter)]);
  info.addRow(["Số dòng / Rows", rows.length]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
