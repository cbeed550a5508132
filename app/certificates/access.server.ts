import type { AppLoadContext } from "@remix-run/node";
import { notFound, requireUser, scopeOf } from "#app/auth/permissions.server.ts";
import { canReadCertificate, findCertificateByCode } from "./issue.server.ts";


/**
 * A certificate the signed-in member may download: their own, or one of a member in their scope
 * (trainer), or any (administrator). Anything else is 404, exactly like a code that does not exist.
 */
export async function requireReadableCertificate(request: Request, context: AppLoadContext, code: string | undefined) {
  const session = await requireUser(request, context);
  const cert = await findCertificateByCode(context.db, code);
  if (!cert) notFound();
  const scope = await scopeOf(context.db, session.member);
  if (!await canReadCertificate(context.db, session.member, scope, cert)) notFound();
  return { session, scope, cert };
}
