import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireReadableCourse } from "#app/courses/access.server.ts";
import { progressRows } from "#app/courses/learning.server.ts";
import { completionOf } from "#app/courses/completion.server.ts";
import { useT } from "#app/i18n/use-t.ts";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { session, course, pub } = await requireReadableCourse(request, context, params.slug);
  const progress = new Map((await progressRows(context.db, session.member.id, course.id)).map((p) => [p.itemKey, p.state]));
  const completion = await completionOf(context.db, session.member.id, course.id);
  const s = pub.snapshot;
  return {
    slug: course.slug,
    title: s.title,
    titleEn: s.titleEn,
    summary: s.summary,
    coverFile: s.coverFile,
    version: pub.version,
    completedAt: completion?.completedAt ?? null,
    modules: s.modules.map((m) => ({
      key: m.key,
      title: m.title,
      items: m.items.map((i) => ({ key: i.key, type: i.type, title: i.title, minutes: i.estimatedMinutes, required: i.required, state: progress.get(i.key) ?? null })),
    })),
  };
}

export default function CoursePage() {
  const { t, locale, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const next = d.modules.flatMap((m) => m.items).find((i) => i.state !== "completed");
  return (
    <>
      <p>
        <Link to="/courses">← {t("courses.mine")}</Link>
      </p>
      <h1>{locale === "en" && d.titleEn ? d.titleEn : d.title}</h1>
      <p>{d.summary}</p>
      <p className="muted">{t("courses.version", { version: d.version })}</p>
      {d.completedAt ? (
        <p className="notice notice-ok">
          {t("courses.completedOn", { date: formatDate(d.completedAt) })} · <Link to="/certificates">{t("certificates.courseLink")}</Link>
        </p>
      ) : null}
      {next ? (
        <p>
          <Link className="button" to={`/courses/${d.slug}/${next.key}`}>
            {d.modules.some((m) => m.items.some((i) => i.state)) ? t("courses.continue") : t("courses.start")}
          </Link>
        </p>
      ) : null}
      <h2>{t("courses.outline")}</h2>
      {d.modules.map((m) => (
        <section key={m.key} className="card">
          <h3>{m.title}</h3>
          <ol className="outline">
            {m.items.map((i) => (
              <li key={i.key} data-state={i.state ?? "none"}>
                <Link to={`/courses/${d.slug}/${i.key}`}>{i.title}</Link>
                <span className="muted">
                  {t(i.type === "quiz" ? "courses.item.quiz" : i.type === "live" ? "courses.item.live" : "courses.item.lesson")} · {t("courses.minutes", { minutes: i.minutes })}
                  {!i.required ? ` · ${t("courses.optional")}` : ""}
                </span>
                <span className={`badge ${i.state === "completed" ? "badge-ok" : ""}`}>
                  {t(i.state === "completed" ? "courses.state.completed" : i.state === "started" ? "courses.state.started" : "courses.state.notStarted")}
                </span>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </>
  );
}
