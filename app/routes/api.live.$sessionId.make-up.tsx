import type { ActionFunctionArgs } from "@remix-run/node";
import { notFound, requireUser } from "#app/auth/permissions.server.ts";
import { parseId } from "#app/http/forms.server.ts";
import { recordMakeUpBeat } from "#app/live/recordings.server.ts";

/**
 * Playback beats of a session's recording (every ~10 s while it plays). The body is ignored: the
 * server alone decides how much time a beat earns (recordings.server.ts).
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { member } = await requireUser(request, context);
  if (request.method !== "POST") notFound();
  const r = await recordMakeUpBeat(context.db, parseId(params.sessionId), member.id, context.env.RECONNECT_WINDOW_SECONDS * 1000);
  if (!r) notFound();
  return Response.json({ ok: true, percent: r.percent, madeUp: !!r.madeUpAt });
}

export const loader = () => notFound();
