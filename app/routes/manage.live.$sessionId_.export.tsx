import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound, requireManager } from "#app/auth/permissions.server.ts";
import { parseId, readSearch } from "#app/http/forms.server.ts";
import { sessionAccess } from "#app/live/sessions.server.ts";
import { attendanceExportTable, exportRows, rollupTree, scopedReport } from "#app/live/report.server.ts";
import { exportResponse } from "#app/reports/export.server.ts";
import { translate } from "#app/i18n/catalog.ts";
import { scopeRootUnits } from "#app/org/units.server.ts";

/**
 * The attendance of one session as CSV (UTF-8 with a BOM) or XLSX, limited to the reader's scope,
 * written by the one export engine: Vietnamese headers, neutralised cells, the generated time and
 * the same checksum rule as every other export.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const access = await sessionAccess(context.db, scope, parseId(params.sessionId));
  if (!access) notFound();
  const { format } = readSearch(request, z.object({ format: z.enum(["csv", "xlsx"]).default("csv") }));
  const generatedAt = new Date();
  const rep = await scopedReport(context.db, scope, access.session.id, generatedAt.getTime(), context.env.RECONNECT_WINDOW_SECONDS * 1000);
  if (!rep) notFound();
  const scopeLabel = scope.all
    ? translate("vi", "live.export.wholeOrganisation")
    : (await scopeRootUnits(context.db, scope))
        .map((u) => `${u.name} (${u.code})`)
        .join("; ");
  const table = attendanceExportTable(exportRows(rep.rows), (await rollupTree(context.db, scope, rep.rows)).all(), {
    session: access.session,
    start: rep.start,
    end: rep.end,
    rule: rep.rule,
    scopeLabel,
  });
  return exportResponse({ ...table, fileBase: `${table.fileBase}-${generatedAt.toISOString().slice(0, 10)}` }, format, generatedAt);
}
