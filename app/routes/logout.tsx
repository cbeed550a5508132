import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { getSession } from "#app/auth/permissions.server.ts";
import { invalidateAllSessions } from "#app/auth/session.server.ts";
import { clearSessionCookie } from "#app/auth/cookie.server.ts";

/** Signing out ends every session of the member, on every device (the issue asks for this). */
export async function action({ request, context }: ActionFunctionArgs) {
  const session = await getSession(request, context);
  if (session) await invalidateAllSessions(context.db, session.member.id);
  return redirect("/login", { headers: { "Set-Cookie": clearSessionCookie(context.secure) } });
}

export const loader = () => redirect("/");
