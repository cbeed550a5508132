import type { LoaderFunctionArgs } from "@remix-run/node";
import { inArray } from "drizzle-orm";
import { z } from "zod";
import { notFound, requireManager } from "#app/auth/permissions.server.ts";
import { parseId, readSearch } from "#app/http/forms.server.ts";
import { sessionAccess } from "#app/live/sessions.server.ts";
import { attendanceCsv, attendanceXlsx, exportRows, rollupTree, scopedReport, type ExportMeta } from "#app/live/report.server.ts";
import { units } from "#db/schema/index.ts";

/**
 * The attendance of one session as CSV (UTF-8 with a BOM) or XLSX, limited to the reader's scope,
 * with Vietnamese headers, neutralised cells, the generated time and a SHA-256 of the table.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope } = requireManager(request, context);
  const access = sessionAccess(context.db, scope, parseId(params.sessionId));
  if (!access) notFound();
  const { format } = readSearch(request, z.object({ format: z.enum(["csv", "xlsx"]).default("csv") }));
  const generatedAt = new Date();
  const rep = scopedReport(context.db, scope, access.session.id, generatedAt.getTime(), context.env.RECONNECT_WINDOW_SECONDS * 1000);
  if (!rep) notFound();
  const rows = exportRows(rep.rows);
  const scopeLabel = scope.all
    ? "toàn bộ tổ chức"
    : context.db
        .select({ code: units.code, name: units.name })
        .from(units)
        .where(inArray(units.id, scope.roots.map((r) => r.id)))
        .all()
        .map((u) => `${u.name} (${u.code})`)
        .join("; ");
  const meta: ExportMeta = { session: access.session, start: rep.start, end: rep.end, rule: rep.rule, generatedAt, scopeLabel };
  const base = `diem-danh-phien-${access.session.id}-${generatedAt.toISOString().slice(0, 10)}`;
  const common = { "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff" };
  if (format === "xlsx") {
    const buf = await attendanceXlsx(rows, rollupTree(context.db, scope, rep.rows).all(), meta);
    return new Response(new Uint8Array(buf), {
      headers: {
        ...common,
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": `attachment; filename="${base}.xlsx"`,
      },
    });
  }
  return new Response(attendanceCsv(rows, meta), {
    headers: { ...common, "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${base}.csv"` },
  });
}
