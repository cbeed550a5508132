import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "#app/auth/permissions.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { domainFailure, ok, parseId, readForm } from "#app/http/forms.server.ts";
import { graderContext } from "#app/reflections/graders.server.ts";
import { gradeSubmission, gradingView } from "#app/reflections/grading.server.ts";
import { Field, Notice, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export const meta: MetaFunction = () => [{ title: "Học Số" }];

async function view(request: Request, context: LoaderFunctionArgs["context"], id: string | undefined) {
  const { member } = await requireUser(request, context);
  const ctx = await graderContext(context.db, member);
  try {
    return { ctx, v: await gradingView(context.db, ctx, parseId(id)) };
  } catch (e) {
    // Out of scope answers exactly like a missing id.
    if (e instanceof DomainError && e.status === 404) throw new Response("Not Found", { status: 404 });
    throw e;
  }
}

/** One reflection beside its prompt, with any copies found, its history, and the grade form for its graders. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return (await view(request, context, params.submissionId)).v;
}

const gradeSchema = z.object({
  outcome: z.enum(["pass", "revise"]).optional(),
  score: z.union([z.literal(""), z.coerce.number().int().min(0).max(100)]).optional(),
  comment: z.string().max(5000).default(""),
});

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { ctx, v } = await view(request, context, params.submissionId);
  const f = await readForm(request, gradeSchema);
  try {
    const r = await gradeSubmission(context.db, ctx, v.submission.id, { outcome: f.outcome, score: f.score === "" || f.score === undefined ? null : f.score, comment: f.comment });
    return ok(r.outcome === "pass" ? "grading.saved.pass" : "grading.saved.revise");
  } catch (e) {
    return domainFailure(e);
  }
}

function Segments({ segments }: { segments: { text: string; shared: boolean }[] }) {
  return (
    <p className="reflection-text">
      {segments.map((s, i) => (s.shared ? <mark key={i} className="shared">{s.text}</mark> : <span key={i}>{s.text}</span>))}
    </p>
  );
}

export default function GradeReflection() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const latest = d.versions[d.versions.length - 1];
  const history = d.versions.flatMap((v) => v.grades.map((g) => ({ ...g, versionNo: v.versionNo }))).reverse();
  return (
    <>
      <p>
        <Link to="/grading">← {t("grading.title")}</Link>
      </p>
      <h1>{t("grading.submission", { name: d.member.name, unit: d.unit.name })}</h1>
      <p className="muted">
        {d.course.title} · {d.item.title} · {t(`reflection.state.${d.submission.state}`)} ·{" "}
        <Link to={`/grading/${d.submission.id}/print`}>{t("reflection.write.print")}</Link>
      </p>
      <Notice flash={a?.flash} />
      {d.copies.length > 0 ? (
        <section className="card notice-error" data-testid="copies">
          <h2>{t("grading.copies.heading")}</h2>
          {d.copies.map((c, i) => (
            <div key={i}>
              <p>
                <strong data-testid="copy-score">{t("grading.copies.score", { percent: Math.round(c.score * 100) })}</strong>
              </p>
              <div className="copy-pair">
                <div>
                  <h3>{t("grading.copies.mine")}</h3>
                  <Segments segments={c.mine} />
                </div>
                {c.other ? (
                  <div>
                    <h3>{t("grading.copies.other", { name: c.other.memberName, unit: c.other.unitName })}</h3>
                    <Segments segments={c.other.segments} />
                  </div>
                ) : (
                  <p className="muted">{t("grading.copies.hidden", { unit: c.otherUnitName })}</p>
                )}
              </div>
            </div>
          ))}
        </section>
      ) : (
        <p className="muted" data-testid="no-copies">
          {t("grading.copies.none")}
        </p>
      )}
      <div className="grading-split">
        <section className="card">
          <h2>{t("grading.prompt")}</h2>
          <div className="lesson-body" dangerouslySetInnerHTML={{ __html: d.item.promptHtml }} />
        </section>
        <section className="card" data-testid="submission-text">
          <h2>
            {t("reflection.version", { n: latest.versionNo })} · {t("reflection.write.words", { words: latest.words })}
          </h2>
          <p className="muted">{t("reflection.submittedAt", { when: formatDate(latest.submittedAt, { dateStyle: "short", timeStyle: "short" }) })}</p>
          <div className="lesson-body" dangerouslySetInnerHTML={{ __html: latest.html }} />
        </section>
      </div>
      {d.canGrade ? (
        <Form method="post" className="card" data-testid="grade-form">
          <h2>{history.length ? t("grading.form.regrade") : t("grading.form.heading")}</h2>
          {d.settings.scale === "score" ? (
            <InputField label={t("grading.form.score", { mark: d.settings.passMark ?? 0 })} name="score" type="number" min={0} max={100} required />
          ) : (
            <fieldset>
              <legend>{t("grading.form.outcome")}</legend>
              <label>
                <input type="radio" name="outcome" value="pass" required /> {t("reflection.grade.pass")}
              </label>{" "}
              <label>
                <input type="radio" name="outcome" value="revise" /> {t("reflection.grade.revise")}
              </label>
            </fieldset>
          )}
          <Field label={t("reflection.grade.comment")} name="comment">
            <textarea id="comment" name="comment" maxLength={5000} rows={4} />
          </Field>
          <button type="submit">{t("grading.form.save")}</button>
        </Form>
      ) : (
        <p className="notice">{t("grading.readOnly")}</p>
      )}
      {history.length > 0 ? (
        <section className="card" data-testid="grade-history">
          <h2>{t("grading.history")}</h2>
          <ul className="tree">
            {history.map((g) => (
              <li key={g.id}>
                <span>
                  {t("reflection.version", { n: g.versionNo })} ·{" "}
                  <span className={`badge ${g.outcome === "pass" ? "badge-ok" : "badge-err"}`}>{g.outcome === "pass" ? t("reflection.grade.pass") : t("reflection.grade.revise")}</span>
                  {g.score !== null ? ` ${t("reflection.grade.score", { score: g.score })}` : ""} ·{" "}
                  {t("reflection.grade.by", { grader: g.graderName, when: formatDate(g.gradedAt, { dateStyle: "short", timeStyle: "short" }) })}
                  {g.comment ? <span className="reflection-text"> — {g.comment}</span> : null}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {d.versions.length > 1 ? (
        <section className="card">
          <h2>{t("reflection.write.history")}</h2>
          {d.versions.slice(0, -1).map((v) => (
            <details key={v.id}>
              <summary>{t("reflection.version", { n: v.versionNo })}</summary>
              <div className="lesson-body" dangerouslySetInnerHTML={{ __html: v.html }} />
            </details>
          ))}
        </section>
      ) : null}
    </>
  );
}
