import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { useEffect, useState, type ComponentType } from "react";
import type { JSONContent } from "@tiptap/core";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { attemptsOf, closeExpiredAttempts, quizBank, settingsFor, startAttempt } from "#app/quizzes/attempts.server.ts";
import { z } from "zod";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireReadableCourse } from "#app/courses/access.server.ts";
import { completeLesson, openItem } from "#app/courses/learning.server.ts";
import { liveItemView } from "#app/courses/live-items.server.ts";
import { isMemberInvited } from "#app/live/attendance.server.ts";
import { minReadSeconds } from "#app/courses/snapshot.ts";
import { lessonHtml } from "#app/courses/version-cache.server.ts";
import { domainFailure, ok, readForm } from "#app/http/forms.server.ts";
import { Notice } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import { submitReflection, writerView } from "#app/reflections/writing.server.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.item.title} — Học Số` : "Học Số" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { session, course, pub, assigned } = await requireReadableCourse(request, context, params.slug);
  const items = pub.items;
  const index = items.findIndex((i) => i.key === params.itemKey);
  if (index < 0) notFound();
  const item = items[index];
  // Only members the course is assigned to start a progress clock; a trainer's preview does not.
  const progress = assigned ? await openItem(context.db, session.member.id, course.id, item.key, pub.versionId) : null;
  let quiz = null;
  if (item.type === "quiz") {
    if (assigned) await closeExpiredAttempts(context.db, session.member.id, course.id, item.key);
    const s = await settingsFor(context.db, course.id, item.key);
    const attempts = assigned ? await attemptsOf(context.db, session.member.id, course.id, item.key) : [];
    quiz = {
      passPercent: s.passPercent,
      attemptsAllowed: s.attemptsAllowed,
      timeLimitMinutes: s.timeLimitSeconds ? Math.round(s.timeLimitSeconds / 60) : null,
      questionCount: (await quizBank(context.db, course, item.key)).questions.length,
      attempts: attempts.map((a) => ({ id: a.id, attemptNo: a.attemptNo, state: a.state, score: a.score, passed: a.passed, submittedAt: a.submittedAt, awaitingGrading: a.essaysPending > 0, provisionalScore: a.provisionalScore })),
      canStart: assigned && (s.attemptsAllowed === 0 || attempts.length < s.attemptsAllowed || attempts.some((a) => a.state === "open")),
    };
  }
  const live =
    item.type === "live" && item.liveSessionId != null
      ? {
          view: await liveItemView(context.db, session.member.id, item.liveSessionId, {
            reconnectWindowMs: context.env.RECONNECT_WINDOW_SECONDS * 1000,
            acceptMakeUp: !!item.acceptMakeUp,
          }),
          invited: await isMemberInvited(context.db, item.liveSessionId, session.member.id),
        }
      : null;
  const reflection = item.type === "reflection" ? { ...await writerView(context.db, session.member.id, course, item), promptHtml: lessonHtml(context.db, pub.versionId, item) } : null;
  return {
    quiz,
    live,
    reflection,
    slug: course.slug,
    courseTitle: pub.snapshot.title,
    item: { key: item.key, type: item.type, title: item.title, minRead: minReadSeconds(item) },
    // Quiz sources (answers!) never leave the server; lessons are rendered here, sanitised.
    html: item.type === "lesson" ? lessonHtml(context.db, pub.versionId, item) : "",
    state: progress?.state ?? null,
    canComplete: assigned && item.type === "lesson",
    assigned,
    prev: index > 0 ? items[index - 1].key : null,
    next: index < items.length - 1 ? items[index + 1].key : null,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, course, assigned } = await requireReadableCourse(request, context, params.slug);
  const { intent } = await readForm(request, z.object({ intent: z.enum(["complete", "start", "submit-reflection"]) }));
  if (!assigned) throw new Response("Forbidden", { status: 403 });
  try {
    if (intent === "submit-reflection") {
      await submitReflection(context.db, session.member.id, course, params.itemKey ?? "");
      return ok("reflection.write.submittedFlash");
    }
    if (intent === "start") {
      const attempt = await startAttempt(context.db, session.member.id, course, params.itemKey ?? "");
      return redirect(`/quiz/${attempt.id}`);
    }
    const r = await completeLesson(context.db, session.member.id, course, params.itemKey ?? "");
    return r.courseCompleted ? ok("lesson.courseCompleted") : ok("lesson.done");
  } catch (e) {
    return domainFailure(e);
  }
}

/** While a lesson video plays, tell the server every 10 s; it decides how much counts as watched. */
function useWatchBeats(url: string, enabled: boolean) {
  useEffect(() => {
    if (!enabled) return;
    const videos = [...document.querySelectorAll<HTMLVideoElement>(".lesson-body video")];
    const beat = (v: HTMLVideoElement) => {
      if (!v.paused && !v.ended && Number.isFinite(v.duration)) {
        void fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ duration: v.duration }) }).catch(() => {});
      }
    };
    const timer = setInterval(() => videos.forEach(beat), 10_000);
    const onPlay = (e: Event) => beat(e.target as HTMLVideoElement);
    videos.forEach((v) => v.addEventListener("play", onPlay));
    return () => {
      clearInterval(timer);
      videos.forEach((v) => v.removeEventListener("play", onPlay));
    };
  }, [url, enabled]);
}

export default function ItemPage() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  useWatchBeats(`/api/watch/${d.slug}/${d.item.key}`, d.canComplete);
  return (
    <article className="lesson">
      <p className="muted">
        <Link to={`/courses/${d.slug}`}>← {d.courseTitle}</Link>
      </p>
      {d.item.type === "lesson" ? (
        <div className="lesson-body" dangerouslySetInnerHTML={{ __html: d.html }} />
      ) : d.item.type === "reflection" ? (
        <ReflectionItem slug={d.slug} itemKey={d.item.key} title={d.item.title} r={d.reflection!} assigned={d.assigned} />
      ) : d.item.type === "live" ? (
        <LiveItem title={d.item.title} live={d.live} completed={d.state === "completed"} assigned={d.assigned} />
      ) : (
        <QuizIntro title={d.item.title} quiz={d.quiz!} />
      )}
      <Notice flash={a?.flash} />
      {d.canComplete ? (
        d.state === "completed" && !a ? (
          <p className="notice notice-ok">{t("lesson.done")}</p>
        ) : a?.flash.tone === "ok" ? null : (
          <Form method="post" className="complete-form">
            <input type="hidden" name="intent" value="complete" />
            <button type="submit">{t("lesson.markDone")}</button>
            <small className="hint">{t("lesson.minRead", { seconds: d.item.minRead })}</small>
          </Form>
        )
      ) : null}
      <nav className="lesson-nav" aria-label={t("courses.outline")}>
        {d.prev ? <Link to={`/courses/${d.slug}/${d.prev}`}>← {t("lesson.prev")}</Link> : <span />}
        <Link to={`/courses/${d.slug}`}>{t("lesson.backToCourse")}</Link>
        {d.next ? <Link to={`/courses/${d.slug}/${d.next}`}>{t("lesson.next")} →</Link> : <span />}
      </nav>
    </article>
  );
}

function QuizIntro({ title, quiz }: { title: string; quiz: NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["quiz"]> }) {
  const { t, formatDate } = useT();
  const used = quiz.attempts.length;
  const open = quiz.attempts.find((a) => a.state === "open");
  return (
    <>
      <h1>{title}</h1>
      <ul className="quiz-facts">
        <li>{t("quiz.intro.questions", { count: quiz.questionCount })}</li>
        <li>{t("quiz.intro.passMark", { percent: quiz.passPercent })}</li>
        <li>{quiz.attemptsAllowed > 0 ? t("quiz.intro.attempts", { used, allowed: quiz.attemptsAllowed }) : t("quiz.intro.attemptsUnlimited", { used })}</li>
        <li>{quiz.timeLimitMinutes ? t("quiz.intro.timeLimit", { minutes: quiz.timeLimitMinutes }) : t("quiz.intro.noTimeLimit")}</li>
      </ul>
      {quiz.canStart ? (
        <Form method="post">
          <input type="hidden" name="intent" value="start" />
          <button type="submit">{open ? t("quiz.resume") : t("quiz.start")}</button>
        </Form>
      ) : null}
      {quiz.attempts.length > 0 ? (
        <>
          <h2>{t("quiz.previous")}</h2>
          <ul className="tree" data-testid="attempts">
            {quiz.attempts.map((a) => (
              <li key={a.id}>
                <span>
                  {t("quiz.attemptNo", { n: a.attemptNo })}
                  {a.submittedAt ? ` · ${formatDate(a.submittedAt, { dateStyle: "short", timeStyle: "short" })}` : ""}
                </span>
                {a.state === "open" ? null : (
                  <span>
                    {a.awaitingGrading ? (
                      <>
                        {t("quiz.provisionalScore", { percent: Math.round((a.provisionalScore ?? 0) * 100) })}{" "}
                        <span className="badge badge-warn">{t("quiz.awaitingGrading")}</span>
                      </>
                    ) : (
                      <>
                        {t("quiz.score", { percent: Math.round((a.score ?? 0) * 100) })}{" "}
                        <span className={`badge ${a.passed ? "badge-ok" : "badge-err"}`}>{a.passed ? t("quiz.passed") : t("quiz.failed")}</span>
                      </>
                    )}
                    {a.state === "expired" ? <span className="badge"> {t("quiz.expired")}</span> : null}{" "}
                    <Link to={`/quiz/${a.id}`}>{t("quiz.review")}</Link>
                  </span>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

/** A "live" item: the session to attend and what the attendance record says so far. */
function LiveItem({
  title,
  live,
  completed,
  assigned,
}: {
  title: string;
  live: ReturnType<typeof useLoaderData<typeof loader>>["live"];
  completed: boolean;
  assigned: boolean;
}) {
  const { t, formatDate } = useT();
  const v = live?.view;
  const statusText = v?.status ? t(`live.status.${v.status}`) : "";
  return (
    <section className="card" data-testid="live-item">
      <h1>{title}</h1>
      <p>{t("courses.live.intro")}</p>
      {!v ? (
        <p className="notice notice-error">{t("courses.live.missing")}</p>
      ) : (
        <>
          <p>
            <strong>{v.title}</strong>
            <br />
            <span className="muted">
              {t("courses.live.when", { when: `${formatDate(v.start, { dateStyle: "full", timeStyle: "short" })} – ${formatDate(v.end, { timeStyle: "short" })}` })}
            </span>
          </p>
          {!live.invited ? (
            <p className="notice notice-error">{t("courses.live.notInvited")}</p>
          ) : v.state !== "ended" ? (
            <>
              <p className="notice">{t("courses.live.upcoming")}</p>
              <p>
                <Link to={`/live/${v.id}`} className="button">
                  {t("courses.live.join")}
                </Link>
              </p>
            </>
          ) : completed ? (
            <p className="notice notice-ok" data-testid="live-item-state" data-state="completed" data-way={v.madeUp ? "make-up" : "live"}>
              {t("courses.live.attended", { status: statusText })} {v.madeUp ? t("courses.live.doneMakeUp") : t("courses.live.doneLive")}
            </p>
          ) : v.attended && !assigned ? (
            <p className="notice notice-ok" data-testid="live-item-state" data-state="not-assigned">
              {t("courses.live.attendedNotAssigned", { status: statusText })}
            </p>
          ) : v.attended ? (
            <p className="notice notice-ok" data-testid="live-item-state" data-state="settling">
              {t("courses.live.settling", { status: statusText })}
            </p>
          ) : (
            <>
              <p className="notice notice-error" data-testid="live-item-state" data-state="absent">
                {t("courses.live.absent", { status: statusText })}
              </p>
              {v.acceptMakeUp ? (
                <p>
                  {t("courses.live.makeUpOffered")}{" "}
                  <Link to={`/live/${v.id}`}>{t("recording.makeUp.title")} →</Link>
                </p>
              ) : null}
            </>
          )}
        </>
      )}
    </section>
  );
}

type EditorProps = { saveUrl: string; initialDoc: JSONContent | null; minWords: number; maxWords: number; onState?: (saved: boolean) => void };

/** A reflection: the prompt and rules, the writer's editor while it is theirs to edit, and every version with its grades. */
function ReflectionItem({
  slug,
  itemKey,
  title,
  r,
  assigned,
}: {
  slug: string;
  itemKey: string;
  title: string;
  r: NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["reflection"]>;
  assigned: boolean;
}) {
  const { t, formatDate } = useT();
  // tiptap needs the DOM: the editor module is loaded only in the browser.
  const [Editor, setEditor] = useState<ComponentType<EditorProps> | null>(null);
  const [saved, setSaved] = useState(true);
  const editable = assigned && (r.state === "draft" || r.state === "returned");
  useEffect(() => {
    if (editable) void import("#app/reflections/reflection-editor.client.tsx").then((m) => setEditor(() => m.ReflectionEditor));
  }, [editable]);
  const s = r.settings;
  return (
    <section data-testid="reflection-item" data-state={r.state}>
      <h1>{title}</h1>
      <div className="lesson-body" dangerouslySetInnerHTML={{ __html: r.promptHtml }} />
      <ul className="quiz-facts">
        <li>{t("reflection.rules.words", { min: s.minWords, max: s.maxWords })}</li>
        {r.dueAt ? <li>{t("reflection.rules.due", { when: formatDate(r.dueAt, { dateStyle: "full", timeStyle: "short" }) })}</li> : null}
        <li>{s.graders === "cell" ? t("reflection.rules.gradersCell") : t("reflection.rules.gradersTrainers")}</li>
        <li>{s.scale === "score" ? t("reflection.rules.scaleScore", { mark: s.passMark ?? 0 }) : t("reflection.rules.scalePass")}</li>
      </ul>
      {!assigned ? <p className="notice">{t("reflection.write.notAssigned")}</p> : null}
      {r.state === "submitted" ? <p className="notice" data-testid="reflection-status">{t("reflection.write.submitted", { n: r.versions.length })}</p> : null}
      {r.state === "returned" ? <p className="notice notice-error" data-testid="reflection-status">{t("reflection.write.returned")}</p> : null}
      {r.state === "passed" ? <p className="notice notice-ok" data-testid="reflection-status">{t("reflection.write.passed")}</p> : null}
      {editable ? (
        <>
          <h2>{t("reflection.write.heading")}</h2>
          {Editor ? (
            <Editor saveUrl={`/api/reflections/${slug}/${itemKey}`} initialDoc={r.draft} minWords={s.minWords} maxWords={s.maxWords} onState={setSaved} />
          ) : (
            <p className="muted">{t("editor.loading")}</p>
          )}
          <Form method="post" className="complete-form">
            <input type="hidden" name="intent" value="submit-reflection" />
            <button type="submit" disabled={!saved} data-testid="reflection-submit">
              {t("reflection.write.submit")}
            </button>
          </Form>
        </>
      ) : null}
      {r.versions.length > 0 ? (
        <>
          <h2>{t("reflection.write.history")}</h2>
          {[...r.versions].reverse().map((v) => (
            <details key={v.id} className="card" open={v.versionNo === r.versions.length} data-testid={`reflection-version-${v.versionNo}`}>
              <summary>
                {t("reflection.version", { n: v.versionNo })} · {t("reflection.submittedAt", { when: formatDate(v.submittedAt, { dateStyle: "short", timeStyle: "short" }) })} ·{" "}
                {t("reflection.write.words", { words: v.words })}
              </summary>
              <div className="lesson-body" dangerouslySetInnerHTML={{ __html: v.html }} />
              {v.grades.map((g) => (
                <div key={g.id} className="notice" data-testid="reflection-grade">
                  <span className={`badge ${g.outcome === "pass" ? "badge-ok" : "badge-err"}`}>{g.outcome === "pass" ? t("reflection.grade.pass") : t("reflection.grade.revise")}</span>
                  {g.score !== null ? ` ${t("reflection.grade.score", { score: g.score })}` : ""} ·{" "}
                  <span className="muted">{t("reflection.grade.by", { grader: g.graderName, when: formatDate(g.gradedAt, { dateStyle: "short", timeStyle: "short" }) })}</span>
                  {g.comment ? <p className="reflection-text">{g.comment}</p> : null}
                </div>
              ))}
            </details>
          ))}
          <p>
            <Link to={`/courses/${slug}/${itemKey}/print`}>{t("reflection.write.print")}</Link>
          </p>
        </>
      ) : null}
    </section>
  );
}
