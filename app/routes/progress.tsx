import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "#app/auth/permissions.server.ts";
import { progressOfMember } from "#app/courses/progress-page.server.ts";
import { useT } from "#app/i18n/use-t.ts";

export function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = requireUser(request, context);
  return { courses: progressOfMember(context.db, member.id) };
}

export default function Progress() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("progress.title")}</h1>
      {d.courses.length === 0 ? <p>{t("courses.none")}</p> : null}
      {d.courses.map((c) => (
        <section key={c.id} className="card" data-testid="progress-course">
          <h2>
            <Link to={`/courses/${c.slug}`}>{c.title}</Link>
          </h2>
          <p>
            {c.completedAt ? (
              <span className="badge badge-ok">{t("courses.completedOn", { date: formatDate(c.completedAt) })}</span>
            ) : (
              <>
                {t("progress.left", { n: c.left })}
                {c.dueAt ? ` · ${t("courses.due", { date: formatDate(c.dueAt) })}` : ""}
              </>
            )}
          </p>
          <div className="table-wrap">
            <table className="stack">
              <thead>
                <tr>
                  <th>{t("progress.item")}</th>
                  <th>{t("members.status")}</th>
                  <th>{t("progress.grade")}</th>
                </tr>
              </thead>
              <tbody>
                {c.items.map((i) => (
                  <tr key={i.key}>
                    <td data-label={t("progress.item")}>
                      <Link to={`/courses/${c.slug}/${i.key}`}>{i.title}</Link>
                      {!i.required ? <span className="muted"> ({t("courses.optional")})</span> : null}
                    </td>
                    <td data-label={t("members.status")}>
                      {t(i.state === "completed" ? "courses.state.completed" : i.state === "started" ? "courses.state.started" : "courses.state.notStarted")}
                      {i.completedAt ? ` · ${formatDate(i.completedAt)}` : ""}
                    </td>
                    <td data-label={t("progress.grade")}>{i.best === null ? "" : `${Math.round(i.best * 100)}% (${t("progress.attempts", { n: i.attempts })})`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </>
  );
}
