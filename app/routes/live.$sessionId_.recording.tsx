import type { LoaderFunctionArgs } from "@remix-run/node";
import { notFound, requireUser, scopeOf } from "#app/auth/permissions.server.ts";
import { parseId } from "#app/http/forms.server.ts";
import { isPresenter, sessionAccess } from "#app/live/sessions.server.ts";
import { makeUpFor, recordingFile, recordingOf, recordingResponse } from "#app/live/recordings.server.ts";

/**
 * The recording's file: to managers whose scope meets the session, to its presenters, and — once
 * published — to invited members offered make-up study. Anyone else gets 404, like a missing file.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const id = parseId(params.sessionId);
  const rec = await recordingOf(context.db, id);
  if (!rec) notFound();
  const allowed =
    !!await sessionAccess(context.db, await scopeOf(context.db, member), id) ||
    await isPresenter(context.db, id, member.id) ||
    !!await makeUpFor(context.db, id, member.id, context.env.RECONNECT_WINDOW_SECONDS * 1000);
  if (!allowed) notFound();
  const file = recordingFile(context.env.DATA_DIR, rec);
  if (!file) notFound();
  return recordingResponse(file, request.headers.get("range"));
}
