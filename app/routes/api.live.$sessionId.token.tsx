import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound, requireUser } from "#app/auth/permissions.server.ts";
import { parseId, readSearch } from "#app/http/forms.server.ts";
import { placeSocket } from "#app/live/placement.server.ts";
import { joinAccess, mintJoinToken, resolveMode } from "#app/live/sessions.server.ts";

const searchSchema = z.object({
  mode: z.enum(["presenter", "viewer", "cell-room"]).default("viewer"),
  cell: z.coerce.number().int().positive().optional(),
});

const noStore = { "Cache-Control": "private, no-store" };

/**
 * A fresh join token for the page's socket (socket.io asks on every reconnection). Same checks as
 * the page: invited or presenter, the mode allowed, the session not ended; 404 otherwise.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const access = await joinAccess(context.db, parseId(params.sessionId), member);
  if (!access) notFound();
  const q = readSearch(request, searchSchema);
  const resolved = await resolveMode(context.db, access, member, q.mode, q.cell ?? null);
  if (!resolved) notFound();
  if (access.session.state === "ended") return Response.json({ error: "session-ended" }, { status: 410, headers: noStore });
  const secret = context.env.JOIN_TOKEN_SECRET;
  if (!secret) return Response.json({ error: "unconfigured" }, { status: 503, headers: noStore });
  // Several media nodes: the socket goes where placement reserved room for it (ADR 0016).
  const placed = await placeSocket(context.env.REDIS_URL, access.session.id, resolved.role, { group: resolved.committee });
  if (placed.full) return Response.json({ error: "session-full" }, { status: 503, headers: noStore });
  const { token, expiresAt, node } = mintJoinToken(secret, member, access.session.id, resolved.role, resolved.unitId, Date.now(), placed.node);
  return Response.json({ token, expiresAt, role: resolved.role, node }, { headers: noStore });
}
