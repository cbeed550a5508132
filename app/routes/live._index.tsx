import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { requireUser, scopeOf } from "#app/auth/permissions.server.ts";
import { sessionsForMember } from "#app/live/sessions.server.ts";
import { Countdown, StateBadge, useNow } from "#app/live/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";
import liveStyles from "#app/styles/live.css?url";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: liveStyles }];

/** The member's live sessions: happening now, upcoming (with a countdown), recent past. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const now = new Date();
  const scope = await scopeOf(context.db, member);
  return { ...await sessionsForMember(context.db, member, now), now: now.getTime(), canManage: scope.all || scope.roots.length > 0 };
}

type Item = ReturnType<typeof useLoaderData<typeof loader>>["live"][number];

function SessionCard({ s, now }: { s: Item; now: number }) {
  const { t, formatDate } = useT();
  const start = new Date(s.scheduledStartAt).getTime();
  return (
    <li className="card live-card" data-testid="live-session">
      <div className="live-card-head">
        <StateBadge state={s.state} start={start} now={now} />
        {s.presenting ? <span className="badge">{t("live.list.youPresent")}</span> : null}
      </div>
      <h3>
        <Link to={`/live/${s.id}`}>{s.title}</Link>
      </h3>
      <p className="muted small">
        {formatDate(s.scheduledStartAt, { dateStyle: "full", timeStyle: "short" })} – {formatDate(s.plannedEndAt, { timeStyle: "short" })}
      </p>
      {s.state === "scheduled" && start > now ? (
        <p>
          {t("live.list.startsIn")} <Countdown to={start} now={now} />
        </p>
      ) : null}
      {s.state !== "ended" && new Date(s.plannedEndAt).getTime() > now ? (
        <p>
          <Link className="button" to={`/live/${s.id}`} data-testid="join-link">
            {s.state === "live" ? t("live.list.joinNow") : t("live.list.open")}
          </Link>
        </p>
      ) : null}
    </li>
  );
}

export default function LiveList() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  const now = useNow(d.now);
  const empty = d.live.length + d.upcoming.length + d.past.length === 0;
  return (
    <>
      <h1>{t("live.list.title")}</h1>
      {d.canManage ? (
        <p>
          <Link to="/manage/live">{t("live.list.manage")}</Link>
        </p>
      ) : null}
      {empty ? <p className="muted">{t("live.list.none")}</p> : null}
      {d.live.length > 0 ? (
        <section aria-labelledby="live-now">
          <h2 id="live-now">{t("live.list.now")}</h2>
          <ul className="live-cards">
            {d.live.map((s) => (
              <SessionCard key={s.id} s={s} now={now} />
            ))}
          </ul>
        </section>
      ) : null}
      {d.upcoming.length > 0 ? (
        <section aria-labelledby="live-upcoming">
          <h2 id="live-upcoming">{t("live.list.upcoming")}</h2>
          <ul className="live-cards">
            {d.upcoming.map((s) => (
              <SessionCard key={s.id} s={s} now={now} />
            ))}
          </ul>
        </section>
      ) : null}
      {d.past.length > 0 ? (
        <section aria-labelledby="live-past">
          <h2 id="live-past">{t("live.list.past")}</h2>
          <ul className="live-cards">
            {d.past.map((s) => (
              <SessionCard key={s.id} s={s} now={now} />
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
