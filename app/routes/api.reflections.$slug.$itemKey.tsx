import { type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireReadableCourse } from "#app/courses/access.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { autosaveRefusal, readAutosave } from "#app/editor/autosave.server.ts";
import { localeOf } from "#app/i18n/locale.server.ts";
import { translate } from "#app/i18n/catalog.ts";
import { saveDraft } from "#app/reflections/writing.server.ts";

const bodySchema = z.object({ doc: z.unknown() });

/** Autosave of the writer's draft (JSON in, JSON out); only the member the course is assigned to. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, course, assigned } = await requireReadableCourse(request, context, params.slug);
  if (!assigned) notFound();
  const locale = localeOf(request, context.env.DEFAULT_LOCALE);
  const body = await readAutosave(request, bodySchema, locale);
  if ("refusal" in body) return body.refusal;
  try {
    const r = await saveDraft(context.db, session.member.id, course, params.itemKey ?? "", body.data.doc);
    return Response.json({ ok: true, savedAt: r.savedAt.toISOString(), words: r.words });
  } catch (e) {
    if (e instanceof DomainError) return autosaveRefusal([translate(locale, e.key, e.params as never)], e.status);
    throw e;
  }
}

export const loader = () => notFound();
