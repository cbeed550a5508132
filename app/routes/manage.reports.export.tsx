import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { notFound } from "#app/auth/permissions.server.ts";
import { completionRollup, memberRecord } from "#app/reports/completion.server.ts";
import { reportRequest, reportUnit, requireRecordScope } from "#app/reports/page.server.ts";
import { membersTable, missingTable, quizGrades, quizTable, recordTable, TABLE_KINDS, unitsTable, type ReportTable } from "#app/reports/tables.server.ts";
import { exportResponse } from "#app/reports/export.server.ts";

const schema = z.object({
  table: z.enum(TABLE_KINDS),
  format: z.enum(["csv", "xlsx"]).default("csv"),
  unit: z.coerce.number().int().positive().optional(),
  member: z.coerce.number().int().positive().optional(),
  course: z.coerce.number().int().positive().optional(),
  state: z.enum(["all", "in_progress", "not_started", "overdue"]).default("all"),
});

/**
 * /manage/reports/export?table=units|members|missing|record|quizzes&format=csv|xlsx plus the
 * page's filters (c, date) and its unit / member / course: the table the page shows, as a file.
 * Same scope checks as the pages: anything outside the caller's scope is a 404.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { scope, filters: f, withinPaths, url } = await reportRequest(request, context);
  const parsed = schema.safeParse(Object.fromEntries([...url.searchParams].filter(([k]) => k !== "c")));
  if (!parsed.success) throw new Response("Bad Request", { status: 400 });
  const s = parsed.data;
  const db = context.db;
  let table: ReportTable;
  switch (s.table) {
    case "units": {
      const unit = s.unit ? await reportUnit(db, scope, s.unit) : null;
      const rollup = await completionRollup(db, { courseIds: f.courseIds, at: f.at, rootUnitId: unit?.id, withinPaths });
      table = await unitsTable(db, rollup, f, unit);
      break;
    }
    case "members": {
      const unit = await reportUnit(db, scope, s.unit);
      table = await membersTable(db, f, unit, withinPaths);
      break;
    }
    case "missing": {
      const unit = await reportUnit(db, scope, s.unit);
      const course = s.course ? f.available.find((c) => c.id === s.course) : f.chosen[0];
      if (!course) notFound();
      table = await missingTable(db, f, unit, course, withinPaths, s.state);
      break;
    }
    case "record":
    case "quizzes": {
      if (!s.member) notFound();
      const m = await requireRecordScope(db, scope, s.member, f.at);
      table = s.table === "record" ? await recordTable(db, m, await memberRecord(db, m.id, { at: f.at }), f) : quizTable(m, await quizGrades(db, m.id, f.at), f);
      break;
    }
    case "attendance":
      // Attendance over a period is exported from its own page (/manage/reports/attendance?format=…).
      notFound();
  }
  return exportResponse(table, s.format);
}
