import { type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireAuthorableCourse } from "#app/courses/access.server.ts";
import { saveLessonDraft } from "#app/courses/authoring.server.ts";
import { MAX_DOC_CHARS } from "#app/editor/document.server.ts";
import { parseId } from "#app/http/forms.server.ts";
import { localeOf } from "#app/i18n/locale.server.ts";
import { translate } from "#app/i18n/catalog.ts";

const bodySchema = z.object({ title: z.string().max(300), doc: z.unknown() });

/** Autosave endpoint of the lesson editor (JSON in, JSON out). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { course } = await requireAuthorableCourse(request, context, parseId(params.courseId));
  const locale = localeOf(request, context.env.DEFAULT_LOCALE);
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_DOC_CHARS * 2) return Response.json({ ok: false, messages: [translate(locale, "authoring.error.tooLarge")] }, { status: 413 });
  const text = await request.text();
  if (text.length > MAX_DOC_CHARS * 2) return Response.json({ ok: false, messages: [translate(locale, "authoring.error.tooLarge")] }, { status: 413 });
  let parsed;
  try {
    parsed = bodySchema.safeParse(JSON.parse(text));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) return Response.json({ ok: false, messages: [translate(locale, "error.badRequest")] }, { status: 400 });
  const r = await saveLessonDraft(context.db, course.id, params.itemKey ?? "", { title: parsed.data.title, doc: parsed.data.doc });
  if (!r.ok) return Response.json({ ok: false, messages: r.problems.map((p) => translate(locale, p)) }, { status: 422 });
  return { ok: true, savedAt: r.savedAt.toISOString() };
}

export const loader = () => notFound();
