import { afterAll, beforeAll, expect, test } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { inArray } from "drizzle-orm";
import { writeTx } from "#db/client.server.ts";
import { certificates, courseCompletions, itemProgress, liveRecordings, recordingWatches } from "#db/schema/index.ts";
import { testDb, dropDb, type TestDb } from "#tests/factories/db.ts";
import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { makeCourse } from "#tests/factories/courses.ts";
import { makeSession } from "#tests/factories/live.ts";
import { openItem } from "#app/courses/learning.server.ts";
import { publishRecording } from "#app/live/recordings.server.ts";
import { JOIN_TOKEN_SECRET } from "#tests/harness/media.ts";
import { startAppProcess, type AppProcess } from "#tests/harness/app-process.ts";

/**
 * Durability (issue 12): the production app process (scripts/start.ts on the build, as `npm start`
 * runs it) is SIGKILLed at a random moment in the middle of bursts of concurrent writes, at least
 * 30 times, and started again on the same database. Every write whose HTTP response said it
 * succeeded before the kill must be in the database at the end, whole:
 * - progress: lesson completions (the form POST, 200) and lesson-video watch beats (JSON `ok`);
 * - attendance: make-up beats of published session recordings (`/api/live/:id/make-up`, JSON
 *   `ok`), the attendance write the app process itself acknowledges over HTTP. Live attendance is
 *   the media server's ledger, another process (tests/media/ledger.test.ts), not killed here.
 * And nothing is half-written: a course whose lessons are all completed has its completion row and
 * its certificate (same transaction), the completion dated by its last lesson; a made-up recording
 * watch has reached the recording's share, and one that reached it is made up.
 *
 * The kill targets the app, never the database: PostgreSQL keeps running, so the test cluster's
 * fsync=off and synchronous_commit=off (tests/harness/postgres.ts) do not weaken it — a commit the
 * server reported is in PostgreSQL's shared buffers and WAL buffers, which a client's death does
 * not touch (those settings matter only when PostgreSQL itself or the machine dies). On SQLite the
 * same holds for the WAL file in the page cache: the killed process's committed transactions are
 * in the file; only the operating system dying could lose them.
 */
const MEMBERS = 3;
const COURSES = 3;
const LESSONS = 5;
const SESSIONS = 2;
const MIN_CYCLES = 30;
const MAX_CYCLES = 60;
/** Per member per burst: completions of the next lessons in line. */
const COMPLETIONS_PER_BURST = 2;
/** A 100 s recording: a beat's reported percent is its credited seconds. */
const RECORDING_MS = 100_000;
const MAKE_UP_PERCENT = 20;

let db: TestDb;
let dataDir: string;
let app: AppProcess | undefined;
let members: Awaited<ReturnType<typeof makeMember>>[];
let courses: Awaited<ReturnType<typeof makeCourse>>[];
let watchCourse: Awaited<ReturnType<typeof makeCourse>>;
let sessionIds: number[];
const env = { JOIN_TOKEN_SECRET, START_MEDIA_SERVER: "false" };

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  members = [];
  for (let i = 0; i < MEMBERS; i++) members.push(await makeMember(db, t.a1, { code: `BEN-${i + 1}` }));
  courses = [];
  for (let c = 0; c < COURSES; c++) courses.push(await makeCourse(db, { slug: `ben-bi-${c + 1}`, title: `Khóa bền bỉ ${c + 1}`, lessons: LESSONS, assignTo: t.root }));
  watchCourse = await makeCourse(db, { slug: "xem-video", title: "Khóa xem video", lessons: 1, assignTo: t.root });
  // Every lesson opened an hour ago, so its reading time is met and a completion only has to commit.
  const hourAgo = new Date(Date.now() - 3600_000);
  for (const m of members) {
    for (const c of [...courses, watchCourse]) for (const k of c.lessonKeys) await openItem(db, m.id, c.id, k, c.publishedVersionId!, hourAgo);
  }
  // Sessions that ended yesterday with nobody attending live: every member is offered make-up study.
  sessionIds = [];
  const start = Date.now() - 86_400_000;
  for (let s = 0; s < SESSIONS; s++) {
    const id = (await makeSession(db, { title: `Phiên học bù ${s + 1}`, start, end: start + 3600_000, actualStart: start, actualEnd: start + 3600_000, state: "ended", inviteUnits: [t.root] })).id;
    const now = new Date();
    await writeTx(db, async (tx) => tx.insert(liveRecordings)
      .values({ sessionId: id, state: "ready", startedAt: now, stoppedAt: now, file: `recordings/ben-${s}.webm`, durationMs: RECORDING_MS, bytes: 1, updatedAt: now }));
    await publishRecording(db, { sessionId: id, actorId: null, makeUpMinPercent: MAKE_UP_PERCENT });
    sessionIds.push(id);
  }
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-durable-"));
}, 600_000);

afterAll(async () => {
  await app?.stop();
  if (db) await dropDb(db);
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

type Reply = { status: number; body: string };

function post(origin: string, p: string, o: { cookie?: string; form?: Record<string, string>; json?: unknown }): Promise<Reply> {
  const headers: Record<string, string> = { origin, "sec-fetch-site": "same-origin" };
  if (o.cookie) headers.cookie = o.cookie;
  let body: string;
  if (o.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(o.json);
  } else {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(o.form ?? {}).toString();
  }
  return fetch(origin + p, { method: "POST", headers, body, redirect: "manual" }).then(async (r) => ({ status: r.status, body: await r.text() }));
}

type Completion = { member: number; course: number; key: string };
type Ack =
  | ({ kind: "complete" } & Completion)
  | { kind: "watch"; member: number; watchSeconds: number; duration: number }
  | { kind: "make-up"; member: number; session: number; percent: number; madeUp: boolean };

test(`SIGKILL mid-burst, ≥ ${MIN_CYCLES} times: every acknowledged progress and attendance write is in the database, whole`, async () => {
  const t0 = Date.now();
  const startTimes: number[] = [];
  const start = async () => {
    const s = Date.now();
    app = await startAppProcess({ databaseUrl: db.url, dataDir, env });
    startTimes.push(Date.now() - s);
    return app;
  };
  let a = await start();
  // Sessions live in the database: signed in once, the cookies outlive every process.
  const cookies: string[] = [];
  for (const m of members) {
    const r = await fetch(a.origin + "/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: a.origin, "sec-fetch-site": "same-origin" },
      body: new URLSearchParams({ identifier: m.code, password: PASSWORD, redirectTo: "/" }).toString(),
      redirect: "manual",
    });
    expect(r.status).toBe(302);
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith("hocso_session="))?.split(";")[0];
    expect(cookie).toBeTruthy();
    cookies.push(cookie!);
  }

  // Lessons to complete, per member, in order; one not acknowledged goes back in line.
  const queues: Completion[][] = members.map((_, mi) => courses.flatMap((c, ci) => c.lessonKeys.map((key) => ({ member: mi, course: ci, key }))));
  const acks: Ack[] = [];
  let sent = 0;
  let beatSeq = 0;
  let cycles = 0;
  let killedInFlight = 0;

  while (cycles < MIN_CYCLES || (queues.some((q) => q.length > 0) && cycles < MAX_CYCLES)) {
    const origin = a.origin;
    type Job = { run: () => Promise<Ack | null>; requeue?: Completion };
    const jobs: Job[] = [];
    members.forEach((_, mi) => {
      const cookie = cookies[mi];
      for (const c of queues[mi].splice(0, COMPLETIONS_PER_BURST)) {
        const course = courses[c.course];
        jobs.push({
          requeue: c,
          run: async () => {
            const r = await post(origin, `/courses/${course.slug}/${c.key}`, { cookie, form: { intent: "complete" } });
            return r.status === 200 ? { kind: "complete", ...c } : null;
          },
        });
      }
      // A distinct duration per beat: the first beat that commits fixes the lesson's, so a lost
      // acknowledged first beat would show as a different duration afterwards.
      const duration = 600 + ++beatSeq;
      jobs.push({
        run: async () => {
          const r = await post(origin, `/api/watch/${watchCourse.slug}/${watchCourse.lessonKeys[0]}`, { cookie, json: { duration } });
          if (r.status !== 200) return null;
          const j = JSON.parse(r.body) as { ok: boolean; watchSeconds: number; duration: number };
          return j.ok ? { kind: "watch", member: mi, watchSeconds: j.watchSeconds, duration: j.duration } : null;
        },
      });
      for (const session of sessionIds) {
        jobs.push({
          run: async () => {
            const r = await post(origin, `/api/live/${session}/make-up`, { cookie, json: {} });
            if (r.status !== 200) return null;
            const j = JSON.parse(r.body) as { ok: boolean; percent: number; madeUp: boolean };
            return j.ok ? { kind: "make-up", member: mi, session, percent: j.percent, madeUp: j.madeUp } : null;
          },
        });
      }
    });
    // Shuffled, so the kill lands on a different kind of write each time.
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
    }
    // The kill comes once a random number of the burst's responses have arrived (0 = at once).
    const killAfter = Math.floor(Math.random() * jobs.length);
    let answered = 0;
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      a.child.kill("SIGKILL");
    };
    const exited = new Promise((r) => a.child.once("exit", r));
    if (killAfter === 0) queueMicrotask(kill);
    sent += jobs.length;
    await Promise.all(
      jobs.map((job) =>
        job.run().then(
          (ack) => {
            // Recorded before anything else happens: an answer read is an acknowledged write.
            if (ack) acks.push(ack);
            else if (job.requeue) queues[job.requeue.member].push(job.requeue);
            if (++answered >= killAfter) kill();
          },
          () => {
            if (job.requeue) queues[job.requeue.member].push(job.requeue);
            killedInFlight++;
            if (++answered >= killAfter) kill();
          },
        ),
      ),
    );
    kill();
    await exited;
    cycles++;
    a = await start();
  }
  await a.stop();

  // Every acknowledged write, checked against the database.
  const memberIds = members.map((m) => m.id);
  const progress = await db.select().from(itemProgress).where(inArray(itemProgress.memberId, memberIds));
  const progressOf = (mi: number, courseId: number, key: string) => progress.find((p) => p.memberId === memberIds[mi] && p.courseId === courseId && p.itemKey === key);
  const completions = acks.filter((x) => x.kind === "complete");
  for (const c of completions) {
    const row = progressOf(c.member, courses[c.course].id, c.key);
    expect(row?.state, `acknowledged completion of ${c.key} (member ${c.member}, course ${c.course})`).toBe("completed");
    expect(row?.completedAt).toBeInstanceOf(Date);
  }
  // The roll-up: all lessons done ⇔ a completion dated by the last lesson ⇔ its certificate.
  const done = await db.select().from(courseCompletions).where(inArray(courseCompletions.memberId, memberIds));
  const certs = await db.select().from(certificates).where(inArray(certificates.memberId, memberIds));
  let coursesCompleted = 0;
  for (let mi = 0; mi < MEMBERS; mi++) {
    for (const c of courses) {
      const rows = c.lessonKeys.map((k) => progressOf(mi, c.id, k)!);
      const all = rows.every((r) => r.state === "completed");
      const completion = done.find((d) => d.memberId === memberIds[mi] && d.courseId === c.id);
      const cert = certs.find((d) => d.memberId === memberIds[mi] && d.courseId === c.id);
      expect(!!completion, `member ${mi} course ${c.slug}: completion row vs lessons`).toBe(all);
      expect(!!cert, `member ${mi} course ${c.slug}: certificate vs completion`).toBe(all);
      if (completion) {
        coursesCompleted++;
        expect(completion.completedAt.getTime()).toBe(Math.max(...rows.map((r) => r.completedAt!.getTime())));
        expect(cert!.completionId).toBe(completion.id);
      }
    }
  }
  const watches = acks.filter((x) => x.kind === "watch");
  for (let mi = 0; mi < MEMBERS; mi++) {
    const row = progressOf(mi, watchCourse.id, watchCourse.lessonKeys[0])!;
    for (const w of watches.filter((x) => x.member === mi)) {
      expect(row.watchDuration, `member ${mi}: duration fixed by the first acknowledged beat`).toBe(w.duration);
      expect(row.watchSeconds).toBeGreaterThanOrEqual(w.watchSeconds);
    }
  }
  const makeUps = acks.filter((x) => x.kind === "make-up");
  const recs = await db.select().from(liveRecordings).where(inArray(liveRecordings.sessionId, sessionIds));
  const watched = await db.select().from(recordingWatches).where(inArray(recordingWatches.recordingId, recs.map((r) => r.id)));
  let madeUp = 0;
  for (const m of makeUps) {
    const rec = recs.find((r) => r.sessionId === m.session)!;
    const row = watched.find((w) => w.recordingId === rec.id && w.memberId === memberIds[m.member]);
    expect(row, `acknowledged make-up beat (member ${m.member}, session ${m.session})`).toBeDefined();
    // A 100 s recording: the percent a beat reported is its credited seconds.
    expect(row!.watchSeconds).toBeGreaterThanOrEqual(m.percent);
    if (m.madeUp) expect(row!.madeUpAt).toBeInstanceOf(Date);
  }
  for (const w of watched) {
    const reached = w.watchSeconds * 100 >= (RECORDING_MS / 1000) * MAKE_UP_PERCENT;
    expect(w.madeUpAt !== null, `recording watch ${w.id}: made up vs credited time`).toBe(reached);
    if (w.madeUpAt) madeUp++;
  }

  // The run did what it says: cycles, acknowledged writes of each kind, kills that cut requests off.
  expect(cycles).toBeGreaterThanOrEqual(MIN_CYCLES);
  expect(completions.length).toBeGreaterThan(0);
  expect(watches.length).toBeGreaterThan(0);
  expect(makeUps.length).toBeGreaterThan(0);
  expect(killedInFlight).toBeGreaterThan(0);
  const sorted = [...startTimes].sort((x, y) => x - y);
  console.log(
    `durability: ${cycles} SIGKILL cycles, ${sent} writes sent, ${acks.length} acknowledged and checked ` +
      `(${completions.length} completions, ${watches.length} watch beats, ${makeUps.length} make-up beats), ${killedInFlight} cut off by a kill; ` +
      `${coursesCompleted} course completions, ${madeUp} made up; app start median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms; ` +
      `${Math.round((Date.now() - t0) / 1000)} s in all`,
  );
}, 3_600_000);
