import { first, one } from "#db/first.ts";
/**
 * Reminders from a trainer to members who have not completed a course: an in-app notification
 * (shown on the member's next visit) and, when SMTP is configured and the member has an address,
 * an e-mail queued in the same row (outbox.server.ts sends it, with retries, outside the request:
 * reminding a committee of 2,000 must not wait on 2,000 SMTP round trips). At most one reminder
 * per member per course per day (Vietnam calendar day): the check and the insert run in one write
 * transaction, so a double click or two trainers at once send one. Every reminder is recorded as
 * its notification row (who sent it, when, e-mail outcome).
 */
import { and, eq, gte, inArray } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { courses, members, notifications } from "#db/schema/index.ts";
import { translate } from "#app/i18n/catalog.ts";
import { startOfVnDay, vnDay } from "#app/common/vietnam-time.ts";
import type { MailConfig } from "./config.server.ts";
import { reminderKind } from "./kinds.ts";

export type ReminderOutcome = {
  /** Reminders created now. */
  sent: number;
  /** Members already reminded about this course today. */
  skipped: number;
  /** E-mails queued for the outbox (members with an address, when SMTP is configured). */
  emailQueued: number;
};

export async function remindMembers(
  db: Db,
  opts: {
    courseId: number;
    memberIds: number[];
    actorId: number | null;
    note?: string;
    /** Absolute origin for the link in e-mails (e.g. https://hocso.example.vn). */
    origin: string;
    mail: MailConfig | null;
    now?: Date;
  },
): Promise<ReminderOutcome> {
  const now = opts.now ?? new Date();
  const course = await first(db.select({ id: courses.id, slug: courses.slug, title: courses.title }).from(courses).where(eq(courses.id, opts.courseId)));
  if (!course) throw new Response("Not Found", { status: 404 });
  const kind = reminderKind(course.id);
  const link = `/courses/${course.slug}`;
  const note = (opts.note ?? "").normalize("NFC").trim().slice(0, 500);
  const dayStart = startOfVnDay(vnDay(now));
  const ids = [...new Set(opts.memberIds)];
  const url = `${opts.origin.replace(/\/$/, "")}${link}`;
  const withEmail = new Set<number>();
  if (opts.mail) {
    for (let i = 0; i < ids.length; i += 500) {
      for (const m of (await db.select({ id: members.id, email: members.email }).from(members).where(inArray(members.id, ids.slice(i, i + 500))))) {
        if (m.email) withEmail.add(m.id);
      }
    }
  }

  const created = await writeTx(db, async (tx) => {
    const already = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const r of (await tx
        .select({ memberId: notifications.memberId })
        .from(notifications)
        .where(and(eq(notifications.kind, kind), inArray(notifications.memberId, chunk), gte(notifications.createdAt, dayStart)))))
        already.add(r.memberId);
    }
    const out: { id: number; memberId: number; email: boolean }[] = [];
    for (const memberId of ids) {
      if (already.has(memberId)) continue;
      const email = withEmail.has(memberId);
      const row = await one(tx
        .insert(notifications)
        .values({
          memberId,
          kind,
          title: course.title,
          body: note,
          link,
          createdBy: opts.actorId,
          createdAt: now,
          emailNextAt: email ? now : null,
          emailUrl: email ? url : null,
        })
        .returning({ id: notifications.id }));
      out.push({ id: row.id, memberId, email });
    }
    return out;
  });
  return { sent: created.length, skipped: ids.length - created.length, emailQueued: created.filter((c) => c.email).length };
}

/** The e-mail: Vietnamese first, then English (the member's language is not known here). */
export function reminderMail(p: { name: string; course: string; url: string; note: string }) {
  const part = (locale: "vi" | "en") =>
    [
      translate(locale, "notifications.mail.greeting", { name: p.name }),
      "",
      translate(locale, "notifications.mail.body", { course: p.course }),
      p.note ? `\n${translate(locale, "notifications.mail.note", { note: p.note })}` : "",
      "",
      translate(locale, "notifications.mail.link", { url: p.url }),
    ].join("\n");
  return {
    subject: `${translate("vi", "notifications.mail.subject", { course: p.course })} / ${translate("en", "notifications.mail.subject", { course: p.course })}`,
    text: `${part("vi")}\n\n---\n\n${part("en")}\n`,
  };
}
