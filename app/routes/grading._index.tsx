import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { z } from "zod";
import { requireUser } from "#app/auth/permissions.server.ts";
import { domainFailure, ok, readSearch } from "#app/http/forms.server.ts";
import { graderContext } from "#app/reflections/graders.server.ts";
import { gradeMany, gradingQueue } from "#app/reflections/grading.server.ts";
import { essayQueue } from "#app/quizzes/essay-grading.server.ts";
import { QUEUE_FILTERS } from "#app/reflections/queue-filters.ts";
import { childUnits, getUnit } from "#app/org/units.server.ts";

import { Field, Notice } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export const meta: MetaFunction = () => [{ title: "Học Số" }];

const searchSchema = z.object({
  status: z.enum(QUEUE_FILTERS).default("waiting"),
  unit: z.union([z.literal(""), z.coerce.number().int().positive()]).optional(),
});

/**
 * The grading queue: every submitted reflection the signed-in member may see, by the writer's
 * unit at submission — a cell secretary sees what their cell submitted, a trainer their subtree —
 * and, in a section of its own, the quiz attempts whose essays wait for (or had) a trainer in scope.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const q = readSearch(request, searchSchema);
  const ctx = await graderContext(context.db, member);
  const unitId = q.unit ? q.unit : null;
  const all = await gradingQueue(context.db, ctx, { filter: "all" });
  const queue = await gradingQueue(context.db, ctx, { filter: q.status, unitId });
  const essays = await essayQueue(context.db, ctx, { filter: q.status, unitId });
  // Managers reach the per-unit reflection report (counts, who is missing, grades export) from here.
  const reportUnits = ctx.scope.all ? (await childUnits(context.db, null)).map((u) => ({ id: u.id, name: u.name })) : await Promise.all(ctx.scope.roots.map(async (r) => ({ id: r.id, name: (await getUnit(context.db, r.id))?.name ?? "" })));
  return {
    reportUnits,
    status: q.status,
    unitId,
    units: [...new Map([...all.units, ...essays.units].map((u) => [u.id, u])).values()],
    essays: {
      counts: essays.counts,
      rows: essays.rows.map((r) => ({
        id: r.id,
        attemptNo: r.attemptNo,
        memberName: r.memberName,
        memberCode: r.memberCode,
        unitName: r.unitName,
        courseTitle: r.courseTitle,
        itemTitle: r.itemTitle,
        submittedAt: r.submittedAt,
        essaysPending: r.essaysPending,
        score: r.score,
        passed: r.passed,
        canGrade: r.canGrade,
      })),
    },
    counts: unitId ? queue.counts : all.counts,
    rows: queue.rows.map((r) => ({
      id: r.id,
      state: r.state,
      memberName: r.memberName,
      memberCode: r.memberCode,
      unitName: r.unitName,
      courseTitle: r.courseTitle,
      itemTitle: r.itemTitle,
      versionNo: r.versionNo,
      submittedAt: r.submittedAt,
      late: r.late,
      overdue: r.overdue,
      similarity: r.similarity,
      grade: r.grade ? { outcome: r.grade.outcome, score: r.grade.score } : null,
      canGrade: r.canGrade,
      bulk: r.canGrade && r.scale === "pass-revise" && r.state === "submitted",
    })),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { member } = await requireUser(request, context);
  const form = await request.formData();
  const parsed = z
    .object({ intent: z.enum(["bulk-pass", "bulk-revise"]), comment: z.string().max(5000).default(""), ids: z.array(z.coerce.number().int().positive()).min(1).max(500) })
    .safeParse({ intent: form.get("intent"), comment: form.get("comment") ?? "", ids: form.getAll("id") });
  if (!parsed.success) throw new Response("Bad Request", { status: 400 });
  try {
    const n = await gradeMany(context.db, await graderContext(context.db, member), parsed.data.ids, {
      outcome: parsed.data.intent === "bulk-pass" ? "pass" : "revise",
      comment: parsed.data.comment,
    });
    return ok("grading.bulk.done", { n });
  } catch (e) {
    return domainFailure(e);
  }
}

export default function GradingQueue() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const href = (status: string) => `/grading?status=${status}${d.unitId ? `&unit=${d.unitId}` : ""}`;
  const anyBulk = d.rows.some((r) => r.bulk);
  return (
    <>
      <h1>{t("grading.title")}</h1>
      <Notice flash={a?.flash} />
      {d.reportUnits.length > 0 ? (
        <p className="row">
          {d.reportUnits.map((u) => (
            <Link key={u.id} to={`/manage/reports/units/${u.id}/reflections`} data-testid="reflection-report-link">
              {t("reflection.report.title", { unit: u.name })}
            </Link>
          ))}
        </p>
      ) : null}
      <nav className="row" aria-label={t("grading.state")} data-testid="grading-filters">
        {QUEUE_FILTERS.map((f) => (
          <Link key={f} to={href(f)} className={f === d.status ? "button" : "button secondary"} aria-current={f === d.status ? "page" : undefined}>
            {t(`grading.filter.${f}`, { n: d.counts[f] })}
          </Link>
        ))}
      </nav>
      {d.units.length > 1 ? (
        <Form method="get" className="row">
          <input type="hidden" name="status" value={d.status} />
          <Field label={t("grading.unit")} name="unit">
            <select id="unit" name="unit" defaultValue={d.unitId ?? ""}>
              <option value="">{t("grading.allUnits")}</option>
              {d.units.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" className="secondary">
            {t("common.search")}
          </button>
        </Form>
      ) : null}
      <EssaySection essays={d.essays} />
      {d.rows.length === 0 ? (
        <p data-testid="grading-empty">{t("grading.empty")}</p>
      ) : (
        <Form method="post">
          <div className="table-wrap">
            <table className="stack" data-testid="grading-table">
              <QueueHead selectable={anyBulk} />
              <tbody>
                {d.rows.map((r) => (
                  <tr key={r.id} data-testid={`grading-row-${r.memberCode}`}>
                    {anyBulk ? (
                      <td>{r.bulk ? <input type="checkbox" name="id" value={r.id} aria-label={t("grading.select", { name: r.memberName })} /> : null}</td>
                    ) : null}
                    <WorkCells row={r} which={t("reflection.version", { n: r.versionNo })}>
                      {r.late ? <span className="badge badge-warn"> {t("reflection.late")}</span> : null}
                    </WorkCells>
                    <td data-label={t("grading.state")}>
                      {t(`reflection.state.${r.state}`)}
                      {r.grade?.score != null ? ` · ${t("reflection.grade.score", { score: r.grade.score })}` : ""}
                      {r.overdue ? <span className="badge badge-err"> {t("grading.overdue")}</span> : null}
                      {r.similarity !== null ? (
                        <span className="badge badge-err" data-testid="similar-badge">
                          {" "}
                          {t("grading.similar", { percent: Math.round(r.similarity * 100) })}
                        </span>
                      ) : null}
                    </td>
                    <td>
                      <Link to={`/grading/${r.id}`}>{r.canGrade ? t("grading.open") : t("grading.view")}</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {anyBulk ? (
            <fieldset className="card">
              <legend>{t("grading.bulk.heading")}</legend>
              <Field label={t("reflection.grade.comment")} name="comment">
                <textarea id="comment" name="comment" maxLength={5000} rows={3} />
              </Field>
              <div className="row">
                <button type="submit" name="intent" value="bulk-pass">
                  {t("grading.bulk.pass")}
                </button>
                <button type="submit" name="intent" value="bulk-revise" className="secondary">
                  {t("grading.bulk.revise")}
                </button>
              </div>
            </fieldset>
          ) : null}
        </Form>
      )}
    </>
  );
}

/** The head of either queue's table; `selectable` when rows have a bulk-grading checkbox first. */
function QueueHead({ selectable }: { selectable: boolean }) {
  const { t } = useT();
  return (
    <thead>
      <tr>
        {selectable ? <th /> : null}
        <th>{t("grading.member")}</th>
        <th>{t("grading.unit")}</th>
        <th>{t("grading.item")}</th>
        <th>{t("grading.state")}</th>
        <th />
      </tr>
    </thead>
  );
}

type QueuedWork = { memberName: string; memberCode: string; unitName: string; itemTitle: string; courseTitle: string; submittedAt: Date | string | null };

/**
 * The cells a row of either queue (reflections, quiz essays) opens with: who handed the work in,
 * their unit then, and what it is, with which version or attempt and when. `children` follow in
 * the item's cell (the reflection's late badge).
 */
function WorkCells({ row, which, children }: { row: QueuedWork; which: string; children?: ReactNode }) {
  const { t, formatDate } = useT();
  return (
    <>
      <td data-label={t("grading.member")}>
        {row.memberName} <span className="muted">({row.memberCode})</span>
      </td>
      <td data-label={t("grading.unit")}>{row.unitName}</td>
      <td data-label={t("grading.item")}>
        {row.itemTitle} <span className="muted">— {row.courseTitle}</span>
        <br />
        <small className="muted">
          {which}
          {row.submittedAt ? ` · ${formatDate(row.submittedAt, { dateStyle: "short", timeStyle: "short" })}` : ""}
        </small>
        {children}
      </td>
    </>
  );
}

type EssayData = ReturnType<typeof useLoaderData<typeof loader>>["essays"];

/** Quiz essays: labelled apart from reflections; each row opens the attempt's essays. */
function EssaySection({ essays }: { essays: EssayData }) {
  const { t } = useT();
  if (essays.counts.waiting + essays.counts.graded === 0) return null;
  return (
    <section className="card" data-testid="essay-queue">
      <h2>
        {t("grading.essays.heading")} <span className="muted">· {t("grading.filter.waiting", { n: essays.counts.waiting })}</span>
      </h2>
      <p className="hint">{t("grading.essays.hint")}</p>
      {essays.rows.length === 0 ? (
        <p>{t("grading.essays.empty")}</p>
      ) : (
        <div className="table-wrap">
          <table className="stack" data-testid="essay-table">
            <QueueHead selectable={false} />
            <tbody>
              {essays.rows.map((r) => (
                <tr key={r.id} data-testid={`essay-row-${r.memberCode}`}>
                  <WorkCells row={r} which={t("grading.essays.attempt", { n: r.attemptNo })} />
                  <td data-label={t("grading.state")}>
                    {r.essaysPending > 0 ? (
                      <span className="badge badge-warn">{t("grading.essays.waiting", { n: r.essaysPending })}</span>
                    ) : (
                      <>
                        {t("grading.essays.graded")} · {t("quiz.score", { percent: Math.round((r.score ?? 0) * 100) })}{" "}
                        <span className={`badge ${r.passed ? "badge-ok" : "badge-err"}`}>{r.passed ? t("quiz.passed") : t("quiz.failed")}</span>
                      </>
                    )}
                  </td>
                  <td>
                    <Link to={`/grading/quiz/${r.id}`}>{r.canGrade && r.essaysPending > 0 ? t("grading.open") : t("grading.view")}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
