import crypto from "node:crypto";
import { afterEach, beforeEach, expect, test } from "vitest";
import ExcelJS from "exceljs";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeTree } from "#tests/factories/org.ts";
import { createMember, searchMembers } from "#app/org/members.server.ts";
import { memberExportRows, membersCsv, membersXlsx } from "#app/org/export-members.server.ts";
import { commitMemberImport } from "#app/org/import-members.server.ts";
import { parseCsvText } from "#app/org/csv-file.server.ts";

let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

test("search finds names without diacritics, whether they were typed NFC or NFD", async () => {
  const t = await makeTree(db);
  await createMember(db, { code: "N1", fullName: "Nguyễn Văn An", unitId: t.a1.id }, null);
  await createMember(db, { code: "N2", fullName: "Đặng Thị Ánh".normalize("NFD"), unitId: t.b1.id }, null);
  await createMember(db, { code: "N3", fullName: "Nguyễn Văn Ân", unitId: t.b2.id }, null);
  await createMember(db, { code: "N4", fullName: "Phạm Minh Tuấn", unitId: t.a2.id }, null);
  const names = async (q: string, withinPaths: string[] | null = null) => (await searchMembers(db, { q, withinPaths })).rows.map((r) => r.fullName);
  expect(await names("nguyen van an")).toEqual(["Nguyễn Văn An", "Nguyễn Văn Ân"]);
  expect(await names("Nguyễn Văn An")).toEqual(["Nguyễn Văn An", "Nguyễn Văn Ân"]);
  expect(await names("dang thi anh")).toEqual(["Đặng Thị Ánh".normalize("NFC")]);
  expect(await names("Đặng Thị Ánh".normalize("NFD"))).toEqual(["Đặng Thị Ánh".normalize("NFC")]);
  expect(await names("nguyen", [t.a.path])).toEqual(["Nguyễn Văn An"]);
  expect(await names("100%")).toEqual([]);
  expect((await searchMembers(db, { q: "n4" })).rows.map((r) => r.code)).toEqual(["N4"]);
});

test("exports neutralise formula-like cells in CSV and XLSX, and round-trip through import", async () => {
  const t = await makeTree(db);
  await createMember(db, { code: "F1", fullName: "=HYPERLINK(\"http://evil\",\"x\")", unitId: t.a1.id, position: "+SUM(1,2)" }, null);
  await createMember(db, { code: "F2", fullName: "@Trần Văn Bình", unitId: t.a1.id, position: "-1+2", phone: "+84 912 345 678" }, null);
  await createMember(db, { code: "F3", fullName: "Lê Thị Cúc", unitId: t.a2.id, position: "Chuyên viên" }, null);
  const rows = await memberExportRows(db, { unitPath: t.a.path });
  expect(rows).toHaveLength(3);
  const csv = membersCsv(rows);
  expect(csv.startsWith("\uFEFF")).toBe(true);
  const parsed = parseCsvText(csv.slice(1));
  if (!parsed.ok) throw new Error(parsed.error.en);
  const cells = parsed.rows.flatMap((r) => r.values);
  for (const c of cells) expect(c).not.toMatch(/^[=+\-@]/);
  expect(cells).toContain("'=HYPERLINK(\"http://evil\",\"x\")");
  expect(cells).toContain("'@Trần Văn Bình");
  expect(cells).toContain("Lê Thị Cúc");

  const xlsx = await membersXlsx(rows, { generatedAt: new Date("2026-11-25T00:00:00Z"), filter: "don_vi=A" });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  const values: string[] = [];
  ws.eachRow((row) => row.eachCell((cell) => values.push(String(cell.value))));
  expect(values.slice(0, 3)).toEqual(["ma_dang_vien", "ho_ten", "don_vi"]);
  for (const v of values) expect(v).not.toMatch(/^[=+\-@]/);
  expect(values).toContain("'+SUM(1,2)");
  ws.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));

  // Exported plain rows import back unchanged into the same database.
  const plain = membersCsv(await memberExportRows(db, { unitPath: t.a2.path }));
  const again = await commitMemberImport(db, new Uint8Array(Buffer.from(plain)), { all: true }, null);
  if ("error" in again) throw new Error(again.error.en);
  expect(again.report).toMatchObject({ unchanged: 1, created: [], updated: [], rejected: [] });
});

test("the members export follows every export's checksum rule, and its sheets keep their Vietnamese names", async () => {
  const t = await makeTree(db);
  await createMember(db, { code: "S1", fullName: "Nguyễn Thị Hoà, phó bí thư", unitId: t.a1.id, position: "Bí thư; chi ủy" }, null);
  await createMember(db, { code: "S2", fullName: "=1+1", unitId: t.a2.id }, null);
  const rows = await memberExportRows(db, { unitPath: t.a.path });
  const csv = membersCsv(rows);
  // The header is the first line (the file imports back); the checksum covers everything after it.
  const afterHeader = csv.slice(csv.indexOf("\r\n") + 2);
  const sum = crypto.createHash("sha256").update(afterHeader, "utf8").digest("hex");
  const xlsx = await membersXlsx(rows, { generatedAt: new Date("2026-11-25T00:00:00Z"), filter: "don_vi=A" });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  expect(wb.worksheets.map((w) => w.name)).toEqual(["Thành viên", "Thông tin"]);
  const info = new Map<string, unknown>();
  wb.getWorksheet("Thông tin")!.eachRow((r) => info.set(String(r.getCell(1).value), r.getCell(2).value));
  expect(info.get("Mã kiểm tra SHA-256 của các dòng dữ liệu")).toBe(sum);
  expect(info.get("Số dòng dữ liệu")).toBe(2);
  expect(info.get("Bộ lọc")).toBe("don_vi=A");
  // A changed row changes it.
  const other = membersCsv(rows.map((r) => (r[0] === "S1" ? [r[0], "Nguyễn Thị Hòa, phó bí thư", ...r.slice(2)] : r)));
  expect(crypto.createHash("sha256").update(other.slice(other.indexOf("\r\n") + 2), "utf8").digest("hex")).not.toBe(info.get("Mã kiểm tra SHA-256 của các dòng dữ liệu"));
});
