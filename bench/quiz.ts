/**
 * quiz: grading throughput on the shipped banks (vs a bare JSON comparison), and 100 members
 * saving an answer / submitting at the same moment over real HTTP (the production build in this
 * process) against 100 bare form posts through the same server in the same run.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AddressInfo } from "node:net";
import { closeDb, openDb, writeTx } from "#db/client.server.ts";
import { parseEnv } from "#app/env.server.ts";
import { createHttpApp, listen } from "#app/http/server.ts";
import { createSession } from "#app/auth/session.server.ts";
import { createUnit } from "#app/org/units.server.ts";
import { insertMember } from "#app/org/members.server.ts";
import { importPackage, loadPackage } from "#app/courses/package.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { getCourseBySlug } from "#app/courses/courses.server.ts";
import { saveAnswer, startAttempt } from "#app/quizzes/attempts.server.ts";
import { parseGift } from "#app/quizzes/gift.ts";
import { correctResponse, grade } from "#app/quizzes/grading.ts";
import type { Question } from "#app/quizzes/types.ts";
import { quizSettings } from "#db/schema/index.ts";
import { fmtMs, fmtRate, fmtRatio, heading, removeDbFiles, stats, table, tmpDbPath, type BenchResult } from "./lib.ts";

export const title = "quiz — grading throughput; 100 concurrent saves/submits vs a bare action";

const root = path.resolve(import.meta.dirname, "..");
const MEMBERS = 100;
const ROUNDS = 5;

function gradingThroughput() {
  const banks = fs
    .readdirSync(path.join(root, "content", "courses"))
    .map((d) => parseGift(fs.readFileSync(path.join(root, "content", "courses", d, "quiz.gift"), "utf8")).questions)
    .flat();
  const cases = banks.map((q) => ({ q, r: correctResponse(q), key: JSON.stringify(correctResponse(q)) }));
  const run = (fn: (c: (typeof cases)[number]) => unknown, ms = 1500) => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) for (const c of cases) (fn(c), n++);
    return (n / (performance.now() - t0)) * 1000;
  };
  run((c) => grade(c.q, c.r), 300);
  const rate = run((c) => grade(c.q, c.r));
  const bare = run((c) => JSON.stringify(c.r) === c.key);
  return { questions: cases.length, rate, bare };
}

export async function run(): Promise<BenchResult> {
  console.log(heading(title));
  const g = gradingThroughput();
  console.log(
    table(
      ["operation", "per second", "÷ bare"],
      [
        [`grade() over ${g.questions} shipped questions`, fmtRate(g.rate), fmtRatio(g.bare, g.rate)],
        ["bare JSON comparison (baseline)", fmtRate(g.bare), "1.00×"],
      ],
    ),
  );

  const file = tmpDbPath("quiz", "db");
  const db = await openDb(`file:${file}`, { migrate: true });
  const dataDir = path.join(path.dirname(file), `quiz-${process.pid}-data`);
  const buildDir = path.join(root, "build");
  if (!fs.existsSync(path.join(buildDir, "server", "index.js"))) {
    const { spawnSync } = await import("node:child_process");
    spawnSync("npx", ["remix", "vite:build"], { cwd: root, stdio: "ignore" });
  }
  const build = await import(pathToFileURL(path.join(buildDir, "server", "index.js")).href);
  const env = { ...parseEnv({ NODE_ENV: "production", SEED_DEMO: "false" }), DATA_DIR: dataDir };
  const server = await listen(createHttpApp({ db, env, build, buildDir }), "127.0.0.1", 0);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const unit = await createUnit(db, { code: "CB", name: "Chi bộ thử", parentId: null });
    const members = await writeTx(db, async (tx) => {
      const rows = [];
      for (let i = 0; i < MEMBERS; i++) rows.push(await insertMember(tx, { code: `Q${i}`, fullName: `Người thử ${i}`, unitId: unit.id }, null, new Date(), { audit: false }));
      return rows;
    });
    const loaded = loadPackage(path.join(root, "content", "courses", "an-toan-thong-tin"));
    if (!loaded.ok) throw new Error("package");
    const { courseId } = await importPackage(db, dataDir, loaded.pkg, null);
    await assignToUnit(db, { courseId, unitId: unit.id, dueAt: null, actorId: null });
    await writeTx(db, async (tx) => {
      await tx.insert(quizSettings).values({ courseId, itemKey: "kiem-tra-cuoi-khoa", attemptsAllowed: 0, updatedAt: new Date() });
    });
    const course = (await getCourseBySlug(db, "an-toan-thong-tin"))!;
    const cookies: string[] = [];
    for (const m of members) cookies.push(`hocso_session=${encodeURIComponent((await createSession(db, m.id)).token)}`);

    const post = async (cookie: string, url: string, init: RequestInit) => {
      const t = performance.now();
      const res = await fetch(origin + url, { ...init, method: "POST", redirect: "manual", headers: { ...(init.headers as Record<string, string>), cookie, origin } });
      await res.arrayBuffer();
      if (res.status >= 400) throw new Error(`${url}: ${res.status}`);
      return performance.now() - t;
    };
    const samples = { save: [] as number[], submit: [] as number[], bare: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const attempts: Awaited<ReturnType<typeof startAttempt>>[] = [];
      for (const m of members) attempts.push(await startAttempt(db, m.id, course, "kiem-tra-cuoi-khoa"));
      // Every question but one answered beforehand; the concurrent save answers the last one.
      for (const [i, a] of attempts.entries()) for (const q of (a.questions as Question[]).slice(1)) await saveAnswer(db, members[i].id, a.id, q.id, correctResponse(q));
      const order = [
        async () => samples.bare.push(...(await Promise.all(cookies.map((c) => post(c, "/lang", { body: new URLSearchParams({ lang: "vi", redirectTo: "/" }), headers: { "content-type": "application/x-www-form-urlencoded" } }))))),
        async () =>
          samples.save.push(
            ...(await Promise.all(
              attempts.map((a, i) => {
                const q = (a.questions as Question[])[0];
                return post(cookies[i], `/api/quiz/${a.id}`, { body: JSON.stringify({ questionId: q.id, response: correctResponse(q) }), headers: { "content-type": "application/json" } });
              }),
            )),
          ),
        async () => samples.submit.push(...(await Promise.all(attempts.map((a, i) => post(cookies[i], `/quiz/${a.id}`, { body: new URLSearchParams({ intent: "submit" }), headers: { "content-type": "application/x-www-form-urlencoded" } }))))),
      ];
      // Rotate which batch goes first (the submit must follow its save within a round).
      if (r % 2 === 0) for (const f of order) await f();
      else {
        await order[1]();
        await order[0]();
        await order[2]();
      }
    }
    const b = stats(samples.bare);
    const s = stats(samples.save);
    const u = stats(samples.submit);
    console.log(`  ${MEMBERS} members at once, ${ROUNDS} rounds; latency of each request while all ${MEMBERS} are in flight`);
    console.log(
      table(
        ["request", "n", "p50", "p95", "max", "p50 ÷ bare"],
        [
          ["bare form post (/lang: origin check + action + redirect)", b.n, fmtMs(b.p50), fmtMs(b.p95), fmtMs(b.max), "1.00×"],
          ["save one answer (/api/quiz/:id)", s.n, fmtMs(s.p50), fmtMs(s.p95), fmtMs(s.max), fmtRatio(s.p50, b.p50)],
          ["submit + grade 15 questions (/quiz/:id)", u.n, fmtMs(u.p50), fmtMs(u.p95), fmtMs(u.max), fmtRatio(u.p50, b.p50)],
        ],
      ),
    );
    return {
      name: "quiz",
      summary: [
        `quiz: grade() ${fmtRate(g.rate)} over ${g.questions} shipped questions (bare JSON comparison ${fmtRate(g.bare)}, ${fmtRatio(g.bare, g.rate)} slower)`,
        `quiz: ${MEMBERS} concurrent members — save answer p50 ${fmtMs(s.p50)} / p95 ${fmtMs(s.p95)}; submit p50 ${fmtMs(u.p50)} / p95 ${fmtMs(u.p95)}; bare form post p50 ${fmtMs(b.p50)} / p95 ${fmtMs(b.p95)} (submit ÷ bare ${fmtRatio(u.p50, b.p50)})`,
      ],
    };
  } finally {
    server.closeAllConnections();
    server.close();
    await closeDb(db);
    removeDbFiles(file);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
