import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound, requireManager } from "#app/auth/permissions.server.ts";
import { parseId, readSearch } from "#app/http/forms.server.ts";
import { isPresenter, sessionAccess } from "#app/live/sessions.server.ts";
import { messagesCsv, sessionMessages } from "#app/live/questions.server.ts";

/** The questions (or, with ?all=1, every message) a session kept, as CSV: same rules as the page. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { session: me, scope } = await requireManager(request, context);
  const access = await sessionAccess(context.db, scope, parseId(params.sessionId));
  if (!access) notFound();
  const { all } = readSearch(request, z.object({ all: z.enum(["1"]).optional().catch(undefined) }));
  const s = access.session;
  const { messages } = await sessionMessages(context.db, s.id, { seesHidden: scope.all || await isPresenter(context.db, s.id, me.member.id), questionsOnly: !all });
  return new Response(messagesCsv(messages), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${all ? "trao-doi" : "cau-hoi"}-phien-${s.id}.csv"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
