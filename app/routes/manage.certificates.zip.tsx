import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound, requireManager, unitInScope } from "#app/auth/permissions.server.ts";
import { publicOriginOf } from "#app/env.server.ts";
import { certificatesInSubtree, ensureCertificatesForCompletions } from "#app/certificates/issue.server.ts";
import { certificatesZipStream } from "#app/certificates/zip.server.ts";
import { getCourse } from "#app/courses/courses.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";
import { readSearch } from "#app/http/forms.server.ts";

/**
 * GET /manage/certificates/zip?unit=CODE&course=ID — one ZIP with a PDF per valid certificate of the
 * course held by members now in the unit's subtree, rendered while it streams. 404 out of scope.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const s = readSearch(request, z.object({ unit: z.string().min(1).max(64), course: z.coerce.number().int().positive() }));
  const unit = await getUnitByCode(context.db, s.unit.trim());
  if (!unit || !unitInScope(scope, unit)) notFound();
  const course = await getCourse(context.db, s.course);
  if (!course) notFound();
  await ensureCertificatesForCompletions(context.db, { courseId: course.id, unitPath: unit.path });
  const entries = (await certificatesInSubtree(context.db, { courseId: course.id, unitPath: unit.path }))
    .filter((r) => !r.certificate.revokedAt)
    .map((r) => ({ ...r.certificate, memberCode: r.memberCode }));
  const body = certificatesZipStream(entries, publicOriginOf(context.env));
  return new Response(body, {
    headers: {
      "Content-Type": "application/zip",
      "Content-Disposition": `attachment; filename="${`chung-nhan-${course.slug}-${unit.code}`.replace(/[^A-Za-z0-9._-]+/g, "_")}.zip"`,
      "Cache-Control": "private, no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
