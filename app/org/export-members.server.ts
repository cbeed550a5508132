import { and, asc, eq, or } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { members, units } from "#db/schema/index.ts";
import { tableCsv, tableXlsx, type ExportTable } from "#app/reports/export.server.ts";
import { translate } from "#app/i18n/catalog.ts";
import { subtreeCondition } from "./units.server.ts";

/** Same column names as the import, so an export can be edited and imported back. */
export const EXPORT_HEADERS = ["ma_dang_vien", "ho_ten", "don_vi", "chuc_vu", "email", "so_dien_thoai", "trang_thai", "ten_don_vi"] as const;

export async function memberExportRows(db: Db, opts: { unitPath?: string | null; withinPaths?: string[] | null }): Promise<string[][]> {
  if (opts.withinPaths && opts.withinPaths.length === 0) return [];
  const conds = [];
  if (opts.unitPath) conds.push(subtreeCondition(opts.unitPath));
  if (opts.withinPaths) conds.push(or(...opts.withinPaths.map((p) => subtreeCondition(p))));
  return (await db
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
    .orderBy(asc(units.path), asc(members.code)))
    .map((r) => [r.code, r.fullName, r.unitCode, r.position, r.email ?? "", r.phone ?? "", r.status, r.unitName]);
}

/**
 * The members list as a table of the one export engine (app/reports/export.server.ts). Its CSV
 * starts with the header (no metadata block) so it imports back; the checksum follows the same
 * rule as every export: SHA-256 of everything after the header line.
 */
export function membersExportTable(rows: string[][], meta: { filter: string }): ExportTable {
  return {
    title: translate("vi", "members.export.title"),
    headers: [...EXPORT_HEADERS],
    rows,
    columnTypes: EXPORT_HEADERS.map(() => "text" as const),
    meta: [[translate("vi", "members.export.filter"), meta.filter]],
    fileBase: "thanh-vien",
    sheetName: translate("vi", "members.export.sheet"),
    csvHeaderFirst: true,
  };
}

export function membersCsv(rows: string[][]): string {
  return tableCsv(membersExportTable(rows, { filter: "" }), new Date());
}

export async function membersXlsx(rows: string[][], meta: { generatedAt: Date; filter: string }): Promise<Buffer> {
  return tableXlsx(membersExportTable(rows, meta), meta.generatedAt);
}
