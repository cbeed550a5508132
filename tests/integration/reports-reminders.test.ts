import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { startSmtpSink, type ReceivedMail, type SmtpSink } from "#tests/harness/smtp-sink.ts";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import type { Env } from "#app/env.server.ts";
import { notifications } from "#db/schema/index.ts";
import type { Member } from "#app/org/members.server.ts";
import { completeLesson, openItem } from "#app/courses/learning.server.ts";
import { remindMembers } from "#app/notifications/reminders.server.ts";
import { unreadNotifications } from "#app/notifications/notifications.server.ts";
import { reminderKind } from "#app/notifications/kinds.ts";
import { mailConfig } from "#app/notifications/config.server.ts";
import { deliverDueMails } from "#app/notifications/outbox.server.ts";

/**
 * "Who is missing" reminders: an in-app notification the member sees on their next visit, plus an
 * e-mail delivered to a real SMTP server listening on loopback (smtp-server, not a mock); at most
 * one per member per course per day, each one recorded.
 */

let inbox: ReceivedMail[] = [];
let sink: SmtpSink;
let sinkPort: number;
let db: Awaited<ReturnType<typeof testDb>>;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let t: Awaited<ReturnType<typeof makeTree>>;
let X: number;
const p: Record<string, Member> = {};

beforeAll(async () => {
  sink = await startSmtpSink();
  inbox = sink.inbox;
  sinkPort = sink.port;

  db = await testDb();
  t = await makeTree(db);
  p.trainer = await makeMember(db, t.a, { code: "TRAINER-A", fullName: "Cán Bộ A", role: "trainer", scopes: [t.a] });
  p.r1 = await makeMember(db, t.a1, { code: "R1", fullName: "Nguyễn Văn Một", email: "mot@example.test" });
  p.r2 = await makeMember(db, t.a1, { code: "R2", fullName: "Trần Thị Hai", email: "hai@example.test" });
  p.r3 = await makeMember(db, t.a1, { code: "R3", fullName: "Lê Ba (không e-mail)" });
  p.done = await makeMember(db, t.a1, { code: "R4", fullName: "Phạm Đã Xong", email: "xong@example.test" });
  const past = new Date(Date.now() - 5 * 24 * 3600_000);
  const course = await makeCourse(db, { slug: "nghi-quyet", title: "Học tập Nghị quyết", at: past, assignTo: t.root, dueAt: new Date(Date.now() + 7 * 24 * 3600_000) });
  X = course.id;
  await openItem(db, p.done.id, X, "bai-1", course.publishedVersionId!, new Date(Date.now() - 7200_000));
  await completeLesson(db, p.done.id, course, "bai-1", new Date(Date.now() - 3600_000));

  srv = await startTestServer(db, { SMTP_URL: `smtp://127.0.0.1:${sinkPort}`, SMTP_FROM: "Học Số <no-reply@hocso.test>" } as unknown as Partial<Env>);
  // E-mail links come from APP_ORIGIN (the test server's own origin, known once it listens).
  srv.env.APP_ORIGIN = srv.origin;
});
afterAll(async () => {
  await srv?.close();
  await dropDb(db);
  await sink.close();
});

const sinkMail = () => mailConfig({ SMTP_URL: `smtp://127.0.0.1:${sinkPort}`, SMTP_FROM: "Học Số <no-reply@hocso.test>" })!;
const reminders = async (memberId: number) =>
  await db.select().from(notifications).where(and(eq(notifications.memberId, memberId), eq(notifications.kind, reminderKind(X)))).orderBy(notifications.id);
/**
 * The page's HTML without NUL bytes: React 18.3.1's renderToPipeableStream can write two NULs
 * where a multi-byte character straddles its 2 KB chunk boundary (react/react#31134); browsers
 * drop them, string comparisons would not.
 */
const pageText = async (res: Response) => (await res.text()).replaceAll("\u0000", "");
const missingUrl = () => `/manage/reports/units/${t.a1.id}/missing?course=${X}`;

describe("reminders", () => {
  test("the list shows who is missing with their state; the completed member is not in it", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    const list = await pageText(await c.request(missingUrl()));
    expect(list).toContain('data-member="R1"');
    expect(list).toContain('data-member="R3"');
    expect(list).not.toContain('data-member="R4"');
    expect(list).not.toContain("Chưa cấu hình máy chủ e-mail");
  });

  test("one click: an in-app notification and an e-mail queued, then delivered to the SMTP server by the outbox", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    const res = await c.request(missingUrl(), { form: { intent: "remind", memberId: String(p.r1.id) } });
    expect(res.status).toBe(200);
    expect(await pageText(res)).toContain("Đã gửi 1 nhắc nhở; 0 người đã được nhắc hôm nay; 1 e-mail đang chờ gửi");
    let rows = await reminders(p.r1.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ title: "Học tập Nghị quyết", link: "/courses/nghi-quyet", createdBy: p.trainer.id, readAt: null, emailError: null, emailedAt: null });
    expect(rows[0].emailNextAt).toBeInstanceOf(Date);
    expect(inbox).toHaveLength(0); // the request did not wait for SMTP
    expect(await deliverDueMails(db, sinkMail())).toEqual({ sent: 1, failed: 0, givenUp: 0 });
    rows = await reminders(p.r1.id);
    expect(rows[0]).toMatchObject({ emailNextAt: null, emailAttempts: 1, emailError: null });
    expect(rows[0].emailedAt).toBeInstanceOf(Date);
    expect(await deliverDueMails(db, sinkMail())).toEqual({ sent: 0, failed: 0, givenUp: 0 }); // sent once
    expect(inbox).toHaveLength(1);
    expect(inbox[0].envelopeTo).toEqual(["mot@example.test"]);
    expect(inbox[0].envelopeFrom).toBe("no-reply@hocso.test");
    expect(inbox[0].subject).toBe("Nhắc học: Học tập Nghị quyết / Reminder: Học tập Nghị quyết");
    expect(inbox[0].text).toContain("Chào Nguyễn Văn Một,");
    expect(inbox[0].text).toContain(`${srv.origin}/courses/nghi-quyet`);
  });

  test("a second reminder the same day is not sent (rate limit), and the list says so", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    const res = await c.request(missingUrl(), { form: { intent: "remind", memberId: String(p.r1.id) } });
    expect(await pageText(res)).toContain("Đã gửi 0 nhắc nhở; 1 người đã được nhắc hôm nay");
    expect(await reminders(p.r1.id)).toHaveLength(1);
    expect(inbox).toHaveLength(1);
    const list = await pageText(await c.request(missingUrl()));
    const row = list.slice(list.indexOf('data-member="R1"'), list.indexOf('data-member="R2"'));
    expect(row).toContain("Đã nhắc hôm nay");
  });

  test("remind all: everyone listed not yet reminded today; e-mail only where there is an address", async () => {
    const c = client(srv.origin);
    await c.signIn("TRAINER-A");
    const res = await c.request(missingUrl(), { form: { intent: "remind-all", note: "Hạn chót thứ Sáu này." } });
    expect(await pageText(res)).toContain("Đã gửi 2 nhắc nhở; 1 người đã được nhắc hôm nay; 1 e-mail đang chờ gửi");
    expect(await deliverDueMails(db, sinkMail())).toEqual({ sent: 1, failed: 0, givenUp: 0 });
    expect(await reminders(p.r2.id)).toHaveLength(1);
    expect(await reminders(p.r3.id)).toHaveLength(1);
    expect((await reminders(p.r3.id))[0].emailedAt).toBeNull();
    expect(await reminders(p.done.id)).toHaveLength(0);
    expect(inbox).toHaveLength(2);
    expect(inbox[1].envelopeTo).toEqual(["hai@example.test"]);
    expect(inbox[1].text).toContain("Lời nhắn: Hạn chót thứ Sáu này.");
    expect((await reminders(p.r2.id))[0].body).toBe("Hạn chót thứ Sáu này.");
  });

  test("the next day a member may be reminded again", async () => {
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    const r = await remindMembers(db, { courseId: X, memberIds: [p.r1.id, p.r1.id], actorId: p.trainer.id, origin: "http://x", mail: null, now: tomorrow });
    expect(r).toEqual({ sent: 1, skipped: 0, emailQueued: 0 });
    const again = await remindMembers(db, { courseId: X, memberIds: [p.r1.id], actorId: p.trainer.id, origin: "http://x", mail: null, now: tomorrow });
    expect(again.sent).toBe(0);
    expect(await reminders(p.r1.id)).toHaveLength(2);
  });

  test("the member sees it on their next visit and marks it read; another member's cannot be touched", async () => {
    expect((await unreadNotifications(db, p.r2.id)).count).toBe(1);
    const c = client(srv.origin);
    await c.signIn("R2");
    const page = await c.request("/notifications");
    expect(page.status).toBe(200);
    const text = await pageText(page);
    expect(text).toContain("Nhắc học: Học tập Nghị quyết");
    expect(text).toContain("Hạn chót thứ Sáu này.");
    const mine = (await reminders(p.r2.id))[0];
    const theirs = (await reminders(p.r3.id))[0];
    expect((await c.request("/notifications", { form: { intent: "read", id: String(theirs.id) } })).status).toBe(404);
    expect((await reminders(p.r3.id))[0].readAt).toBeNull();
    const open = await c.request("/notifications", { form: { intent: "open", id: String(mine.id) } });
    expect(open.status).toBe(302);
    expect(open.headers.get("location")).toBe("/courses/nghi-quyet");
    expect((await reminders(p.r2.id))[0].readAt).toBeInstanceOf(Date);
    expect(await unreadNotifications(db, p.r2.id)).toEqual({ count: 0, items: [] });
  });

  test("an SMTP server that does not answer: the reminder is kept, the e-mail retried later with growing waits, then given up", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = mailConfig({ SMTP_URL: `smtp://127.0.0.1:${port}` })!;
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    const r = await remindMembers(db, { courseId: X, memberIds: [p.r2.id], actorId: p.trainer.id, origin: "http://x", mail: down, now: tomorrow });
    expect(r).toMatchObject({ sent: 1, emailQueued: 1 });
    expect(await deliverDueMails(db, down, { now: tomorrow })).toEqual({ sent: 0, failed: 1, givenUp: 0 });
    let row = (await reminders(p.r2.id)).at(-1)!;
    expect(row.emailedAt).toBeNull();
    expect(row.emailError).toMatch(/ECONNREFUSED|connect/i);
    expect(row.emailAttempts).toBe(1);
    expect(row.emailNextAt!.getTime()).toBeGreaterThan(tomorrow.getTime());
    // Not due again before its wait; once due, a server that answers gets it.
    expect(await deliverDueMails(db, sinkMail(), { now: tomorrow })).toEqual({ sent: 0, failed: 0, givenUp: 0 });
    const before = inbox.length;
    expect(await deliverDueMails(db, sinkMail(), { now: new Date(row.emailNextAt!.getTime() + 1) })).toEqual({ sent: 1, failed: 0, givenUp: 0 });
    expect(inbox.length).toBe(before + 1);
    row = (await reminders(p.r2.id)).at(-1)!;
    expect(row).toMatchObject({ emailAttempts: 2, emailError: null, emailNextAt: null });

    // Five failures in a row: given up, the last error kept.
    const later = new Date(Date.now() + 3 * 24 * 3600_000);
    await remindMembers(db, { courseId: X, memberIds: [p.r1.id], actorId: p.trainer.id, origin: "http://x", mail: down, now: later });
    let at = later;
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await deliverDueMails(db, down, { now: at }));
      const next = (await reminders(p.r1.id)).at(-1)!.emailNextAt;
      if (next) at = new Date(next.getTime() + 1);
    }
    expect(results.map((x) => x.failed)).toEqual([1, 1, 1, 1, 1]);
    expect(results.at(-1)!.givenUp).toBe(1);
    row = (await reminders(p.r1.id)).at(-1)!;
    expect(row).toMatchObject({ emailAttempts: 5, emailNextAt: null, emailedAt: null });
    expect(row.emailError).toMatch(/ECONNREFUSED|connect/i);
  });

  test("mail configuration: unset means in-app only; a wrong scheme is refused", () => {
    expect(mailConfig({})).toBeNull();
    expect(mailConfig({ SMTP_URL: "" })).toBeNull();
    expect(mailConfig({ SMTP_URL: "smtp://u:p@mail.example:587" })).toEqual({ url: "smtp://u:p@mail.example:587", from: "Học Số <no-reply@localhost>" });
    expect(() => mailConfig({ SMTP_URL: "http://mail.example" })).toThrow(/SMTP_URL/);
  });
});
