import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { startOfVnDay } from "#app/common/vietnam-time.ts";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireManager, requireUnitScope, scopePaths } from "#app/auth/permissions.server.ts";
import { attendanceForPeriod, type AttendanceCounts } from "#app/reports/attendance-period.server.ts";
import { readSearch } from "#app/http/forms.server.ts";
import { useT } from "#app/i18n/use-t.ts";
import reportsCss from "#app/styles/reports.css?url";
import { CompletionBars } from "#app/components/charts/completion-bars.tsx";
import { ExportLinks } from "#app/reports/report-ui.tsx";
import { DataTable, type Column } from "#app/components/data-table.tsx";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reportsCss }];

const DAY = 24 * 3600_000;
const vnDay = (d: Date) => new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
const dayStart = startOfVnDay;

/** Live-session attendance over a period, per unit with drill-down, and per session. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const q = readSearch(
    request,
    z.object({
      from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
      to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().catch(undefined),
      unit: z.coerce.number().int().positive().optional().catch(undefined),
    }),
  );
  const today = vnDay(new Date());
  const to = q.to ?? today;
  const from = q.from ?? vnDay(new Date(dayStart(to).getTime() - 29 * DAY));
  const focus = q.unit ? await requireUnitScope(context.db, scope, q.unit) : null;
  const r = await attendanceForPeriod(context.db, {
    from: dayStart(from),
    to: new Date(dayStart(to).getTime() + DAY),
    withinPaths: focus ? [focus.path] : scopePaths(scope),
    reconnectWindowMs: context.env.RECONNECT_WINDOW_SECONDS * 1000,
  });
  const ids = new Set(r.units.map((u) => u.id));
  const rows = focus ? r.units.filter((u) => u.parentId === focus.id) : r.units.filter((u) => u.parentId == null || !ids.has(u.parentId));
  const self = focus ? r.units.find((u) => u.id === focus.id) : null;
  return {
    from,
    to,
    focus: focus ? { id: focus.id, name: focus.name, parentId: focus.parentId } : null,
    rows: rows.map((u) => ({ id: u.id, name: u.name, code: u.code, counts: u.total })),
    direct: self && self.own.invited > 0 ? self.own : null,
    total: self ? self.total : r.total,
    sessions: r.sessions.map((s) => ({ ...s, start: s.start.toISOString() })),
  };
}

/** Invited, each status, and the attendance rate: the columns both tables of the page share. */
function useCountColumns<R>(countsOf: (row: R) => AttendanceCounts): Column<R>[] {
  const { t } = useT();
  const count = (label: string, n: (c: AttendanceCounts) => number): Column<R> => ({ label, cell: (r) => n(countsOf(r)) });
  return [
    count(t("reports.att.invited"), (c) => c.invited),
    count(t("reports.session.present"), (c) => c.present),
    count(t("reports.session.late"), (c) => c.late),
    count(t("reports.session.left-early"), (c) => c.leftEarly),
    count(t("reports.session.absent"), (c) => c.absent),
    count(t("reports.session.excused"), (c) => c.excused),
    { label: t("reports.att.rate"), cell: (r) => rateText(countsOf(r).rate) },
    // Its own column: making up by the recording is never one of the live statuses.
    count(t("recording.column.madeUp"), (c) => c.madeUp),
  ];
}

const rateText = (rate: number | null) => (rate === null ? "—" : `${Math.round(rate * 100)}%`);

/** A row below the units (direct members, the total), under the same columns. */
function SumRow({ label, counts, className }: { label: string; counts: AttendanceCounts; className?: string }) {
  const cols = useCountColumns((c: AttendanceCounts) => c);
  return (
    <tr className={className}>
      <th scope="row">{label}</th>
      {cols.map((c) => (
        <td key={c.label} data-label={c.label}>
          {c.cell(counts)}
        </td>
      ))}
    </tr>
  );
}

export default function AttendancePeriod() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const counts = useCountColumns((r: { counts: AttendanceCounts }) => r.counts);
  const q = (unit?: number | null) => `?from=${d.from}&to=${d.to}${unit ? `&unit=${unit}` : ""}`;
  return (
    <>
      <p>
        <Link to="/manage/reports">← {t("nav.reports")}</Link>
        {d.focus ? (
          <>
            {" · "}
            <Link to={q(d.focus.parentId)}>{t("reports.att.up")}</Link>
          </>
        ) : null}
      </p>
      <h1>
        {t("reports.att.title")}
        {d.focus ? ` — ${d.focus.name}` : ""}
      </h1>
      <Form method="get" className="row card">
        {d.focus ? <input type="hidden" name="unit" value={d.focus.id} /> : null}
        <div className="field">
          <label htmlFor="from">{t("reports.att.from")}</label>
          <input id="from" name="from" type="date" defaultValue={d.from} />
        </div>
        <div className="field">
          <label htmlFor="to">{t("reports.att.to")}</label>
          <input id="to" name="to" type="date" defaultValue={d.to} />
        </div>
        <button type="submit">{t("common.search")}</button>
      </Form>
      <DataTable
        testId="attendance-units"
        className="stack report-table"
        rows={d.rows}
        rowKey={(r) => r.id}
        columns={[
          {
            label: t("members.unit"),
            rowHeader: true,
            cell: (r) => (
              <>
                <Link to={q(r.id)}>{r.name}</Link> <span className="muted">{r.code}</span>
              </>
            ),
          },
          ...counts,
        ]}
        foot={
          <>
            {d.direct ? <SumRow label={t("reports.att.direct")} counts={d.direct} /> : null}
            <SumRow label={t("reports.att.total")} counts={d.total} className="total" />
          </>
        }
      />
      <ExportLinks label={t("reports.att.title")} href={(format) => `/manage/reports/attendance/export${q(d.focus?.id)}&format=${format}`} />
      <h2>{t("reports.att.perSession")}</h2>
      {/* The same bar chart as completion: attended (present, late, left early) out of invited, target 100 %. */}
      <CompletionBars
        title={t("reports.att.chart")}
        tableId="attendance-sessions"
        data={d.sessions.map((s) => ({
          key: `s${s.id}`,
          label: `${s.title} (${formatDate(s.start)})`,
          completed: s.counts.present + s.counts.late + s.counts.leftEarly,
          assigned: s.counts.invited,
          rate: s.counts.rate,
        }))}
      />
      {d.sessions.length === 0 ? (
        <p className="muted">{t("reports.record.noSessions")}</p>
      ) : (
        <DataTable
          testId="attendance-sessions"
          className="stack report-table"
          rows={d.sessions}
          rowKey={(s) => s.id}
          columns={[
            {
              label: t("nav.live"),
              rowHeader: true,
              cell: (s) => (
                <>
                  <Link to={`/manage/live/${s.id}/attendance`}>{s.title}</Link> <span className="muted">· {formatDate(s.start)}</span>
                </>
              ),
            },
            ...counts,
          ]}
        />
      )}
    </>
  );
}
