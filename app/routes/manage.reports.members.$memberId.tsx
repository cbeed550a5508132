import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { memberRecord } from "#app/reports/completion.server.ts";
import { memberSessions } from "#app/reports/member-sessions.server.ts";
import { filterQuery } from "#app/reports/filters.server.ts";
import { reportCrumbs, reportRequest, requireRecordScope } from "#app/reports/page.server.ts";
import { memberCertificates, quizGrades } from "#app/reports/tables.server.ts";
import { ExportLinks, ReportCrumbs, StateBadge } from "#app/reports/report-ui.tsx";
import { DataTable } from "#app/components/data-table.tsx";
import { percentFormatter } from "#app/components/charts/use-width.ts";
import { useT } from "#app/i18n/use-t.ts";
import reportsCss from "#app/styles/reports.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reportsCss }];

/** A member's record on the report day: every assigned course and its state, quiz grades, certificates. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope, filters: f } = await reportRequest(request, context);
  const member = await requireRecordScope(context.db, scope, Number(params.memberId), f.at);
  const record = await memberRecord(context.db, member.id, { at: f.at });
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    member: { id: member.id, code: member.code, fullName: member.fullName, status: member.status },
    unit: record.unit ? { id: record.unit.id, code: record.unit.code, name: record.unit.name } : null,
    crumbs: record.unit ? [...await reportCrumbs(context.db, scope, record.unit), ...(scope.all || scope.roots.some((r) => record.unit!.path.startsWith(r.path)) ? [{ id: record.unit.id, name: record.unit.name }] : [])] : [],
    day: f.day,
    query: filterQuery(f),
    courses: record.courses.map((c) => ({
      courseId: c.courseId,
      title: c.title,
      assigned: c.assigned,
      state: c.state,
      overdue: c.overdue,
      dueAt: iso(c.dueAt),
      startedAt: iso(c.startedAt),
      completedAt: iso(c.completedAt),
      version: c.version,
      itemsCompleted: c.itemsCompleted,
    })),
    quizzes: await quizGrades(context.db, member.id, f.at),
    sessions: (await memberSessions(context.db, member.id, f.at, context.env.RECONNECT_WINDOW_SECONDS * 1000)).map((x) => ({ ...x, start: x.start.toISOString() })),
    certificates: (await memberCertificates(context.db, member.id, f.at)).map((c) => ({ ...c, completedAt: c.completedAt.toISOString(), issuedAt: c.issuedAt.toISOString(), revokedAt: iso(c.revokedAt) })),
  };
}

export default function MemberRecordPage() {
  const { t, formatDate, locale } = useT();
  const d = useLoaderData<typeof loader>();
  const pct = percentFormatter(locale);
  const sep = d.query ? `${d.query}&` : "?";
  const exportHref = (table: string) => (format: "csv" | "xlsx") => `/manage/reports/export${sep}table=${table}&member=${d.member.id}&format=${format}`;
  const date = (v: string | null) => (v ? formatDate(v) : "");
  return (
    <>
      <ReportCrumbs crumbs={d.crumbs} query={d.query} />
      <h1>
        {d.member.fullName} <span className="muted">({d.member.code})</span>
      </h1>
      <p>
        {d.unit ? t("reports.record.unit", { unit: `${d.unit.name} (${d.unit.code})` }) : t("reports.record.noUnit")} · {t("reports.record.asOf", { day: d.day })}
      </p>

      <h2>{t("reports.record.courses")}</h2>
      {d.courses.length === 0 ? (
        <p className="muted">{t("reports.record.noCourses")}</p>
      ) : (
        <DataTable
          testId="record-courses"
          className="stack report-table"
          rows={d.courses}
          rowKey={(c) => c.courseId}
          columns={[
            {
              label: t("reports.col.course"),
              rowHeader: true,
              cell: (c) => (
                <>
                  {c.title}
                  {c.assigned ? null : <span className="muted small"> ({t("reports.record.notAssigned")})</span>}
                </>
              ),
            },
            {
              label: t("reports.col.state"),
              cell: (c) => (
                <>
                  <StateBadge state={c.state} overdue={c.overdue} />
                  {c.state === "in_progress" ? <span className="muted small"> {t("reports.record.items", { count: c.itemsCompleted })}</span> : null}
                </>
              ),
            },
            { label: t("reports.col.dueAt"), cell: (c) => date(c.dueAt) },
            { label: t("reports.col.completedAt"), cell: (c) => date(c.completedAt) },
            { label: t("reports.col.version"), cell: (c) => c.version ?? "" },
          ]}
        />
      )}
      <ExportLinks label={t("reports.export.recordLabel")} href={exportHref("record")} />

      <h2>{t("reports.record.quizzes")}</h2>
      {d.quizzes.length === 0 ? (
        <p className="muted">{t("reports.record.noQuizzes")}</p>
      ) : (
        <>
          <DataTable
            testId="record-quizzes"
            className="stack report-table"
            rows={d.quizzes}
            rowKey={(q) => `${q.courseId}:${q.itemKey}`}
            columns={[
              { label: t("reports.col.course"), cell: (q) => q.courseTitle },
              { label: t("reports.col.quiz"), rowHeader: true, cell: (q) => q.itemTitle },
              { label: t("reports.col.best"), className: "num", cell: (q) => (q.best == null ? "—" : pct.format(q.best)) },
              { label: t("reports.col.attempts"), className: "num", cell: (q) => q.attempts },
              { label: t("reports.col.passed"), cell: (q) => (q.passed ? t("common.yes") : t("common.no")) },
            ]}
          />
          <ExportLinks label={t("reports.export.quizzesLabel")} href={exportHref("quizzes")} />
        </>
      )}

      <h2>{t("reports.record.sessions")}</h2>
      {d.sessions.length === 0 ? (
        <p className="muted">{t("reports.record.noSessions")}</p>
      ) : (
        <DataTable
          testId="record-sessions"
          className="stack report-table"
          rows={d.sessions}
          rowKey={(x) => x.sessionId}
          columns={[
            {
              label: t("nav.live"),
              rowHeader: true,
              cell: (x) => (
                <>
                  {x.title} <span className="muted">· {formatDate(x.start)}</span>
                </>
              ),
            },
            {
              label: t("members.status"),
              cell: (x) =>
                `${t(`reports.session.${x.status}`)}${x.corrected ? ` (${t("reports.session.corrected")})` : ""}${x.via === "cell-room" || x.via === "both" ? ` · ${t("reports.session.cellRoom")}` : ""}`,
            },
            { label: t("reports.record.minutes"), cell: (x) => `${x.minutes} (${Math.round(x.percent)}%)` },
          ]}
        />
      )}

      {d.certificates.length > 0 ? (
        <>
          <h2>{t("reports.record.certificates")}</h2>
          <ul className="plain-list" data-testid="record-certificates">
            {d.certificates.map((c) => (
              <li key={c.code}>
                <strong>{c.courseTitle}</strong> — {t("reports.record.certificate", { code: c.code, date: formatDate(c.issuedAt) })}
                {c.revokedAt ? <span className="badge badge-err"> {t("reports.record.revoked", { date: formatDate(c.revokedAt) })}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}
