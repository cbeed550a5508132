import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { asc, count, eq } from "drizzle-orm";
import { requireManager } from "#app/auth/permissions.server.ts";
import { courses, courseVersions } from "#db/schema/index.ts";
import { useT } from "#app/i18n/use-t.ts";

export function loader({ request, context }: LoaderFunctionArgs) {
  requireManager(request, context);
  const rows = context.db
    .select({ id: courses.id, slug: courses.slug, title: courses.title, state: courses.state, version: courseVersions.version })
    .from(courses)
    .leftJoin(courseVersions, eq(courseVersions.id, courses.publishedVersionId))
    .orderBy(asc(courses.title))
    .all();
  return { courses: rows, total: context.db.select({ n: count() }).from(courses).get()!.n };
}

export default function ManageCourses() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("manage.courses.title")}</h1>
      <div className="table-wrap">
        <table className="stack" data-testid="courses-table">
          <thead>
            <tr>
              <th>{t("nav.courses")}</th>
              <th>{t("manage.courses.state")}</th>
              <th>{t("manage.courses.version")}</th>
            </tr>
          </thead>
          <tbody>
            {d.courses.map((c) => (
              <tr key={c.id}>
                <td data-label={t("nav.courses")}>
                  <Link to={`/manage/courses/${c.id}`}>{c.title}</Link>
                </td>
                <td data-label={t("manage.courses.state")}>{t(`course.state.${c.state}`)}</td>
                <td data-label={t("manage.courses.version")}>{c.version ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
