import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { completionRollup, memberCompletion } from "#app/reports/completion.server.ts";
import { filterQuery } from "#app/reports/filters.server.ts";
import { childRows, plainCounts, reportCrumbs, reportRequest, reportUnit, seriesPoints } from "#app/reports/page.server.ts";
import { CountsTable, ExportLinks, MemberCell, ReportCrumbs, ReportFilterForm, StateBadge, TotalRow, useCountColumns, type Counts } from "#app/reports/report-ui.tsx";
import { DataTable } from "#app/components/data-table.tsx";
import { CompletionBars } from "#app/components/charts/completion-bars.tsx";
import { CompletionOverTime } from "#app/components/charts/completion-over-time.tsx";
import { useT } from "#app/i18n/use-t.ts";
import { waitingForGrading } from "#app/reflections/report.server.ts";
import reportsCss from "#app/styles/reports.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reportsCss }];

/**
 * One unit's report: its child units (each a subtree), a "direct members" row when it has members
 * of its own, and the list of those members (a cell's members), each with their course states.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope, filters: f, withinPaths } = await reportRequest(request, context);
  const unit = await reportUnit(context.db, scope, params.unitId);
  const q = filterQuery(f);
  const base = {
    unit: { id: unit.id, code: unit.code, name: unit.name },
    crumbs: await reportCrumbs(context.db, scope, unit),
    courses: f.available.map((c) => ({ id: c.id, title: c.title, state: c.state })),
    chosen: f.courseIds,
    explicit: f.explicit,
    day: f.day,
    today: f.today,
    query: q,
    reflectionsWaiting: await waitingForGrading(context.db, unit.path),
  };
  if (f.courseIds.length === 0) return { ...base, empty: true as const };
  const rollup = await completionRollup(context.db, { courseIds: f.courseIds, at: f.at, rootUnitId: unit.id, withinPaths });
  const me = rollup.units.find((u) => u.unitId === unit.id)!;
  const { rows } = childRows(rollup, me, (id) => `/manage/reports/units/${id}${q}`);
  const titles = new Map(f.chosen.map((c) => [c.id, c.title]));
  const people =
    me.own.assigned > 0
      ? (await memberCompletion(context.db, { courseIds: f.courseIds, unitId: unit.id, at: f.at, withinPaths, directOnly: true })).map((m) => ({
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
    points: await seriesPoints(context.db, { unitIds: [unit.id], courseIds: f.courseIds, day: f.day, today: f.today, live: me.total }),
  };
}

export default function UnitReport() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const countColumns = useCountColumns((m: { counts: Counts }) => m.counts, { rate: false });
  const sep = d.query ? `${d.query}&` : "?";
  const exportHref = (table: string) => (format: "csv" | "xlsx") => `/manage/reports/export${sep}table=${table}&unit=${d.unit.id}&format=${format}`;
  return (
    <>
      <ReportCrumbs crumbs={d.crumbs} query={d.query} />
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
            <Link className="button secondary" to={`/manage/reports/units/${d.unit.id}/reflections`} data-testid="reflections-link">
              {t("reflection.report.linkWaiting", { n: d.reflectionsWaiting })}
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
              <DataTable
                testId="members-table"
                className="stack report-table"
                caption={<caption className="visually-hidden">{t("reports.membersCaption", { unit: d.unit.name })}</caption>}
                rows={d.people}
                rowKey={(m) => m.id}
                columns={[
                  { label: t("reports.col.member"), rowHeader: true, cell: (m) => <MemberCell href={`/manage/reports/members/${m.id}${d.query}`} member={m} /> },
                  {
                    label: t("reports.col.courseStates"),
                    cell: (m) => (
                      <ul className="course-states">
                        {m.courses.map((c, i) => (
                          <li key={i}>
                            <span>{c.title}</span> <StateBadge state={c.state} overdue={c.overdue} />
                          </li>
                        ))}
                      </ul>
                    ),
                  },
                  ...countColumns,
                ]}
                foot={<TotalRow label={t("reports.col.member")} counts={d.own} rate={false} gap={1} />}
              />
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
