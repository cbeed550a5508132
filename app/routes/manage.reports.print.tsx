import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { completionRollup, memberCompletion } from "#app/reports/completion.server.ts";
import { filterQuery } from "#app/reports/filters.server.ts";
import { byName, childRows, plainCounts, reportRequest, reportUnit, type Row } from "#app/reports/page.server.ts";
import { unitsTable } from "#app/reports/tables.server.ts";
import { dataChecksum } from "#app/reports/export.server.ts";
import { CountsTable, useCountColumns, type Counts } from "#app/reports/report-ui.tsx";
import { DataTable } from "#app/components/data-table.tsx";
import { CompletionBars } from "#app/components/charts/completion-bars.tsx";
import { useT } from "#app/i18n/use-t.ts";
import reportsCss from "#app/styles/reports.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reportsCss }];

/**
 * A print-friendly report (A4, see reports.css): the unit's name, the day, the courses, when it
 * was generated and the checksum of the same data as exported, the figures table, the chart,
 * and the members of the unit itself.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope, filters: f, withinPaths, url } = await reportRequest(request, context);
  const rawUnit = url.searchParams.get("unit");
  const unit = rawUnit ? await reportUnit(context.db, scope, rawUnit) : null;
  const rollup = await completionRollup(context.db, { courseIds: f.courseIds, at: f.at, rootUnitId: unit?.id, withinPaths });
  let rows: Row[];
  let total = rollup.total;
  let people: { id: number; code: string; fullName: string; counts: Awaited<ReturnType<typeof plainCounts>> }[] = [];
  if (unit) {
    const me = rollup.units.find((u) => u.unitId === unit.id)!;
    rows = childRows(rollup, me, () => "").rows.map((r) => ({ ...r, href: null }));
    total = me.total;
    if (me.own.assigned > 0) {
      people = (await memberCompletion(context.db, { courseIds: f.courseIds, unitId: unit.id, at: f.at, withinPaths, directOnly: true })).map((m) => ({
        id: m.memberId,
        code: m.code,
        fullName: m.fullName,
        counts: plainCounts(m.counts),
      }));
    }
  } else {
    const ids = new Set(rollup.units.map((u) => u.unitId));
    rows = rollup.units
      .filter((u) => u.parentId == null || !ids.has(u.parentId))
      .sort((a, b) => byName.compare(a.name, b.name))
      .map((u) => ({ key: `u${u.unitId}`, label: u.name, note: u.code, href: null, kind: "unit" as const, counts: u.total }));
  }
  const generatedAt = new Date();
  return {
    unit: unit ? { id: unit.id, code: unit.code, name: unit.name } : null,
    day: f.day,
    isToday: f.day === f.today,
    courses: f.chosen.map((c) => c.title),
    generatedAt: generatedAt.toISOString(),
    checksum: dataChecksum((await unitsTable(context.db, rollup, f, unit)).rows),
    back: unit ? `/manage/reports/units/${unit.id}${filterQuery(f)}` : `/manage/reports${filterQuery(f)}`,
    rows: rows.map((r) => ({ ...r, counts: plainCounts(r.counts) })),
    total: plainCounts(total),
    people,
  };
}

export default function PrintReport() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const countColumns = useCountColumns((m: { counts: Counts }) => m.counts);
  return (
    <article className="print-report">
      <p className="row no-print">
        <Link to={d.back}>{t("common.back")}</Link>
        <button type="button" onClick={() => window.print()}>
          {t("reports.print")}
        </button>
      </p>
      <header className="print-head">
        <h1>{t("reports.print.title")}</h1>
        <p className="print-unit">{d.unit ? `${d.unit.name} (${d.unit.code})` : t("reports.meta.wholeScope")}</p>
        <dl className="print-meta">
          <dt>{t("reports.date")}</dt>
          <dd>{d.isToday ? t("reports.print.asOfNow", { time: formatDate(d.generatedAt, { dateStyle: "medium", timeStyle: "short" }) }) : t("reports.print.endOfDay", { day: formatDate(`${d.day}T12:00:00Z`) })}</dd>
          <dt>{t("reports.courses")}</dt>
          <dd>{d.courses.join("; ")}</dd>
          <dt>{t("reports.print.generatedAt")}</dt>
          <dd>{formatDate(d.generatedAt, { dateStyle: "medium", timeStyle: "medium" })}</dd>
          <dt>{t("reports.print.checksum")}</dt>
          <dd className="checksum">{d.checksum}</dd>
        </dl>
      </header>
      <CountsTable id="print-units" caption={t("reports.print.byUnit")} firstHeader={t("reports.col.unit")} rows={d.rows} total={d.total} testId="units-table" />
      {d.rows.filter((r) => r.kind === "unit").length > 1 ? (
        <CompletionBars
          title={t("reports.chart.byUnit")}
          tableId="print-units"
          data={d.rows.filter((r) => r.kind === "unit").map((r) => ({ key: r.key, label: r.label, completed: r.counts.completed, assigned: r.counts.assigned, rate: r.counts.rate }))}
        />
      ) : null}
      {d.people.length > 0 ? (
        <section className="print-members">
          <h2>{d.rows.length ? t("reports.directMembersTitle") : t("reports.membersTitle")}</h2>
          <DataTable
            className="report-table"
            rows={d.people}
            rowKey={(m) => m.id}
            columns={[
              {
                label: t("reports.col.member"),
                rowHeader: true,
                cell: (m) => (
                  <>
                    {m.fullName} <span className="muted small">{m.code}</span>
                  </>
                ),
              },
              ...countColumns,
            ]}
          />
        </section>
      ) : null}
      <section className="print-verify" data-testid="verify-rule">
        <h2>{t("reports.verify.title")}</h2>
        <p>{t("reports.verify.rule")}</p>
        <p>{t("reports.verify.csv", { line: "K" })}</p>
        <p>{t("reports.verify.xlsx")}</p>
        <p>{t("reports.verify.here")}</p>
      </section>
      <footer className="print-foot">{t("reports.print.footer", { generated: formatDate(d.generatedAt, { dateStyle: "medium", timeStyle: "short" }) })}</footer>
    </article>
  );
}
