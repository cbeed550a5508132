import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { reportRequest, reportUnit } from "#app/reports/page.server.ts";
import { exportResponse } from "#app/reports/export.server.ts";
import { gradesTable } from "#app/reflections/report.server.ts";

const schema = z.object({ format: z.enum(["csv", "xlsx"]).default("csv") });

/** The reflection grades of a unit's subtree as CSV or XLSX, through the one export engine (ADR 0011). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope, url } = await reportRequest(request, context);
  const unit = await reportUnit(context.db, scope, params.unitId);
  const f = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!f.success) throw new Response("Bad Request", { status: 400 });
  return exportResponse(await gradesTable(context.db, unit), f.data.format);
}
