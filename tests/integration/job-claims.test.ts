import { afterAll, beforeAll, expect, test } from "vitest";
import { startSmtpSink, type SmtpSink } from "#tests/harness/smtp-sink.ts";
import { eq, inArray } from "drizzle-orm";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { raceProcesses } from "#tests/harness/two-processes.ts";
import { writeTx } from "#db/client.server.ts";
import { jobClaims, notifications, quizAttempts, quizSettings } from "#db/schema/index.ts";
import { makeQuizCourse } from "#tests/factories/courses.ts";
import { startAttempt } from "#app/quizzes/attempts.server.ts";

/**
 * ADR 0015 step 3, "Jobs run once across processes", with the e-mail outbox as the witness (a real
 * SMTP server on loopback counts what arrives): two app processes draining one outbox send each
 * mail once; a process killed while holding claims leaves its mails to the other, which sends them
 * once the lease has run out, and not before.
 */
let db: TestDb;
let t: Awaited<ReturnType<typeof makeTree>>;
let sink: SmtpSink;
let smtpUrl: string;
/** Every recipient the SMTP server was handed, in arrival order. */
const received = () => sink.inbox.flatMap((m) => m.envelopeTo);

beforeAll(async () => {
  sink = await startSmtpSink();
  smtpUrl = sink.url;
  db = await testDb();
  t = await makeTree(db);
});
afterAll(async () => {
  await dropDb(db);
  await sink.close();
});

/** `n` members with an e-mail address, each with one reminder due at `due`; returns the addresses and row ids. */
async function dueMails(prefix: string, n: number, due: Date) {
  const addresses: string[] = [];
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const email = `${prefix}-${i}@example.test`;
    const m = await makeMember(db, t.a1, { email, code: `${prefix.toUpperCase()}-${i}` });
    addresses.push(email);
    await writeTx(db, async (tx) => {
      const [row] = await tx
        .insert(notifications)
        .values({ memberId: m.id, kind: "reminder", title: `Khóa ${prefix} ${i}`, body: "Nhắc học", createdAt: due, emailNextAt: due, emailUrl: "http://hocso.test/" })
        .returning({ id: notifications.id });
      ids.push(row.id);
    });
  }
  return { addresses, ids };
}

const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());

test("two processes drain one outbox: every mail sent exactly once, each recorded once, no claim left", async () => {
  const at = Date.now();
  const { addresses, ids } = await dueMails("hai", 24, new Date(at - 1000));
  const task = { kind: "mail", smtpUrl, at, batch: 4 };
  const [a, b] = await raceProcesses(db.url, [task, task]);
  expect((a.result as number) + (b.result as number)).toBe(addresses.length);
  const got = count(received().filter((r) => r.startsWith("hai-")));
  expect([...got.keys()].sort()).toEqual([...addresses].sort());
  expect([...got.values()].every((c) => c === 1)).toBe(true);
  const rows = await db.select().from(notifications).where(inArray(notifications.id, ids));
  expect(rows.every((r) => r.emailedAt !== null && r.emailAttempts === 1)).toBe(true);
  expect(await db.select().from(jobClaims).where(eq(jobClaims.job, "mail"))).toEqual([]);
}, 240_000);

test("a process killed holding claims: its mails wait for the lease, then another process sends each once", async () => {
  const at = Date.now();
  const { addresses, ids } = await dueMails("chet", 6, new Date(at - 1000));
  const LEASE = 15 * 60_000; // the outbox's own lease (CLAIM_MS)
  const [killed] = await raceProcesses(db.url, [{ kind: "kill-after-claim", job: "mail", items: ids.map(String), at, leaseMs: LEASE }]);
  expect(killed.killed).toBe(true);
  expect(killed.stdout).toContain(`CLAIMED ${JSON.stringify(ids.map(String).sort())}`);
  // Within the lease nobody takes them over: nothing is sent.
  const [early] = await raceProcesses(db.url, [{ kind: "mail", smtpUrl, at: at + LEASE - 1000, batch: 4 }]);
  expect(early.result).toBe(0);
  expect(received().filter((r) => r.startsWith("chet-"))).toEqual([]);
  // After it, two processes race for them: each mail goes once.
  const task = { kind: "mail", smtpUrl, at: at + LEASE + 1000, batch: 4 };
  const [a, b] = await raceProcesses(db.url, [task, task]);
  expect((a.result as number) + (b.result as number)).toBe(addresses.length);
  const got = count(received().filter((r) => r.startsWith("chet-")));
  expect([...got.keys()].sort()).toEqual([...addresses].sort());
  expect([...got.values()].every((c) => c === 1)).toBe(true);
  expect(await db.select().from(jobClaims).where(eq(jobClaims.job, "mail"))).toEqual([]);
}, 240_000);

test("two processes close abandoned quiz attempts: each closed by one of them, once", async () => {
  const { course, quizKey } = await makeQuizCourse(db, { gift: "::q1::Hai cộng hai?{=bốn ~ba}\n", assignTo: t.root, attemptsAllowed: 0 });
  await writeTx(db, async (tx) => tx.update(quizSettings).set({ timeLimitSeconds: 60 }).where(eq(quizSettings.courseId, course.id)));
  const started = new Date(Date.now() - 3_600_000);
  const ids: number[] = [];
  for (let i = 0; i < 12; i++) {
    const m = await makeMember(db, t.a2);
    ids.push((await startAttempt(db, m.id, course, quizKey, started)).id);
  }
  const task = { kind: "abandoned", at: Date.now(), limit: 3 };
  const [a, b] = await raceProcesses(db.url, [task, task]);
  const closed = [...(a.result as number[]), ...(b.result as number[])];
  expect(closed.sort((x, y) => x - y)).toEqual([...ids].sort((x, y) => x - y));
  const rows = await db.select().from(quizAttempts).where(inArray(quizAttempts.id, ids));
  expect(rows.every((r) => r.state === "expired")).toBe(true);
  expect(await db.select().from(jobClaims).where(eq(jobClaims.job, "abandoned-attempts"))).toEqual([]);
}, 240_000);
