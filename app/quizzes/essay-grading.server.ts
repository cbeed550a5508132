import { first } from "#db/first.ts";
/**
 * Grading the essays of quiz attempts (ADR 0017): the queue beside the reflections' one, one
 * attempt's essays read beside their questions, points and a comment per essay (append-only: a
 * later grade of the same essay is kept with the earlier as history), and — when the last essay of
 * an attempt is graded — its final score and pass/fail, the course completion by the same path as
 * an auto-graded attempt, and a notification to the member.
 *
 * Who: the attempt's unit is the member's unit at submission (recorded then). Administrators, and
 * trainers whose grants cover that unit, see and grade it; nobody else learns it exists (404, like a
 * missing id). Essays have no "cell" rule: a quiz is the trainers' assessment.
 */
import { and, asc, eq, gt, isNotNull, or, type SQL } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { courses, members, notifications, quizAnswers, quizAttempts, quizEssayGrades, units } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { unitInScope } from "#app/auth/permissions.server.ts";
import { subtreeCondition } from "#app/org/units.server.ts";
import { publishedVersion } from "#app/courses/version-cache.server.ts";
import { handedInColumns, joinHandedIn, queueUnits, type GraderContext } from "#app/reflections/graders.server.ts";
import { QUIZ_GRADED_KIND } from "#app/notifications/kinds.ts";
import { essayAnswered, meetsPassMark, savedAnswers, settingsFor, settleAttemptCompletion, type Attempt } from "./attempts.server.ts";
import { MAX_ESSAY_COMMENT, parseNumberInput } from "./grading.ts";
import type { Question } from "./types.ts";

/** The queue's tabs that essays have: waiting and (fully) graded; "returned" and "overdue" are reflections' only. */
export type EssayFilter = "waiting" | "graded" | "returned" | "overdue" | "all";

type Access = { unitPath: string | null };

/** May the actor read this attempt's essays? Administrators and managers whose scope holds the unit. */
export function canSeeEssays(ctx: GraderContext, a: Access): boolean {
  return ctx.scope.all || (a.unitPath !== null && unitInScope(ctx.scope, { path: a.unitPath }));
}

/** May the actor grade them? Administrators, and trainers whose scope holds the unit. */
export function canGradeEssays(ctx: GraderContext, a: Access): boolean {
  return ctx.scope.all || (ctx.actor.role === "trainer" && canSeeEssays(ctx, a));
}

function visibleCondition(ctx: GraderContext): SQL | undefined | false {
  if (ctx.scope.all) return undefined;
  if (ctx.scope.roots.length === 0) return false;
  return or(...ctx.scope.roots.map((r) => subtreeCondition(r.path)));
}

async function itemTitleOf(db: Db, versionId: number | null, itemKey: string): Promise<string> {
  const v = versionId ? await publishedVersion(db, versionId) : null;
  return v?.items.find((i) => i.key === itemKey)?.title ?? itemKey;
}

export type EssayQueueRow = Awaited<ReturnType<typeof essayQueue>>["rows"][number];

/**
 * Attempts with essays the actor may see, by the member's unit at submission: waiting (some essay
 * not graded) or graded (every essay graded, the score final).
 */
export async function essayQueue(db: Db, ctx: GraderContext, opts: { filter: EssayFilter; unitId?: number | null }) {
  const visible = visibleCondition(ctx);
  const empty = { rows: [], counts: { waiting: 0, graded: 0 }, units: [] as { id: number; code: string; name: string }[] };
  if (visible === false) return empty;
  const query = db
    .select({
      id: quizAttempts.id,
      attemptNo: quizAttempts.attemptNo,
      itemKey: quizAttempts.itemKey,
      versionId: quizAttempts.versionId,
      submittedAt: quizAttempts.submittedAt,
      essaysPending: quizAttempts.essaysPending,
      gradedAt: quizAttempts.gradedAt,
      score: quizAttempts.score,
      passed: quizAttempts.passed,
      ...handedInColumns(),
    })
    .from(quizAttempts)
    .$dynamic();
  const raw = await joinHandedIn(query, quizAttempts)
    .where(and(or(gt(quizAttempts.essaysPending, 0), isNotNull(quizAttempts.gradedAt)), visible))
    .orderBy(asc(units.path), asc(quizAttempts.submittedAt), asc(quizAttempts.id));
  const all = await Promise.all(
    raw.map(async (r) => ({ ...r, itemTitle: await itemTitleOf(db, r.versionId, r.itemKey), waiting: r.essaysPending > 0, canGrade: canGradeEssays(ctx, r) })),
  );
  const inUnit = opts.unitId ? all.filter((r) => r.unitId === opts.unitId) : all;
  const pick = (r: (typeof all)[number]) => opts.filter === "all" || (opts.filter === "waiting" && r.waiting) || (opts.filter === "graded" && !r.waiting);
  return {
    rows: inUnit.filter(pick),
    counts: { waiting: inUnit.filter((r) => r.waiting).length, graded: inUnit.filter((r) => !r.waiting).length },
    units: queueUnits(all),
  };
}

async function loadAttempt(db: Db, attemptId: number) {
  return await first(db
    .select({ a: quizAttempts, unitPath: units.path, unitName: units.name, memberName: members.fullName, memberCode: members.code, courseTitle: courses.title })
    .from(quizAttempts)
    .innerJoin(members, eq(members.id, quizAttempts.memberId))
    .innerJoin(courses, eq(courses.id, quizAttempts.courseId))
    .leftJoin(units, eq(units.id, quizAttempts.unitId))
    .where(eq(quizAttempts.id, attemptId)));
}

/** The attempt if it has essays to grade or graded and the actor may see it; 404 otherwise, like a missing id. */
export async function requireVisibleEssayAttempt(db: Db, ctx: GraderContext, attemptId: number) {
  const row = Number.isSafeInteger(attemptId) ? await loadAttempt(db, attemptId) : undefined;
  if (!row || (row.a.essaysPending === 0 && row.a.gradedAt === null) || !canSeeEssays(ctx, row)) throw new DomainError("quiz.error.notFound", {}, 404);
  return { ...row, canGrade: canGradeEssays(ctx, row) };
}

/** One attempt's essays as a grader reads them: each question, the member's text, its grades (latest last). */
export async function essayGradingView(db: Db, ctx: GraderContext, attemptId: number) {
  const row = await requireVisibleEssayAttempt(db, ctx, attemptId);
  const a = row.a;
  const questions = a.questions as Question[];
  const answers = await savedAnswers(db, a.id);
  const history = await db
    .select({ id: quizEssayGrades.id, questionId: quizEssayGrades.questionId, points: quizEssayGrades.points, comment: quizEssayGrades.comment, gradedAt: quizEssayGrades.gradedAt, graderName: members.fullName })
    .from(quizEssayGrades)
    .leftJoin(members, eq(members.id, quizEssayGrades.graderId))
    .where(eq(quizEssayGrades.attemptId, a.id))
    .orderBy(asc(quizEssayGrades.gradedAt), asc(quizEssayGrades.id));
  const essays = questions.flatMap((q, i) => {
    if (q.kind !== "essay") return [];
    const response = answers.get(q.id);
    const grades = history.filter((h) => h.questionId === q.id);
    return [
      {
        questionId: q.id,
        number: i + 1,
        text: q.text,
        textAfter: q.textAfter ?? null,
        max: q.weight,
        answered: essayAnswered(response),
        answer: essayAnswered(response) ? (response as { text: string }).text : "",
        grades,
        latest: grades.at(-1) ?? null,
      },
    ];
  });
  return {
    attempt: {
      id: a.id,
      attemptNo: a.attemptNo,
      state: a.state,
      submittedAt: a.submittedAt,
      essaysPending: a.essaysPending,
      provisionalScore: a.provisionalScore,
      score: a.score,
      passed: a.passed,
      gradedAt: a.gradedAt,
    },
    member: { name: row.memberName, code: row.memberCode },
    unit: { name: row.unitName ?? "" },
    course: { title: row.courseTitle },
    itemTitle: await itemTitleOf(db, a.versionId, a.itemKey),
    essays,
    canGrade: row.canGrade && a.essaysPending > 0,
  };
}

export type EssayGradeInput = { questionId: string; points: string; comment: string };

/** Points as typed ("7", "7,5", "7.5"), checked against the question's mark. */
function pointsOf(raw: string, max: number): number {
  if (raw.trim() === "") throw new DomainError("quiz.error.pointsRequired", { max }, 422);
  const n = parseNumberInput(raw);
  if (n === null || n < 0 || n > max) throw new DomainError("quiz.error.pointsRange", { max }, 422);
  return n + 0;
}

/** The final score of an attempt whose every question has its stored score (0..1 each). */
async function finalScore(tx: Db, a: Attempt): Promise<number> {
  const questions = a.questions as Question[];
  const scores = new Map((await tx.select({ questionId: quizAnswers.questionId, score: quizAnswers.score }).from(quizAnswers).where(eq(quizAnswers.attemptId, a.id))).map((r) => [r.questionId, r.score ?? 0]));
  const total = questions.reduce((s, q) => s + q.weight, 0);
  const got = questions.reduce((s, q) => s + (scores.get(q.id) ?? 0) * q.weight, 0);
  return total > 0 ? got / total : 0;
}

/**
 * Grades one essay of an attempt. Refused with a message, writing nothing: points missing or
 * outside 0..the question's mark, a comment too long, a question that is not an answered essay
 * of this attempt, an attempt already final, an actor who may read but not grade. When it was
 * the last essay waiting, the attempt gets its score and pass/fail, completion follows as for an
 * auto-graded attempt, and the member is notified — all in the same transaction.
 */
export async function gradeEssay(db: Db, ctx: GraderContext, attemptId: number, input: EssayGradeInput, now = new Date()) {
  return writeTx(db, async (tx) => {
    const row = await requireVisibleEssayAttempt(tx, ctx, attemptId);
    if (!row.canGrade) throw new DomainError("quiz.error.notEssayGrader", {}, 403);
    const a = row.a;
    if (a.essaysPending === 0) throw new DomainError("quiz.error.essayFinal", {}, 409);
    const q = (a.questions as Question[]).find((x) => x.id === input.questionId && x.kind === "essay");
    const answers = await savedAnswers(tx, a.id);
    if (!q || !essayAnswered(answers.get(q.id))) throw new DomainError("quiz.error.notEssay", {}, 422);
    const points = pointsOf(input.points, q.weight);
    const comment = input.comment.replace(/\r\n?/g, "\n").normalize("NFC").trim();
    if ([...comment].length > MAX_ESSAY_COMMENT) throw new DomainError("quiz.error.commentTooLong", { max: MAX_ESSAY_COMMENT }, 422);

    await tx.insert(quizEssayGrades).values({ attemptId: a.id, questionId: q.id, graderId: ctx.actor.id, points, comment, gradedAt: now });
    await tx.update(quizAnswers).set({ score: points / q.weight }).where(and(eq(quizAnswers.attemptId, a.id), eq(quizAnswers.questionId, q.id)));
    const graded = new Set((await tx.select({ questionId: quizEssayGrades.questionId }).from(quizEssayGrades).where(eq(quizEssayGrades.attemptId, a.id))).map((r) => r.questionId));
    const pending = (a.questions as Question[]).filter((x) => x.kind === "essay" && essayAnswered(answers.get(x.id)) && !graded.has(x.id)).length;
    if (pending > 0) {
      await tx.update(quizAttempts).set({ essaysPending: pending }).where(eq(quizAttempts.id, a.id));
      return { final: false as const };
    }
    const score = await finalScore(tx, a);
    const s = await settingsFor(tx, a.courseId, a.itemKey);
    const passed = meetsPassMark(score, s.passPercent);
    await tx.update(quizAttempts).set({ essaysPending: 0, score, passed, gradedAt: now }).where(eq(quizAttempts.id, a.id));
    await settleAttemptCompletion(tx, a, passed, now, now);
    await tx.insert(notifications).values({
      memberId: a.memberId,
      kind: QUIZ_GRADED_KIND,
      title: await itemTitleOf(tx, a.versionId, a.itemKey),
      body: "",
      link: `/quiz/${a.id}`,
      createdBy: ctx.actor.id,
      createdAt: now,
    });
    return { final: true as const, score, passed };
  });
}
