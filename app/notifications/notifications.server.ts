import { affectedRows } from "#db/dialect.server.ts";
import { first } from "#db/first.ts";
/**
 * In-app notifications: a member sees theirs on their next visit (home page) and on
 * /notifications, and marks them read. A member only ever reads or changes their own rows.
 */
import { and, count, desc, eq, isNull } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { writeTx, type Db } from "#db/client.server.ts";
import { members, notifications } from "#db/schema/index.ts";
import { reminderCourseId, type NotificationView } from "./kinds.ts";

const sender = alias(members, "sender");

async function views(db: Db, memberId: number, opts: { unreadOnly: boolean; limit: number; offset?: number }): Promise<NotificationView[]> {
  return (await db
    .select({
      id: notifications.id,
      kind: notifications.kind,
      title: notifications.title,
      body: notifications.body,
      link: notifications.link,
      createdAt: notifications.createdAt,
      readAt: notifications.readAt,
      fromName: sender.fullName,
    })
    .from(notifications)
    .leftJoin(sender, eq(sender.id, notifications.createdBy))
    .where(and(eq(notifications.memberId, memberId), opts.unreadOnly ? isNull(notifications.readAt) : undefined))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(opts.limit)
    .offset(opts.offset ?? 0))
    .map((n) => ({
      ...n,
      createdAt: n.createdAt.toISOString(),
      readAt: n.readAt ? n.readAt.toISOString() : null,
      isReminder: reminderCourseId(n.kind) != null,
    }));
}

/** For the home page loader: how many unread, and the latest few of them. */
export async function unreadNotifications(db: Db, memberId: number, limit = 5): Promise<{ count: number; items: NotificationView[] }> {
  const total = (await first(db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.memberId, memberId), isNull(notifications.readAt)))))!.n;
  return { count: total, items: total ? await views(db, memberId, { unreadOnly: true, limit }) : [] };
}

export async function listNotifications(db: Db, memberId: number, opts: { limit: number; offset: number }) {
  const total = (await first(db.select({ n: count() }).from(notifications).where(eq(notifications.memberId, memberId))))!.n;
  return { total, items: await views(db, memberId, { unreadOnly: false, ...opts }) };
}

/** Marks one of the member's own notifications read; returns it (null if it is not theirs). */
export async function markRead(db: Db, memberId: number, id: number, now = new Date()): Promise<{ link: string | null } | null> {
  return writeTx(db, async (tx) => {
    const row = await first(tx
      .select({ id: notifications.id, link: notifications.link, readAt: notifications.readAt })
      .from(notifications)
      .where(and(eq(notifications.id, id), eq(notifications.memberId, memberId))));
    if (!row) return null;
    if (!row.readAt) await tx.update(notifications).set({ readAt: now }).where(eq(notifications.id, id));
    return { link: row.link };
  });
}

export async function markAllRead(db: Db, memberId: number, now = new Date()): Promise<number> {
  return writeTx(db, async (tx) =>
    affectedRows(await tx.update(notifications).set({ readAt: now }).where(and(eq(notifications.memberId, memberId), isNull(notifications.readAt)))),
  );
}
