import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { and, eq, ne, sql } from "drizzle-orm";
import { requireUser } from "#app/auth/permissions.server.ts";
import { coursesForMember } from "#app/courses/learning.server.ts";
import { publishedVersion } from "#app/courses/version-cache.server.ts";
import { prepared } from "#app/courses/prepared.server.ts";
import { itemProgress, quizAttempts } from "#db/schema/index.ts";
import { useT } from "#app/i18n/use-t.ts";

/**
 * "My progress": every course given to me, every item, its state and grade, and what is left.
 * Item lists come from the cached published versions; progress and attempts are read once for
 * all the member's courses (prepared statements) rather than once per course.
 */
export function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = requireUser(request, context);
  const mine = coursesForMember(context.db, member.id);
  const memberId = sql.placeholder("memberId");
  const progress = new Map<string, { state: string; completedAt: Date | null }>();
  const rows = prepared(context.db, "progress.itemProgress", (db) =>
    db
      .select({ courseId: itemProgress.courseId, itemKey: itemProgress.itemKey, state: itemProgress.state, completedAt: itemProgress.completedAt })
      .from(itemProgress)
      .where(eq(itemProgress.memberId, memberId))
      .prepare(),
  ).all({ memberId: member.id });
  for (const r of rows) progress.set(`${r.courseId}:${r.itemKey}`, r);
  const attempts = new Map<string, number[]>();
  const scored = prepared(context.db, "progress.scoredAttempts", (db) =>
    db
      .select({ courseId: quizAttempts.courseId, itemKey: quizAttempts.itemKey, score: quizAttempts.score })
      .from(quizAttempts)
      .where(and(eq(quizAttempts.memberId, memberId), ne(quizAttempts.state, "open")))
      .prepare(),
  ).all({ memberId: member.id });
  for (const a of scored) {
    const k = `${a.courseId}:${a.itemKey}`;
    attempts.set(k, [...(attempts.get(k) ?? []), a.score ?? 0]);
  }
  const list = mine.map((c) => {
    const items = (publishedVersion(context.db, c.publishedVersionId)?.items ?? []).map((i) => {
      const k = `${c.id}:${i.key}`;
      const scores = attempts.get(k) ?? [];
      const p = progress.get(k);
      return {
        key: i.key,
        title: i.title,
        type: i.type,
        required: i.required,
        state: p?.state ?? null,
        completedAt: p?.completedAt ?? null,
        best: scores.length ? Math.max(...scores) : null,
        attempts: scores.length,
      };
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
