import { redirect, type LoaderFunctionArgs, type LinksFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { completionRollup } from "#app/reports/completion.server.ts";
import { filterQuery } from "#app/reports/filters.server.ts";
import { byName, plainCounts, reportRequest, seriesPoints } from "#app/reports/page.server.ts";
import { CountsTable, ExportLinks, ReportFilterForm } from "#app/reports/report-ui.tsx";
import { CompletionBars } from "#app/components/charts/completion-bars.tsx";
import { CompletionOverTime } from "#app/components/charts/completion-over-time.tsx";
import { useT } from "#app/i18n/use-t.ts";
import reportsCss from "#app/styles/reports.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reportsCss }];

/**
 * /manage/reports: completion per unit at the top of the caller's scope (the roots for an
 * administrator, the granted subtrees for a trainer). With a single top unit there is nothing
 * to compare, so the page goes straight to that unit's report.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { filters: f, withinPaths } = await reportRequest(request, context);
  const base = {
    courses: f.available.map((c) => ({ id: c.id, title: c.title, state: c.state })),
    chosen: f.courseIds,
    explicit: f.explicit,
    day: f.day,
    today: f.today,
    query: filterQuery(f),
  };
  if (f.courseIds.length === 0) return { ...base, empty: true as const, rows: [], total: null, points: [] };
  const rollup = await completionRollup(context.db, { courseIds: f.courseIds, at: f.at, withinPaths });
  const ids = new Set(rollup.units.map((u) => u.unitId));
  const tops = rollup.units.filter((u) => u.parentId == null || !ids.has(u.parentId)).sort((a, b) => byName.compare(a.name, b.name));
  if (tops.length === 1) throw redirect(`/manage/reports/units/${tops[0].unitId}${filterQuery(f)}`);
  return {
    ...base,
    empty: false as const,
    rows: tops.map((u) => ({
      key: `u${u.unitId}`,
      label: u.name,
      note: u.code,
      href: `/manage/reports/units/${u.unitId}${filterQuery(f)}`,
      kind: "unit" as const,
      counts: plainCounts(u.total),
    })),
    total: plainCounts(rollup.total),
    points: await seriesPoints(context.db, { unitIds: tops.map((u) => u.unitId), courseIds: f.courseIds, day: f.day, today: f.today, live: rollup.total }),
  };
}

export default function ReportsIndex() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const exportHref = (format: "csv" | "xlsx") => `/manage/reports/export${d.query ? `${d.query}&` : "?"}table=units&format=${format}`;
  return (
    <>
      <h1>{t("reports.title")}</h1>
      <p className="muted">{t("reports.intro")}</p>
      <ReportFilterForm available={d.courses} chosen={d.chosen} explicit={d.explicit} day={d.day} today={d.today} />
      {d.empty ? (
        <p className="card">{t("reports.noCourses")}</p>
      ) : (
        <>
          <CountsTable id="units-table" testId="units-table" caption={t("reports.byUnitCaption", { day: d.day })} firstHeader={t("reports.col.unit")} rows={d.rows} total={d.total} />
          <ExportLinks label={t("reports.export.unitsLabel")} href={exportHref} print={`/manage/reports/print${d.query}`} />
          <div className="chart-grid">
            <CompletionBars
              title={t("reports.chart.byUnit")}
              tableId="units-table"
              data={d.rows.map((r) => ({ key: r.key, label: r.label, completed: r.counts.completed, assigned: r.counts.assigned, rate: r.counts.rate }))}
            />
            <CompletionOverTime title={t("reports.chart.overTime")} points={d.points} />
          </div>
        </>
      )}
    </>
  );
}
