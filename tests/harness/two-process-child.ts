/**
 * One of two app processes in a race (tests/integration/two-process-races.test.ts,
 * tests/integration/job-claims.test.ts): opens DATABASE_URL as the app does (either engine), says
 * "ready", waits for "go" on stdin so both start together, runs one domain function `times` times,
 * and prints `RESULT <json>` before exiting. `kill-after-claim` claims items of a job and then
 * kills itself with SIGKILL, holding the claims (a process dying mid-job).
 */
import readline from "node:readline";
import { z } from "zod";
import { closeDb, openDb } from "#db/client.server.ts";
import { getCourseBySlug } from "#app/courses/courses.server.ts";
import { closeAbandonedAttempts, startAttempt } from "#app/quizzes/attempts.server.ts";
import { recordFailure } from "#app/auth/throttle.server.ts";
import { activateAccount } from "#app/auth/sign-in.server.ts";
import { issueCertificate } from "#app/certificates/issue.server.ts";
import { AttendanceLedger } from "../../media-server/src/attendance.ts";
import { deliverDueMails } from "#app/notifications/outbox.server.ts";
import { claimJobItems } from "#db/job-claims.server.ts";
import { completeLesson } from "#app/courses/learning.server.ts";

const task = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("start-attempt"), memberId: z.number(), slug: z.string(), itemKey: z.string(), times: z.number() }),
    z.object({ kind: z.literal("throttle"), key: z.string(), times: z.number() }),
    z.object({ kind: z.literal("activate"), identifier: z.string(), code: z.string() }),
    z.object({ kind: z.literal("certificate"), completions: z.array(z.object({ memberId: z.number(), courseId: z.number(), completedAt: z.number() })) }),
    z.object({ kind: z.literal("attendance"), sessionId: z.number(), memberId: z.number(), eventIds: z.array(z.string()), at: z.number() }),
    z.object({ kind: z.literal("complete-lessons"), memberId: z.number(), slug: z.string(), itemKeys: z.array(z.string()), at: z.number() }),
    z.object({ kind: z.literal("mail"), smtpUrl: z.string(), at: z.number(), batch: z.number() }),
    z.object({ kind: z.literal("abandoned"), at: z.number(), limit: z.number() }),
    z.object({ kind: z.literal("kill-after-claim"), job: z.enum(["mail", "abandoned-attempts"]), items: z.array(z.string()), at: z.number(), leaseMs: z.number() }),
  ])
  .parse(JSON.parse(process.argv[2]!));

const db = await openDb(process.env.DATABASE_URL!, { poolSize: 4 });
const lines = readline.createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on("line", (l) => l.trim() === "go" && resolve()));
process.stdout.write("ready\n");
await go;

async function run(): Promise<unknown> {
  switch (task.kind) {
    case "start-attempt": {
      const course = (await getCourseBySlug(db, task.slug))!;
      const ids: number[] = [];
      for (let i = 0; i < task.times; i++) ids.push((await startAttempt(db, task.memberId, course, task.itemKey)).id);
      return ids;
    }
    case "throttle":
      for (let i = 0; i < task.times; i++) await recordFailure(db, task.key, { maxFailures: 1_000_000, lockMs: 60_000, windowMs: 3_600_000 });
      return task.times;
    case "activate": {
      const rules = { account: { maxFailures: 1000, lockMs: 60_000, windowMs: 60_000 }, ip: { maxFailures: 1000, lockMs: 1000, windowMs: 60_000 } };
      const r = await activateAccount(db, { identifier: task.identifier, code: task.code, password: "mat-khau-moi-rat-dai", ip: null, userAgent: null }, rules);
      return r.ok;
    }
    case "certificate": {
      const codes: string[] = [];
      for (const c of task.completions) codes.push((await issueCertificate(db, { ...c, completedAt: new Date(c.completedAt) })).code);
      return codes;
    }
    case "attendance": {
      const ledger = new AttendanceLedger(db);
      let added = 0;
      for (const eventId of task.eventIds) {
        if (await ledger.append({ sessionId: task.sessionId, memberId: task.memberId, eventId, kind: "socket-connect", via: "individual", at: task.at })) added++;
      }
      return added;
    }
    case "complete-lessons": {
      const course = (await getCourseBySlug(db, task.slug))!;
      const completed: boolean[] = [];
      for (const key of task.itemKeys) completed.push((await completeLesson(db, task.memberId, course, key, new Date(task.at))).courseCompleted);
      return completed;
    }
    case "mail": {
      const mail = { url: task.smtpUrl, from: "Học Số <no-reply@hocso.test>" };
      let sent = 0;
      for (;;) {
        const r = await deliverDueMails(db, mail, { now: new Date(task.at), batch: task.batch });
        sent += r.sent;
        if (r.sent + r.failed === 0) return sent;
      }
    }
    case "abandoned": {
      const closed: number[] = [];
      for (;;) {
        const r = await closeAbandonedAttempts(db, { now: new Date(task.at), limit: task.limit });
        closed.push(...r);
        if (r.length === 0) return closed;
      }
    }
    case "kill-after-claim": {
      const got = await claimJobItems(db, task.job, task.items, { leaseMs: task.leaseMs, now: new Date(task.at) });
      process.stdout.write(`CLAIMED ${JSON.stringify(got)}\n`);
      process.kill(process.pid, "SIGKILL");
      return got;
    }
  }
}

const result = await run();
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
lines.close();
await closeDb(db);
