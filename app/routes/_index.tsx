import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireUser, scopeOf } from "#app/auth/permissions.server.ts";
import { scopeRootUnits } from "#app/org/units.server.ts";
import { memberPlacement } from "#app/org/members.server.ts";
import { useT } from "#app/i18n/use-t.ts";
import { coursesForMember } from "#app/courses/learning.server.ts";
import { CourseCard } from "#app/components/course-card.tsx";
import { unreadNotifications } from "#app/notifications/notifications.server.ts";
import { UnreadNotifications } from "#app/notifications/unread-notice.tsx";
import { pendingMakeUps } from "#app/live/recordings.server.ts";
import reportsCss from "#app/styles/reports.css?url";

export const links = () => [{ rel: "stylesheet", href: reportsCss }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const placement = await memberPlacement(context.db, member.id);
  const scope = await scopeOf(context.db, member);
  return {
    fullName: member.fullName,
    role: member.role,
    position: placement.position,
    unitPath: placement.unitPath,
    managed: scope.all ? null : await scopeRootUnits(context.db, scope),
    courses: await coursesForMember(context.db, member.id),
    notifications: await unreadNotifications(context.db, member.id),
    makeUps: (await pendingMakeUps(context.db, member.id, context.env.RECONNECT_WINDOW_SECONDS * 1000)).map((m) => ({ sessionId: m.sessionId, title: m.title, percent: m.percent })),
    now: Date.now(),
  };
}

export default function Home() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("home.welcome", { name: d.fullName })}</h1>
      <UnreadNotifications data={d.notifications} />
      <section className="card">
        <p>{t("home.yourUnit", { unit: d.unitPath.join(" › ") })}</p>
        {d.position ? <p>{t("home.position", { position: d.position })}</p> : null}
        {d.role === "admin" ? <p>{t("home.adminIntro")}</p> : null}
        {d.managed && d.managed.length > 0 ? (
          <p>
            {t("home.manageIntro", { units: "" })}
            {d.managed.map((u, i) => (
              <span key={u.id}>
                {i > 0 ? ", " : ""}
                <a href={`/manage/units/${u.id}`}>{u.name}</a>
              </span>
            ))}
          </p>
        ) : null}
      </section>
      {d.makeUps.length > 0 ? (
        <section className="card" aria-labelledby="make-ups" data-testid="home-make-ups">
          <h2 id="make-ups">{t("recording.home.title")}</h2>
          <ul>
            {d.makeUps.map((m) => (
              <li key={m.sessionId}>
                <a href={`/live/${m.sessionId}`}>{t("recording.home.item", { title: m.title, percent: m.percent })}</a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <h2>{t("courses.mine")}</h2>
      {d.courses.length === 0 ? <p className="muted">{t("courses.none")}</p> : null}
      <div className="course-grid">
        {d.courses.map((c) => (
          <CourseCard key={c.id} course={c} now={d.now} />
        ))}
      </div>
    </>
  );
}
