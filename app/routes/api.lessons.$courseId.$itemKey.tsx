import { data, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound, requireAdmin } from "#app/auth/permissions.server.ts";
import { getCourse } from "#app/courses/courses.server.ts";
import { saveLessonDraft } from "#app/courses/authoring.server.ts";
import { MAX_DOC_CHARS } from "#app/editor/document.server.ts";
import { parseId } from "#app/http/forms.server.ts";
import { localeOf } from "#app/i18n/locale.server.ts";
import { translate } from "#app/i18n/catalog.ts";

const bodySchema = z.object({ title: z.string().max(300), doc: z.unknown() });

/** Autosave endpoint of the lesson editor (JSON in, JSON out). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  requireAdmin(request, context);
  const locale = localeOf(request, context.env.DEFAULT_LOCALE);
  const course = getCourse(context.db, parseId(params.courseId));
  if (!course) notFound();
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_DOC_CHARS * 2) return data({ ok: false, messages: [translate(locale, "authoring.error.tooLarge")] }, { status: 413 });
  const text = await request.text();
  if (text.length > MAX_DOC_CHARS * 2) return data({ ok: false, messages: [translate(locale, "authoring.error.tooLarge")] }, { status: 413 });
  let parsed;
  try {
    parsed = bodySchema.safeParse(JSON.parse(text));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) return data({ ok: false, messages: [translate(locale, "error.badRequest")] }, { status: 400 });
  const r = saveLessonDraft(context.db, course.id, params.itemKey ?? "", { title: parsed.data.title, doc: parsed.data.doc });
  if (!r.ok) return data({ ok: false, messages: r.problems.map((p) => translate(locale, p.key, p.params)) }, { status: 422 });
  return { ok: true, savedAt: r.savedAt.toISOString() };
}

export const loader = () => notFound();
