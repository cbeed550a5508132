import fs from "node:fs";
import { z } from "zod";
import { parseEnv } from "#app/env.server.ts";
import { closeDb, openDb } from "#db/client.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";
import { memberExportRows, membersCsv, membersXlsx } from "#app/org/export-members.server.ts";
import { dataChecksum } from "#app/reports/export.server.ts";
import { bilingual } from "#app/i18n/catalog.ts";

/** npm run members:export -- [--format csv|xlsx] [--unit CODE] [--out FILE]; stdout by default for CSV. */
const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const parsed = z
  .object({ format: z.enum(["csv", "xlsx"]).default("csv"), unit: z.string().optional(), out: z.string().optional() })
  .safeParse({ format: opt("format"), unit: opt("unit"), out: opt("out") });
if (!parsed.success) {
  console.error("Cách dùng / usage: npm run members:export -- [--format csv|xlsx] [--unit CODE] [--out FILE]");
  process.exit(2);
}
const { format, unit: unitCode, out } = parsed.data;
const env = parseEnv();
const db = await openDb(env.DATABASE_URL, { migrate: true });
const unit = unitCode ? await getUnitByCode(db, unitCode) : null;
if (unitCode && !unit) {
  console.error(`Không có đơn vị / no such unit: ${unitCode}`);
  process.exit(1);
}
const rows = await memberExportRows(db, { unitPath: unit?.path ?? null });
const target = out ?? (format === "xlsx" ? `thanh-vien-${unitCode ?? "tat-ca"}.xlsx` : null);
if (format === "xlsx") {
  fs.writeFileSync(target!, await membersXlsx(rows, { generatedAt: new Date(), filter: unitCode ? `don_vi=${unitCode}` : "" }));
} else if (target) {
  fs.writeFileSync(target, membersCsv(rows));
} else {
  process.stdout.write(membersCsv(rows));
}
if (target) console.error(`Đã xuất / exported ${rows.length} thành viên/members → ${target}`);
// The same checksum rule as every export: SHA-256 of the CSV rows after the header line.
console.error(`${bilingual("reports.meta.checksum")}: ${dataChecksum(rows)}`);
await closeDb(db);
