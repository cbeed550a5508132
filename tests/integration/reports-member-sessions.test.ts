import { beforeAll, expect, test } from "vitest";
import { writeTx } from "#db/client.server.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { makeSession } from "#tests/factories/live.ts";
import { attendanceCorrections } from "#db/schema/index.ts";

/** A member's record lists the live sessions they were invited to, with status and minutes. */
const srv = useAppServer();

let member: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
  const t = await makeTree(srv.db);
  const admin = await makeMember(srv.db, t.root, { code: "ADMIN", role: "admin" });
  member = await makeMember(srv.db, t.a1, { code: "DV-1", fullName: "Phạm Thị Mai" });
  await makeMember(srv.db, t.b1, { code: "DV-2" });
  const hour = 3600_000;
  const past = Date.now() - 48 * hour;
  await makeSession(srv.db, { title: "Buổi học Nghị quyết số một", start: past, end: past + hour, actualStart: past, actualEnd: past + hour, state: "ended", inviteUnits: [t.a] });
  const s2 = await makeSession(srv.db, { title: "Buổi học số hai", start: past + 2 * hour, end: past + 3 * hour, actualStart: past + 2 * hour, actualEnd: past + 3 * hour, state: "ended", inviteMembers: [member] });
  await makeSession(srv.db, { title: "Buổi của đơn vị B", start: past, end: past + hour, state: "ended", inviteUnits: [t.b] });
  await writeTx(srv.db, async (tx) => tx.insert(attendanceCorrections).values({ sessionId: s2.id, memberId: member.id, status: "excused", reason: "Đi công tác", correctedBy: admin.id, at: new Date() }));
});

test("sessions attended appear in the member's record, corrections shown as such, others' sessions absent", async () => {
  const c = client(srv.origin);
  await c.signIn("ADMIN");
  const res = await c.request(`/manage/reports/members/${member.id}`);
  expect(res.status).toBe(200);
  const html = (await res.text()).replace(/<!-- -->/g, "");
  expect(html).toContain("Buổi học Nghị quyết số một");
  expect(html).toMatch(/Vắng<\/td>/);
  expect(html).toContain("Buổi học số hai");
  expect(html).toContain("Vắng có lý do (đã điều chỉnh)");
  expect(html).not.toContain("Buổi của đơn vị B");
});
