import { Link } from "@remix-run/react";
import { useT } from "#app/i18n/use-t.ts";
import type { PlainKey } from "#app/i18n/catalog.ts";

/** The manager's hub: one short menu instead of a long header on phones. (Access: manage.tsx.) */
const SECTIONS: { to: string; title: PlainKey; hint: PlainKey }[] = [
  { to: "/manage/reports", title: "nav.reports", hint: "manage.hub.reports" },
  { to: "/manage/reports/attendance", title: "reports.att.link", hint: "reports.att.title" },
  { to: "/manage/courses", title: "manage.courses.title", hint: "manage.hub.courses" },
  { to: "/manage/live", title: "nav.live", hint: "manage.hub.live" },
  { to: "/manage/members", title: "nav.members", hint: "manage.hub.members" },
  { to: "/manage/units", title: "nav.units", hint: "manage.hub.units" },
  { to: "/manage/import", title: "nav.import", hint: "manage.hub.import" },
  { to: "/manage/certificates", title: "nav.certificates", hint: "manage.hub.certificates" },
];

export default function ManageHub() {
  const { t } = useT();
  return (
    <>
      <h1>{t("nav.manage")}</h1>
      <div className="course-grid">
        {SECTIONS.map((s) => (
          <Link key={s.to} to={s.to} className="card hub-card">
            <strong>{t(s.title)}</strong>
            <span className="muted">{t(s.hint)}</span>
          </Link>
        ))}
      </div>
    </>
  );
}
