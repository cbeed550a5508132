import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { requireManager } from "#app/auth/permissions.server.ts";
import { domainFailure } from "#app/http/forms.server.ts";
import { Notice } from "#app/components/ui.tsx";
import { scheduleSession, sessionsInScope } from "#app/live/sessions.server.ts";
import { readSessionForm } from "#app/live/session-form.server.ts";
import { SessionForm } from "#app/live/session-form.tsx";
import { toLocalInput } from "#app/common/vietnam-time.ts";
import { StateBadge, useNow } from "#app/live/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import { scopeRootUnits } from "#app/org/units.server.ts";
import liveStyles from "#app/styles/live.css?url";
import { DataTable } from "#app/components/data-table.tsx";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: liveStyles }];

/** Sessions in the manager's scope, and the form to schedule one. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const rows = await sessionsInScope(context.db, scope);
  const roots = await scopeRootUnits(context.db, scope);
  const now = new Date();
  const start = new Date(Math.ceil(now.getTime() / 3600_000) * 3600_000);
  return {
    sessions: rows.map((r) => ({ ...r, scheduledStartAt: r.scheduledStartAt.getTime(), plannedEndAt: r.plannedEndAt.getTime() })),
    scopeRoots: roots,
    defaults: {
      title: "",
      description: "",
      documentUrl: "",
      start: toLocalInput(start),
      end: toLocalInput(start.getTime() + 2 * 3600_000),
      presenters: session.member.code,
      units: roots.map((r) => r.code).join(", "),
      members: "",
      presentMinPercent: 80,
      lateAfterMinutes: 10,
    },
    now: now.getTime(),
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  try {
    const { input } = await readSessionForm(request, context, session.member.id);
    const s = await scheduleSession(context.db, scope, session.member.id, input);
    return redirect(`/manage/live/${s.id}?scheduled=1`);
  } catch (e) {
    return domainFailure(e);
  }
}

export default function ManageLive() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const now = useNow(d.now, 30_000);
  const scopeHint = d.scopeRoots.length ? t("live.form.scopeHint", { units: d.scopeRoots.map((r) => `${r.code} (${r.name})`).join(", ") }) : undefined;
  return (
    <>
      <h1>{t("live.manage.title")}</h1>
      {d.sessions.length === 0 ? <p className="muted">{t("live.manage.none")}</p> : null}
      {d.sessions.length > 0 ? (
        <DataTable
          testId="live-sessions"
          rows={d.sessions}
          rowKey={(s) => s.id}
          columns={[
            { label: t("live.manage.session"), cell: (s) => <Link to={`/manage/live/${s.id}`}>{s.title}</Link> },
            { label: t("live.manage.when"), cell: (s) => formatDate(s.scheduledStartAt, { dateStyle: "medium", timeStyle: "short" }) },
            { label: t("live.manage.state"), cell: (s) => <StateBadge state={s.state} start={s.scheduledStartAt} now={now} /> },
            { label: t("common.actions"), className: "actions", cell: (s) => <Link to={`/manage/live/${s.id}/attendance`}>{t("live.manage.attendance")}</Link> },
          ]}
        />
      ) : null}
      <section className="card" aria-labelledby="schedule">
        <h2 id="schedule">{t("live.manage.schedule")}</h2>
        <Notice flash={a?.flash} />
        <SessionForm values={d.defaults} submitLabel={t("live.manage.scheduleSubmit")} intent="schedule" scopeHint={scopeHint} />
      </section>
    </>
  );
}
