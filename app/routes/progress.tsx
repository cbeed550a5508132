import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser } from "#app/auth/permissions.server.ts";
import { progressOfMember } from "#app/courses/progress-page.server.ts";
import { useT } from "#app/i18n/use-t.ts";
import { DataTable } from "#app/components/data-table.tsx";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  return { courses: await progressOfMember(context.db, member.id) };
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
          <DataTable
            rows={c.items}
            rowKey={(i) => i.key}
            columns={[
              {
                label: t("progress.item"),
                cell: (i) => (
                  <>
                    <Link to={`/courses/${c.slug}/${i.key}`}>{i.title}</Link>
                    {!i.required ? <span className="muted"> ({t("courses.optional")})</span> : null}
                  </>
                ),
              },
              {
                label: t("members.status"),
                cell: (i) =>
                  `${t(i.state === "completed" ? "courses.state.completed" : i.state === "started" ? "courses.state.started" : "courses.state.notStarted")}${i.completedAt ? ` · ${formatDate(i.completedAt)}` : ""}`,
              },
              { label: t("progress.grade"), cell: (i) => (i.best === null ? "" : `${Math.round(i.best * 100)}% (${t("progress.attempts", { n: i.attempts })})`) },
            ]}
          />
        </section>
      ))}
    </>
  );
}
