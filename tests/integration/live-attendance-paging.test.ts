import { beforeAll, describe, expect, test } from "vitest";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeEndedSession } from "#tests/factories/live.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { JOIN_TOKEN_SECRET } from "#tests/harness/media.ts";
import { correctAttendance } from "#app/live/attendance.server.ts";
import type { Unit } from "#app/org/units.server.ts";
import { AttendanceLedger } from "../../media-server/src/attendance.ts";

/**
 * The attendance page at a size where listing everyone at once stops being usable: 250 invited
 * members, a page of 100 at a time, filters by status, by how they attended and by name or code,
 * all from the query string. The counts and the roll-up stay computed over everyone, whatever
 * page or filter the table shows.
 */
const srv = useAppServer({ env: { JOIN_TOKEN_SECRET } });

let tree: Awaited<ReturnType<typeof makeTree>>;
let sessionId: number;
const T0 = Date.UTC(2030, 2, 10, 1, 0, 0);
const MIN = 60_000;
const N = 250;

type Planned = { code: string; name: string; unit: "A1" | "A2" | "B1"; effective: string; via: string };
/** What the page should show for each member, decided here and written to the ledger below. */
const plan: Planned[] = [];
/** Absent members whose trainer recorded an excuse. */
const EXCUSED = [3, 8, 13, 203];

beforeAll(async () => {
  tree = await makeTree(srv.db);
  const pgAdmin = await makeMember(srv.db, tree.root, { code: "PG-ADMIN", role: "admin", fullName: "Quản Trị" });
  await makeMember(srv.db, tree.a, { code: "PG-TR-A", role: "trainer", scopes: [tree.a], fullName: "Huấn Luyện A" });
  const unitOf = (i: number): [Planned["unit"], Unit] => (i < 120 ? ["A1", tree.a1] : i < 200 ? ["A2", tree.a2] : ["B1", tree.b1]);
  const ids: number[] = [];
  for (let i = 0; i < N; i++) {
    const [unitCode, unit] = unitOf(i);
    const code = `PG-${unitCode}-${String(i).padStart(3, "0")}`;
    const name = i % 7 === 3 ? `Trần Thị Hồng Nhung ${i}` : `Nguyễn Văn Thử ${i}`;
    const m = await makeMember(srv.db, unit, { code, fullName: name, password: false });
    ids.push(m.id);
    const k = i % 5;
    const computed = ["present", "late", "left-early", "absent", "present"][k];
    const via = ["individual", "individual", "cell-room", "", "both"][k];
    plan.push({ code, name, unit: unitCode, effective: EXCUSED.includes(i) ? "excused" : computed, via });
  }

  sessionId = (await makeEndedSession(srv.db, T0, { title: "Học tập chuyên đề năm 2030", inviteUnits: [tree.a1, tree.a2, tree.b1], presenters: [pgAdmin] })).id;

  const ledger = new AttendanceLedger(srv.db);
  const host = ids[0]; // member 0 is present on their own screen the whole session: the cell room
  const ind = async (memberId: number, conn: string, from: number, to: number) => {
    await ledger.append({ sessionId, memberId, kind: "socket-connect", via: "individual", connectionId: conn, at: from });
    await ledger.append({ sessionId, memberId, kind: "socket-disconnect", via: "individual", connectionId: conn, at: to });
  };
  const room = async (memberId: number, from: number, to: number) => {
    await ledger.append({ sessionId, memberId, kind: "checkin", via: "cell-room", cellRoomMemberId: host, connectionId: "c-host", at: from });
    await ledger.append({ sessionId, memberId, kind: "checkout", via: "cell-room", cellRoomMemberId: host, connectionId: "c-host", at: to });
  };
  for (const [i, id] of ids.entries()) {
    const k = i % 5;
    if (k === 0) await ind(id, `c-${i}`, T0, T0 + 60 * MIN); // present
    if (k === 1) await ind(id, `c-${i}`, T0 + 20 * MIN, T0 + 60 * MIN); // late
    if (k === 2) await room(id, T0 + MIN, T0 + 30 * MIN); // left early, in the cell room
    if (k === 4) {
      await ind(id, `c-${i}`, T0, T0 + 30 * MIN); // present: half on their own screen, half in the room
      await room(id, T0 + 30 * MIN, T0 + 60 * MIN);
    }
  }
  for (const i of EXCUSED) await correctAttendance(srv.db, { sessionId, memberId: ids[i], status: "excused", reason: "Đi công tác", correctedBy: null, at: new Date(T0 + 2 * 60 * MIN) });
}, 120_000);

const unescape = (s: string) => s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#x27;/g, "'");

/** What the page shows: the table's rows, the match count, the pager, the summary and the roll-up. */
async function view(who: "PG-ADMIN" | "PG-TR-A", query: string) {
  const c = client(srv.origin);
  await c.signIn(who);
  const res = await c.request(`/manage/live/${sessionId}/attendance${query}`);
  const html = await res.text();
  if (res.status !== 200) return { status: res.status, html } as const;
  const table = /data-testid="attendance-table"[\s\S]*?<\/table>/.exec(html)![0];
  const rows = [...table.matchAll(/<tr data-member-code="([^"]+)" data-status="([^"]+)" data-effective="([^"]+)" data-via="([^"]*)"/g)].map((m) => ({
    code: m[1],
    status: m[2],
    effective: m[3],
    via: m[4],
  }));
  const nav = /<nav[^>]*data-testid="attendance-pager"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? null;
  const link = (rel: string) => {
    const a = nav && new RegExp(`<a [^>]*rel="${rel}"[^>]*>`).exec(nav);
    return a ? unescape(/href="([^"]+)"/.exec(a[0])![1]) : null;
  };
  const current = nav ? /data-page="(\d+)" data-pages="(\d+)"[^>]*>([^<]*)</.exec(nav)! : null;
  return {
    status: 200,
    html,
    rows,
    codes: rows.map((r) => r.code),
    total: Number(/data-testid="attendance-matches" data-total="(\d+)"/.exec(html)![1]),
    nav,
    page: current ? { page: Number(current[1]), pages: Number(current[2]), text: current[3] } : null,
    next: link("next"),
    prev: link("prev"),
    summary: /data-testid="attendance-summary"[\s\S]*?<\/dl>/.exec(html)![0],
    rollup: /data-testid="rollup"[\s\S]*?<\/table>/.exec(html)![0],
  } as const;
}
type View = Extract<Awaited<ReturnType<typeof view>>, { rows: unknown }>;
async function ok(who: "PG-ADMIN" | "PG-TR-A", query: string): Promise<View> {
  const v = await view(who, query);
  expect(v.status, `${who} ${query}`).toBe(200);
  return v as View;
}

/** The table's order: by unit (A1, A2, B1 sort that way by path here), then by code. */
const expected = (f: (p: Planned) => boolean) => plan.filter(f).map((p) => p.code);

describe("paging", () => {
  test("100 rows a page, every invited member exactly once across the pages, in the table's order", async () => {
    const p1 = await ok("PG-ADMIN", "");
    const p2 = await ok("PG-ADMIN", "?page=2");
    const p3 = await ok("PG-ADMIN", "?page=3");
    expect([p1.rows.length, p2.rows.length, p3.rows.length]).toEqual([100, 100, 50]);
    expect([...p1.codes, ...p2.codes, ...p3.codes]).toEqual(expected(() => true));
    expect(p1.total).toBe(N);
    expect(p1.page).toEqual({ page: 1, pages: 3, text: "Trang 1/3" });
    expect(p3.page).toMatchObject({ page: 3, pages: 3 });
    expect(p1.html).toContain("Hiển thị 1–100 trong số 250 đảng viên.");
    expect(p3.html).toContain("Hiển thị 201–250 trong số 250 đảng viên.");
    // An accessible nav with the way forward and back; none past either end.
    expect(p1.nav).toContain('aria-label="Phân trang danh sách đảng viên"');
    expect(p1.prev).toBeNull();
    expect(p1.next).toBe(`/manage/live/${sessionId}/attendance?page=2#members`);
    expect(p2.prev).toBe(`/manage/live/${sessionId}/attendance#members`);
    expect(p3.next).toBeNull();
    // Rows carry what the ledger and the corrections say.
    const byCode = new Map(plan.map((p) => [p.code, p]));
    for (const r of [...p1.rows, ...p3.rows]) expect({ effective: r.effective, via: r.via }, r.code).toEqual({ effective: byCode.get(r.code)!.effective, via: byCode.get(r.code)!.via });
  });

  test("a page past the end shows the last page", async () => {
    const v = await ok("PG-ADMIN", "?page=37");
    expect(v.page).toMatchObject({ page: 3, pages: 3 });
    expect(v.codes).toEqual(expected(() => true).slice(200));
  });

  test("the absentee list is a glance of 30 with a way to the full list in the table", async () => {
    const v = await ok("PG-ADMIN", "");
    expect(v.html).toContain("Vắng mặt (50)");
    const list = /data-testid="absentees"[\s\S]*?<\/ul>/.exec(v.html)![0];
    expect([...list.matchAll(/<li data-member-code=/g)]).toHaveLength(30);
    const more = /data-testid="absentees-more"[\s\S]*?<\/p>/.exec(v.html)![0];
    expect(more).toContain("Chỉ hiện 30 trong số 50 người vắng.");
    expect(unescape(more)).toContain(`href="/manage/live/${sessionId}/attendance?status=absent#members"`);
  });
});

describe("filters", () => {
  test("by effective status, by how they attended, and both together", async () => {
    const cases: [string, (p: Planned) => boolean][] = [
      ["?status=late", (p) => p.effective === "late"],
      ["?status=left-early", (p) => p.effective === "left-early"],
      ["?status=absent", (p) => p.effective === "absent"],
      ["?status=excused", (p) => p.effective === "excused"],
      ["?via=individual", (p) => p.via === "individual"],
      ["?via=cell-room", (p) => p.via === "cell-room"],
      ["?via=both", (p) => p.via === "both"],
      ["?status=present&via=both", (p) => p.effective === "present" && p.via === "both"],
      ["?status=late&via=cell-room", () => false],
    ];
    for (const [query, f] of cases) {
      const v = await ok("PG-ADMIN", query);
      expect(v.codes, query).toEqual(expected(f));
      expect(v.total, query).toBe(expected(f).length);
    }
    expect(expected((p) => p.effective === "excused")).toHaveLength(4);
    const none = await ok("PG-ADMIN", "?status=late&via=cell-room");
    expect(none.html).toContain("Không có đảng viên nào khớp bộ lọc.");
  });

  test("the search finds names without diacritics, in NFD, in any case, and codes by any part", async () => {
    const nhung = expected((p) => p.name.startsWith("Trần Thị Hồng Nhung"));
    expect(nhung).toHaveLength(36);
    for (const q of ["hong nhung", "HỒNG NHUNG", "Hồng Nhung".normalize("NFD"), "  tran   thi  "]) {
      expect((await ok("PG-ADMIN", `?q=${encodeURIComponent(q)}`)).codes, q).toEqual(nhung);
    }
    expect((await ok("PG-ADMIN", "?q=pg-b1-24")).codes).toEqual(["PG-B1-240", "PG-B1-241", "PG-B1-242", "PG-B1-243", "PG-B1-244", "PG-B1-245", "PG-B1-246", "PG-B1-247", "PG-B1-248", "PG-B1-249"]);
    expect((await ok("PG-ADMIN", "?q=a2-150")).codes).toEqual(["PG-A2-150"]);
    // LIKE's wildcards mean nothing here.
    expect((await ok("PG-ADMIN", "?q=%25")).total).toBe(0);
    expect((await ok("PG-ADMIN", "?q=_")).total).toBe(0);
    // Search and status together.
    const lateNhung = expected((p) => p.name.includes("Nhung") && p.effective === "late");
    expect(lateNhung.length).toBeGreaterThan(0);
    expect((await ok("PG-ADMIN", "?q=nhung&status=late")).codes).toEqual(lateNhung);
  });

  test("page links keep the filters", async () => {
    const all = expected((p) => p.name.startsWith("Nguyễn Văn Thử"));
    expect(all).toHaveLength(214);
    const p1 = await ok("PG-ADMIN", "?q=thu&via=");
    expect(p1.page).toMatchObject({ page: 1, pages: 3 });
    expect(p1.next).toBe(`/manage/live/${sessionId}/attendance?q=thu&page=2#members`);
    const p2 = await ok("PG-ADMIN", p1.next!.slice(p1.next!.indexOf("?")).replace("#members", ""));
    const p3 = await ok("PG-ADMIN", p2.next!.slice(p2.next!.indexOf("?")).replace("#members", ""));
    expect([...p1.codes, ...p2.codes, ...p3.codes]).toEqual(all);
    const presentThu = expected((p) => p.name.startsWith("Nguyễn Văn Thử") && p.effective === "present");
    expect(presentThu.length).toBeLessThan(100);
    const withStatus = await ok("PG-ADMIN", "?status=present&q=thu&page=1");
    expect(withStatus.page).toBeNull(); // one page: no pager
    expect(withStatus.codes).toEqual(presentThu);
    // The filter form keeps what was asked, and the roll-up's drill-down links keep it too.
    const f = await ok("PG-ADMIN", "?status=late&via=individual&q=nhung");
    const form = /data-testid="attendance-filters"[\s\S]*?<\/form>/.exec(f.html)![0];
    expect(form).toMatch(/<option value="late" selected="">/);
    expect(form).toMatch(/<option value="individual" selected="">/);
    expect(form).toContain('value="nhung"');
    expect(unescape(f.rollup)).toContain(`/attendance?unit=${tree.a.id}&status=late&via=individual&q=nhung"`);
  });

  test("the counts and the roll-up are the same whatever page or filter the table shows", async () => {
    const base = await ok("PG-ADMIN", "");
    const dd = [...base.summary.matchAll(/<dd>([^<]*)<\/dd>/g)].map((m) => m[1]);
    // invited, present, late, left early, absent, excused, rate (present+late+left early / invited),
    // made up (watched the recording: its own count, never in the rate; none here)
    expect(dd).toEqual(["250", "100", "50", "50", "46", "4", "80%", "0"]);
    for (const q of ["?page=3", "?status=excused", "?via=both&page=2", "?q=nhung&status=late", "?q=nobody-at-all"]) {
      const v = await ok("PG-ADMIN", q);
      expect(v.summary, q).toBe(base.summary);
      // The drill-down links carry the filters; the figures do not move.
      const figures = (html: string) => html.replace(/ href="[^"]*"/g, "");
      expect(figures(v.rollup), q).toBe(figures(base.rollup));
    }
  });
});

describe("a unit chosen in the roll-up", () => {
  test("narrows the member table to its subtree, with the filters, while the totals stay over everyone", async () => {
    const base = await ok("PG-ADMIN", "");
    const a = await ok("PG-ADMIN", `?unit=${tree.a.id}`);
    expect(a.total).toBe(200);
    expect(a.html).toContain(`Đảng viên thuộc ${tree.a.name}`);
    expect(a.summary).toBe(base.summary);
    const a2 = await ok("PG-ADMIN", `?unit=${tree.a2.id}&status=late`);
    expect(a2.codes).toEqual(expected((p) => p.unit === "A2" && p.effective === "late"));
    expect(a2.codes.length).toBeGreaterThan(0);
    // The pager keeps the unit.
    const p1 = await ok("PG-ADMIN", `?unit=${tree.a.id}`);
    expect(p1.next).toContain(`unit=${tree.a.id}`);
    const p2 = await ok("PG-ADMIN", p1.next!.slice(p1.next!.indexOf("?")));
    expect(p2.codes).toEqual(expected((p) => p.unit !== "B1").slice(100, 200));
  });
});

describe("scope", () => {
  test("a trainer pages and filters only their own subtree", async () => {
    const inA = (p: Planned) => p.unit !== "B1";
    const p1 = await ok("PG-TR-A", "");
    expect(p1.total).toBe(200);
    expect(p1.page).toMatchObject({ page: 1, pages: 2 });
    const p2 = await ok("PG-TR-A", "?page=3");
    expect(p2.page).toMatchObject({ page: 2, pages: 2 });
    expect([...p1.codes, ...p2.codes]).toEqual(expected(inA));
    expect((await ok("PG-TR-A", "?status=excused")).codes).toEqual(expected((p) => inA(p) && p.effective === "excused"));
    expect((await ok("PG-TR-A", "?q=PG-B1-203")).total).toBe(0);
    expect((await ok("PG-TR-A", "?q=nhung")).codes).toEqual(expected((p) => inA(p) && p.name.includes("Nhung")));
    const dd = [...p1.summary.matchAll(/<dd>([^<]*)<\/dd>/g)].map((m) => m[1]);
    expect(dd).toEqual(["200", "80", "40", "40", "37", "3", "80%", "0"]);
    expect(p1.html).not.toContain("PG-B1-");
    // A unit outside the scope is still not found, like a missing one.
    expect((await view("PG-TR-A", `?unit=${tree.b.id}`)).status).toBe(404);
  });
});

describe("bad query parameters", () => {
  test("fall back to the defaults instead of failing", async () => {
    const base = await ok("PG-ADMIN", "");
    const queries = [
      "?page=abc",
      "?page=0",
      "?page=-2",
      "?page=1.5",
      "?page=1e400",
      "?page=",
      "?status=vip",
      "?status=STATUS",
      "?via=phone",
      "?unit=abc",
      "?unit=-1",
      "?status[]=late",
      "?page=2&page=x",
      "?q=",
      "?q=%20%20%20",
      "?status=&via=&q=",
    ];
    for (const q of queries) {
      const v = await ok("PG-ADMIN", q);
      expect({ q, codes: v.codes, total: v.total, page: v.page }).toEqual({ q, codes: base.codes, total: N, page: base.page });
      expect(v.summary, q).toBe(base.summary);
    }
  });

  test("a huge page number shows the last page; an overlong search is cut, not rejected", async () => {
    expect((await ok("PG-ADMIN", "?page=99999999999999999999")).page).toMatchObject({ page: 3, pages: 3 });
    const long = await ok("PG-ADMIN", `?q=${"nhung".repeat(200)}`);
    expect(long.total).toBe(0);
    const form = /data-testid="attendance-filters"[\s\S]*?<\/form>/.exec(long.html)![0];
    expect(form).toContain(`value="${"nhung".repeat(20)}"`);
    expect((await view("PG-ADMIN", `?q=${encodeURIComponent("\u0000<script>")}`)).status).toBe(200);
  });
});

describe("corrections with a paged table", () => {
  test("a member on another page than the one shown can be corrected by code", async () => {
    const c = client(srv.origin);
    await c.signIn("PG-ADMIN");
    const html = await (await c.request(`/manage/live/${sessionId}/attendance`)).text();
    // The suggestions are the page's members, not all 250.
    const list = /<datalist id="member-codes">[\s\S]*?<\/datalist>/.exec(html)![0];
    expect([...list.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])).toEqual(expected(() => true).slice(0, 100));
    const res = await c.request(`/manage/live/${sessionId}/attendance`, { form: { intent: "correct", memberCode: "PG-B1-248", status: "excused", reason: "Ốm, có giấy ra viện" } });
    expect(res.status).toBe(200);
    const v = await ok("PG-ADMIN", "?status=excused");
    expect(v.codes).toContain("PG-B1-248");
    expect(v.total).toBe(5);
  });
});
