import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { notFound, requireMemberScope, requireUser, scopeOf } from "#app/auth/permissions.server.ts";
import { attemptsOf, closeExpiredAttempts, getAttempt, presentAttempt, reviewAttempt, submitAttempt } from "#app/quizzes/attempts.server.ts";
import { getCourse } from "#app/courses/courses.server.ts";
import { parseId, readForm } from "#app/http/forms.server.ts";
import { QuizForm, QuizReview } from "#app/components/quiz.tsx";
import { useT } from "#app/i18n/use-t.ts";

export const meta: MetaFunction = () => [{ title: "Bài kiểm tra — Học Số" }];

/**
 * One attempt: while open, its questions (never the answers) and the member's saved responses with
 * the server's deadline; once closed, the review the quiz's settings allow. The owner may open it;
 * a trainer whose scope holds the member may read it; anyone else gets 404.
 */
async function loadAttempt(request: Request, context: LoaderFunctionArgs["context"], rawId: string | undefined) {
  const session = await requireUser(request, context);
  const id = parseId(rawId);
  let a = await getAttempt(context.db, id);
  if (!a) notFound();
  const own = a.memberId === session.member.id;
  // A member's scope has no roots, so only a trainer whose subtree holds the member passes.
  if (!own) await requireMemberScope(context.db, await scopeOf(context.db, session.member), a.memberId);
  await closeExpiredAttempts(context.db, a.memberId, a.courseId, a.itemKey);
  a = (await getAttempt(context.db, id))!;
  return { session, a, own };
}

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { a, own } = await loadAttempt(request, context, params.attemptId);
  const course = (await getCourse(context.db, a.courseId))!;
  const back = `/courses/${course.slug}/${a.itemKey}`;
  if (a.state === "open") {
    if (!own) return { mode: "in-progress" as const, back, courseTitle: course.title, attemptNo: a.attemptNo };
    return { mode: "open" as const, back, courseTitle: course.title, attempt: await presentAttempt(context.db, a), serverNow: Date.now() };
  }
  const all = await attemptsOf(context.db, a.memberId, a.courseId, a.itemKey);
  const review = (await reviewAttempt(context.db, a, { attemptsUsed: all.length, passedAny: all.some((x) => x.passed), asTrainer: !own }))!;
  return {
    mode: "review" as const,
    back,
    courseTitle: course.title,
    asTrainer: !own,
    attemptNo: a.attemptNo,
    score: a.score ?? 0,
    passed: !!a.passed,
    // Essays wait for a grader: no pass/fail yet, only the automatic part as a provisional score.
    awaitingGrading: a.essaysPending > 0,
    provisionalScore: a.provisionalScore ?? 0,
    expired: a.state === "expired",
    answersShown: review.some((r) => r.correctResponse !== null),
    review,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, a, own } = await loadAttempt(request, context, params.attemptId);
  if (!own) throw new Response("Forbidden", { status: 403 });
  await readForm(request, z.object({ intent: z.literal("submit") }));
  await submitAttempt(context.db, session.member.id, a.id);
  return redirect(`/quiz/${a.id}`);
}

export default function QuizAttempt() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  return (
    <article className="lesson quiz">
      <p className="muted">
        <Link to={d.back}>← {t("quiz.backToQuiz")}</Link> · {d.courseTitle}
      </p>
      {d.mode === "open" ? <QuizForm attempt={d.attempt} serverNow={d.serverNow} /> : null}
      {d.mode === "in-progress" ? <p className="notice">{t("quiz.trainerView")}</p> : null}
      {d.mode === "review" ? (
        <>
          {d.asTrainer ? <p className="notice">{t("quiz.trainerView")}</p> : null}
          <h1>{t("quiz.result", { n: d.attemptNo })}</h1>
          {d.awaitingGrading ? (
            <>
              <p data-testid="quiz-score">
                {t("quiz.provisionalScore", { percent: Math.round(d.provisionalScore * 100) })}{" "}
                <span className="badge badge-warn" data-testid="awaiting-grading">
                  {t("quiz.awaitingGrading")}
                </span>
                {d.expired ? <span className="badge"> {t("quiz.expired")}</span> : null}
              </p>
              <p className="notice">{t("quiz.awaitingGradingNote")}</p>
            </>
          ) : (
            <p data-testid="quiz-score">
              {t("quiz.score", { percent: Math.round(d.score * 100) })}{" "}
              <span className={`badge ${d.passed ? "badge-ok" : "badge-err"}`}>{d.passed ? t("quiz.passed") : t("quiz.failed")}</span>
              {d.expired ? <span className="badge"> {t("quiz.expired")}</span> : null}
            </p>
          )}
          {!d.answersShown ? <p className="hint">{t("quiz.answersHidden")}</p> : null}
          <QuizReview items={d.review} />
        </>
      ) : null}
      {d.mode === "open" ? null : (
        <p>
          <Link to={d.back}>{t("quiz.backToQuiz")}</Link>
        </p>
      )}
      {d.mode === "open" ? (
        <Form method="post" id="submit-form" hidden>
          <input type="hidden" name="intent" value="submit" />
        </Form>
      ) : null}
    </article>
  );
}
