import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { useEffect, useState, type ComponentType } from "react";
import type { JSONContent } from "@tiptap/core";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireAuthorableCourse } from "#app/courses/access.server.ts";
import { getItem } from "#app/courses/authoring.server.ts";
import { parseId } from "#app/http/forms.server.ts";
import { useT } from "#app/i18n/use-t.ts";

export function loader({ request, params, context }: LoaderFunctionArgs) {
  const { course } = requireAuthorableCourse(request, context, parseId(params.courseId));
  const item = getItem(context.db, course.id, params.itemKey ?? "");
  if (!item || item.type !== "lesson") notFound();
  return { course: { id: course.id, title: course.title }, item: { key: item.key, title: item.title, body: (item.body ?? { type: "doc", content: [] }) as JSONContent } };
}

type EditorProps = { saveUrl: string; uploadUrl: string; initialTitle: string; initialDoc: JSONContent };

export default function EditLesson() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  // tiptap needs the DOM: the editor module is loaded only in the browser.
  const [Editor, setEditor] = useState<ComponentType<EditorProps> | null>(null);
  useEffect(() => {
    void import("#app/editor/lesson-editor.client.tsx").then((m) => setEditor(() => m.LessonEditor));
  }, []);
  return (
    <>
      <p>
        <Link to={`/manage/courses/${d.course.id}`}>← {d.course.title}</Link>
      </p>
      <p className="muted">{t("authoring.draftNote")}</p>
      {Editor ? (
        <Editor saveUrl={`/api/lessons/${d.course.id}/${d.item.key}`} uploadUrl="/api/uploads" initialTitle={d.item.title} initialDoc={d.item.body} />
      ) : (
        <p className="muted">{t("editor.loading")}</p>
      )}
    </>
  );
}
