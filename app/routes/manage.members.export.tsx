import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { requireManager, requireUnitScope, scopePaths } from "#app/auth/permissions.server.ts";
import { memberExportRows, membersCsv, membersXlsx } from "#app/org/export-members.server.ts";
import { readSearch } from "#app/http/forms.server.ts";

/** The same export the CLI makes (npm run members:export), limited to the caller's scope. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = requireManager(request, context);
  const s = readSearch(request, z.object({ format: z.enum(["csv", "xlsx"]).default("csv"), unit: z.coerce.number().int().positive().optional() }));
  const unit = s.unit ? requireUnitScope(context.db, scope, s.unit) : null;
  const rows = memberExportRows(context.db, { unitPath: unit?.path ?? null, withinPaths: scopePaths(scope) });
  const stamp = new Date().toISOString().slice(0, 10);
  const base = `thanh-vien-${unit?.code ?? "tat-ca"}-${stamp}`;
  if (s.format === "xlsx") {
    const buf = await membersXlsx(rows, { generatedAt: new Date(), filter: unit ? `don_vi=${unit.code}` : "" });
    return new Response(new Uint8Array(buf), {
      headers: {
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": `attachment; filename="${base}.xlsx"`,
      },
    });
  }
  return new Response(membersCsv(rows), {
    headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${base}.csv"` },
  });
}
