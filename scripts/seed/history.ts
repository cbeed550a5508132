/**
 * Six weeks of study, replayed in time order through the product's own functions (openItem,
 * completeLesson, startAttempt, saveAnswer, submitAttempt), each on the clock of the moment it
 * stands for; and, as each day ends, that day's completion snapshot taken the way the daily job
 * takes it (takeCompletionSnapshot, after the day is over). So every row is what the product
 * would have written had the organisation really studied, and each snapshot froze only what had
 * happened by then.
 *
 * The story: cells study at different rates; the two oldest courses are past due (some members
 * overdue), the others due later; members open lessons over a few sittings, take the final quiz
 * (some fail and retry, some give up), and a course completes when its last item does. A few
 * demo accounts have a fixed story (see FIXED) so the README's walk-through stays true.
 */
import { eq, inArray } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { members } from "#db/schema/index.ts";
import { getCourseBySlug, publishedSnapshot, type Course } from "#app/courses/courses.server.ts";
import { completeLesson, openItem } from "#app/courses/learning.server.ts";
import { minReadSeconds, snapshotItems, type SnapshotItem } from "#app/courses/snapshot.ts";
import { saveAnswer, settingsFor, startAttempt, submitAttempt } from "#app/quizzes/attempts.server.ts";
import { correctResponse } from "#app/quizzes/grading.ts";
import type { Question } from "#app/quizzes/types.ts";
import { takeCompletionSnapshot } from "#app/reports/snapshots.server.ts";
import { addDays, endOfVnDay, startOfVnDay, vnDay } from "#app/common/vietnam-time.ts";
import { rng } from "./names.ts";
import { atVn, HISTORY_DAYS, studyDay, type DemoCalendar } from "./clock.ts";

type Rng = Awaited<ReturnType<typeof rng>>;

/**
 * The demo courses in the order they were due, with when (days from today) and how willingly
 * members take them up. A package not listed here is due in a month and taken up by few.
 */
export const COURSE_PLAN: readonly { slug: string; dueInDays: number; appeal: number }[] = [
  { slug: "ky-nang-so-co-ban", dueInDays: -21, appeal: 1 },
  { slug: "an-toan-thong-tin", dueInDays: -7, appeal: 0.85 },
  { slug: "chuyen-doi-so-trong-co-quan", dueInDays: 7, appeal: 0.55 },
  { slug: "dich-vu-cong-truc-tuyen", dueInDays: 30, appeal: 0.3 },
];
export const DEFAULT_PLAN = { dueInDays: 30, appeal: 0.3 };

export function planOf(slug: string) {
  return COURSE_PLAN.find((c) => c.slug === slug) ?? { slug, ...DEFAULT_PLAN };
}

type Outcome = { kind: "complete"; startIdx: number } | { kind: "partial"; startIdx: number; lessons: number; failedAttempts: number } | { kind: "none" };

/**
 * Fixed stories for the demo accounts, by course position in COURSE_PLAN: DV00001 has finished
 * the two oldest courses, is half-way through the third and has not opened the fourth; DV00002
 * has finished everything; DV00003 opened the oldest course and stopped (overdue); DV00004 and
 * DV00005 have never signed in.
 */
const FIXED: Record<string, Outcome[]> = {
  DV00001: [
    { kind: "complete", startIdx: 3 },
    { kind: "complete", startIdx: 16 },
    { kind: "partial", startIdx: 30, lessons: 3, failedAttempts: 0 },
    { kind: "none" },
  ],
  DV00002: [
    { kind: "complete", startIdx: 1 },
    { kind: "complete", startIdx: 9 },
    { kind: "complete", startIdx: 24 },
    { kind: "complete", startIdx: 35 },
  ],
  DV00003: [{ kind: "partial", startIdx: 12, lessons: 2, failedAttempts: 0 }, { kind: "none" }, { kind: "none" }, { kind: "none" }],
  DV00004: [],
  DV00005: [],
};

type DemoCourse = { course: Course; dueIdx: number; appeal: number; lessons: SnapshotItem[]; quiz: SnapshotItem | null };

type Action = { at: number; seq: number; run: () => Promise<unknown> | void };

/** The longest a replayed step lasts (a quiz attempt: its answers, then the submission). */
const QUIZ_SPAN_MS = 30 * 60_000;

export type HistoryOutcome = {
  /** Members with any study: the ones who must have signed in (the caller gives them a password). */
  activeMemberIds: number[];
  actions: number;
  snapshots: number;
};

/**
 * Plans and replays the history of every member of the given cells on the given courses (slugs of
 * imported, published courses assigned before `cal.firstDay`), then snapshots every day from the
 * founding day to yesterday.
 */
export async function seedStudyHistory(db: Db, cal: DemoCalendar, cells: { id: number; code: string }[], slugs: string[]): Promise<HistoryOutcome> {
  const r = rng(2026);
  const last = HISTORY_DAYS - 1;
  // One after another: `db` is the seed's transaction (world.ts), one connection on PostgreSQL,
  // where queries sent at once queue with pg 8's deprecation warning (an error in pg 9).
  const looked: { slug: string; plan: ReturnType<typeof planOf>; course: Course | undefined }[] = [];
  for (const slug of slugs) looked.push({ slug, plan: planOf(slug), course: await getCourseBySlug(db, slug) });
  const found = looked
    .filter((c): c is typeof c & { course: Course } => !!c.course)
    .sort((a, b) => a.plan.dueInDays - b.plan.dueInDays);
  const courses: DemoCourse[] = [];
  for (const { plan, course } of found) courses.push(await (async () => {
      const items = snapshotItems((await publishedSnapshot(db, course))!.snapshot).filter((i) => i.required);
      return {
        course,
        dueIdx: HISTORY_DAYS + plan.dueInDays,
        appeal: plan.appeal,
        lessons: items.filter((i) => i.type === "lesson"),
        quiz: items.find((i) => i.type === "quiz") ?? null,
      };
    })());

  // Cells differ: from a quarter of their members keeping up to nearly all of them.
  const rates = cells.map((_, i) => 0.25 + (0.67 * i) / Math.max(1, cells.length - 1));
  for (let i = rates.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    [rates[i], rates[j]] = [rates[j], rates[i]];
  }

  const people = await db
    .select({ id: members.id, code: members.code, unitId: members.unitId })
    .from(members)
    .where(inArray(members.unitId, cells.map((c) => c.id)))
    .orderBy(members.code);
  const rateOf = new Map(cells.map((c, i) => [c.id, rates[i]]));

  const actions: Action[] = [];
  const active = new Set<number>();
  for (const p of people) {
    const diligence = Math.min(0.98, rateOf.get(p.unitId)! * (0.75 + 0.5 * r.next()));
    const skill = 0.6 + 0.38 * r.next();
    for (const [k, c] of courses.entries()) {
      const fixed = FIXED[p.code];
      const outcome = fixed ? (fixed[k] ?? { kind: "none" as const }) : drawOutcome(r, diligence * c.appeal, Math.min(last, c.dueIdx), c.lessons.length);
      if (outcome.kind === "none") continue;
      active.add(p.id);
      actions.push(...await studyActions(db, cal, r, { memberId: p.id, code: p.code, skill: fixed ? 0.9 : skill }, c, outcome));
    }
  }

  // Time order; a pair's own steps keep their order (they were generated in it). Nothing happens
  // today: the story ends last night, so today's live figures are yesterday's snapshot (until
  // someone studies). A step that would spill past midnight is left out, with those after it.
  const todayStarts = startOfVnDay(cal.today).getTime();
  actions.forEach((a, i) => (a.seq = i));
  const planned = actions.filter((a) => a.at + QUIZ_SPAN_MS < todayStarts).sort((a, b) => a.at - b.at || a.seq - b.seq);
  let pending = vnDay(cal.foundedAt);
  let snapshots = 0;
  const snapshotUpTo = async (t: number) => {
    while (endOfVnDay(pending).getTime() < t) {
      // The daily job runs a few minutes after midnight; never later than the step being replayed.
      const takenAt = Math.min(t, endOfVnDay(pending).getTime() + 1 + 5 * 60_000);
      snapshots += (await takeCompletionSnapshot(db, pending, new Date(takenAt))).rows > 0 ? 1 : 0;
      pending = addDays(pending, 1);
    }
  };
  for (const a of planned) {
    await snapshotUpTo(a.at);
    await a.run();
  }
  await snapshotUpTo(cal.now.getTime());
  return { activeMemberIds: [...active].sort((a, b) => a - b), actions: planned.length, snapshots };
}

function drawOutcome(r: Rng, pComplete: number, horizon: number, lessonCount: number): Outcome {
  const u = r.next();
  const last = HISTORY_DAYS - 1;
  if (u < pComplete) {
    // Most start before the due date; one in eight only after it (or, for a later course, any time).
    const late = r.next() < 0.12 && horizon < last;
    const startIdx = late ? horizon + Math.floor(r.next() * (last - horizon + 1)) : Math.floor(r.next() * (horizon + 1));
    return { kind: "complete", startIdx };
  }
  if (u < pComplete + (1 - pComplete) * 0.35) {
    const startIdx = Math.floor(r.next() * (last + 1));
    const gaveUpOnQuiz = r.next() < 0.15;
    return gaveUpOnQuiz
      ? { kind: "partial", startIdx, lessons: lessonCount, failedAttempts: 1 + Math.floor(r.next() * 2) }
      : { kind: "partial", startIdx, lessons: 1 + Math.floor(r.next() * Math.max(1, lessonCount - 1)), failedAttempts: 0 };
  }
  return { kind: "none" };
}

/**
 * One member's steps on one course: lessons over one to three sittings from the start day, then
 * the final quiz (failed attempts first, when the story has them). Each step runs on its own clock.
 */
async function studyActions(
  db: Db,
  cal: DemoCalendar,
  r: Rng,
  who: { memberId: number; code: string; skill: number },
  c: DemoCourse,
  outcome: Exclude<Outcome, { kind: "none" }>,
): Promise<Action[]> {
  const last = HISTORY_DAYS - 1;
  const out: Action[] = [];
  const push = (at: number, run: () => Promise<unknown> | void) => out.push({ at, seq: 0, run });
  const lessonCount = outcome.kind === "complete" ? c.lessons.length : Math.min(outcome.lessons, c.lessons.length);
  const sittings = 1 + Math.floor(r.next() * 3);
  const perSitting = Math.max(1, Math.ceil(lessonCount / sittings));
  let dayIdx = Math.min(last, outcome.startIdx);
  let t = sittingStart(cal, r, dayIdx);
  const versionId = c.course.publishedVersionId!;
  for (let i = 0; i < lessonCount; i++) {
    if (i > 0 && i % perSitting === 0) {
      dayIdx = Math.min(last, dayIdx + 1 + Math.floor(r.next() * 2));
      t = Math.max(t + 60 * 60_000, sittingStart(cal, r, dayIdx));
    }
    const item = c.lessons[i];
    const opened = t;
    const done = opened + (minReadSeconds(item) + 30 + Math.floor(r.next() * 600)) * 1000;
    push(opened, () => openItem(db, who.memberId, c.course.id, item.key, versionId, new Date(opened)));
    push(done, () => completeLesson(db, who.memberId, c.course, item.key, new Date(done)));
    t = done + (20 + Math.floor(r.next() * 120)) * 1000;
  }
  if (!c.quiz || lessonCount < c.lessons.length) return out;
  const quiz = c.quiz;
  const allowed = (await settingsFor(db, c.course.id, quiz.key)).attemptsAllowed || 3;
  // Failed attempts first (as the story says, or as the member's skill makes likely), then passing ones.
  const fails = outcome.kind === "partial" ? outcome.failedAttempts : r.next() < who.skill ? 0 : 1 + Math.floor(r.next() * 2);
  const attempts = outcome.kind === "partial" ? Math.min(fails, allowed) : allowed;
  let passed = false;
  t += (2 + Math.floor(r.next() * 20)) * 60_000;
  for (let k = 1; k <= attempts; k++) {
    const aimPass = k > fails;
    const started = t;
    const picks = Array.from({ length: 40 }, () => r.next());
    const seed = `demo:${who.code}:${c.course.id}:${quiz.key}:${k}`;
    push(started, async () => {
      if (passed) return;
      const a = await startAttempt(db, who.memberId, c.course, quiz.key, new Date(started), () => seed);
      const questions = a.questions as Question[];
      let at = started;
      for (const [i, q] of questions.entries()) {
        at += (20 + Math.floor(picks[i % picks.length] * 50)) * 1000;
        // Unsure, a member leaves the question blank more often than not when the attempt goes badly.
        const right = isRight(picks, i, questions.length, aimPass);
        const response = right || aimPass ? answerOf(q, right) : null;
        if (response !== null) await saveAnswer(db, who.memberId, a.id, q.id, response, new Date(at));
      }
      const graded = await submitAttempt(db, who.memberId, a.id, new Date(at + 30_000));
      passed = graded.passed === true;
    });
    // The next attempt: the same evening or a day or two later.
    t = started + (r.next() < 0.5 ? 45 * 60_000 : (1 + Math.floor(r.next() * 2)) * 24 * 60 * 60_000);
    if (t > endOfVnDay(studyDay(cal, last)).getTime()) break;
  }
  return out;
}

/** A sitting starts between 07:30 and 21:30, Vietnam time. */
function sittingStart(cal: DemoCalendar, r: Rng, dayIdx: number): number {
  return atVn(studyDay(cal, dayIdx), 7 * 60 + 30 + Math.floor(r.next() * 14 * 60)).getTime();
}

/**
 * Whether question i of n is answered right: an attempt meant to pass gets between 75 % and all
 * of them right, one meant to fail between a quarter and 60 %; which ones follows the picks.
 */
function isRight(picks: number[], i: number, n: number, aimPass: boolean): boolean {
  const share = aimPass ? 0.75 + 0.25 * picks[39] : 0.25 + 0.35 * picks[39];
  const right = Math.round(share * n);
  // Rank the questions by their pick; the `right` lowest are the ones answered right.
  const rank = picks.slice(0, n).filter((p, j) => p < picks[i] || (p === picks[i] && j < i)).length;
  return rank < right;
}

/** The response a member gives: the right one, or a plausible wrong one (a blank where there is none). */
function answerOf(q: Question, right: boolean): unknown {
  if (right) return correctResponse(q);
  switch (q.kind) {
    case "single": {
      const worst = [...q.options].sort((a, b) => a.percent - b.percent)[0];
      return worst ? { choice: worst.id } : null;
    }
    case "multiple": {
      const wrong = q.options.filter((o) => o.percent <= 0);
      return wrong.length ? { choices: [wrong[0].id] } : null;
    }
    case "truefalse":
      return { value: !q.correct };
    default:
      return null;
  }
}

/** Gives the shared demo password to members who studied (they must have signed in to do so). */
export async function activateStudents(db: Db, memberIds: number[], passwordHash: string): Promise<void> {
  for (const id of memberIds) await db.update(members).set({ passwordHash }).where(eq(members.id, id));
}
