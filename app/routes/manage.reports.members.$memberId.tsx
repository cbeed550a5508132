import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { memberRecord } from "#app/reports/completion.server.ts";
import { memberSessions } from "#app/reports/member-sessions.server.ts";
import { filterQuery } from "#app/reports/filters.server.ts";
import { reportCrumbs, reportRequest, requireRecordScope } from "#app/reports/page.server.ts";
import { memberCertificates, quizGrades } from "#app/reports/tables.server.ts";
import { ExportLinks, StateBadge } from "#app/reports/report-ui.tsx";
import { percentFormatter } from "#app/components/charts/use-width.ts";
import { useT } from "#app/i18n/use-t.ts";
import reportsCss from "#app/styles/reports.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reportsCss }];

/** A member's record on the report day: every assigned course and its state, quiz grades, certificates. */
export function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope, filters: f } = reportRequest(request, context);
  const member = requireRecordScope(context.db, scope, Number(params.memberId), f.at);
  const record = memberRecord(context.db, member.id, { at: f.at });
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    member: { id: member.id, code: member.code, fullName: member.fullName, status: member.status },
    unit: record.unit ? { id: record.unit.id, code: record.unit.code, name: record.unit.name } : null,
    crumbs: record.unit ? [...reportCrumbs(context.db, scope, record.unit), ...(scope.all || scope.roots.some((r) => record.unit!.path.startsWith(r.path)) ? [{ id: record.unit.id, name: record.unit.name }] : [])] : [],
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
    quizzes: quizGrades(context.db, member.id, f.at),
    sessions: memberSessions(context.db, member.id, f.at, context.env.RECONNECT_WINDOW_SECONDS * 1000).map((x) => ({ ...x, start: x.start.toISOString() })),
    certificates: memberCertificates(context.db, member.id, f.at).map((c) => ({ ...c, completedAt: c.completedAt.toISOString(), issuedAt: c.issuedAt.toISOString(), revokedAt: iso(c.revokedAt) })),
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
        {d.member.fullName} <span className="muted">({d.member.code})</span>
      </h1>
      <p>
        {d.unit ? t("reports.record.unit", { unit: `${d.unit.name} (${d.unit.code})` }) : t("reports.record.noUnit")} · {t("reports.record.asOf", { day: d.day })}
      </p>

      <h2>{t("reports.record.courses")}</h2>
      {d.courses.length === 0 ? (
        <p className="muted">{t("reports.record.noCourses")}</p>
      ) : (
        <div className="table-wrap">
          <table className="stack report-table" data-testid="record-courses">
            <thead>
              <tr>
                <th scope="col">{t("reports.col.course")}</th>
                <th scope="col">{t("reports.col.state")}</th>
                <th scope="col">{t("reports.col.dueAt")}</th>
                <th scope="col">{t("reports.col.completedAt")}</th>
                <th scope="col">{t("reports.col.version")}</th>
              </tr>
            </thead>
            <tbody>
              {d.courses.map((c) => (
                <tr key={c.courseId}>
                  <th scope="row" data-label={t("reports.col.course")}>
                    {c.title}
                    {c.assigned ? null : <span className="muted small"> ({t("reports.record.notAssigned")})</span>}
                  </th>
                  <td data-label={t("reports.col.state")}>
                    <StateBadge state={c.state} overdue={c.overdue} />
                    {c.state === "in_progress" ? <span className="muted small"> {t("reports.record.items", { count: c.itemsCompleted })}</span> : null}
                  </td>
                  <td data-label={t("reports.col.dueAt")}>{date(c.dueAt)}</td>
                  <td data-label={t("reports.col.completedAt")}>{date(c.completedAt)}</td>
                  <td data-label={t("reports.col.version")}>{c.version ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ExportLinks label={t("reports.export.recordLabel")} href={exportHref("record")} />

      <h2>{t("reports.record.quizzes")}</h2>
      {d.quizzes.length === 0 ? (
        <p className="muted">{t("reports.record.noQuizzes")}</p>
      ) : (
        <>
          <div className="table-wrap">
            <table className="stack report-table" data-testid="record-quizzes">
              <thead>
                <tr>
                  <th scope="col">{t("reports.col.course")}</th>
                  <th scope="col">{t("reports.col.quiz")}</th>
                  <th scope="col" className="num">
                    {t("reports.col.best")}
                  </th>
                  <th scope="col" className="num">
                    {t("reports.col.attempts")}
                  </th>
                  <th scope="col">{t("reports.col.passed")}</th>
                </tr>
              </thead>
              <tbody>
                {d.quizzes.map((q) => (
                  <tr key={`${q.courseId}:${q.itemKey}`}>
                    <td data-label={t("reports.col.course")}>{q.courseTitle}</td>
                    <th scope="row" data-label={t("reports.col.quiz")}>
                      {q.itemTitle}
                    </th>
                    <td className="num" data-label={t("reports.col.best")}>
                      {q.best == null ? "—" : pct.format(q.best)}
                    </td>
                    <td className="num" data-label={t("reports.col.attempts")}>
                      {q.attempts}
                    </td>
                    <td data-label={t("reports.col.passed")}>{q.passed ? t("common.yes") : t("common.no")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ExportLinks label={t("reports.export.quizzesLabel")} href={exportHref("quizzes")} />
        </>
      )}

      <h2>{t("reports.record.sessions")}</h2>
      {d.sessions.length === 0 ? (
        <p className="muted">{t("reports.record.noSessions")}</p>
      ) : (
        <div className="table-wrap">
          <table className="stack report-table" data-testid="record-sessions">
            <thead>
              <tr>
                <th scope="col">{t("nav.live")}</th>
                <th scope="col">{t("members.status")}</th>
                <th scope="col">{t("reports.record.minutes")}</th>
              </tr>
            </thead>
            <tbody>
              {d.sessions.map((x) => (
                <tr key={x.sessionId}>
                  <th scope="row" data-label={t("nav.live")}>
                    {x.title} <span className="muted">· {formatDate(x.start)}</span>
                  </th>
                  <td data-label={t("members.status")}>
                    {t(`reports.session.${x.status}`)}
                    {x.corrected ? ` (${t("reports.session.corrected")})` : ""}
                    {x.via === "cell-room" || x.via === "both" ? ` · ${t("reports.session.cellRoom")}` : ""}
                  </td>
                  <td data-label={t("reports.record.minutes")}>{`${x.minutes} (${Math.round(x.percent)}%)`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
