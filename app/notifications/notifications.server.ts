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

function views(db: Db, memberId: number, opts: { unreadOnly: boolean; limit: number; offset?: number }): NotificationView[] {
  return db
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
    .offset(opts.offset ?? 0)
    .all()
    .map((n) => ({
      ...n,
      createdAt: n.createdAt.toISOString(),
      readAt: n.readAt ? n.readAt.toISOString() : null,
      isReminder: reminderCourseId(n.kind) != null,
    }));
}

/** For the home page loader: how many unread, and the latest few of them. */
export function unreadNotifications(db: Db, memberId: number, limit = 5): { count: number; items: NotificationView[] } {
  const total = db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.memberId, memberId), isNull(notifications.readAt)))
    .get()!.n;
  return { count: total, items: total ? views(db, memberId, { unreadOnly: true, limit }) : [] };
}

export function listNotifications(db: Db, memberId: number, opts: { limit: number; offset: number }) {
  const total = db.select({ n: count() }).from(notifications).where(eq(notifications.memberId, memberId)).get()!.n;
  return { total, items: views(db, memberId, { unreadOnly: false, ...opts }) };
}

/** Marks one of the member's own notifications read; returns it (null if it is not theirs). */
export function markRead(db: Db, memberId: number, id: number, now = new Date()): { link: string | null } | null {
  return writeTx(db, (tx) => {
    const row = tx
      .select({ id: notifications.id, link: notifications.link, readAt: notifications.readAt })
      .from(notifications)
      .where(and(eq(notifications.id, id), eq(notifications.memberId, memberId)))
      .get();
    if (!row) return null;
    if (!row.readAt) tx.update(notifications).set({ readAt: now }).where(eq(notifications.id, id)).run();
    return { link: row.link };
  });
}

export function markAllRead(db: Db, memberId: number, now = new Date()): number {
  return writeTx(db, (tx) =>
    tx.update(notifications).set({ readAt: now }).where(and(eq(notifications.memberId, memberId), isNull(notifications.readAt))).run().changes,
  );
}
