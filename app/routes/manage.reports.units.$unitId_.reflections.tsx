import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { reportCrumbs, reportRequest, reportUnit } from "#app/reports/page.server.ts";
import { reflectionReport } from "#app/reflections/report.server.ts";
import { useT } from "#app/i18n/use-t.ts";
import reportsCss from "#app/styles/reports.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reportsCss }];

/**
 * Reflections of a unit's subtree: per item, not submitted / waiting for grading / returned /
 * passed; who has not submitted; which graders have work waiting. Managers in scope only;
 * another subtree is a 404. The grades download is …/reflections/export.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope } = await reportRequest(request, context);
  const unit = await reportUnit(context.db, scope, params.unitId);
  const r = await reflectionReport(context.db, unit);
  return {
    unit: { id: unit.id, code: unit.code, name: unit.name },
    crumbs: await reportCrumbs(context.db, scope, unit),
    items: r.items.map((i) => ({ key: `${i.courseId}:${i.key}`, courseTitle: i.courseTitle, title: i.title, dueAt: i.dueAt, counts: i.counts })),
    missing: r.missing,
    graders: r.graders,
  };
}

export default function UnitReflections() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const cols = ["assigned", "notSubmitted", "waiting", "returned", "passed", "overdue"] as const;
  return (
    <>
      <nav aria-label="breadcrumb" className="no-print">
        <ol className="breadcrumbs">
          <li>
            <Link to="/manage/reports">{t("reports.title")}</Link>
          </li>
          {d.crumbs.map((u) => (
            <li key={u.id}>
              <Link to={`/manage/reports/units/${u.id}/reflections`}>{u.name}</Link>
            </li>
          ))}
          <li>
            <Link to={`/manage/reports/units/${d.unit.id}`}>{d.unit.name}</Link>
          </li>
        </ol>
      </nav>
      <h1>{t("reflection.report.title", { unit: d.unit.name })}</h1>
      {d.items.length === 0 ? (
        <p className="card">{t("reflection.report.none")}</p>
      ) : (
        <div className="table-wrap">
          <table className="stack report-table" data-testid="reflection-counts">
            <thead>
              <tr>
                <th scope="col">{t("reflection.report.col.item")}</th>
                {cols.map((c) => (
                  <th key={c} scope="col" className="num">
                    {t(`reflection.report.col.${c}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {d.items.map((i) => (
                <tr key={i.key}>
                  <th scope="row" data-label={t("reflection.report.col.item")}>
                    {i.title} <span className="muted small">— {i.courseTitle}</span>
                    {i.dueAt ? <span className="muted small"> · {formatDate(i.dueAt, { dateStyle: "short" })}</span> : null}
                  </th>
                  {cols.map((c) => (
                    <td key={c} className="num" data-label={t(`reflection.report.col.${c}`)} data-col={c}>
                      {i.counts[c]}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="row no-print">
        <span>{t("reflection.report.export")}</span>
        <a href={`/manage/reports/units/${d.unit.id}/reflections/export?format=csv`} download>
          CSV
        </a>
        <a href={`/manage/reports/units/${d.unit.id}/reflections/export?format=xlsx`} download>
          XLSX
        </a>
      </p>
      <section>
        <h2>{t("reflection.report.missingTitle")}</h2>
        {d.missing.length === 0 ? (
          <p>{t("reflection.report.missingNone")}</p>
        ) : (
          <ul className="tree" data-testid="reflection-missing">
            {d.missing.map((m, i) => (
              <li key={i}>
                <span>
                  {m.fullName} <span className="muted small">({m.code}, {m.unitName})</span> — {m.itemTitle}
                  {m.started ? <span className="badge"> {t("reflection.report.draftStarted")}</span> : null}
                  {m.overdue ? <span className="badge badge-err"> {t("grading.overdue")}</span> : null}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section>
        <h2>{t("reflection.report.gradersTitle")}</h2>
        {d.graders.length === 0 ? (
          <p>{t("reflection.report.gradersNone")}</p>
        ) : (
          <ul className="tree" data-testid="reflection-graders">
            {d.graders.map((g) => (
              <li key={g.memberId}>
                <span>
                  {g.fullName} <span className="muted small">({g.code}, {g.unitName})</span>
                </span>
                <span>{t("reflection.report.waitingFor", { n: g.waiting })}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
