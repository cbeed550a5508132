import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireReadableCourse } from "#app/courses/access.server.ts";
import { completeLesson, openItem } from "#app/courses/learning.server.ts";
import { minReadSeconds, snapshotItems } from "#app/courses/snapshot.ts";
import { renderDocHtml } from "#app/editor/document.server.ts";
import { domainFailure, ok, readForm } from "#app/http/forms.server.ts";
import { Notice } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.item.title} — Học Số` : "Học Số" }];

export function loader({ request, params, context }: LoaderFunctionArgs) {
  const { session, course, pub, assigned } = requireReadableCourse(request, context, params.slug);
  const items = snapshotItems(pub.snapshot);
  const index = items.findIndex((i) => i.key === params.itemKey);
  if (index < 0) notFound();
  const item = items[index];
  // Only members the course is assigned to start a progress clock; a trainer's preview does not.
  const progress = assigned ? openItem(context.db, session.member.id, course.id, item.key, pub.versionId) : null;
  return {
    slug: course.slug,
    courseTitle: pub.snapshot.title,
    item: { key: item.key, type: item.type, title: item.title, minRead: minReadSeconds(item) },
    // Quiz sources (answers!) never leave the server; lessons are rendered here, sanitised.
    html: item.type === "lesson" ? renderDocHtml(item.body) : "",
    state: progress?.state ?? null,
    canComplete: assigned && item.type === "lesson",
    prev: index > 0 ? items[index - 1].key : null,
    next: index < items.length - 1 ? items[index + 1].key : null,
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, course, assigned } = requireReadableCourse(request, context, params.slug);
  await readForm(request, z.object({ intent: z.literal("complete") }));
  if (!assigned) throw new Response("Forbidden", { status: 403 });
  try {
    const r = completeLesson(context.db, session.member.id, course, params.itemKey ?? "");
    return r.courseCompleted ? ok("lesson.courseCompleted") : ok("lesson.done");
  } catch (e) {
    return domainFailure(e);
  }
}

export default function ItemPage() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  return (
    <article className="lesson">
      <p className="muted">
        <Link to={`/courses/${d.slug}`}>← {d.courseTitle}</Link>
      </p>
      {d.item.type === "lesson" ? (
        <div className="lesson-body" dangerouslySetInnerHTML={{ __html: d.html }} />
      ) : (
        <>
          <h1>{d.item.title}</h1>
          <p className="notice">{t("quiz.comingSoon")}</p>
        </>
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
