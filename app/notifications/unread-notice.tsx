/**
 * The unread notifications a member sees on their next visit (home page). Presentational: the
 * home loader passes `unreadNotifications(db, member.id)` in.
 */
import { Form } from "@remix-run/react";
import { useT } from "#app/i18n/use-t.ts";
import { QUIZ_GRADED_KIND, type NotificationView } from "./kinds.ts";

export function NotificationText({ n }: { n: NotificationView }) {
  const { t, formatDate } = useT();
  return (
    <>
      <strong>
        {n.isReminder ? t("notifications.reminder.title", { course: n.title }) : n.kind === QUIZ_GRADED_KIND ? t("notifications.quizGraded.title", { item: n.title }) : n.title}
      </strong>
      <span className="muted small">
        {" "}
        · {formatDate(n.createdAt, { dateStyle: "medium", timeStyle: "short" })}
        {n.fromName ? ` · ${t("notifications.from", { name: n.fromName })}` : ""}
      </span>
      {n.isReminder ? <p className="notification-body">{t("notifications.reminder.body", { course: n.title })}</p> : null}
      {n.body ? <p className="notification-body notification-note">{n.body}</p> : null}
    </>
  );
}

/**
 * A notification's buttons, for the notifications page's action (posted from that page, or from
 * elsewhere with `action`): open it when it links somewhere, mark it read while it is unread.
 */
export function NotificationActions({ n, action }: { n: Pick<NotificationView, "id" | "link" | "readAt">; action?: string }) {
  const { t } = useT();
  return (
    <Form method="post" action={action} className="row">
      <input type="hidden" name="id" value={n.id} />
      {n.link ? (
        <button type="submit" name="intent" value="open">
          {t("notifications.open")}
        </button>
      ) : null}
      {n.readAt ? null : (
        <button type="submit" name="intent" value="read" className="secondary">
          {t("notifications.markRead")}
        </button>
      )}
    </Form>
  );
}

/** The notice itself; renders nothing when there is nothing unread. */
export function UnreadNotifications({ data }: { data: { count: number; items: NotificationView[] } }) {
  const { t } = useT();
  if (data.count === 0) return null;
  return (
    <section className="card notifications-card" aria-labelledby="unread-title" data-testid="unread-notifications">
      <h2 id="unread-title">{t("notifications.unread", { count: data.count })}</h2>
      <ul className="notification-list">
        {data.items.map((n) => (
          <li key={n.id}>
            <NotificationText n={n} />
            <NotificationActions n={n} action="/notifications" />
          </li>
        ))}
      </ul>
      <p>
        <a href="/notifications">{t("notifications.viewAll")}</a>
      </p>
    </section>
  );
}
