/** Presentational pieces shared by the report pages (no data access). */
import { Form, Link } from "@remix-run/react";
import { useT } from "#app/i18n/use-t.ts";
import { percentFormatter } from "#app/components/charts/use-width.ts";
import type { CompletionCounts } from "./completion.server.ts";

export type ReportCourseView = { id: number; title: string; state: string };

export type RowView = {
  key: string;
  label: string;
  href: string | null;
  kind: "unit" | "direct" | "member";
  counts: CompletionCounts;
  note?: string;
};

/** The filter form (GET): courses as checkboxes (none ticked = all) and the day. */
export function ReportFilterForm({
  available,
  chosen,
  explicit,
  day,
  today,
  hidden = {},
}: {
  available: ReportCourseView[];
  chosen: number[];
  explicit: boolean;
  day: string;
  today: string;
  hidden?: Record<string, string | number>;
}) {
  const { t } = useT();
  return (
    <Form method="get" className="card report-filters no-print" aria-label={t("reports.filters")}>
      {Object.entries(hidden).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <fieldset>
        <legend>{t("reports.courses")}</legend>
        <p className="hint">{t("reports.coursesHint")}</p>
        <div className="course-checks">
          {available.map((c) => (
            <label key={c.id} className="check">
              <input type="checkbox" name="c" value={c.id} defaultChecked={explicit && chosen.includes(c.id)} />
              <span>
                {c.title}
                {c.state !== "published" ? <span className="muted"> ({t(`reports.courseState.${c.state === "archived" ? "archived" : "draft"}`)})</span> : null}
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="row">
        <div className="field">
          <label htmlFor="report-date">{t("reports.date")}</label>
          <input id="report-date" type="date" name="date" defaultValue={day} max={today} />
        </div>
        <button type="submit">{t("reports.apply")}</button>
      </div>
    </Form>
  );
}

export function Rate({ counts }: { counts: Pick<CompletionCounts, "rate"> }) {
  const { locale } = useT();
  if (counts.rate == null) return <span className="muted">—</span>;
  return <>{percentFormatter(locale).format(counts.rate)}</>;
}

type CountKey = "assigned" | "completed" | "inProgress" | "notStarted" | "overdue";
const COUNT_KEYS: CountKey[] = ["assigned", "completed", "inProgress", "notStarted", "overdue"];

/** The five count columns every completion table shares, with their labels. */
export function useCountColumns(): [CountKey, string][] {
  const { t } = useT();
  return COUNT_KEYS.map((k) => [k, t(`reports.col.${k}`)]);
}

/** Header cells of the count columns (and the rate, unless `rate` is false). */
export function CountHeaders({ rate = true }: { rate?: boolean }) {
  const { t } = useT();
  const cols = useCountColumns();
  return (
    <>
      {cols.map(([k, label]) => (
        <th scope="col" key={k} className="num">
          {label}
        </th>
      ))}
      {rate ? (
        <th scope="col" className="num">
          {t("reports.col.rate")}
        </th>
      ) : null}
    </>
  );
}

/** Data cells of the count columns (labelled for the stacked phone layout), and the rate. */
export function CountCells({ counts, rate = true }: { counts: Pick<CompletionCounts, CountKey | "rate">; rate?: boolean }) {
  const { t } = useT();
  const cols = useCountColumns();
  return (
    <>
      {cols.map(([k, label]) => (
        <td key={k} data-label={label} className="num">
          {counts[k]}
        </td>
      ))}
      {rate ? (
        <td data-label={t("reports.col.rate")} className="num">
          <Rate counts={counts} />
        </td>
      ) : null}
    </>
  );
}

/**
 * The figures table: one row per child unit (or member), a "direct members" row where the unit
 * has members of its own, and the total, which is the sum of the rows above it.
 */
export function CountsTable({
  id,
  caption,
  firstHeader,
  rows,
  total,
  testId,
}: {
  id: string;
  caption: string;
  firstHeader: string;
  rows: RowView[];
  total: CompletionCounts | null;
  testId?: string;
}) {
  const { t } = useT();
  return (
    <div className="table-wrap">
      <table className="stack report-table" id={id} data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{firstHeader}</th>
            <CountHeaders />
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} className={r.kind === "direct" ? "direct-row" : undefined} data-kind={r.kind}>
              <th scope="row" data-label={firstHeader}>
                {r.kind === "direct" ? (
                  <a href={r.href ?? "#direct-members"}>{t("reports.directMembers")}</a>
                ) : r.href ? (
                  <Link to={r.href}>{r.label}</Link>
                ) : (
                  r.label
                )}
                {r.note ? <span className="muted small"> {r.note}</span> : null}
              </th>
              <CountCells counts={r.counts} />
            </tr>
          ))}
        </tbody>
        {total ? (
          <tfoot>
            <tr data-kind="total">
              <th scope="row" data-label={firstHeader}>
                {t("reports.total")}
              </th>
              <CountCells counts={total} />
            </tr>
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}

/** Download links for one table, plus an optional print link. */
export function ExportLinks({ label, href, print }: { label: string; href: (format: "csv" | "xlsx") => string; print?: string }) {
  const { t } = useT();
  return (
    <p className="row export-links no-print">
      <span className="muted">{label}</span>
      <a className="button secondary" href={href("csv")} download data-testid="export-csv">
        {t("reports.export.csv")}
      </a>
      <a className="button secondary" href={href("xlsx")} download data-testid="export-xlsx">
        {t("reports.export.xlsx")}
      </a>
      {print ? (
        <a className="button secondary" href={print}>
          {t("reports.print")}
        </a>
      ) : null}
    </p>
  );
}

export function StateBadge({ state, overdue }: { state: "completed" | "in_progress" | "not_started"; overdue?: boolean }) {
  const { t } = useT();
  const cls = state === "completed" ? "badge badge-ok" : state === "in_progress" ? "badge badge-warn" : "badge";
  return (
    <>
      <span className={cls}>{t(`reports.state.${state}`)}</span>
      {overdue ? <span className="badge badge-err"> {t("reports.overdueBadge")}</span> : null}
    </>
  );
}
