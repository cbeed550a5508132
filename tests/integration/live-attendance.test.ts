import { first } from "#db/first.ts";
import crypto from "node:crypto";
import { beforeAll, describe, expect, test } from "vitest";
import ExcelJS from "exceljs";
import { count, eq } from "drizzle-orm";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeEndedSession } from "#tests/factories/live.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { JOIN_TOKEN_SECRET } from "#tests/harness/media.ts";
import { attendanceCorrections, attendanceEvents } from "#db/schema/index.ts";
import { EXPORT_HEADERS } from "#app/live/report.server.ts";
import { toCsvLine } from "#app/common/spreadsheet-safety.ts";
import type { Member } from "#app/org/members.server.ts";
import { AttendanceLedger } from "../../media-server/src/attendance.ts";
import { sessionAttendance } from "#app/live/attendance.server.ts";

/**
 * The attendance page, corrections and exports over HTTP, on a ledger written the way the media
 * server writes it: statuses, minutes, via, absentees, the per-unit roll-up, the audit trail
 * (corrections never touch events), CSV and XLSX that parse back with neutralised cells.
 */
const srv = useAppServer({ env: { JOIN_TOKEN_SECRET } });

let tree: Awaited<ReturnType<typeof makeTree>>;
let admin: Member, trainerA: Member, sec: Member, onTime: Member, late: Member, hostile: Member, inRoom: Member, absentA2: Member, memberB1: Member;
let sessionId: number;
const T0 = Date.UTC(2030, 0, 15, 1, 0, 0); // 08:00 in Vietnam
const MIN = 60_000;

beforeAll(async () => {
  tree = await makeTree(srv.db);
  admin = await makeMember(srv.db, tree.root, { code: "AT-ADMIN", role: "admin", fullName: "Quản Trị" });
  trainerA = await makeMember(srv.db, tree.a, { code: "AT-TR-A", role: "trainer", scopes: [tree.a], fullName: "Huấn Luyện A" });
  await makeMember(srv.db, tree.b, { code: "AT-TR-B", role: "trainer", scopes: [tree.b] });
  sec = await makeMember(srv.db, tree.a1, { code: "AT-SEC", fullName: "Bí Thư Chi Bộ" });
  onTime = await makeMember(srv.db, tree.a1, { code: "AT-ONTIME", fullName: "Đúng Giờ" });
  late = await makeMember(srv.db, tree.a1, { code: "AT-LATE", fullName: "Đến Muộn" });
  hostile = await makeMember(srv.db, tree.a1, { code: "AT-HOSTILE", fullName: '=HYPERLINK("http://evil.example","Bấm")' });
  inRoom = await makeMember(srv.db, tree.a1, { code: "AT-ROOM", fullName: "Tại Hội Trường" });
  absentA2 = await makeMember(srv.db, tree.a2, { code: "AT-ABSENT", fullName: "Vắng Mặt" });
  memberB1 = await makeMember(srv.db, tree.b1, { code: "AT-B1", fullName: "Thành Viên B" });

  sessionId = (await makeEndedSession(srv.db, T0, { title: "Quán triệt Nghị quyết", inviteUnits: [tree.root], presenters: [admin], createdBy: admin })).id;

  // What the media server would have observed.
  const ledger = new AttendanceLedger(srv.db);
  const ind = async (memberId: number, conn: string, from: number, to: number) => {
    await ledger.append({ sessionId, memberId, kind: "socket-connect", via: "individual", connectionId: conn, at: from });
    for (let t = from + 15_000; t < to; t += 15_000) await ledger.append({ sessionId, memberId, kind: "heartbeat", via: "individual", connectionId: conn, at: t });
    await ledger.append({ sessionId, memberId, kind: "socket-disconnect", via: "individual", connectionId: conn, at: to });
  };
  await ind(onTime.id, "c-ontime", T0 - 2 * MIN, T0 + 60 * MIN); // present, 60 min
  await ind(late.id, "c-late", T0 + 20 * MIN, T0 + 60 * MIN); // late, 40 min
  await ind(hostile.id, "c-hostile", T0, T0 + 30 * MIN); // left early, 30 min
  await ind(sec.id, "c-sec", T0, T0 + 60 * MIN); // the cell room's screen, present
  await ledger.append({ sessionId, memberId: inRoom.id, kind: "checkin", via: "cell-room", cellRoomMemberId: sec.id, connectionId: "c-sec", at: T0 + 1 * MIN });
  await ledger.append({ sessionId, memberId: inRoom.id, kind: "checkout", via: "cell-room", cellRoomMemberId: sec.id, connectionId: "c-sec", at: T0 + 59 * MIN });
  await ind(memberB1.id, "c-b1", T0, T0 + 60 * MIN);
});

/** The members table as { code: { status, effective, via, minutes } } from the page's data attributes. */
function rowsOf(html: string) {
  const out: Record<string, { status: string; effective: string; via: string; minutes: number }> = {};
  for (const m of html.matchAll(/<tr data-member-code="([^"]+)" data-status="([^"]+)" data-effective="([^"]+)" data-via="([^"]*)" data-minutes="([^"]+)"/g)) {
    out[m[1]] = { status: m[2], effective: m[3], via: m[4], minutes: Number(m[5]) };
  }
  return out;
}

const eventCount = async () => (await first(srv.db.select({ n: count() }).from(attendanceEvents).where(eq(attendanceEvents.sessionId, sessionId))))!.n;

describe("attendance page", () => {
  test("shows each invited member of the reader's scope with status, minutes and how they attended; absentees listed", async () => {
    const c = client(srv.origin);
    await c.signIn("AT-TR-A");
    const res = await c.request(`/manage/live/${sessionId}/attendance`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const rows = rowsOf(html);
    expect(rows["AT-ONTIME"]).toEqual({ status: "present", effective: "present", via: "individual", minutes: 60 });
    expect(rows["AT-LATE"]).toEqual({ status: "late", effective: "late", via: "individual", minutes: 40 });
    expect(rows["AT-HOSTILE"]).toEqual({ status: "left-early", effective: "left-early", via: "individual", minutes: 30 });
    expect(rows["AT-ROOM"]).toEqual({ status: "present", effective: "present", via: "cell-room", minutes: 58 });
    expect(rows["AT-SEC"]).toMatchObject({ status: "present", via: "individual" });
    expect(rows["AT-ABSENT"]).toEqual({ status: "absent", effective: "absent", via: "", minutes: 0 });
    expect(rows["AT-TR-A"]).toMatchObject({ status: "absent" });
    // Only trainer A's subtree.
    expect(Object.keys(rows).sort()).toEqual(["AT-ABSENT", "AT-HOSTILE", "AT-LATE", "AT-ONTIME", "AT-ROOM", "AT-SEC", "AT-TR-A"]);
    const absentees = /data-testid="absentees"[\s\S]*?<\/ul>/.exec(html)![0];
    expect(absentees).toContain('data-member-code="AT-ABSENT"');
    expect(absentees).toContain('data-member-code="AT-TR-A"');
    expect(absentees).not.toContain('data-member-code="AT-LATE"');
    // The hostile name is shown as text, not markup.
    expect(html).not.toContain('<a href="http://evil.example"');
  });

  test("rolls up by unit: the committee and its cells", async () => {
    const c = client(srv.origin);
    await c.signIn("AT-TR-A");
    const html = await (await c.request(`/manage/live/${sessionId}/attendance`)).text();
    const table = /data-testid="rollup"[\s\S]*?<\/table>/.exec(html)![0];
    const cells = (code: string) => {
      const row = new RegExp(`<tr data-unit-code="${code}">([\\s\\S]*?)</tr>`).exec(table)![1];
      return [...row.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    };
    // invited, present, late, left early, absent, excused, rate, made up (học bù)
    expect(cells("A1")).toEqual(["5", "3", "1", "1", "0", "0", "100%", "0"]);
    expect(cells("A2")).toEqual(["1", "0", "0", "0", "1", "0", "0%", "0"]);
    const root = /<tr class="rollup-root">([\s\S]*?)<\/tr>/.exec(table)![1];
    expect(root).toContain("Đảng ủy A");
    expect([...root.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1])).toEqual(["7", "3", "1", "1", "2", "0", "71.4%", "0"]);
  });
});

describe("corrections", () => {
  test("are kept as an audit trail beside the computed status, never changing the events", async () => {
    const c = client(srv.origin);
    await c.signIn("AT-TR-A");
    const events = await eventCount();
    const r1 = await c.request(`/manage/live/${sessionId}/attendance`, { form: { intent: "correct", memberCode: "AT-ABSENT", status: "excused", reason: "Đi công tác theo quyết định 12/QĐ" } });
    expect(r1.status).toBe(200);
    expect(await r1.text()).toContain("Đã ghi điều chỉnh cho AT-ABSENT.");
    const r2 = await c.request(`/manage/live/${sessionId}/attendance`, { form: { intent: "correct", memberCode: "AT-ABSENT", status: "present", reason: "Dự tại điểm cầu xã, có biên bản" } });
    expect(r2.status).toBe(200);
    expect(await eventCount()).toBe(events);
    const rows = await srv.db.select().from(attendanceCorrections).where(eq(attendanceCorrections.sessionId, sessionId));
    expect(rows.map((r) => [r.memberId, r.status, r.correctedBy])).toEqual([
      [absentA2.id, "excused", trainerA.id],
      [absentA2.id, "present", trainerA.id],
    ]);
    const html = await (await c.request(`/manage/live/${sessionId}/attendance`)).text();
    // The computed status stays; the latest correction is shown beside it.
    expect(rowsOf(html)["AT-ABSENT"]).toMatchObject({ status: "absent", effective: "present" });
    const trail = /data-testid="corrections"[\s\S]*?<\/ol>/.exec(html)![0];
    expect(trail).toContain("Đi công tác theo quyết định 12/QĐ");
    expect(trail).toContain("Dự tại điểm cầu xã, có biên bản");
    expect(trail).toContain("Huấn Luyện A (AT-TR-A)");
    expect(trail.indexOf("Dự tại điểm cầu xã")).toBeLessThan(trail.indexOf("Đi công tác"));
  });

  test("need a reason, a valid status, and an invited member of the reader's scope", async () => {
    const c = client(srv.origin);
    await c.signIn("AT-TR-A");
    const before = (await first(srv.db.select({ n: count() }).from(attendanceCorrections)))!.n;
    const cases: [Record<string, string>, number, string][] = [
      [{ memberCode: "AT-LATE", status: "present", reason: "   " }, 400, "Cần ghi lý do điều chỉnh."],
      [{ memberCode: "AT-LATE", status: "vip", reason: "x" }, 400, "Trạng thái điều chỉnh không hợp lệ."],
      [{ memberCode: "AT-B1", status: "absent", reason: "ngoài phạm vi" }, 400, "“AT-B1” không có trong danh sách được mời"],
      [{ memberCode: "NOBODY", status: "absent", reason: "không có" }, 400, "“NOBODY” không có trong danh sách được mời"],
    ];
    for (const [f, status, message] of cases) {
      const res = await c.request(`/manage/live/${sessionId}/attendance`, { form: { intent: "correct", ...f } });
      expect(res.status, JSON.stringify(f)).toBe(status);
      expect(await res.text()).toContain(message);
    }
    expect((await first(srv.db.select({ n: count() }).from(attendanceCorrections)))!.n).toBe(before);
  });
});

/** The checksum rule every export follows, computed here from the file's bytes: everything after the header line. */
function csvParts(text: string, header: string) {
  const at = text.indexOf(header + "\r\n");
  expect(at, "the header line").toBeGreaterThan(0);
  const data = text.slice(at + header.length + 2);
  const meta = new Map(
    text
      .slice(0, at)
      .split("\r\n")
      .filter(Boolean)
      .map((l) => {
        const i = l.indexOf(",");
        return [l.slice(0, i), l.slice(i + 1)] as [string, string];
      }),
  );
  return { data, lines: data.split("\r\n").slice(0, -1), meta, sum: crypto.createHash("sha256").update(data, "utf8").digest("hex") };
}

describe("exports", () => {
  test("CSV: BOM, the session's details above the Vietnamese header, neutralised cells, and the checksum of the data rows after the header", async () => {
    const c = client(srv.origin);
    await c.signIn("AT-TR-A");
    const res = await c.request(`/manage/live/${sessionId}/export?format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    const { lines, meta, sum } = csvParts(text, EXPORT_HEADERS.join(","));
    expect(lines).toHaveLength(7);
    const hostileLine = lines.find((l) => l.startsWith("AT-HOSTILE,"))!;
    expect(hostileLine).toContain(`"'=HYPERLINK(""http://evil.example"",""Bấm"")"`);
    expect(lines.find((l) => l.startsWith("AT-ROOM,"))).toContain("Phòng chi bộ");
    expect(lines.find((l) => l.startsWith("AT-ABSENT,"))).toContain("Vắng,Có mặt,\"Dự tại điểm cầu xã, có biên bản\"");
    expect(text).not.toContain("AT-B1");
    expect(meta.get("Báo cáo")).toBe("Điểm danh phiên sinh hoạt");
    expect(meta.get("Số dòng dữ liệu")).toBe("7");
    expect(meta.get("Mã phiên")).toBe(String(sessionId));
    // The trainer's own units name the scope (an administrator's export says "toàn bộ tổ chức").
    expect(meta.get("Phạm vi")).toBe("Đảng ủy A (A)");
    expect(meta.get("Thời điểm tạo")).toMatch(/^20\d\d-\d\d-\d\d \d\d:\d\d \(/);
    // The one rule: SHA-256 of the bytes after the header line, in the file and in the response header.
    expect(meta.get("Mã kiểm tra SHA-256 của các dòng dữ liệu")).toBe(sum);
    expect(res.headers.get("x-report-checksum")).toBe(sum);
    // Tampering with one cell changes the checksum; the header is not part of it.
    const data = text.slice(text.indexOf(EXPORT_HEADERS.join(",")) + EXPORT_HEADERS.join(",").length + 2);
    expect(crypto.createHash("sha256").update(data.replace("AT-LATE,", "AT-LAT3,"), "utf8").digest("hex")).not.toBe(sum);
  });

  test("XLSX: sheets keep their diacritics; the same rows as the CSV, no formulas, the same checksum", async () => {
    const c = client(srv.origin);
    await c.signIn("AT-TR-A");
    const csv = csvParts(new TextDecoder().decode(new Uint8Array(await (await c.request(`/manage/live/${sessionId}/export?format=csv`)).arrayBuffer()).slice(3)), EXPORT_HEADERS.join(","));
    const res = await c.request(`/manage/live/${sessionId}/export?format=xlsx`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(res.headers.get("x-report-checksum")).toBe(csv.sum);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets.map((w) => w.name)).toEqual(["Điểm danh", "Theo đơn vị", "Thông tin"]);
    const ws = wb.getWorksheet("Điểm danh")!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual([...EXPORT_HEADERS]);
    const values: unknown[][] = [];
    ws.eachRow((row, n) => {
      // row.values is sparse and stops at the last filled cell: empty cells come back as "".
      if (n > 1) values.push(Array.from({ length: EXPORT_HEADERS.length }, (_, i) => (row.values as unknown[])[i + 1] ?? ""));
    });
    expect(values).toHaveLength(7);
    const hostileRow = values.find((v) => v[0] === "AT-HOSTILE")!;
    expect(hostileRow[1]).toBe(`'=HYPERLINK("http://evil.example","Bấm")`);
    expect(values.find((v) => v[0] === "AT-LATE")!.slice(4, 9)).toEqual(["Đi muộn", "", "", 40, 66.7]);
    // The sheet holds exactly the CSV's data rows: written as CSV records they hash to the same checksum.
    expect(values.map((r) => toCsvLine(r as (string | number)[])).join("\r\n") + "\r\n").toBe(csv.data);
    for (const sheet of wb.worksheets) sheet.eachRow((row) => row.eachCell((cell) => expect(cell.type).not.toBe(ExcelJS.ValueType.Formula)));
    const info = new Map<string, unknown>();
    wb.getWorksheet("Thông tin")!.eachRow((row) => info.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(info.get("Mã kiểm tra SHA-256 của các dòng dữ liệu")).toBe(csv.sum);
    expect(info.get("Mã phiên")).toBe(sessionId);
    expect(String(info.get("Cách tính mã kiểm tra"))).toContain("SHA-256");
    const codes: unknown[] = [];
    wb.getWorksheet("Theo đơn vị")!.eachRow((row, n) => n > 1 && codes.push(row.getCell(1).value));
    expect(codes).toEqual(["A", "A1", "A2"]);
  });
});

describe("one member's attendance", () => {
  test("computing it for one member (their events and their cell room screen's only) gives exactly their row of the whole session", async () => {
    const whole = (await sessionAttendance(srv.db, sessionId, { reconnectWindowMs: 60_000 }))!;
    expect(whole.members.some((m) => m.via === "cell-room")).toBe(true); // the fixture covers a cell room
    for (const m of whole.members) {
      const alone = (await sessionAttendance(srv.db, sessionId, { reconnectWindowMs: 60_000, only: [m.memberId] }))!;
      expect(alone.members, m.code).toEqual([m]);
    }
    // Not invited: nobody.
    expect((await sessionAttendance(srv.db, sessionId, { reconnectWindowMs: 60_000, only: [999_999] }))!.members).toEqual([]);
  });
});
