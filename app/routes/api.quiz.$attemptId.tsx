import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { requireUser, notFound } from "#app/auth/permissions.server.ts";
import { saveAnswer } from "#app/quizzes/attempts.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { parseId } from "#app/http/forms.server.ts";
import { localeOf } from "#app/i18n/locale.server.ts";
import { translate } from "#app/i18n/catalog.ts";

const body = z.object({ questionId: z.string().min(1).max(200), response: z.unknown() });

/** Saves one answer as the member goes (JSON). The server's clock decides whether it is too late. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { member } = await requireUser(request, context);
  const locale = localeOf(request, context.env.DEFAULT_LOCALE);
  const text = await request.text();
  // An essay (MAX_ESSAY_CHARS) written as JSON may double in length (every newline is \n).
  if (text.length > 64_000) return Response.json({ ok: false, message: translate(locale, "quiz.error.badAnswer") }, { status: 413 });
  let parsed;
  try {
    parsed = body.safeParse(JSON.parse(text));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) return Response.json({ ok: false, message: translate(locale, "quiz.error.badAnswer") }, { status: 400 });
  try {
    const r = await saveAnswer(context.db, member.id, parseId(params.attemptId), parsed.data.questionId, parsed.data.response);
    return Response.json({ ok: true, savedAt: r.savedAt.toISOString(), serverNow: Date.now() });
  } catch (e) {
    if (e instanceof DomainError) return Response.json({ ok: false, code: e.key, message: translate(locale, e) }, { status: e.status });
    throw e;
  }
}

export const loader = () => notFound();
