import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { useEffect, useState, type ComponentType } from "react";
import type { JSONContent } from "@tiptap/core";
import { z } from "zod";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireAuthorableCourse } from "#app/courses/access.server.ts";
import { getItem, saveReflectionSettings } from "#app/courses/authoring.server.ts";
import { domainFailure, ok, parseId, readForm } from "#app/http/forms.server.ts";
import { reflectionSettingsOf } from "#app/reflections/settings.ts";
import { REFLECTION_GRADERS, REFLECTION_SCALES } from "#db/schema/enums.ts";
import { Field, Notice, InputField } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { course } = await requireAuthorableCourse(request, context, parseId(params.courseId));
  const item = await getItem(context.db, course.id, params.itemKey ?? "");
  if (!item || (item.type !== "lesson" && item.type !== "reflection")) notFound();
  return {
    course: { id: course.id, title: course.title },
    item: { key: item.key, type: item.type, title: item.title, body: (item.body ?? { type: "doc", content: [] }) as JSONContent },
    reflection: item.type === "reflection" ? reflectionSettingsOf(item.settings) : null,
  };
}

const numberOrEmpty = z.union([z.literal(""), z.coerce.number().int()]);
const settingsForm = z.object({
  minWords: z.coerce.number().int(),
  maxWords: z.coerce.number().int(),
  dueDay: z.string().max(10).default(""),
  graders: z.enum(REFLECTION_GRADERS),
  scale: z.enum(REFLECTION_SCALES),
  passMark: numberOrEmpty.default(""),
});

/** A reflection's rules (the prompt is saved by the editor's autosave, like a lesson body). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { course } = await requireAuthorableCourse(request, context, parseId(params.courseId));
  const f = await readForm(request, settingsForm);
  try {
    await saveReflectionSettings(context.db, course.id, params.itemKey ?? "", {
      minWords: f.minWords,
      maxWords: f.maxWords,
      dueDay: f.dueDay || null,
      graders: f.graders,
      scale: f.scale,
      passMark: f.scale === "score" && f.passMark !== "" ? f.passMark : null,
    });
    return ok("reflection.settings.saved");
  } catch (e) {
    return domainFailure(e);
  }
}

type EditorProps = { saveUrl: string; uploadUrl: string; initialTitle: string; initialDoc: JSONContent };

export default function EditLesson() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  // tiptap needs the DOM: the editor module is loaded only in the browser.
  const [Editor, setEditor] = useState<ComponentType<EditorProps> | null>(null);
  useEffect(() => {
    void import("#app/editor/lesson-editor.client.tsx").then((m) => setEditor(() => m.LessonEditor));
  }, []);
  const r = d.reflection;
  return (
    <>
      <p>
        <Link to={`/manage/courses/${d.course.id}`}>← {d.course.title}</Link>
      </p>
      <p className="muted">{t("authoring.draftNote")}</p>
      {r ? (
        <Form method="post" className="card" data-testid="reflection-settings">
          <h2>{t("reflection.settings.title")}</h2>
          <Notice flash={a?.flash} />
          <div className="row">
            <InputField label={t("reflection.settings.minWords")} name="minWords" type="number" hint={t("reflection.settings.wordsNote")} min={0} max={20000} defaultValue={r.minWords} required />
            <InputField label={t("reflection.settings.maxWords")} name="maxWords" type="number" min={1} max={20000} defaultValue={r.maxWords} required />
            <InputField label={t("reflection.settings.dueDay")} name="dueDay" type="date" defaultValue={r.dueDay ?? ""} />
          </div>
          <Field label={t("reflection.settings.graders")} name="graders">
            <select id="graders" name="graders" defaultValue={r.graders}>
              {REFLECTION_GRADERS.map((g) => (
                <option key={g} value={g}>
                  {t(`reflection.settings.graders.${g}`)}
                </option>
              ))}
            </select>
          </Field>
          <div className="row">
            <Field label={t("reflection.settings.scale")} name="scale">
              <select id="scale" name="scale" defaultValue={r.scale}>
                {REFLECTION_SCALES.map((s) => (
                  <option key={s} value={s}>
                    {t(`reflection.settings.scale.${s}`)}
                  </option>
                ))}
              </select>
            </Field>
            <InputField label={t("reflection.settings.passMark")} name="passMark" type="number" min={1} max={100} defaultValue={r.passMark ?? ""} />
          </div>
          <button type="submit">{t("common.save")}</button>
          <h3>{t("reflection.settings.prompt")}</h3>
        </Form>
      ) : null}
      {Editor ? (
        <Editor saveUrl={`/api/lessons/${d.course.id}/${d.item.key}`} uploadUrl="/api/uploads" initialTitle={d.item.title} initialDoc={d.item.body} />
      ) : (
        <p className="muted">{t("editor.loading")}</p>
      )}
    </>
  );
}
