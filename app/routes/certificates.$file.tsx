import type { LoaderFunctionArgs } from "@remix-run/node";
import { notFound } from "#app/auth/permissions.server.ts";
import { requireReadableCertificate } from "#app/certificates/access.server.ts";
import { publicOriginOf } from "#app/env.server.ts";
import { renderCertificatePdf } from "#app/certificates/pdf.server.ts";

/**
 * GET /certificates/HS-XXXX-XXXX-XXXX.pdf — the owner, a trainer with the member in scope, or an
 * administrator; anyone else gets 404, like a code that does not exist. A revoked certificate is
 * gone (410) for everyone: it must not be printed again.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const m = /^(.+)\.pdf$/i.exec(params.file ?? "");
  if (!m) notFound();
  const { cert } = await requireReadableCertificate(request, context, m[1]);
  if (cert.revokedAt) throw new Response("Gone", { status: 410 });
  const pdf = await renderCertificatePdf(cert, publicOriginOf(context.env));
  return new Response(pdf, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="chung-nhan-${cert.code}.pdf"`,
      "Content-Length": String(pdf.length),
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
