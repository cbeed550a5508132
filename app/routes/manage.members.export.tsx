import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { requireManager, requireUnitScope, scopePaths } from "#app/auth/permissions.server.ts";
import { memberExportRows, membersExportTable } from "#app/org/export-members.server.ts";
import { exportResponse } from "#app/reports/export.server.ts";
import { readSearch } from "#app/http/forms.server.ts";

/** The same export the CLI makes (npm run members:export), limited to the caller's scope. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const s = readSearch(request, z.object({ format: z.enum(["csv", "xlsx"]).default("csv"), unit: z.coerce.number().int().positive().optional() }));
  const unit = s.unit ? await requireUnitScope(context.db, scope, s.unit) : null;
  const rows = await memberExportRows(context.db, { unitPath: unit?.path ?? null, withinPaths: scopePaths(scope) });
  const generatedAt = new Date();
  const table = membersExportTable(rows, { filter: unit ? `don_vi=${unit.code}` : "" });
  return exportResponse({ ...table, fileBase: `thanh-vien-${unit?.code ?? "tat-ca"}-${generatedAt.toISOString().slice(0, 10)}` }, s.format, generatedAt);
}
