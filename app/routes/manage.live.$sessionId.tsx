import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { notFound, requireManager } from "#app/auth/permissions.server.ts";
import { domainFailure, ok, parseId, readForm } from "#app/http/forms.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { recordingOf } from "#app/live/recordings.server.ts";
import { controlRecording } from "#app/live/recording-control.server.ts";
import { Notice } from "#app/components/ui.tsx";
import { joinAccess, sessionAccess, sessionTargets, updateSession } from "#app/live/sessions.server.ts";
import { readSessionForm } from "#app/live/session-form.server.ts";
import { SessionForm } from "#app/live/session-form.tsx";
import { toLocalInput } from "#app/common/vietnam-time.ts";
import { DocumentLink, StateBadge, useNow } from "#app/live/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import liveStyles from "#app/styles/live.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: liveStyles }];

/** One session: what was scheduled, links to its page and attendance, and the edit form before it starts. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { session: me, scope } = await requireManager(request, context);
  const access = await sessionAccess(context.db, scope, parseId(params.sessionId));
  if (!access) notFound();
  const s = access.session;
  const t = await sessionTargets(context.db, s.id);
  return {
    session: {
      id: s.id,
      title: s.title,
      description: s.description,
      documentUrl: s.documentUrl,
      state: s.state,
      start: s.scheduledStartAt.getTime(),
      end: s.plannedEndAt.getTime(),
      actualStart: s.actualStartAt?.getTime() ?? null,
      actualEnd: s.actualEndAt?.getTime() ?? null,
      presentMinPercent: s.presentMinPercent,
      lateAfterMinutes: s.lateAfterMinutes,
    },
    presenters: t.presenters,
    invitedUnits: t.invitedUnits.map(({ id, code, name }) => ({ id, code, name })),
    invitedMembers: t.invitedMembers.map(({ id, code, fullName }) => ({ id, code, fullName })),
    editable: access.editable,
    // Recording while live: for a trainer whose scope covers every invitation, as editing is.
    recording: access.whollyInScope && s.state === "live" ? { on: (await recordingOf(context.db, s.id))?.state === "recording" } : null,
    canOpen: !!await joinAccess(context.db, s.id, me.member),
    values: {
      title: s.title,
      description: s.description,
      documentUrl: s.documentUrl ?? "",
      start: toLocalInput(s.scheduledStartAt),
      end: toLocalInput(s.plannedEndAt),
      presenters: t.presenters.map((p) => p.code).join(", "),
      units: t.invitedUnits.map((u) => u.code).join(", "),
      members: t.invitedMembers.map((m) => m.code).join(", "),
      presentMinPercent: s.presentMinPercent,
      lateAfterMinutes: s.lateAfterMinutes,
    },
    now: Date.now(),
  };
}

const recordingForm = z.object({ intent: z.enum(["recording-start", "recording-stop"]) });

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const id = parseId(params.sessionId);
  const access = await sessionAccess(context.db, scope, id);
  if (!access) notFound();
  const intent = (await request.clone().formData()).get("intent");
  if (intent === "recording-start" || intent === "recording-stop") {
    // What a recording reaches is every invited member: only a trainer whose scope covers them all.
    if (!access.whollyInScope) notFound();
    const input = await readForm(request, recordingForm);
    const start = input.intent === "recording-start";
    try {
      if (access.session.state !== "live") throw new DomainError("recording.control.notLive", {}, 409);
      await controlRecording(context.env, { sessionId: id, action: start ? "start" : "stop", memberId: session.member.id });
      return ok(start ? "recording.control.started" : "recording.control.stopped");
    } catch (e) {
      return domainFailure(e);
    }
  }
  try {
    const { intent, input } = await readSessionForm(request, context, session.member.id);
    if (intent !== "update") throw new Response("Bad Request", { status: 400 });
    await updateSession(context.db, scope, id, session.member.id, input);
    return ok("common.saved");
  } catch (e) {
    return domainFailure(e);
  }
}

export default function ManageLiveSession() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const [search] = useSearchParams();
  const now = useNow(d.now, 30_000);
  const s = d.session;
  return (
    <>
      <p className="muted small">
        <Link to="/manage/live">← {t("live.manage.title")}</Link>
      </p>
      <h1>{s.title}</h1>
      {search.get("scheduled") ? <p className="notice notice-ok">{t("live.manage.scheduled")}</p> : null}
      <section className="card">
        <p>
          <StateBadge state={s.state} start={s.start} now={now} />{" "}
          {formatDate(s.start, { dateStyle: "full", timeStyle: "short" })} – {formatDate(s.end, { timeStyle: "short" })}
        </p>
        {s.actualStart ? <p className="small">{t("live.manage.actual", { start: formatDate(s.actualStart, { timeStyle: "medium" }), end: s.actualEnd ? formatDate(s.actualEnd, { timeStyle: "medium" }) : "…" })}</p> : null}
        {s.description ? <p className="live-description">{s.description}</p> : null}
        <DocumentLink url={s.documentUrl} />
        <p className="small">{t("live.manage.rule", { percent: s.presentMinPercent, minutes: s.lateAfterMinutes })}</p>
        <p className="small">{t("live.page.presenters", { names: d.presenters.map((p) => `${p.fullName} (${p.code})`).join(", ") })}</p>
        <p className="small">
          {t("live.manage.invited")}: {[...d.invitedUnits.map((u) => `${u.name} (${u.code})`), ...d.invitedMembers.map((m) => `${m.fullName} (${m.code})`)].join(", ")}
        </p>
        <p className="button-row">
          <Link className="button" to={`/manage/live/${s.id}/attendance`} data-testid="attendance-link">
            {t("live.manage.attendance")}
          </Link>
          <Link className="button secondary" to={`/manage/live/${s.id}/questions`} data-testid="questions-link">
            {t("live.questions.link")}
          </Link>
          <Link className="button secondary" to={`/manage/live/${s.id}/recording`} data-testid="recording-link">
            {t("recording.link")}
          </Link>
          {d.canOpen ? (
            <Link className="button secondary" to={`/live/${s.id}`}>
              {t("live.manage.openPage")}
            </Link>
          ) : null}
        </p>
      </section>
      {d.recording ? <RecordingControl on={d.recording.on} flash={a?.flash} /> : null}
      {d.editable ? (
        <section className="card" aria-labelledby="edit">
          <h2 id="edit">{t("live.manage.edit")}</h2>
          {d.recording ? null : <Notice flash={a?.flash} />}
          <SessionForm values={d.values} submitLabel={t("common.save")} intent="update" />
        </section>
      ) : (
        <p className="muted">{s.state === "scheduled" ? t("live.manage.notEditableScope") : t("live.manage.notEditableStarted")}</p>
      )}
    </>
  );
}

/** Start/Stop recording while the session is live; the media server tells every viewer. */
function RecordingControl({ on, flash }: { on: boolean; flash: Parameters<typeof Notice>[0]["flash"] }) {
  const { t } = useT();
  const busy = useNavigation().state !== "idle";
  return (
    <section className="card" aria-labelledby="recording-control">
      <h2 id="recording-control">{t("recording.control.title")}</h2>
      <Notice flash={flash} />
      <p data-testid="manage-recording-state">{on ? <strong className="recording-on">{t("recording.control.on")}</strong> : t("recording.control.off")}</p>
      <Form method="post">
        <button type="submit" name="intent" value={on ? "recording-stop" : "recording-start"} className={on ? "button secondary" : "button"} disabled={busy} data-testid="manage-recording-toggle">
          {on ? t("recording.room.stop") : t("recording.room.start")}
        </button>
      </Form>
    </section>
  );
}
