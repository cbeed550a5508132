import { useT } from "#app/i18n/use-t.ts";
import type { reflectionPrint } from "./print.server.ts";

type Data = NonNullable<Awaited<ReturnType<typeof reflectionPrint>>>;

/** The printed page of one reflection (A4 through the site's print styles: no header or navigation). */
export function ReflectionPrint({ d }: { d: Data }) {
  const { t, formatDate } = useT();
  return (
    <article className="reflection-print" data-testid="reflection-print">
      <p className="no-print">
        <button type="button" onClick={() => window.print()}>
          {t("reflection.write.print")}
        </button>
      </p>
      <h1>{d.itemTitle}</h1>
      <dl className="print-meta">
        <dt>{t("grading.member")}</dt>
        <dd>
          {d.member.name} ({d.member.code})
        </dd>
        <dt>{t("grading.unit")}</dt>
        <dd>{d.unitName}</dd>
        <dt>{t("grading.item")}</dt>
        <dd>{d.courseTitle}</dd>
        <dt>{t("grading.state")}</dt>
        <dd>{t(`reflection.state.${d.state}`)}</dd>
      </dl>
      <h2>{t("grading.prompt")}</h2>
      <div className="lesson-body" dangerouslySetInnerHTML={{ __html: d.promptHtml }} />
      <h2>
        {t("reflection.version", { n: d.latest.versionNo })} · {t("reflection.write.words", { words: d.latest.words })} ·{" "}
        {t("reflection.submittedAt", { when: formatDate(d.latest.submittedAt, { dateStyle: "short", timeStyle: "short" }) })}
      </h2>
      <div className="lesson-body" dangerouslySetInnerHTML={{ __html: d.latest.html }} />
      {d.grades.length ? (
        <>
          <h2>{t("grading.history")}</h2>
          <ul>
            {d.grades.map((g) => (
              <li key={g.id}>
                {t("reflection.version", { n: g.versionNo })} · {g.outcome === "pass" ? t("reflection.grade.pass") : t("reflection.grade.revise")}
                {g.score !== null ? ` · ${t("reflection.grade.score", { score: g.score })}` : ""} ·{" "}
                {t("reflection.grade.by", { grader: g.graderName, when: formatDate(g.gradedAt, { dateStyle: "short", timeStyle: "short" }) })}
                {g.comment ? ` — ${g.comment}` : ""}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </article>
  );
}
