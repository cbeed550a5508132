import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { data } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "#app/auth/permissions.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { ok, parseId } from "#app/http/forms.server.ts";
import { graderContext } from "#app/reflections/graders.server.ts";
import { essayGradingView, gradeEssay } from "#app/quizzes/essay-grading.server.ts";
import { MAX_ESSAY_COMMENT } from "#app/quizzes/grading.ts";
import { Field, Notice, type Flash } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export const meta: MetaFunction = () => [{ title: "Học Số" }];

async function view(request: Request, context: LoaderFunctionArgs["context"], id: string | undefined) {
  const { member } = await requireUser(request, context);
  const ctx = await graderContext(context.db, member);
  try {
    return { ctx, v: await essayGradingView(context.db, ctx, parseId(id)) };
  } catch (e) {
    // Out of scope answers exactly like a missing id.
    if (e instanceof DomainError && e.status === 404) throw new Response("Not Found", { status: 404 });
    throw e;
  }
}

/** One attempt's essays beside their questions, with their grades, and a points form per essay for its graders. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return (await view(request, context, params.attemptId)).v;
}

/** Bounded, so one form stays small; the domain says what is wrong with the values (bilingual). */
const gradeSchema = z.object({
  questionId: z.string().max(200),
  points: z.string().max(40).default(""),
  comment: z.string().max(MAX_ESSAY_COMMENT * 4).default(""),
});

/** What the grader typed comes back with a refusal, so nothing is lost. */
type Result = { flash: Flash; typed?: { questionId: string; points: string; comment: string } };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx, v } = await view(request, context, params.attemptId);
  const form = await request.formData();
  const raw = Object.fromEntries([...form.entries()].filter((e): e is [string, string] => typeof e[1] === "string"));
  const f = gradeSchema.safeParse(raw);
  if (!f.success) return data<Result>({ flash: { key: "error.badRequest", tone: "error" } }, { status: 400 });
  try {
    const r = await gradeEssay(context.db, ctx, v.attempt.id, f.data);
    return data<Result>(ok(r.final ? "grading.essays.finished" : "grading.essays.saved"));
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return data<Result>({ flash: { key: e.key, params: e.params, tone: "error" } as Flash, typed: f.data }, { status: e.status });
  }
}

export default function GradeQuizEssays() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const typed = a && "typed" in a ? a.typed : undefined;
  return (
    <>
      <p>
        <Link to="/grading">← {t("grading.title")}</Link>
      </p>
      <h1>{t("grading.essays.title", { name: d.member.name, unit: d.unit.name })}</h1>
      <p className="muted">
        {t("grading.essays.heading")} · {d.course.title} · {d.itemTitle} · {t("grading.essays.attempt", { n: d.attempt.attemptNo })}
        {d.attempt.submittedAt ? ` · ${formatDate(d.attempt.submittedAt, { dateStyle: "short", timeStyle: "short" })}` : ""}
      </p>
      <Notice flash={a?.flash} />
      <p data-testid="essay-attempt-state">
        {d.attempt.essaysPending > 0 ? (
          <>
            <span className="badge badge-warn">{t("grading.essays.waiting", { n: d.attempt.essaysPending })}</span>{" "}
            {t("grading.essays.autoScore", { percent: Math.round((d.attempt.provisionalScore ?? 0) * 100) })}
          </>
        ) : (
          <>
            <span className={`badge ${d.attempt.passed ? "badge-ok" : "badge-err"}`}>{d.attempt.passed ? t("quiz.passed") : t("quiz.failed")}</span>{" "}
            {t("grading.essays.final", { percent: Math.round((d.attempt.score ?? 0) * 100) })}
          </>
        )}
      </p>
      {d.attempt.essaysPending === 0 ? <p className="notice">{t("grading.essays.locked")}</p> : null}
      {d.essays.map((e) => {
        const mine = typed?.questionId === e.questionId ? typed : undefined;
        return (
          <section key={e.questionId} className="card" data-testid={`essay-${e.questionId}`}>
            <h2>{t("quiz.question", { n: e.number })}</h2>
            <p className="question-text">
              {e.text}
              {e.textAfter !== null ? <> _____ {e.textAfter}</> : null}
            </p>
            <h3>{t("grading.essays.answer")}</h3>
            <p className="reflection-text" data-testid="essay-answer">
              {e.answered ? e.answer : t("quiz.essay.empty")}
            </p>
            {e.latest ? (
              <p>
                <span className="badge">{t("quiz.essay.points", { points: e.latest.points, max: e.max })}</span>
                {e.latest.comment ? <span className="reflection-text"> — {e.latest.comment}</span> : null}
              </p>
            ) : e.answered ? (
              <span className="badge badge-warn">{t("quiz.essay.pending")}</span>
            ) : null}
            {d.canGrade && e.answered ? (
              <Form method="post" className="row" data-testid="essay-grade-form">
                <input type="hidden" name="questionId" value={e.questionId} />
                <Field label={t("grading.essays.points", { max: e.max })} name={`points-${e.questionId}`}>
                  <input id={`points-${e.questionId}`} name="points" inputMode="decimal" autoComplete="off" defaultValue={mine?.points ?? (e.latest ? String(e.latest.points) : "")} />
                </Field>
                <Field label={t("reflection.grade.comment")} name={`comment-${e.questionId}`}>
                  <textarea id={`comment-${e.questionId}`} name="comment" rows={3} maxLength={MAX_ESSAY_COMMENT} defaultValue={mine?.comment ?? e.latest?.comment ?? ""} />
                </Field>
                <button type="submit">{t("grading.essays.save")}</button>
              </Form>
            ) : null}
            {e.grades.length > 1 ? (
              <details>
                <summary>{t("grading.essays.history")}</summary>
                <ul className="tree">
                  {[...e.grades].reverse().map((g) => (
                    <li key={g.id}>
                      {t("quiz.essay.points", { points: g.points, max: e.max })} ·{" "}
                      {t("reflection.grade.by", { grader: g.graderName ?? "—", when: formatDate(g.gradedAt, { dateStyle: "short", timeStyle: "short" }) })}
                      {g.comment ? <span className="reflection-text"> — {g.comment}</span> : null}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </section>
        );
      })}
      {!d.canGrade && d.attempt.essaysPending > 0 ? <p className="notice">{t("grading.readOnly")}</p> : null}
    </>
  );
}
