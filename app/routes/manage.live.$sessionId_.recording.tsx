import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { notFound, requireManager } from "#app/auth/permissions.server.ts";
import { domainFailure, ok, parseId, readForm } from "#app/http/forms.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { Notice } from "#app/components/ui.tsx";
import { sessionAccess } from "#app/live/sessions.server.ts";
import { madeUpMembers, publishRecording, recordingOf, unpublishRecording } from "#app/live/recordings.server.ts";
import { DocumentLink } from "#app/live/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import liveStyles from "#app/styles/live.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: liveStyles }];

/**
 * A session's recording for managers whose scope meets the invited area: its state and length,
 * the player, and — for a trainer whose scope covers every invitation — publishing it for
 * make-up study (học bù) with the share a member must watch.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { scope } = await requireManager(request, context);
  const access = await sessionAccess(context.db, scope, parseId(params.sessionId));
  if (!access) notFound();
  const s = access.session;
  const rec = await recordingOf(context.db, s.id);
  return {
    session: { id: s.id, title: s.title, state: s.state, documentUrl: s.documentUrl },
    recording: rec
      ? {
          state: rec.state,
          durationMs: rec.durationMs,
          bytes: rec.bytes,
          publishedAt: rec.publishedAt?.getTime() ?? null,
          makeUpMinPercent: rec.makeUpMinPercent,
          madeUp: (await madeUpMembers(context.db, s.id)).size,
        }
      : null,
    mayPublish: access.whollyInScope,
  };
}

const form = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("publish"), makeUpMinPercent: z.string().max(10) }),
  z.object({ intent: z.literal("unpublish") }),
]);
const percent = z.coerce.number().int().min(1).max(100);

export async function action({ request, params, context }: ActionFunctionArgs) {
  const { session, scope } = await requireManager(request, context);
  const access = await sessionAccess(context.db, scope, parseId(params.sessionId));
  if (!access) notFound();
  // Publishing reaches every invited member: only someone whose scope covers them all decides it.
  if (!access.whollyInScope) notFound();
  const input = await readForm(request, form);
  try {
    if (input.intent === "unpublish") {
      await unpublishRecording(context.db, access.session.id);
      return ok("recording.unpublished");
    }
    const p = percent.safeParse(input.makeUpMinPercent);
    if (!p.success) throw new DomainError("recording.error.percent");
    await publishRecording(context.db, { sessionId: access.session.id, actorId: session.member.id, makeUpMinPercent: p.data });
    return ok("recording.published");
  } catch (e) {
    return domainFailure(e);
  }
}

export default function RecordingPage() {
  const { t, formatDate } = useT();
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const r = d.recording;
  const minutes = r?.durationMs ? Math.round(r.durationMs / 6000) / 10 : 0;
  return (
    <>
      <p className="muted small">
        <Link to={`/manage/live/${d.session.id}`}>← {d.session.title}</Link>
      </p>
      <h1>{t("recording.title")}</h1>
      <Notice flash={a?.flash} />
      {!r ? (
        <p className="muted" data-testid="recording-none">
          {t("recording.none")}
        </p>
      ) : (
        <section className="card" data-testid="recording-card">
          <p data-testid="recording-state">{t(`recording.state.${r.state}`)}</p>
          {r.state === "ready" ? (
            <>
              <p className="small">{t("recording.length", { minutes })}</p>
              <video className="recording-video" controls preload="metadata" src={`/live/${d.session.id}/recording`} />
              <DocumentLink url={d.session.documentUrl} />
              {r.publishedAt ? (
                <p className="notice notice-ok" data-testid="recording-published">
                  {t("recording.publishedAt", { at: formatDate(r.publishedAt, { dateStyle: "medium", timeStyle: "short" }), percent: r.makeUpMinPercent, count: r.madeUp })}
                </p>
              ) : null}
              {d.mayPublish && d.session.state === "ended" ? (
                <Form method="post" className="stack">
                  <input type="hidden" name="intent" value="publish" />
                  <label htmlFor="makeUpMinPercent">{t("recording.minPercent")}</label>
                  <input id="makeUpMinPercent" name="makeUpMinPercent" type="number" inputMode="numeric" min={1} max={100} defaultValue={r.makeUpMinPercent} required />
                  <button type="submit" data-testid="publish-recording">
                    {r.publishedAt ? t("recording.republish") : t("recording.publish")}
                  </button>
                </Form>
              ) : !d.mayPublish ? (
                <p className="muted small">{t("recording.publishScope")}</p>
              ) : null}
              {d.mayPublish && r.publishedAt ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="unpublish" />
                  <button type="submit" className="secondary">
                    {t("recording.unpublish")}
                  </button>
                </Form>
              ) : null}
            </>
          ) : null}
        </section>
      )}
    </>
  );
}
