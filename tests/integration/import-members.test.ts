import { first } from "#db/first.ts";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import iconv from "iconv-lite";
import { count, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { commitMemberImport, previewMemberImport } from "#app/org/import-members.server.ts";
import { members, memberUnitHistory } from "#db/schema/index.ts";

let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

const admin = { all: true } as const;
const utf8 = (s: string, bom = false) => new Uint8Array(Buffer.from((bom ? "\uFEFF" : "") + s, "utf8"));
/**
 * What Excel writes in Windows-1258: base letters with their shape marks precomposed (ă â ê ô ơ ư)
 * and the tone as a separate combining mark, because the code page has no room for more.
 */
function cp1258Form(s: string): string {
  const tones = /[\u0300\u0301\u0303\u0309\u0323]/g;
  return [...s.normalize("NFC")]
    .map((ch) => {
      const d = ch.normalize("NFD");
      const toneMarks = d.match(tones)?.join("") ?? "";
      const base = d.replace(tones, "").normalize("NFC");
      return toneMarks && /[ÁÀÃÉÈÍÌÓÒÕÚÙÝáàãéèíìóòõúùý]/.test(ch) ? ch : base + toneMarks;
    })
    .join("");
}

const memberCount = async () => (await first(db.select({ n: count() }).from(members)))!.n;
const byCode = async (code: string) => await first(db.select().from(members).where(eq(members.code, code)));

function report(r: Awaited<ReturnType<typeof previewMemberImport>>) {
  if ("error" in r) throw new Error(`file refused: ${r.error.en}`);
  return r.report;
}

describe("members import", () => {
  test("preview writes nothing and lists every rejected row with its line and reason", async () => {
    await makeTree(db);
    const csv = [
      "Mã đảng viên,Họ tên,Đơn vị,Chức vụ,Email,Số điện thoại",
      "DV1,Nguyễn Văn An,A1,Chuyên viên,an@example.vn,0912345678",
      'DV2,"Trần Thị, Bình",A2,"Phó Trưởng phòng",,',
      "DV3,Lê Văn Cường,ZZZ,,,",
      "DV1,Bản sao,A1,,,",
      ",Không có mã,A1,,,",
      "DV4,,A1,,,",
      "DV5,Phạm Văn Dũng,B1,,khong-phai-email,",
      "DV6,Hoàng Thị Én,B2,,,abc",
      "DV7,Vũ Văn Phúc,B1,,an@example.vn,",
    ].join("\r\n");
    const r = report(await previewMemberImport(db, utf8(csv, true), admin));
    expect(await memberCount()).toBe(0);
    expect(r.totalRows).toBe(9);
    expect(r.created.map((c) => c.code)).toEqual(["DV1", "DV2"]);
    expect(r.rejected.map((x) => [x.line, x.key])).toEqual([
      [4, "import.reject.unknownUnit"],
      [5, "import.reject.duplicateCode"],
      [6, "import.reject.codeMissing"],
      [7, "member.error.nameRequired"],
      [8, "member.error.email"],
      [9, "member.error.phone"],
      [10, "import.reject.duplicateEmail"],
    ]);
    expect(r.rejected[1].params).toMatchObject({ code: "DV1", line: 2 });
    expect(r.created[1].name).toBe("Trần Thị, Bình");
  });

  test("commit imports valid rows in one transaction; re-importing changes nothing", async () => {
    const { a1 } = await makeTree(db);
    const csv = "ma_dang_vien,ho_ten,don_vi\nDV1,Nguyễn Văn An,A1\nDV2,Trần Thị Bình,A1\nBAD,,A1\n";
    const first = await commitMemberImport(db, utf8(csv), admin, null);
    if ("error" in first) throw new Error("refused");
    expect(first.report.created).toHaveLength(2);
    expect(first.report.rejected).toHaveLength(1);
    expect(await memberCount()).toBe(2);
    expect((await byCode("DV1"))!.unitId).toBe(a1.id);
    const again = await commitMemberImport(db, utf8(csv), admin, null);
    if ("error" in again) throw new Error("refused");
    expect(again.report.created).toHaveLength(0);
    expect(again.report.updated).toHaveLength(0);
    expect(again.report.unchanged).toBe(2);
    expect(await memberCount()).toBe(2);
  });

  test("changed fields are updated and listed; a new unit is a transfer with history", async () => {
    const { a1, b1 } = await makeTree(db);
    await commitMemberImport(db, utf8("code,full_name,unit,position,email\nDV1,Nguyễn Văn An,A1,Chuyên viên,an@example.vn\n"), admin, null);
    const r = await commitMemberImport(db, utf8("code,full_name,unit,position,email\nDV1,Nguyễn Văn An,B1,Trưởng phòng,\n"), admin, null);
    if ("error" in r) throw new Error("refused");
    expect(r.report.updated).toHaveLength(1);
    expect(r.report.updated[0].changes).toEqual({
      position: { from: "Chuyên viên", to: "Trưởng phòng" },
      unit: { from: "A1", to: "B1" },
    });
    const m = (await byCode("DV1"))!;
    expect(m.unitId).toBe(b1.id);
    // A blank e-mail cell does not erase the stored e-mail.
    expect(m.email).toBe("an@example.vn");
    const history = await db.select().from(memberUnitHistory).where(eq(memberUnitHistory.memberId, m.id));
    expect(history.map((h) => [h.unitId, h.validTo === null])).toEqual([
      [a1.id, false],
      [b1.id, true],
    ]);
  });

  test("Windows-1258 and UTF-16 files from Excel, and NFD names, are stored as NFC", async () => {
    await makeTree(db);
    const text = "ma_dang_vien,ho_ten,don_vi\r\nDV1,Đặng Thị Ánh,A1\r\nDV2,Nguyễn Hữu Được,A2\r\n";
    const cp1258 = new Uint8Array(iconv.encode(cp1258Form(text), "windows1258"));
    expect(iconv.decode(Buffer.from(cp1258), "windows1258").normalize("NFC")).toBe(text);
    const r1 = await commitMemberImport(db, cp1258, admin, null);
    if ("error" in r1) throw new Error(r1.error.en);
    expect(r1.report.encoding).toBe("windows-1258");
    expect((await byCode("DV1"))!.fullName).toBe("Đặng Thị Ánh".normalize("NFC"));
    expect((await byCode("DV2"))!.fullName).toBe("Nguyễn Hữu Được");

    const utf16 = new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("ma_dang_vien\tho_ten\tdon_vi\r\nDV3\tLê Thị Hồng\tB1\r\n", "utf16le")]));
    const r2 = await commitMemberImport(db, utf16, admin, null);
    if ("error" in r2) throw new Error(r2.error.en);
    expect((await byCode("DV3"))!.fullName).toBe("Lê Thị Hồng");

    const nfd = utf8("ma_dang_vien,ho_ten,don_vi\nDV4," + "Trương Thị Ngọc Ánh".normalize("NFD") + ",B2\n");
    await commitMemberImport(db, nfd, admin, null);
    const stored = (await byCode("DV4"))!.fullName;
    expect(stored).toBe("Trương Thị Ngọc Ánh".normalize("NFC"));
    expect(stored).not.toBe("Trương Thị Ngọc Ánh".normalize("NFD"));
  });

  test("a quoted field with a newline keeps later line numbers right", async () => {
    await makeTree(db);
    const csv = 'ma_dang_vien,ho_ten,don_vi,chuc_vu\nDV1,Nguyễn Văn An,A1,"Chuyên viên\nkiêm thư ký"\nDV2,,A1,\n';
    const r = report(await previewMemberImport(db, utf8(csv), admin));
    expect(r.rejected).toEqual([{ line: 4, code: "DV2", key: "member.error.nameRequired", params: {} }]);
  });

  test("files that are not CSV, or lack a required column, are refused with a clear error", async () => {
    await makeTree(db);
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]);
    const r = await previewMemberImport(db, xlsx, admin);
    expect("error" in r && r.error.vi).toMatch(/Excel/);
    const missing = await previewMemberImport(db, utf8("ma_dang_vien,ho_ten\nDV1,An\n"), admin);
    expect("error" in missing && missing.error.code).toBe("MISSING_COLUMNS");
  });

  test("a trainer cannot import into, or move members out of, units beyond their scope", async () => {
    const t = await makeTree(db);
    await makeMember(db, t.b1, { code: "B-PERSON" });
    const scope = { all: false as const, roots: [{ id: t.a.id, path: t.a.path }] };
    const r = await commitMemberImport(db, utf8("ma_dang_vien,ho_ten,don_vi\nN1,Người Mới,A1\nN2,Người Khác,B1\nB-PERSON,Chuyển Trộm,A1\n"), scope, null);
    if ("error" in r) throw new Error("refused");
    expect(r.report.created.map((c) => c.code)).toEqual(["N1"]);
    expect(r.report.rejected.map((x) => x.key)).toEqual(["import.reject.unitOutOfScope", "import.reject.memberOutOfScope"]);
    expect((await byCode("B-PERSON"))!.unitId).toBe(t.b1.id);
    expect(await byCode("N2")).toBeUndefined();
  });
});
