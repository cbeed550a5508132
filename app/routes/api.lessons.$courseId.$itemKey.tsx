import { type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireAuthorableCourse } from "#app/courses/access.server.ts";
import { saveLessonDraft } from "#app/courses/authoring.server.ts";
import { MAX_DOC_CHARS } from "#app/editor/document.server.ts";
import { autosaveRefusal, autosaveTooLarge, readAutosave } from "#app/editor/autosave.server.ts";
import { parseId } from "#app/http/forms.server.ts";
import { localeOf } from "#app/i18n/locale.server.ts";
import { translate } from "#app/i18n/catalog.ts";

const bodySchema = z.object({ title: z.string().max(300), doc: z.unknown() });

/** Autosave endpoint of the lesson editor (JSON in, JSON out). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { course } = await requireAuthorableCourse(request, context, parseId(params.courseId));
  const locale = localeOf(request, context.env.DEFAULT_LOCALE);
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_DOC_CHARS * 2) return autosaveTooLarge(locale);
  const body = await readAutosave(request, bodySchema, locale);
  if ("refusal" in body) return body.refusal;
  const r = await saveLessonDraft(context.db, course.id, params.itemKey ?? "", { title: body.data.title, doc: body.data.doc });
  if (!r.ok) return autosaveRefusal(r.problems.map((p) => translate(locale, p)), 422);
  return { ok: true, savedAt: r.savedAt.toISOString() };
}

export const loader = () => notFound();
