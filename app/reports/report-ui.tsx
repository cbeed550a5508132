/** Presentational pieces shared by the report pages (no data access). */
import { Form, Link } from "@remix-run/react";
import { useT } from "#app/i18n/use-t.ts";
import { percentFormatter } from "#app/components/charts/use-width.ts";
import { DataTable, type Column } from "#app/components/data-table.tsx";
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
export type Counts = Pick<CompletionCounts, CountKey | "rate">;

/** The five count columns every completion table shares, and the rate unless `rate` is false. */
export function useCountColumns<R>(countsOf: (row: R) => Counts, { rate = true }: { rate?: boolean } = {}): Column<R>[] {
  const { t } = useT();
  const counts: Column<R>[] = COUNT_KEYS.map((k) => ({ label: t(`reports.col.${k}`), className: "num", cell: (r) => countsOf(r)[k] }));
  return rate ? [...counts, { label: t("reports.col.rate"), className: "num", cell: (r) => <Rate counts={countsOf(r)} /> }] : counts;
}

/** The count cells of a total row, under the columns `useCountColumns` made. */
export function CountCells({ counts, rate = true }: { counts: Counts; rate?: boolean }) {
  const cols = useCountColumns((c: Counts) => c, { rate });
  return (
    <>
      {cols.map((c) => (
        <td key={c.label} data-label={c.label} className={c.className}>
          {c.cell(counts)}
        </td>
      ))}
    </>
  );
}

/** A total row: its name as the row header, then the counts. */
export function TotalRow({ label, counts, rate = true, gap = 0 }: { label: string; counts: Counts; rate?: boolean; gap?: number }) {
  const { t } = useT();
  return (
    <tr data-kind="total">
      <th scope="row" data-label={label}>
        {t("reports.total")}
      </th>
      {Array.from({ length: gap }, (_, i) => (
        <td key={i} />
      ))}
      <CountCells counts={counts} rate={rate} />
    </tr>
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
  const counts = useCountColumns((r: RowView) => r.counts);
  return (
    <DataTable
      id={id}
      testId={testId}
      className="stack report-table"
      caption={<caption>{caption}</caption>}
      rows={rows}
      rowKey={(r) => r.key}
      rowProps={(r) => ({ className: r.kind === "direct" ? "direct-row" : undefined, "data-kind": r.kind })}
      columns={[
        {
          label: firstHeader,
          rowHeader: true,
          cell: (r) => (
            <>
              {r.kind === "direct" ? <a href={r.href ?? "#direct-members"}>{t("reports.directMembers")}</a> : r.href ? <Link to={r.href}>{r.label}</Link> : r.label}
              {r.note ? <span className="muted small"> {r.note}</span> : null}
            </>
          ),
        },
        ...counts,
      ]}
      foot={total ? <TotalRow label={firstHeader} counts={total} /> : null}
    />
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

/** The way back up: the reports' home, then each unit above this page's subject, keeping the filters. */
export function ReportCrumbs({ crumbs, query }: { crumbs: { id: number; name: string }[]; query: string }) {
  const { t } = useT();
  return (
    <nav aria-label="breadcrumb" className="no-print">
      <ol className="breadcrumbs">
        <li>
          <Link to={`/manage/reports${query}`}>{t("reports.title")}</Link>
        </li>
        {crumbs.map((u) => (
          <li key={u.id}>
            <Link to={`/manage/reports/units/${u.id}${query}`}>{u.name}</Link>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** A member as the report tables show them: name (to their record), code, and a "never signed in" badge. */
export function MemberCell({ href, member }: { href: string; member: { fullName: string; code: string; neverSignedIn: boolean } }) {
  const { t } = useT();
  return (
    <>
      <Link to={href}>{member.fullName}</Link> <span className="muted small">{member.code}</span>
      {member.neverSignedIn ? <span className="badge badge-warn"> {t("reports.neverSignedIn")}</span> : null}
    </>
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
