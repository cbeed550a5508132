import { first, one } from "#db/first.ts";
import crypto from "node:crypto";
import { and, asc, desc, eq, lt, max } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { forUpdate, isUniqueViolation } from "#db/dialect.server.ts";
import { notHeld, runClaimed } from "#db/job-claims.server.ts";
import { itemProgress, members, quizAnswers, quizAttempts, quizEssayGrades, quizSettings } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { getCourse, publishedSnapshot, type Course } from "#app/courses/courses.server.ts";
import { recomputeCompletion } from "#app/courses/completion.server.ts";
import { snapshotItems } from "#app/courses/snapshot.ts";
import { Lru } from "#app/courses/lru.ts";
import { cacheScopeOf, inTransaction } from "#db/prepared.server.ts";
import { parseGift } from "./gift.ts";
import { correctResponse, essayLength, grade, MAX_ESSAY_CHARS, presentQuestion, responseSchema, type GradeResult, type PresentedQuestion, type ReviewItem } from "./grading.ts";
export type { ReviewItem };
import { seededRandom, shuffled } from "./text.ts";
import { isManuallyGraded, type Question } from "./types.ts";

/** Answers saved this long after the deadline still count (network latency, a slow phone). */
export const GRACE_MS = 10_000;

export type Settings = typeof quizSettings.$inferSelect;
export type Attempt = typeof quizAttempts.$inferSelect;
type Draw = { category: string | null; count: number | null }[];

export async function settingsFor(db: Db, courseId: number, itemKey: string): Promise<Omit<Settings, "id" | "updatedAt">> {
  const row = await first(db.select().from(quizSettings).where(and(eq(quizSettings.courseId, courseId), eq(quizSettings.itemKey, itemKey))));
  return (
    row ?? {
      courseId,
      itemKey,
      passPercent: 70,
      attemptsAllowed: 3,
      timeLimitSeconds: null,
      openAt: null,
      closeAt: null,
      draw: null,
      shuffle: true,
      reviewCorrectness: true,
      reviewFeedback: true,
      reviewAnswers: "after-last-attempt" as const,
      completionRule: "pass" as const,
    }
  );
}

export type QuizSettingsInput = Omit<Settings, "id" | "courseId" | "itemKey" | "updatedAt">;

/** Creates or replaces the settings of one quiz item (they are keyed by item, not by version). */
export async function saveQuizSettings(db: Db, courseId: number, itemKey: string, input: QuizSettingsInput, now = new Date()): Promise<void> {
  const values = { ...input, updatedAt: now };
  await writeTx(db, async (tx) =>
    await tx.insert(quizSettings).values({ courseId, itemKey, ...values }).onConflictDoUpdate({ target: [quizSettings.courseId, quizSettings.itemKey], set: values }),
  );
}

/**
 * Parsed banks, per database connection (version ids are unique only within one database file,
 * and tests and tools open many in one process) and bounded: weighed by their GIFT source's length.
 */
const BANK_LIMITS = { maxEntries: 500, maxWeight: 8_000_000 };
const banksByConnection = new WeakMap<object, Lru<string, Question[]>>();

function bankCacheOf(db: Db): Lru<string, Question[]> {
  const conn = cacheScopeOf(db);
  let banks = banksByConnection.get(conn);
  if (!banks) {
    banks = new Lru(BANK_LIMITS);
    banksByConnection.set(conn, banks);
  }
  return banks;
}

/** The question bank of a quiz item in the published version (parsed once per version). */
export async function quizBank(db: Db, course: Course, itemKey: string) {
  const pub = await publishedSnapshot(db, course);
  const item = pub && snapshotItems(pub.snapshot).find((i) => i.key === itemKey);
  if (!pub || !item || item.type !== "quiz") throw new DomainError("course.error.itemNotFound", {}, 404);
  const banks = bankCacheOf(db);
  const cacheKey = `${pub.versionId}:${itemKey}`;
  let questions = banks.get(cacheKey);
  if (!questions) {
    const source = item.source ?? "";
    questions = parseGift(source).questions;
    banks.set(cacheKey, questions, source.length);
  }
  return { pub, item, questions };
}

/** Fixed questions and/or N random ones per category, decided by the attempt's seed. */
export function drawQuestions(bank: Question[], draw: Draw | null, seed: string): Question[] {
  if (!draw || draw.length === 0) return bank;
  const random = seededRandom(`draw\u0000${seed}`);
  const picked = new Map<string, Question>();
  for (const d of draw) {
    const pool = bank.filter((q) => d.category === null || q.category.join("/") === d.category || q.category.join("/").startsWith(`${d.category}/`));
    const chosen = d.count === null ? pool : shuffled(pool, random).slice(0, d.count);
    for (const q of chosen) picked.set(q.id, q);
  }
  return bank.filter((q) => picked.has(q.id));
}

export async function attemptsOf(db: Db, memberId: number, courseId: number, itemKey: string): Promise<Attempt[]> {
  return await db
    .select()
    .from(quizAttempts)
    .where(and(eq(quizAttempts.memberId, memberId), eq(quizAttempts.courseId, courseId), eq(quizAttempts.itemKey, itemKey)))
    .orderBy(desc(quizAttempts.attemptNo));
}

/** The seed of an attempt's draw and order: random, so no two attempts need look alike. */
function newAttemptSeed(): string {
  return crypto.randomBytes(12).toString("base64url");
}

/**
 * Starts an attempt, or returns the one already open (a double click, two tabs or a retry all
 * land on the same attempt: the partial unique index makes "one open attempt" a fact, not a hope).
 */
export async function startAttempt(db: Db, memberId: number, course: Course, itemKey: string, now = new Date(), drawSeed = newAttemptSeed): Promise<Attempt> {
  await closeExpiredAttempts(db, memberId, course.id, itemKey, now);
  const { pub, questions } = await quizBank(db, course, itemKey);
  const s = await settingsFor(db, course.id, itemKey);
  if (s.openAt && now < s.openAt) throw new DomainError("quiz.error.notOpen", {}, 409);
  if (s.closeAt && now >= s.closeAt) throw new DomainError("quiz.error.closed", {}, 409);
  try {
    // Awaited here, so that a unique violation (the other request's insert won) reaches the catch.
    return await writeTx(db, async (tx) => {
      const existing = await attemptsOf(tx, memberId, course.id, itemKey);
      const open = existing.find((a) => a.state === "open");
      if (open) return open;
      if (s.attemptsAllowed > 0 && existing.length >= s.attemptsAllowed) throw new DomainError("quiz.error.noAttemptsLeft", { n: s.attemptsAllowed }, 409);
      if (questions.length === 0) throw new DomainError("quiz.error.empty", {}, 409);
      const seed = drawSeed();
      const drawn = drawQuestions(questions, (s.draw as Draw | null) ?? null, seed).map((q) => (s.shuffle ? q : { ...q, shuffle: false }));
      const order = s.shuffle ? shuffled(drawn, seededRandom(`order\u0000${seed}`)) : drawn;
      const limitEnd = s.timeLimitSeconds ? now.getTime() + s.timeLimitSeconds * 1000 : null;
      const closeEnd = s.closeAt ? s.closeAt.getTime() : null;
      const deadline = [limitEnd, closeEnd].filter((x): x is number => x !== null);
      const attemptNo = ((await first(tx.select({ n: max(quizAttempts.attemptNo) }).from(quizAttempts).where(and(eq(quizAttempts.memberId, memberId), eq(quizAttempts.courseId, course.id), eq(quizAttempts.itemKey, itemKey)))))?.n ?? 0) + 1;
      const a = await one(tx
        .insert(quizAttempts)
        .values({
          memberId,
          courseId: course.id,
          itemKey,
          versionId: pub.versionId,
          attemptNo,
          seed,
          questions: order,
          state: "open",
          startedAt: now,
          deadlineAt: deadline.length ? new Date(Math.min(...deadline)) : null,
        })
        .returning());
      await tx.insert(itemProgress).values({ memberId, courseId: course.id, itemKey, state: "started", versionId: pub.versionId, startedAt: now }).onConflictDoNothing();
      return a;
    });
  } catch (e) {
    // Another request won the race to open the attempt: that one is ours too.
    if (isUniqueViolation(e)) {
      const open = (await attemptsOf(db, memberId, course.id, itemKey)).find((a) => a.state === "open");
      if (open) return open;
    }
    throw e;
  }
}

export async function getAttempt(db: Db, attemptId: number): Promise<Attempt | undefined> {
  return await first(db.select().from(quizAttempts).where(eq(quizAttempts.id, attemptId)));
}

export async function getOwnAttempt(db: Db, memberId: number, attemptId: number): Promise<Attempt> {
  const a = await first(db.select().from(quizAttempts).where(eq(quizAttempts.id, attemptId)));
  if (!a || a.memberId !== memberId) throw new DomainError("quiz.error.notFound", {}, 404);
  return a;
}

export async function savedAnswers(db: Db, attemptId: number): Promise<Map<string, unknown>> {
  return new Map((await db.select().from(quizAnswers).where(eq(quizAnswers.attemptId, attemptId))).map((r) => [r.questionId, r.response]));
}

/** Saves one answer while the attempt is open and its deadline (plus grace) has not passed. */
export async function saveAnswer(db: Db, memberId: number, attemptId: number, questionId: string, response: unknown, now = new Date()) {
  const a = await getOwnAttempt(db, memberId, attemptId);
  if (a.state !== "open") throw new DomainError("quiz.error.notOpenAttempt", {}, 409);
  if (a.deadlineAt && now.getTime() > a.deadlineAt.getTime() + GRACE_MS) {
    await finishAttempt(db, a, now);
    throw new DomainError("quiz.error.timeUp", {}, 409);
  }
  const q = (a.questions as Question[]).find((x) => x.id === questionId);
  if (!q) throw new DomainError("quiz.error.noSuchQuestion", {}, 404);
  // An essay over the limit says so (the text stays in the browser; what was saved is kept).
  if (q.kind === "essay" && typeof (response as { text?: unknown } | null)?.text === "string" && essayLength((response as { text: string }).text) > MAX_ESSAY_CHARS) {
    throw new DomainError("quiz.error.essayTooLong", { max: MAX_ESSAY_CHARS }, 422);
  }
  const parsed = responseSchema(q).safeParse(response);
  if (!parsed.success) throw new DomainError("quiz.error.badAnswer", {}, 400);
  await writeTx(db, async (tx) =>
    await tx.insert(quizAnswers)
      .values({ attemptId, questionId, response: parsed.data, savedAt: now })
      .onConflictDoUpdate({ target: [quizAnswers.attemptId, quizAnswers.questionId], set: { response: parsed.data, savedAt: now } }),
  );
  return { savedAt: now };
}

/** An essay answer a person has to read: saved and not blank. A blank one scores 0 at once. */
export function essayAnswered(response: unknown): boolean {
  const text = (response as { text?: unknown } | null | undefined)?.text;
  return typeof text === "string" && text.trim() !== "";
}

/**
 * What a closed attempt's result does to the course, whether the result came at submission
 * (auto-graded) or when its last essay was graded: passing (or attempting, per the quiz's rule)
 * completes the item, and the course's completion is checked again — even when the item was
 * already complete, a better score may meet the course's minimum grade. One path for both.
 */
export async function settleAttemptCompletion(tx: Db, a: Attempt, passed: boolean, completedAt: Date, now: Date): Promise<void> {
  const s = await settingsFor(tx, a.courseId, a.itemKey);
  if (!passed && s.completionRule !== "attempt") return;
  const p = await first(tx.select().from(itemProgress).where(and(eq(itemProgress.memberId, a.memberId), eq(itemProgress.courseId, a.courseId), eq(itemProgress.itemKey, a.itemKey))));
  if (p && p.state !== "completed") {
    await tx.update(itemProgress).set({ state: "completed", completedAt, versionId: a.versionId }).where(eq(itemProgress.id, p.id));
  }
  const course = await getCourse(tx, a.courseId);
  const pub = course && await publishedSnapshot(tx, course);
  if (pub) await recomputeCompletion(tx, a.memberId, a.courseId, pub, now);
}

/** Whether a score (0..1) meets the quiz's pass mark. */
export function meetsPassMark(score: number, passPercent: number): boolean {
  return score * 100 + 1e-9 >= passPercent;
}

/**
 * Grades what was saved and closes the attempt; idempotent (a second submit returns the same
 * result). Answers saved after the deadline were already refused, so a late submit grades only
 * what arrived in time. Passing (or attempting, per the quiz's rule) completes the item.
 *
 * Answered essays wait for a person: the attempt then keeps the automatic part as its provisional
 * score, has no score or pass/fail yet, and records the member's unit (whose trainers grade it);
 * `essay-grading.server.ts` finishes it when the last essay is graded.
 */
async function finishAttempt(db: Db, a: Attempt, now: Date) {
  return writeTx(db, async (tx) => {
    // Locked: a submit, the deadline's close and the abandoned-attempts job may race to finish it.
    const current = (await first(forUpdate(tx, tx.select().from(quizAttempts).where(eq(quizAttempts.id, a.id)))))!;
    if (current.state !== "open") return current;
    const questions = current.questions as Question[];
    const answers = await savedAnswers(tx, a.id);
    let got = 0;
    let total = 0;
    let pending = 0;
    for (const q of questions) {
      total += q.weight;
      if (isManuallyGraded(q)) {
        if (essayAnswered(answers.get(q.id))) pending++;
        else if (answers.has(q.id)) await tx.update(quizAnswers).set({ score: 0 }).where(and(eq(quizAnswers.attemptId, a.id), eq(quizAnswers.questionId, q.id)));
        continue;
      }
      const r = answers.has(q.id) ? grade(q, answers.get(q.id)) : { score: 0 };
      got += r.score * q.weight;
      if (answers.has(q.id)) await tx.update(quizAnswers).set({ score: r.score }).where(and(eq(quizAnswers.attemptId, a.id), eq(quizAnswers.questionId, q.id)));
    }
    const score = total > 0 ? got / total : 0;
    const s = await settingsFor(tx, a.courseId, a.itemKey);
    const late = current.deadlineAt !== null && now.getTime() > current.deadlineAt.getTime() + GRACE_MS;
    const submittedAt = late ? current.deadlineAt! : now;
    const state = late ? ("expired" as const) : ("submitted" as const);
    if (pending > 0) {
      const unitId = (await first(tx.select({ unitId: members.unitId }).from(members).where(eq(members.id, a.memberId))))?.unitId ?? null;
      await tx.update(quizAttempts).set({ state, submittedAt, score: null, passed: null, provisionalScore: score, essaysPending: pending, unitId }).where(eq(quizAttempts.id, a.id));
      // Not passed or failed yet; under "attempt" the attempt alone completes the item, as always.
      if (s.completionRule === "attempt") await settleAttemptCompletion(tx, current, false, submittedAt, now);
    } else {
      const passed = meetsPassMark(score, s.passPercent);
      await tx.update(quizAttempts).set({ state, submittedAt, score, passed }).where(eq(quizAttempts.id, a.id));
      await settleAttemptCompletion(tx, current, passed, submittedAt, now);
    }
    return (await first(tx.select().from(quizAttempts).where(eq(quizAttempts.id, a.id))))!;
  });
}

export async function submitAttempt(db: Db, memberId: number, attemptId: number, now = new Date()) {
  const a = await getOwnAttempt(db, memberId, attemptId);
  return finishAttempt(db, a, now);
}

/** Abandoned attempts are closed once their time (plus grace) has passed. */
export async function closeExpiredAttempts(db: Db, memberId: number, courseId: number, itemKey: string, now = new Date()) {
  for (const a of await attemptsOf(db, memberId, courseId, itemKey)) {
    if (a.state === "open" && a.deadlineAt && now.getTime() > a.deadlineAt.getTime() + GRACE_MS) await finishAttempt(db, a, now);
  }
}

/** How long a process holds an abandoned attempt it closes before another may take it over. */
export const ABANDONED_LEASE_MS = 5 * 60_000;

/**
 * The job: attempts left open past their deadline (plus grace) by members who never came back are
 * closed with what was saved, so their results and reports do not wait for a visit. With several
 * app processes each attempt is claimed by one (db/job-claims.server.ts); returns the ids this
 * process closed.
 */
export async function closeAbandonedAttempts(db: Db, opts: { now?: Date; limit?: number } = {}): Promise<number[]> {
  const now = opts.now ?? new Date();
  const due = await db
    .select({ id: quizAttempts.id })
    .from(quizAttempts)
    .where(and(eq(quizAttempts.state, "open"), lt(quizAttempts.deadlineAt, new Date(now.getTime() - GRACE_MS)), notHeld("abandoned-attempts", quizAttempts.id, now)))
    .orderBy(asc(quizAttempts.id))
    .limit(opts.limit ?? 100);
  const { done } = await runClaimed(db, "abandoned-attempts", due.map((r) => r.id), { leaseMs: ABANDONED_LEASE_MS, now }, async (tx, item) => {
    const a = await first(forUpdate(tx, tx.select().from(quizAttempts).where(eq(quizAttempts.id, Number(item)))));
    if (!a || a.state !== "open") return false;
    await finishAttempt(tx, a, now);
    return true;
  });
  return done.map(Number).sort((x, y) => x - y);
}

/** Runs closeAbandonedAttempts every `everyMs` (a minute) in the app process; returns a stop function. */
export function scheduleAbandonedAttempts(db: Db, opts: { everyMs?: number; log?: (m: string) => void } = {}): () => void {
  const tick = async () => {
    try {
      const closed = await closeAbandonedAttempts(db);
      if (closed.length) opts.log?.(`Bài kiểm tra bỏ dở đã đóng: ${closed.length} / abandoned attempts closed: ${closed.length}`);
    } catch (e) {
      console.error("closing abandoned attempts failed", e);
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), opts.everyMs ?? 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

export type PresentedAttempt = {
  id: number;
  attemptNo: number;
  state: Attempt["state"];
  startedAt: Date;
  deadlineAt: Date | null;
  questions: (PresentedQuestion & { number: number })[];
  answers: Record<string, unknown>;
};

/** What the member may see of an attempt in progress: questions without answers, their own saved responses. */
export async function presentAttempt(db: Db, a: Attempt): Promise<PresentedAttempt> {
  const answers = await savedAnswers(db, a.id);
  return {
    id: a.id,
    attemptNo: a.attemptNo,
    state: a.state,
    startedAt: a.startedAt,
    deadlineAt: a.deadlineAt,
    questions: (a.questions as Question[]).map((q, i) => ({ ...presentQuestion(q, a.seed), number: i + 1 })),
    answers: Object.fromEntries(answers),
  };
}


/** The latest grade of each essay of an attempt (question id → points and comment). */
export async function essayGradesOf(db: Db, attemptId: number): Promise<Map<string, { points: number; comment: string; graderId: number | null; gradedAt: Date }>> {
  const rows = await db
    .select()
    .from(quizEssayGrades)
    .where(eq(quizEssayGrades.attemptId, attemptId))
    .orderBy(quizEssayGrades.gradedAt, quizEssayGrades.id);
  return new Map(rows.map((r) => [r.questionId, r]));
}

/**
 * The review after submission, limited by the quiz's settings: correctness and feedback if
 * allowed, and the right answers only when the rule allows (by default, once no attempt remains).
 */
export async function reviewAttempt(db: Db, a: Attempt, opts: { attemptsUsed: number; passedAny: boolean; asTrainer?: boolean }): Promise<ReviewItem[] | null> {
  if (a.state === "open") return null;
  const s = await settingsFor(db, a.courseId, a.itemKey);
  const noneLeft = s.attemptsAllowed > 0 && opts.attemptsUsed >= s.attemptsAllowed;
  const showAnswers =
    opts.asTrainer === true ||
    s.reviewAnswers === "always" ||
    (s.reviewAnswers === "after-last-attempt" && noneLeft) ||
    (s.reviewAnswers === "after-pass" && opts.passedAny);
  const answers = await savedAnswers(db, a.id);
  const final = a.essaysPending === 0;
  // A member sees no grading data until every essay is graded; a trainer in scope sees it as it is.
  const essayGrades = final || opts.asTrainer ? await essayGradesOf(db, a.id) : new Map<string, { points: number; comment: string }>();
  return (a.questions as Question[]).map((q, i) => {
    const response = answers.get(q.id) ?? null;
    if (isManuallyGraded(q)) {
      const answered = essayAnswered(response);
      const g = essayGrades.get(q.id);
      return {
        number: i + 1,
        question: presentQuestion(q, a.seed),
        response,
        score: null,
        correct: null,
        feedback: [],
        generalFeedback: final && (s.reviewFeedback || opts.asTrainer) && showAnswers ? (q.generalFeedback ?? null) : null,
        correctResponse: null,
        essay: {
          answered,
          pending: answered && !g && (!final || !!opts.asTrainer),
          points: g ? g.points : answered || !final ? null : 0,
          max: q.weight,
          comment: g && g.comment ? g.comment : null,
        },
      };
    }
    const g: GradeResult | null = response === null ? null : grade(q, response);
    return {
      number: i + 1,
      question: presentQuestion(q, a.seed),
      response,
      score: s.reviewCorrectness || opts.asTrainer ? (g?.score ?? 0) : null,
      correct: s.reviewCorrectness || opts.asTrainer ? (g?.correct ?? false) : null,
      feedback: s.reviewFeedback || opts.asTrainer ? (g?.feedback ?? []) : [],
      generalFeedback: (s.reviewFeedback || opts.asTrainer) && showAnswers ? (q.generalFeedback ?? null) : null,
      correctResponse: showAnswers ? correctResponse(q) : null,
      essay: null,
    };
  });
}
