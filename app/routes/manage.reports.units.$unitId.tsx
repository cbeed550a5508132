import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { completionRollup, memberCompletion } from "#app/reports/completion.server.ts";
import { filterQuery } from "#app/reports/filters.server.ts";
import { childRows, plainCounts, reportCrumbs, reportRequest, reportUnit, seriesPoints } from "#app/reports/page.server.ts";
import { CountCells, CountHeaders, CountsTable, ExportLinks, ReportFilterForm, StateBadge } from "#app/reports/report-ui.tsx";
import { CompletionBars } from "#app/components/charts/completion-bars.tsx";
import { CompletionOverTime } from "#app/components/charts/completion-over-time.tsx";
import { useT } from "#app/i18n/use-t.ts";
import reportsCss from "#app/styles/reports.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reportsCss }];

/**
 * One unit's report: its child units (each a subtree), a "direct members" row when it has members
 * of its own, and the list of those members (a cell's members), each with their course states.
 */
export function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope, filters: f, withinPaths } = reportRequest(request, context);
  const unit = reportUnit(context.db, scope, params.unitId);
  const q = filterQuery(f);
  const base = {
    unit: { id: unit.id, code: unit.code, name: unit.name },
    crumbs: reportCrumbs(context.db, scope, unit),
    courses: f.available.map((c) => ({ id: c.id, title: c.title, state: c.state })),
    chosen: f.courseIds,
    explicit: f.explicit,
    day: f.day,
    today: f.today,
    query: q,
  };
  if (f.courseIds.length === 0) return { ...base, empty: true as const };
  const rollup = completionRollup(context.db, { courseIds: f.courseIds, at: f.at, rootUnitId: unit.id, withinPaths });
  const me = rollup.units.find((u) => u.unitId === unit.id)!;
  const { rows } = childRows(rollup, me, (id) => `/manage/reports/units/${id}${q}`);
  const titles = new Map(f.chosen.map((c) => [c.id, c.title]));
  const people =
    me.own.assigned > 0
      ? memberCompletion(context.db, { courseIds: f.courseIds, unitId: unit.id, at: f.at, withinPaths, directOnly: true }).map((m) => ({
          id: m.memberId,
          code: m.code,
          fullName: m.fullName,
          neverSignedIn: m.neverSignedIn,
          counts: plainCounts(m.counts),
          courses: m.courses.map((c) => ({ title: titles.get(c.courseId) ?? "", state: c.state, overdue: c.overdue })),
        }))
      : [];
  return {
    ...base,
    empty: false as const,
    hasChildren: rows.some((r) => r.kind === "unit"),
    rows: rows.map((r) => ({ ...r, counts: plainCounts(r.counts) })),
    total: plainCounts(me.total),
    own: plainCounts(me.own),
    people,
    points: seriesPoints(context.db, { unitIds: [unit.id], courseIds: f.courseIds, day: f.day, today: f.today, live: me.total }),
  };
}

export default function UnitReport() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const sep = d.query ? `${d.query}&` : "?";
  const exportHref = (table: string) => (format: "csv" | "xlsx") => `/manage/reports/export${sep}table=${table}&unit=${d.unit.id}&format=${format}`;
  return (
    <>
      <nav aria-label="breadcrumb" className="no-print">
        <ol className="breadcrumbs">
          <li>
            <Link to={`/manage/reports${d.query}`}>{t("reports.title")}</Link>
          </li>
          {d.crumbs.map((u) => (
            <li key={u.id}>
              <Link to={`/manage/reports/units/${u.id}${d.query}`}>{u.name}</Link>
            </li>
          ))}
        </ol>
      </nav>
      <h1>
        {d.unit.name} <span className="muted">({d.unit.code})</span>
      </h1>
      <ReportFilterForm available={d.courses} chosen={d.chosen} explicit={d.explicit} day={d.day} today={d.today} />
      {d.empty ? (
        <p className="card">{t("reports.noCourses")}</p>
      ) : (
        <>
          <p className="row no-print">
            <Link className="button" to={`/manage/reports/units/${d.unit.id}/missing${d.query}`} data-testid="missing-link">
              {t("reports.missing.link")}
            </Link>
          </p>
          {d.hasChildren ? (
            <>
              <CountsTable
                id="units-table"
                testId="units-table"
                caption={t("reports.childrenCaption", { unit: d.unit.name, day: d.day })}
                firstHeader={t("reports.col.unit")}
                rows={d.rows}
                total={d.total}
              />
              <ExportLinks label={t("reports.export.unitsLabel")} href={exportHref("units")} print={`/manage/reports/print${sep}unit=${d.unit.id}`} />
            </>
          ) : null}
          {d.people.length > 0 ? (
            <section id="direct-members">
              <h2>{d.hasChildren ? t("reports.directMembersTitle") : t("reports.membersTitle")}</h2>
              <div className="table-wrap">
                <table className="stack report-table" data-testid="members-table">
                  <caption className="visually-hidden">{t("reports.membersCaption", { unit: d.unit.name })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("reports.col.member")}</th>
                      <th scope="col">{t("reports.col.courseStates")}</th>
                      <CountHeaders rate={false} />
                    </tr>
                  </thead>
                  <tbody>
                    {d.people.map((m) => (
                      <tr key={m.id}>
                        <th scope="row" data-label={t("reports.col.member")}>
                          <Link to={`/manage/reports/members/${m.id}${d.query}`}>{m.fullName}</Link> <span className="muted small">{m.code}</span>
                          {m.neverSignedIn ? <span className="badge badge-warn"> {t("reports.neverSignedIn")}</span> : null}
                        </th>
                        <td data-label={t("reports.col.courseStates")}>
                          <ul className="course-states">
                            {m.courses.map((c, i) => (
                              <li key={i}>
                                <span>{c.title}</span> <StateBadge state={c.state} overdue={c.overdue} />
                              </li>
                            ))}
                          </ul>
                        </td>
                        <CountCells counts={m.counts} rate={false} />
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr data-kind="total">
                      <th scope="row">{t("reports.total")}</th>
                      <td />
                      <CountCells counts={d.own} rate={false} />
                    </tr>
                  </tfoot>
                </table>
              </div>
            </section>
          ) : !d.hasChildren ? (
            <p className="card">{t("reports.nothingAssigned")}</p>
          ) : null}
          <ExportLinks
            label={t("reports.export.membersLabel")}
            href={exportHref("members")}
            print={d.hasChildren ? undefined : `/manage/reports/print${sep}unit=${d.unit.id}`}
          />
          <div className="chart-grid">
            {d.rows.filter((r) => r.kind === "unit").length > 1 ? (
              <CompletionBars
                title={t("reports.chart.byUnit")}
                tableId="units-table"
                data={d.rows
                  .filter((r) => r.kind === "unit")
                  .map((r) => ({ key: r.key, label: r.label, completed: r.counts.completed, assigned: r.counts.assigned, rate: r.counts.rate }))}
              />
            ) : null}
            <CompletionOverTime title={t("reports.chart.overTime")} points={d.points} />
          </div>
        </>
      )}
    </>
  );
}
