import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeCourse, makeQuizCourse } from "#tests/factories/courses.ts";
import { makeSession } from "#tests/factories/live.ts";
import { raceProcesses } from "#tests/harness/two-processes.ts";
import { issueActivationCodes } from "#app/org/members.server.ts";
import { openItem } from "#app/courses/learning.server.ts";
import { writeTx } from "#db/client.server.ts";
import { attendanceEvents, certificates, courseCompletions, loginThrottle, members, quizAttempts } from "#db/schema/index.ts";

/**
 * ADR 0015 step 3: every check-then-write that SQLite's single writer made safe stays safe with
 * two app processes on one database (two processes on one SQLite file; two on one PostgreSQL
 * database, where READ COMMITTED alone would let both pass the check). Each race starts both
 * processes on one "go" and asserts the invariant on what is stored.
 */
let db: TestDb;
let t: Awaited<ReturnType<typeof makeTree>>;

beforeAll(async () => {
  db = await testDb();
  t = await makeTree(db);
});
afterAll(async () => {
  await dropDb(db);
});

const GIFT = "::q1::Hai cộng hai?{=bốn ~ba}\n";

describe("two app processes on one database", () => {
  test("starting a quiz: one open attempt however many starts race, and both processes land on it", async () => {
    const m = await makeMember(db, t.a1);
    const { course, quizKey } = await makeQuizCourse(db, { gift: GIFT, assignTo: t.root, slug: "race-quiz" });
    const task = { kind: "start-attempt", memberId: m.id, slug: course.slug, itemKey: quizKey, times: 5 };
    const [a, b] = await raceProcesses(db.url, [task, task]);
    const ids = new Set([...(a.result as number[]), ...(b.result as number[])]);
    const rows = await db.select().from(quizAttempts).where(and(eq(quizAttempts.memberId, m.id), eq(quizAttempts.courseId, course.id)));
    expect(rows).toHaveLength(1);
    expect(rows[0].state).toBe("open");
    expect([...ids]).toEqual([rows[0].id]);
  }, 120_000);

  test("sign-in throttling counts every failure of both processes", async () => {
    const task = { kind: "throttle", key: "acct:race-throttle", times: 15 };
    await raceProcesses(db.url, [task, task]);
    const row = (await db.select().from(loginThrottle).where(eq(loginThrottle.key, "acct:race-throttle")))[0];
    expect(row.failures).toBe(30);
  }, 120_000);

  test("an activation code is spent once: of two activations with it, one succeeds", async () => {
    const m = await makeMember(db, t.a1, { password: false, code: "RACE-ACT" });
    const [{ code }] = await issueActivationCodes(db, [m.id], null);
    const task = { kind: "activate", identifier: "RACE-ACT", code };
    const outcomes = (await raceProcesses(db.url, [task, task])).map((o) => o.result);
    expect(outcomes.sort()).toEqual([false, true]);
    const row = (await db.select().from(members).where(eq(members.id, m.id)))[0];
    expect(row.activationCodeHash).toBeNull();
    expect(row.passwordHash).not.toBeNull();
  }, 120_000);

  test("certificates: one per member and course, with one code, however many processes issue it", async () => {
    const course = await makeCourse(db, { assignTo: t.root });
    const ms: Awaited<ReturnType<typeof makeMember>>[] = [];
    for (let i = 0; i < 8; i++) ms.push(await makeMember(db, t.a2));
    const completedAt = Date.now();
    await writeTx(db, async (tx) => {
      for (const m of ms) await tx.insert(courseCompletions).values({ memberId: m.id, courseId: course.id, versionId: course.publishedVersionId, completedAt: new Date(completedAt) });
    });
    const task = { kind: "certificate", completions: ms.map((m) => ({ memberId: m.id, courseId: course.id, completedAt })) };
    const [a, b] = await raceProcesses(db.url, [task, task]);
    expect(a.result).toEqual(b.result);
    const rows = await db.select().from(certificates).where(eq(certificates.courseId, course.id));
    expect(rows).toHaveLength(ms.length);
    expect(new Set(rows.map((r) => r.code))).toEqual(new Set(a.result as string[]));
  }, 120_000);

  test("attendance events: one row per event id when both processes append the same events", async () => {
    const m = await makeMember(db, t.a1);
    const s = await makeSession(db, { inviteUnits: [t.root], state: "live", actualStart: Date.now() });
    const eventIds = Array.from({ length: 40 }, (_, i) => `race-${s.id}-${i}`);
    const task = { kind: "attendance", sessionId: s.id, memberId: m.id, eventIds, at: Date.now() };
    const [a, b] = await raceProcesses(db.url, [task, task]);
    const rows = await db.select().from(attendanceEvents).where(eq(attendanceEvents.sessionId, s.id));
    expect(rows.map((r) => r.eventId).sort()).toEqual([...eventIds].sort());
    expect((a.result as number) + (b.result as number)).toBe(eventIds.length);
  }, 120_000);

  test("progress: the last two lessons completed at once by two processes complete the course once, with one certificate", async () => {
    const m = await makeMember(db, t.a1);
    const course = await makeCourse(db, { lessons: 2, assignTo: t.root });
    const opened = new Date(Date.now() - 3_600_000);
    for (const key of course.lessonKeys) await openItem(db, m.id, course.id, key, course.publishedVersionId!, opened);
    const at = Date.now();
    const [a, b] = await raceProcesses(db.url, [
      { kind: "complete-lessons", memberId: m.id, slug: course.slug, itemKeys: [course.lessonKeys[0]], at },
      { kind: "complete-lessons", memberId: m.id, slug: course.slug, itemKeys: [course.lessonKeys[1]], at },
    ]);
    // Exactly one of the two saw the other's lesson done and completed the course.
    expect([...(a.result as boolean[]), ...(b.result as boolean[])].sort()).toEqual([false, true]);
    expect(await db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, m.id), eq(courseCompletions.courseId, course.id)))).toHaveLength(1);
    expect(await db.select().from(certificates).where(and(eq(certificates.memberId, m.id), eq(certificates.courseId, course.id)))).toHaveLength(1);
  }, 120_000);
});
