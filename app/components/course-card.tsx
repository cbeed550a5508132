import { Link } from "@remix-run/react";
import { useT } from "#app/i18n/use-t.ts";
import type { CourseFacts } from "#app/courses/snapshot.ts";

export type CourseCardData = CourseFacts & {
  dueAt: Date | null;
  completedAt: Date | null;
  itemsDone: number;
  itemsTotal: number;
};

export function CourseCard({ course: c, now }: { course: CourseCardData; now: number }) {
  const { t, locale, formatDate } = useT();
  const pct = c.itemsTotal ? Math.round((c.itemsDone / c.itemsTotal) * 100) : 0;
  const overdue = !c.completedAt && c.dueAt && new Date(c.dueAt).getTime() < now;
  return (
    <article className="card course-card" data-testid="course-card">
      {c.coverFile ? <img src={`/uploads/${c.coverFile}`} alt="" className="cover" loading="lazy" width="640" height="360" /> : null}
      <h2>
        <Link to={`/courses/${c.slug}`}>{locale === "en" && c.titleEn ? c.titleEn : c.title}</Link>
      </h2>
      <p className="muted">{t("courses.minutes", { minutes: c.estimatedMinutes })}</p>
      <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label={t("courses.progress", { done: c.itemsDone, total: c.itemsTotal })}>
        <span style={{ width: `${pct}%` }} />
      </div>
      <p>
        {c.completedAt ? (
          <span className="badge badge-ok">{t("courses.completedOn", { date: formatDate(c.completedAt) })}</span>
        ) : (
          <>
            {t("courses.progress", { done: c.itemsDone, total: c.itemsTotal })}
            {c.dueAt ? (
              <>
                {" · "}
                <span className={overdue ? "badge badge-err" : undefined}>
                  {overdue ? `${t("courses.overdue")}: ` : ""}
                  {t("courses.due", { date: formatDate(c.dueAt) })}
                </span>
              </>
            ) : null}
          </>
        )}
      </p>
    </article>
  );
}
