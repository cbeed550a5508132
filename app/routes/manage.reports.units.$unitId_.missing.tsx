import { publicOriginOf } from "#app/env.server.ts";
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { notFound } from "#app/auth/permissions.server.ts";
import { filterQuery, type ReportFilters } from "#app/reports/filters.server.ts";
import { reportCrumbs, reportRequest, reportUnit } from "#app/reports/page.server.ts";
import { lastReminders, missingRows, type MissingFilter } from "#app/reports/tables.server.ts";
import { ExportLinks, MemberCell, ReportCrumbs, StateBadge } from "#app/reports/report-ui.tsx";
import { DataTable } from "#app/components/data-table.tsx";
import { readForm } from "#app/http/forms.server.ts";
import { vnDay } from "#app/common/vietnam-time.ts";
import { mailConfig } from "#app/notifications/config.server.ts";
import { remindMembers } from "#app/notifications/reminders.server.ts";
import { nudgeMailOutbox } from "#app/notifications/outbox.server.ts";
import { Notice, type Flash } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import reportsCss from "#app/styles/reports.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: reportsCss }];

const STATES = ["all", "in_progress", "not_started", "overdue"] as const;

function chooseCourse(f: ReportFilters, url: URL) {
  const raw = url.searchParams.get("course");
  if (raw == null || raw === "") return f.chosen[0] ?? null;
  const id = Number(raw);
  const course = f.available.find((c) => c.id === id);
  if (!course) notFound();
  return course;
}

function chooseState(url: URL): MissingFilter {
  const s = url.searchParams.get("state") ?? "all";
  return (STATES as readonly string[]).includes(s) ? (s as MissingFilter) : "all";
}

/**
 * Who is missing: members of the unit's subtree to whom the course is assigned and who have not
 * completed it, with their state; one click sends a reminder (in-app, plus e-mail when SMTP is
 * configured), at most one per member and course per day.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope, filters: f, withinPaths, url } = await reportRequest(request, context);
  const unit = await reportUnit(context.db, scope, params.unitId);
  const course = chooseCourse(f, url);
  const state = chooseState(url);
  const rows = course ? await missingRows(context.db, { courseId: course.id, unitId: unit.id, at: f.at, withinPaths, state }) : [];
  const reminded = course ? await lastReminders(context.db, course.id, rows.map((r) => r.memberId)) : new Map<number, Date>();
  return {
    unit: { id: unit.id, code: unit.code, name: unit.name },
    crumbs: await reportCrumbs(context.db, scope, unit),
    courses: f.available.map((c) => ({ id: c.id, title: c.title })),
    course: course ? { id: course.id, title: course.title } : null,
    state,
    day: f.day,
    isToday: f.day === f.today,
    query: filterQuery(f),
    hasMail: mailConfig(context.env) != null,
    rows: rows.map((r) => {
      const last = reminded.get(r.memberId) ?? null;
      return {
        memberId: r.memberId,
        code: r.code,
        fullName: r.fullName,
        unitName: r.unitName,
        state: r.state,
        overdue: r.overdue,
        dueAt: r.dueAt ? r.dueAt.toISOString() : null,
        neverSignedIn: r.neverSignedIn,
        lastReminder: last ? last.toISOString() : null,
        remindedToday: last ? vnDay(last) === f.today : false,
      };
    }),
  };
}

const schema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("remind"), memberId: z.coerce.number().int().positive(), note: z.string().max(500).optional() }),
  z.object({ intent: z.literal("remind-all"), note: z.string().max(500).optional() }),
]);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, scope, filters: f, withinPaths, url } = await reportRequest(request, context);
  const unit = await reportUnit(context.db, scope, params.unitId);
  const course = chooseCourse(f, url);
  if (!course) notFound();
  const form = await readForm(request, schema);
  // Who is missing now (reminders are about today, whatever day the page shows).
  const now = new Date();
  const missing = await missingRows(context.db, { courseId: course.id, unitId: unit.id, at: now, withinPaths, state: form.intent === "remind-all" ? chooseState(url) : "all" });
  let ids: number[];
  if (form.intent === "remind") {
    if (!missing.some((m) => m.memberId === form.memberId)) notFound();
    ids = [form.memberId];
  } else {
    ids = missing.map((m) => m.memberId);
  }
  const origin = publicOriginOf(context.env);
  const r = await remindMembers(context.db, {
    courseId: course.id,
    memberIds: ids,
    actorId: session.member.id,
    note: form.note,
    origin,
    mail: mailConfig(context.env),
    now,
  });
  if (r.emailQueued) nudgeMailOutbox();
  const flash: Flash = { key: "reports.missing.reminded", params: { sent: r.sent, skipped: r.skipped, queued: r.emailQueued }, tone: "ok" };
  return { flash };
}

export default function MissingPage() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const nav = useNavigation();
  const busy = nav.state !== "idle";
  const sep = d.query ? `${d.query}&` : "?";
  const self = (extra: Record<string, string | number>) => {
    const p = new URLSearchParams(d.query.replace(/^\?/, ""));
    if (d.course) p.set("course", String(d.course.id));
    p.set("state", d.state);
    for (const [k, v] of Object.entries(extra)) p.set(k, String(v));
    return `?${p}`;
  };
  return (
    <>
      <ReportCrumbs crumbs={[...d.crumbs, d.unit]} query={d.query} />
      <h1>{t("reports.missing.title", { unit: d.unit.name })}</h1>
      <Notice flash={a?.flash} />
      <Form method="get" className="card row no-print">
        {new URLSearchParams(d.query.replace(/^\?/, "")).getAll("c").map((c) => (
          <input key={c} type="hidden" name="c" value={c} />
        ))}
        {d.isToday ? null : <input type="hidden" name="date" value={d.day} />}
        <div className="field">
          <label htmlFor="missing-course">{t("reports.missing.course")}</label>
          <select id="missing-course" name="course" defaultValue={d.course?.id}>
            {d.courses.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="missing-state">{t("reports.missing.state")}</label>
          <select id="missing-state" name="state" defaultValue={d.state}>
            {(["all", "in_progress", "not_started", "overdue"] as const).map((s) => (
              <option key={s} value={s}>
                {t(`reports.missing.filter.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t("reports.apply")}</button>
      </Form>
      {!d.course ? (
        <p className="card">{t("reports.noCourses")}</p>
      ) : (
        <>
          <p>
            {t("reports.missing.count", { count: d.rows.length, course: d.course.title, day: d.day })}
            {d.hasMail ? "" : ` ${t("reports.missing.noMail")}`}
          </p>
          {d.isToday && d.rows.length > 0 ? (
            <Form method="post" action={self({})} className="card no-print remind-all">
              <input type="hidden" name="intent" value="remind-all" />
              <div className="field">
                <label htmlFor="remind-note">
                  {t("reports.missing.note")} <span className="muted">{t("common.optional")}</span>
                </label>
                <textarea id="remind-note" name="note" maxLength={500} rows={2} />
              </div>
              <button type="submit" disabled={busy} data-testid="remind-all">
                {t("reports.missing.remindAll", { count: d.rows.length })}
              </button>
              <small className="hint">{t("reports.missing.rateLimit")}</small>
            </Form>
          ) : null}
          {!d.isToday ? <p className="notice notice-ok">{t("reports.missing.pastDay")}</p> : null}
          {d.rows.length === 0 ? (
            <p className="card">{t("reports.missing.none")}</p>
          ) : (
            <DataTable
              testId="missing-table"
              className="stack report-table"
              rows={d.rows}
              rowKey={(r) => r.memberId}
              rowProps={(r) => ({ "data-member": r.code })}
              columns={[
                { label: t("reports.col.member"), rowHeader: true, cell: (r) => <MemberCell href={`/manage/reports/members/${r.memberId}${d.query}`} member={r} /> },
                { label: t("reports.col.unit"), cell: (r) => r.unitName },
                { label: t("reports.col.state"), cell: (r) => <StateBadge state={r.state} overdue={r.overdue} /> },
                { label: t("reports.col.dueAt"), cell: (r) => (r.dueAt ? formatDate(r.dueAt) : "") },
                { label: t("reports.col.lastReminder"), cell: (r) => (r.lastReminder ? formatDate(r.lastReminder, { dateStyle: "medium", timeStyle: "short" }) : "") },
                d.isToday && {
                  label: t("common.actions"),
                  className: "no-print",
                  cell: (r) =>
                    r.remindedToday ? (
                      <span className="muted">{t("reports.missing.remindedToday")}</span>
                    ) : (
                      <Form method="post" action={self({})}>
                        <input type="hidden" name="intent" value="remind" />
                        <input type="hidden" name="memberId" value={r.memberId} />
                        <button type="submit" className="secondary" disabled={busy} aria-label={t("reports.missing.remindOne", { name: r.fullName })}>
                          {t("reports.missing.remind")}
                        </button>
                      </Form>
                    ),
                },
              ]}
            />
          )}
          <ExportLinks label={t("reports.export.missingLabel")} href={(format) => `/manage/reports/export${sep}table=missing&unit=${d.unit.id}&course=${d.course!.id}&state=${d.state}&format=${format}`} />
        </>
      )}
    </>
  );
}
