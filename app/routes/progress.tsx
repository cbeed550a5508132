import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { and, eq } from "drizzle-orm";
import { requireUser } from "#app/auth/permissions.server.ts";
import { coursesForMember, progressRows } from "#app/courses/learning.server.ts";
import { getCourse, publishedSnapshot } from "#app/courses/courses.server.ts";
import { snapshotItems } from "#app/courses/snapshot.ts";
import { quizAttempts } from "#db/schema/index.ts";
import { useT } from "#app/i18n/use-t.ts";

/** "My progress": every course given to me, every item, its state and grade, and what is left. */
export function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = requireUser(request, context);
  const list = coursesForMember(context.db, member.id).map((c) => {
    const course = getCourse(context.db, c.id)!;
    const pub = publishedSnapshot(context.db, course)!;
    const progress = new Map(progressRows(context.db, member.id, c.id).map((p) => [p.itemKey, p]));
    const attempts = context.db.select().from(quizAttempts).where(and(eq(quizAttempts.memberId, member.id), eq(quizAttempts.courseId, c.id))).all();
    const items = snapshotItems(pub.snapshot).map((i) => {
      const mine = attempts.filter((a) => a.itemKey === i.key && a.state !== "open");
      const best = mine.length ? Math.max(...mine.map((a) => a.score ?? 0)) : null;
      const p = progress.get(i.key);
      return { key: i.key, title: i.title, type: i.type, required: i.required, state: p?.state ?? null, completedAt: p?.completedAt ?? null, best, attempts: mine.length };
    });
    return { ...c, items, left: items.filter((i) => i.required && i.state !== "completed").length };
  });
  return { courses: list };
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
