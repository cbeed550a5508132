import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import { courseCompletions, itemProgress, liveChatMessages, liveSessions } from "#db/schema/index.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { draftSnapshot, getCourse, publishCourse } from "#app/courses/courses.server.ts";
import { assignToMember, assignToUnit, completeLesson, openItem } from "#app/courses/learning.server.ts";
import { settleDueSessions, settleLiveSession } from "#app/courses/live-items.server.ts";
import { exportPackage, importPackage, loadPackage } from "#app/courses/package.server.ts";
import { correctAttendance } from "#app/live/attendance.server.ts";
import { scheduleSession } from "#app/live/sessions.server.ts";
import { transferMember, type Member } from "#app/org/members.server.ts";
import { AttendanceLedger } from "../../media-server/src/attendance.ts";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * "Attend session X" as a course item: completed from the attendance ledger once the session
 * ends (present or late; corrections win; excused is not attendance), withdrawn when a
 * correction takes the attendance back before the course is complete, counted toward course
 * completion for members assigned the course; authored in the course page within scope; carried
 * by content packages by session id.
 */
let db: Awaited<ReturnType<typeof testDb>>;
let tree: Awaited<ReturnType<typeof makeTree>>;
let admin: Member, trainerB: Member, present: Member, late: Member, absent: Member, excused: Member, unassigned: Member;
let sessionId: number, courseId: number;
const T0 = Date.UTC(2030, 2, 10, 1, 0, 0);
const MIN = 60_000;
const RW = { reconnectWindowMs: 60_000 };

const progressOf = async (m: Member) =>
  await first(db.select().from(itemProgress).where(and(eq(itemProgress.memberId, m.id), eq(itemProgress.courseId, courseId), eq(itemProgress.itemKey, "tham-du"))));
const completionOf = async (m: Member) => await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, m.id), eq(courseCompletions.courseId, courseId))));
const settledAt = async () => (await first(db.select({ s: liveSessions.coursesSettledAt }).from(liveSessions).where(eq(liveSessions.id, sessionId))))!.s;

beforeAll(async () => {
  db = await testDb();
  tree = await makeTree(db);
  admin = await makeMember(db, tree.root, { code: "LC-ADMIN", role: "admin" });
  trainerB = await makeMember(db, tree.b, { code: "LC-TR-B", role: "trainer", scopes: [tree.b] });
  present = await makeMember(db, tree.a1, { code: "LC-PRESENT" });
  late = await makeMember(db, tree.a1, { code: "LC-LATE" });
  absent = await makeMember(db, tree.a1, { code: "LC-ABSENT" });
  excused = await makeMember(db, tree.a1, { code: "LC-EXCUSED" });
  unassigned = await makeMember(db, tree.a2, { code: "LC-OTHER" });

  sessionId = (await scheduleSession(db, { all: true }, admin.id, {
    title: "Học tập chuyên đề chuyển đổi số",
    description: "",
    documentUrl: null,
    start: new Date(T0),
    end: new Date(T0 + 60 * MIN),
    presenterCodes: ["LC-ADMIN"],
    unitCodes: ["A"],
    memberCodes: [],
    presentMinPercent: 80,
    lateAfterMinutes: 10,
  })).id;

  const c = await createCourse(db, { slug: "khoa-co-phien", title: "Khóa học có phiên trực tuyến" });
  courseId = c.id;
  await addItem(db, c.id, "chuong-1", "lesson", "Bài đọc");
  await addItem(db, c.id, "chuong-1", "live", "Tham dự", new Date(), { sessionId, minutes: 60 });
  // The generated key is the slug of the title.
  expect((await draftSnapshot(db, c.id)).modules[0].items.map((i) => [i.key, i.type, i.liveSessionId])).toEqual([
    ["bai-doc", "lesson", undefined],
    ["tham-du", "live", sessionId],
  ]);
  await publishCourse(db, c.id, admin.id);
  await assignToUnit(db, { courseId: c.id, unitId: tree.a1.id, dueAt: null, actorId: admin.id });
});

afterAll(() => dropDb(db));

describe("live course items", () => {
  test("nothing is settled before the session ends", async () => {
    expect(await settleLiveSession(db, sessionId, RW)).toBeNull();
    expect(await settleDueSessions(db, RW)).toEqual([]);
    expect(await progressOf(present)).toBeUndefined();
  });

  test("after it ends, members who were present or late get the item; the course completes for those who also read the lesson", async () => {
    const ledger = new AttendanceLedger(db);
    const watch = async (m: Member, from: number, to: number) => {
      await ledger.append({ sessionId, memberId: m.id, kind: "socket-connect", via: "individual", connectionId: `c${m.id}`, at: T0 + from * MIN });
      await ledger.append({ sessionId, memberId: m.id, kind: "transport-connected", via: "individual", connectionId: `c${m.id}`, at: T0 + from * MIN });
      await ledger.append({ sessionId, memberId: m.id, kind: "socket-disconnect", via: "individual", connectionId: `c${m.id}`, at: T0 + to * MIN });
    };
    await watch(present, 0, 60);
    await watch(late, 15, 60); // 75 % of the session: below the 80 % rule on its own
    await watch(unassigned, 0, 60);
    await watch(absent, 0, 5);
    await writeTx(db, async (tx) => tx.update(liveSessions).set({ state: "ended", actualStartAt: new Date(T0), actualEndAt: new Date(T0 + 60 * MIN) }).where(eq(liveSessions.id, sessionId)));
    // A trainer records that member as "late" (corrections win), and another as excused.
    await correctAttendance(db, { sessionId, memberId: late.id, status: "late", reason: "Vào muộn vì họp", correctedBy: admin.id });
    await correctAttendance(db, { sessionId, memberId: excused.id, status: "excused", reason: "Đi công tác", correctedBy: admin.id });

    // The present member read the lesson before the session.
    const course = (await getCourse(db, courseId))!;
    const pub = await publishCourse(db, courseId, admin.id); // unchanged: same version
    expect(pub.created).toBe(false);
    await openItem(db, present.id, courseId, "bai-doc", pub.versionId, new Date(Date.now() - 10 * MIN));
    await completeLesson(db, present.id, course, "bai-doc");
    expect(await completionOf(present)).toBeUndefined();

    const [r] = await settleDueSessions(db, RW);
    expect(r).toMatchObject({ sessionId, courses: 1, itemsCompleted: 3, itemsWithdrawn: 0, coursesCompleted: 1 });
    expect(await settledAt()).not.toBeNull();
    expect(await progressOf(present)).toMatchObject({ state: "completed", completedAt: new Date(T0 + 60 * MIN) });
    expect((await progressOf(late))?.state).toBe("completed");
    expect((await progressOf(unassigned))?.state).toBe("completed"); // they did attend…
    expect(await completionOf(unassigned)).toBeUndefined(); // …but the course is not theirs
    expect(await progressOf(absent)).toBeUndefined();
    expect(await progressOf(excused)).toBeUndefined(); // excused is not attendance
    // Completed when the last required item was: the session's end.
    expect((await completionOf(present))?.completedAt).toEqual(new Date(T0 + 60 * MIN));
    expect(await completionOf(late)).toBeUndefined(); // has not read the lesson

    // Settled: the job has nothing more to do.
    expect(await settleDueSessions(db, RW)).toEqual([]);
  });

  test("a correction re-opens the session: a member marked present gets the item, one marked absent loses it unless the course is complete", async () => {
    await correctAttendance(db, { sessionId, memberId: absent.id, status: "present", reason: "Điểm danh tại hội trường bằng giấy", correctedBy: admin.id });
    expect(await settledAt()).toBeNull();
    await correctAttendance(db, { sessionId, memberId: late.id, status: "absent", reason: "Không có mặt thật", correctedBy: admin.id });
    await correctAttendance(db, { sessionId, memberId: present.id, status: "absent", reason: "Thử thu hồi", correctedBy: admin.id });
    const [r] = await settleDueSessions(db, RW);
    expect(r).toMatchObject({ itemsCompleted: 1, itemsWithdrawn: 1 });
    expect((await progressOf(absent))?.state).toBe("completed");
    expect(await progressOf(late)).toBeUndefined();
    // The course was already complete (certificate issued): that is revoked by its own path, not here.
    expect((await progressOf(present))?.state).toBe("completed");
    expect(await completionOf(present)).toBeDefined();
  });

  test("a member assigned the course after the session was settled completes it on the next settling", async () => {
    const c = await createCourse(db, { slug: "chi-tham-du", title: "Chỉ cần tham dự" });
    await addItem(db, c.id, "chuong-1", "live", "Tham dự", new Date(), { sessionId, minutes: 60 });
    await publishCourse(db, c.id, admin.id); // marks the session for settling
    await settleDueSessions(db, RW);
    const done = async (m: Member) => await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, m.id), eq(courseCompletions.courseId, c.id))));
    expect(await done(unassigned)).toBeUndefined(); // attended, but the course is not theirs yet
    await assignToMember(db, { courseId: c.id, memberId: unassigned.id, dueAt: null, actorId: admin.id });
    expect(await settledAt()).toBeNull();
    await settleDueSessions(db, RW);
    expect((await done(unassigned))?.completedAt).toEqual(new Date(T0 + 60 * MIN));
  });

  test("a member who moved out of the invited units keeps the item their attendance earned when the session is settled again", async () => {
    expect(await progressOf(late)).toBeUndefined();
    expect((await progressOf(absent))?.state).toBe("completed"); // corrected to present earlier
    await transferMember(db, absent.id, tree.b1.id, admin.id);
    await correctAttendance(db, { sessionId, memberId: excused.id, status: "excused", reason: "Vẫn đi công tác", correctedBy: admin.id });
    await settleDueSessions(db, RW);
    expect((await progressOf(absent))?.state).toBe("completed");
    await transferMember(db, absent.id, tree.a1.id, admin.id); // back, for the tests below
  });

  test("a package carries the item by session id; an unknown id is refused with the item named", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-live-pkg-"));
    try {
      await exportPackage(db, dir, "khoa-co-phien", dir);
      const meta = JSON.parse(fs.readFileSync(path.join(dir, "khoa-co-phien", "course.json"), "utf8"));
      expect(meta.modules[0].items[1]).toEqual({ key: "tham-du", type: "live", title: "Tham dự", liveSession: sessionId, estimatedMinutes: 60, required: true });
      const loaded = loadPackage(path.join(dir, "khoa-co-phien"));
      expect(loaded.ok).toBe(true);
      if (!loaded.ok) return;
      // Re-importing the same package changes nothing.
      expect((await importPackage(db, dir, loaded.pkg, admin.id)).newVersion).toBe(false);
      meta.modules[0].items[1].liveSession = 999_999;
      fs.writeFileSync(path.join(dir, "khoa-co-phien", "course.json"), JSON.stringify(meta));
      const bad = loadPackage(path.join(dir, "khoa-co-phien"));
      expect(bad.ok).toBe(true);
      if (!bad.ok) return;
      await expect(async () => importPackage(db, dir, bad.pkg, admin.id)).rejects.toThrow(/liveSessionMissing/);
      expect((await draftSnapshot(db, courseId)).modules[0].items[1].liveSessionId).toBe(sessionId); // nothing lost
      // A live item needs its session and no file; a lesson needs a file.
      meta.modules[0].items[1] = { key: "tham-du", type: "live", title: "Tham dự", file: "x.md" };
      fs.writeFileSync(path.join(dir, "khoa-co-phien", "course.json"), JSON.stringify(meta));
      const invalid = loadPackage(path.join(dir, "khoa-co-phien"));
      expect(invalid.ok).toBe(false);
      if (!invalid.ok) expect(invalid.problems.map((p) => p.message).join("\n")).toContain('"live" item "tham-du" needs liveSession and no file');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("over HTTP", () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    srv = await startTestServer(db);
  });
  afterAll(async () => srv?.close());

  test("the member sees the session on the item page and whether it counted", async () => {
    const m = client(srv.origin);
    await m.signIn("LC-ABSENT");
    const html = (await (await m.request("/courses/khoa-co-phien/tham-du")).text()).replace(/<!-- -->/g, "");
    expect(html).toContain("Học tập chuyên đề chuyển đổi số");
    expect(html).toContain('data-state="completed"');
    expect(html).toContain("Đồng chí đã tham dự phiên (Có mặt)");
    const outline = (await (await m.request("/courses/khoa-co-phien")).text()).replace(/<!-- -->/g, "");
    expect(outline).toContain("Phiên trực tuyến");

    const l = client(srv.origin);
    await l.signIn("LC-LATE");
    const lateHtml = (await (await l.request("/courses/khoa-co-phien/tham-du")).text()).replace(/<!-- -->/g, "");
    expect(lateHtml).toContain('data-state="absent"');
    expect(lateHtml).toContain("Nhật ký điểm danh ghi nhận: Vắng");
  });

  test("an author adds an attend-session item only for a session their scope sees", async () => {
    const c = await createCourse(db, { slug: "khoa-cua-b", title: "Khóa của B", createdBy: trainerB.id });
    const t = client(srv.origin);
    await t.signIn("LC-TR-B");
    // The session invites A only: not in B's scope, so not offered and refused when forged.
    const page = await (await t.request(`/manage/courses/${c.id}`)).text();
    expect(page).not.toContain("Học tập chuyên đề chuyển đổi số");
    const forged = await t.request(`/manage/courses/${c.id}`, { form: { intent: "add-live", moduleKey: "chuong-1", sessionId: String(sessionId) } });
    expect(forged.status).toBe(404);
    expect((await draftSnapshot(db, c.id)).modules[0].items).toHaveLength(0);

    const a = client(srv.origin);
    await a.signIn("LC-ADMIN");
    const res = await a.request(`/manage/courses/${c.id}`, { form: { intent: "add-live", moduleKey: "chuong-1", sessionId: String(sessionId) } });
    expect(res.status).toBe(200);
    expect((await draftSnapshot(db, c.id)).modules[0].items).toMatchObject([
      { type: "live", liveSessionId: sessionId, title: "Tham dự: Học tập chuyên đề chuyển đổi số", estimatedMinutes: 60 },
    ]);
  });
});

describe("questions kept after the session", () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    const at = new Date(T0 + 5 * MIN);
    const row = async (id: string, o: Partial<typeof liveChatMessages.$inferInsert>) =>
      await writeTx(db, async (tx) => tx.insert(liveChatMessages).values({ id, sessionId, memberId: present.id, authorName: "Người Hỏi", unitName: "Chi bộ A1", text: "", createdAt: at, ...o }));
    await row("00000000-0000-4000-8000-000000000001", { text: "Chữ ký số dùng thế nào?", question: true, answerText: "Xem bài 3.", answeredBy: "Báo cáo viên", answeredAt: at });
    await row("00000000-0000-4000-8000-000000000002", { text: "<b>chào</b> mọi người", question: false });
    await row("00000000-0000-4000-8000-000000000003", { text: "nội dung không phù hợp", question: true, hidden: true, moderation: "hide", moderatedBy: "Báo cáo viên", moderatedAt: at });
    await row("00000000-0000-4000-8000-000000000004", { text: '=HYPERLINK("http://evil.example","Bấm")', question: false });
    srv = await startTestServer(db);
  });
  afterAll(async () => srv?.close());

  test("managers in scope read the questions; hidden text only for administrators and presenters; markup stays text", async () => {
    const a = client(srv.origin);
    await a.signIn("LC-ADMIN");
    const html = (await (await a.request(`/manage/live/${sessionId}/questions`)).text()).replace(/<!-- -->/g, "");
    expect(html).toContain("2 câu hỏi (1 đã trả lời) trong 4 tin nhắn.");
    expect(html).toContain("Chữ ký số dùng thế nào?");
    expect(html).toContain("Xem bài 3.");
    expect(html).toContain("nội dung không phù hợp");
    expect(html).toContain("Lần điều phối gần nhất: ẩn — Báo cáo viên");
    expect(html).not.toContain("mọi người"); // not a question: only with "all"
    const all = (await (await a.request(`/manage/live/${sessionId}/questions?all=1`)).text()).replace(/<!-- -->/g, "");
    expect(all).toContain("&lt;b&gt;chào&lt;/b&gt; mọi người");

    const trA = await makeMember(db, tree.a, { code: "LC-TR-A", role: "trainer", scopes: [tree.a] });
    expect(trA.id).toBeGreaterThan(0);
    const t = client(srv.origin);
    await t.signIn("LC-TR-A");
    const mine = (await (await t.request(`/manage/live/${sessionId}/questions`)).text()).replace(/<!-- -->/g, "");
    expect(mine).toContain("Chữ ký số dùng thế nào?");
    expect(mine).not.toContain("nội dung không phù hợp");
    expect(mine).toContain("Người trình bày đã ẩn tin nhắn này.");

    // The CSV: same rows and rules, cells neutralised against formula injection.
    const csv = await a.request(`/manage/live/${sessionId}/questions.csv?all=1`);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM spreadsheet programs look for
    const text = bytes.subarray(3).toString("utf8");
    expect(text.startsWith("Thời gian (giờ Việt Nam),Loại,Người gửi,Đơn vị,Nội dung,Trả lời,Người trả lời,Đã ẩn,Đã ghim,Điều phối gần nhất\r\n")).toBe(true);
    expect(text).toContain("Câu hỏi,Người Hỏi,Chi bộ A1,Chữ ký số dùng thế nào?,Xem bài 3.,Báo cáo viên,,");
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""Bấm"")"`);
    expect(text.trim().split("\r\n")).toHaveLength(5);
    const trCsv = await (await t.request(`/manage/live/${sessionId}/questions.csv`)).text();
    expect(trCsv).not.toContain("nội dung không phù hợp");
    expect(trCsv).toContain("(đã ẩn)");

    const b = client(srv.origin);
    await b.signIn("LC-TR-B");
    expect((await b.request(`/manage/live/${sessionId}/questions`)).status).toBe(404);
    expect((await b.request(`/manage/live/${sessionId}/questions.csv`)).status).toBe(404);
    const m = client(srv.origin);
    await m.signIn("LC-PRESENT");
    expect((await m.request(`/manage/live/${sessionId}/questions`)).status).toBe(403);
  });
});
