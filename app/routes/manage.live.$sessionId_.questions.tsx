import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { notFound, requireManager } from "#app/auth/permissions.server.ts";
import { parseId, readSearch } from "#app/http/forms.server.ts";
import { isPresenter, sessionAccess } from "#app/live/sessions.server.ts";
import { sessionMessages } from "#app/live/questions.server.ts";
import { useT } from "#app/i18n/use-t.ts";
import type { PlainKey } from "#app/i18n/format.ts";
import liveStyles from "#app/styles/live.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: liveStyles }];

const searchSchema = z.object({ all: z.enum(["1"]).optional().catch(undefined) });

/**
 * The questions (or the whole chat) of a session, kept by the media server: for trainers to follow
 * up afterwards. Messages a presenter hid are shown in full only to administrators and the session's
 * presenters, who saw them during the session; others see that one was hidden.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { session: me, scope } = await requireManager(request, context);
  const access = await sessionAccess(context.db, scope, parseId(params.sessionId));
  if (!access) notFound();
  const { all } = readSearch(request, searchSchema);
  const s = access.session;
  const seesHidden = scope.all || await isPresenter(context.db, s.id, me.member.id);
  return { session: { id: s.id, title: s.title }, all: !!all, ...await sessionMessages(context.db, s.id, { seesHidden, questionsOnly: !all }) };
}

/** The stored moderation action (a text column) to its label; an unknown one shows as stored. */
const MODERATION_KEYS = new Map<string, PlainKey>([
  ["hide", "live.questions.action.hide"],
  ["unhide", "live.questions.action.unhide"],
  ["pin", "live.questions.action.pin"],
  ["unpin", "live.questions.action.unpin"],
]);

export default function SessionQuestions() {
  const { t, formatDate } = useT();
  const actionLabel = (a: string) => {
    const key = MODERATION_KEYS.get(a);
    return key ? t(key) : a;
  };
  const d = useLoaderData<typeof loader>();
  return (
    <div className="live-page">
      <p className="muted small">
        <Link to={`/manage/live/${d.session.id}`}>← {d.session.title}</Link>
      </p>
      <h1>{t("live.questions.title")}</h1>
      <p data-testid="qa-counts">{t("live.questions.counts", d.counts)}</p>
      <Form method="get" className="row">
        <label className="switch">
          <input type="checkbox" name="all" value="1" defaultChecked={d.all} />
          <span>{t("live.questions.showAll")}</span>
        </label>
        <button type="submit" className="secondary">
          {t("live.questions.apply")}
        </button>
        <a className="button secondary" href={`/manage/live/${d.session.id}/questions.csv${d.all ? "?all=1" : ""}`} download>
          {t("live.questions.csv")}
        </a>
      </Form>
      {d.messages.length === 0 ? (
        <p className="muted">{t(d.all ? "live.questions.noneAtAll" : "live.questions.none")}</p>
      ) : (
        <ol className="qa-list" data-testid="qa-list">
          {d.messages.map((m) => (
            <li key={m.id} className={`card${m.question ? " chat-question" : ""}`} data-hidden={m.hidden ? "1" : "0"}>
              <p className="muted small">
                {formatDate(m.at, { dateStyle: "short", timeStyle: "medium" })}
                {m.author ? ` · ${m.author}${m.unit ? ` (${m.unit})` : ""}` : ""}
                {m.question ? <span className="badge"> {t("live.questions.question")}</span> : null}
                {m.pinned ? <span className="badge"> {t("live.questions.pinned")}</span> : null}
                {m.hidden ? <span className="badge badge-warn"> {t("live.questions.hidden")}</span> : null}
              </p>
              {m.text != null ? <p className="chat-text">{m.text}</p> : <p className="muted">{t("live.questions.hiddenText")}</p>}
              {m.answer ? (
                <p className="chat-answer">
                  <strong>{t("live.questions.answer", { by: m.answer.by })}</strong> {m.answer.text}
                </p>
              ) : null}
              {m.moderated && m.moderated.action !== "answer" ? (
                <p className="muted small" data-testid="moderated">
                  {t("live.questions.moderated", {
                    action: actionLabel(m.moderated.action),
                    by: m.moderated.by,
                    at: m.moderated.at ? formatDate(m.moderated.at, { timeStyle: "medium" }) : "",
                  })}
                </p>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
