import type { LoaderFunctionArgs } from "@remix-run/node";
import { startOfVnDay } from "#app/common/vietnam-time.ts";
import { z } from "zod";
import { requireManager, requireUnitScope, scopePaths } from "#app/auth/permissions.server.ts";
import { attendanceForPeriod, type AttendanceCounts } from "#app/reports/attendance-period.server.ts";
import { hierarchy, type ReportTable } from "#app/reports/tables.server.ts";
import { exportResponse } from "#app/reports/export.server.ts";
import { readSearch } from "#app/http/forms.server.ts";
import { translate, type PlainKey } from "#app/i18n/catalog.ts";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const DAY = 24 * 3600_000;
const dayStart = startOfVnDay;

/** CSV/XLSX of attendance over a period: every unit of the report, hierarchy columns first. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const q = readSearch(request, z.object({ from: day, to: day, unit: z.coerce.number().int().positive().optional(), format: z.enum(["csv", "xlsx"]) }));
  const focus = q.unit ? await requireUnitScope(context.db, scope, q.unit) : null;
  const r = await attendanceForPeriod(context.db, {
    from: dayStart(q.from),
    to: new Date(dayStart(q.to).getTime() + DAY),
    withinPaths: focus ? [focus.path] : scopePaths(scope),
    reconnectWindowMs: context.env.RECONNECT_WINDOW_SECONDS * 1000,
  });
  const names = new Map(r.units.map((u) => [u.id, u.name]));
  const h = hierarchy(r.units.map((u) => u.path), names);
  const vi = (k: PlainKey) => translate("vi", k);
  const pct = (c: AttendanceCounts) => (c.rate === null ? null : Math.round(c.rate * 1000) / 10);
  const table: ReportTable = {
    kind: "attendance",
    title: vi("reports.att.title"),
    headers: [...h.headers, vi("units.code"), vi("reports.att.invited"), vi("reports.session.present"), vi("reports.session.late"), vi("reports.session.left-early"), vi("reports.session.absent"), vi("reports.session.excused"), vi("reports.att.rate"), vi("recording.export.madeUp")],
    columnTypes: [...h.types, "text", "count", "count", "count", "count", "count", "count", "pct", "count"],
    rows: r.units.map((u) => [...h.cells(u.path), u.code, u.total.invited, u.total.present, u.total.late, u.total.leftEarly, u.total.absent, u.total.excused, pct(u.total), u.total.madeUp]),
    meta: [
      [vi("reports.att.from"), q.from],
      [vi("reports.att.to"), q.to],
      [vi("members.unit"), focus ? `${focus.name} (${focus.code})` : "—"],
    ],
    fileBase: `diem-danh-${q.from}-${q.to}`,
  };
  return exportResponse(table, q.format);
}
