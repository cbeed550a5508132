import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireReadableCourse } from "#app/courses/access.server.ts";
import { recordWatchBeat } from "#app/courses/video-watch.server.ts";
import { DomainError } from "#app/common/domain-error.ts";

const beat = z.object({ duration: z.number().finite().positive().max(100_000) });

/** Playback beats from a lesson's video (every ~10 s while it plays). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, course, assigned } = await requireReadableCourse(request, context, params.slug);
  if (!assigned) notFound();
  const text = await request.text();
  let parsed;
  try {
    parsed = beat.safeParse(JSON.parse(text.slice(0, 1000)));
  } catch {
    parsed = null;
  }
  if (!parsed?.success) return Response.json({ ok: false }, { status: 400 });
  try {
    const r = await recordWatchBeat(context.db, session.member.id, course.id, params.itemKey ?? "", parsed.data.duration);
    return Response.json({ ok: true, ...r });
  } catch (e) {
    if (e instanceof DomainError) return Response.json({ ok: false, code: e.key }, { status: e.status });
    throw e;
  }
}

export const loader = () => notFound();
