import { createHash } from "node:crypto";
import { writeTx } from "#db/client.server.ts";
import { beforeAll, expect, test } from "vitest";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { makeSession } from "#tests/factories/live.ts";
import { attendanceForPeriod } from "#app/reports/attendance-period.server.ts";
import { attendanceCorrections } from "#db/schema/index.ts";

/**
 * Attendance over a period: every (invited member, session) pair once, at the member's unit and
 * each ancestor; corrections replace the computed status; units add up; scope limits the tree.
 */
const srv = useAppServer();

let tree: Awaited<ReturnType<typeof makeTree>>;
const hour = 3600_000;
const base = Date.parse("2026-10-01T02:00:00Z");

beforeAll(async () => {
  tree = await makeTree(srv.db);
  const admin = await makeMember(srv.db, tree.root, { code: "ADMIN", role: "admin" });
  await makeMember(srv.db, tree.a, { code: "TRAINER-A", role: "trainer", scopes: [tree.a] });
  const a1 = [await makeMember(srv.db, tree.a1, { code: "A1-1" }), await makeMember(srv.db, tree.a1, { code: "A1-2" })];
  const b1 = await makeMember(srv.db, tree.b1, { code: "B1-1" });
  // Session 1 invites committee A (3 people, the trainer included); session 2 invites all 5 members.
  const s1 = await makeSession(srv.db, { title: "Buổi 1", start: base, end: base + hour, actualStart: base, actualEnd: base + hour, state: "ended", inviteUnits: [tree.a] });
  const s2 = await makeSession(srv.db, { title: "Buổi 2", start: base + 24 * hour, end: base + 25 * hour, actualStart: base + 24 * hour, actualEnd: base + 25 * hour, state: "ended", inviteUnits: [tree.root] });
  await makeSession(srv.db, { title: "Buổi ngoài kỳ", start: base + 40 * 24 * hour, end: base + 40 * 24 * hour + hour, inviteUnits: [tree.root] });
  const fix = async (sessionId: number, memberId: number, status: "present" | "late" | "excused") =>
    await writeTx(srv.db, async (tx) => tx.insert(attendanceCorrections).values({ sessionId, memberId, status, reason: "kiểm tra", correctedBy: admin.id, at: new Date(base) }));
  await fix(s1.id, a1[0].id, "present");
  await fix(s1.id, a1[1].id, "late");
  await fix(s2.id, a1[0].id, "present");
  await fix(s2.id, b1.id, "excused");
});

const period = (withinPaths: string[] | null) =>
  attendanceForPeriod(srv.db, { from: new Date(base - hour), to: new Date(base + 30 * 24 * hour), withinPaths, reconnectWindowMs: 60_000, now: base + 60 * 24 * hour });

test("each invitation counts once where the member is, and every level adds up", async () => {
  const r = await period(null);
  expect(r.sessions.map((s) => [s.title, s.counts.invited])).toEqual([
    ["Buổi 1", 3],
    ["Buổi 2", 5],
  ]);
  const u = (id: number) => r.units.find((x) => x.id === id)!;
  expect(u(tree.a1.id).total).toMatchObject({ invited: 4, present: 2, late: 1, absent: 1, excused: 0 });
  expect(u(tree.b1.id).total).toMatchObject({ invited: 1, excused: 1, present: 0 });
  expect(r.total).toMatchObject({ invited: 8, present: 2, late: 1, excused: 1, absent: 4 });
  expect(r.total.rate).toBeCloseTo(3 / 8, 6);
  for (const x of r.units) {
    const children = r.units.filter((c) => c.parentId === x.id);
    expect(x.total.invited).toBe(x.own.invited + children.reduce((n, c) => n + c.total.invited, 0));
  }
});

test("a trainer's page shows only their subtree; other units answer 404", async () => {
  const c = client(srv.origin);
  await c.signIn("TRAINER-A");
  const page = (await (await c.request(`/manage/reports/attendance?from=2026-09-30&to=2026-10-30`)).text()).replace(/<!-- -->/g, "");
  expect(page).toContain("Đảng ủy A");
  expect(page).not.toContain("Đảng ủy B");
  const drill = (await (await c.request(`/manage/reports/attendance?from=2026-09-30&to=2026-10-30&unit=${tree.a.id}`)).text()).replace(/<!-- -->/g, "");
  expect(drill).toContain("Chi bộ A1");
  expect(drill).toContain("Thành viên trực tiếp của đơn vị");
  expect((await c.request(`/manage/reports/attendance?unit=${tree.b.id}`)).status).toBe(404);
  expect((await period([tree.a.path])).total.invited).toBe(6);
});

test("the period table exports as CSV and XLSX with hierarchy columns and a checksum", async () => {
  const ExcelJS = (await import("exceljs")).default;
  const c = client(srv.origin);
  await c.signIn("ADMIN");
  const csv = await c.request(`/manage/reports/attendance/export?from=2026-09-30&to=2026-10-30&format=csv`);
  expect(csv.status).toBe(200);
  const bytes = new Uint8Array(await csv.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = new TextDecoder().decode(bytes);
  expect(text).toContain("Chi bộ A1");
  expect(text).toMatch(/[0-9a-f]{64}/);
  const xlsx = await c.request(`/manage/reports/attendance/export?from=2026-09-30&to=2026-10-30&format=xlsx`);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await xlsx.arrayBuffer()) as ArrayBuffer);
  const values: string[] = [];
  wb.worksheets[0].eachRow((row) => row.eachCell((cell) => values.push(String(cell.value))));
  expect(values).toContain("Đảng ủy A");
  expect(values).toContain("Lượt được mời");
  // The rule every export follows, computed here: SHA-256 of the CSV bytes after the header line.
  const body = text.slice(1);
  const headerAt = body.indexOf("\r\n\r\n") + 4;
  const data = body.slice(body.indexOf("\r\n", headerAt) + 2);
  const sum = createHash("sha256").update(data, "utf8").digest("hex");
  expect(body).toContain(`Mã kiểm tra SHA-256 của các dòng dữ liệu,${sum}\r\n`);
  expect(csv.headers.get("x-report-checksum")).toBe(sum);
  expect(xlsx.headers.get("x-report-checksum")).toBe(sum);
  expect(wb.worksheets.map((w) => w.name)).toEqual(["Dữ liệu", "Thông tin"]);
  const info = new Map<string, unknown>();
  wb.getWorksheet("Thông tin")!.eachRow((r) => info.set(String(r.getCell(1).value), r.getCell(2).value));
  expect(info.get("Mã kiểm tra SHA-256 của các dòng dữ liệu")).toBe(sum);
});
