import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { requireUser } from "#app/auth/permissions.server.ts";
import { readForm, readSearch } from "#app/http/forms.server.ts";
import { safeRedirect } from "#app/http/safe-redirect.ts";
import { listNotifications, markAllRead, markRead } from "#app/notifications/notifications.server.ts";
import { NotificationActions, NotificationText } from "#app/notifications/unread-notice.tsx";
import { Pager } from "#app/components/ui.tsx";
import { useT } from "#app/i18n/use-t.ts";

const PAGE = 30;

/** The signed-in member's own notifications, newest first; unread ones can be opened or marked read. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { member } = await requireUser(request, context);
  const s = readSearch(request, z.object({ page: z.coerce.number().int().min(1).max(10000).optional().catch(1) }));
  const page = s.page ?? 1;
  const r = await listNotifications(context.db, member.id, { limit: PAGE, offset: (page - 1) * PAGE });
  return { page, pages: Math.max(1, Math.ceil(r.total / PAGE)), items: r.items, unread: r.items.some((n) => !n.readAt) };
}

const schema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("read"), id: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal("open"), id: z.coerce.number().int().positive() }),
  z.object({ intent: z.literal("read-all") }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const { member } = await requireUser(request, context);
  const f = await readForm(request, schema);
  if (f.intent === "read-all") {
    await markAllRead(context.db, member.id);
    return redirect("/notifications");
  }
  // Someone else's notification answers like a missing one.
  const n = await markRead(context.db, member.id, f.id);
  if (!n) throw new Response("Not Found", { status: 404 });
  if (f.intent === "open" && n.link) return redirect(safeRedirect(n.link, "/notifications"));
  // Marked from the home page: back there; otherwise back to the list.
  let from = "";
  try {
    from = new URL(request.headers.get("referer") ?? "").pathname;
  } catch {
    from = "";
  }
  return redirect(from === "/" ? "/" : "/notifications");
}

export default function NotificationsPage() {
  const { t } = useT();
  const d = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{t("notifications.title")}</h1>
      {d.unread ? (
        <Form method="post" className="no-print">
          <button type="submit" name="intent" value="read-all" className="secondary">
            {t("notifications.markAllRead")}
          </button>
        </Form>
      ) : null}
      {d.items.length === 0 ? (
        <p className="muted">{t("notifications.none")}</p>
      ) : (
        <ul className="notification-list" data-testid="notification-list">
          {d.items.map((n) => (
            <li key={n.id} className={n.readAt ? "is-read" : "is-unread"} data-read={n.readAt ? "true" : "false"}>
              {n.readAt ? null : <span className="badge badge-warn">{t("notifications.new")}</span>} <NotificationText n={n} />
              <NotificationActions n={n} />
            </li>
          ))}
        </ul>
      )}
      <Pager page={d.page} pages={d.pages} hrefFor={(p) => `?page=${p}`} />
    </>
  );
}
