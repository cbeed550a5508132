/**
 * Reminders from a trainer to members who have not completed a course: an in-app notification
 * (shown on the member's next visit) and, when SMTP is configured and the member has an address,
 * an e-mail. At most one reminder per member per course per day (Vietnam calendar day): the check
 * and the insert run in one write transaction, so a double click or two trainers at once send
 * one. Every reminder is recorded as its notification row (who sent it, when, e-mail outcome).
 */
import { and, eq, gte, inArray } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { courses, members, notifications } from "#db/schema/index.ts";
import { translate } from "#app/i18n/catalog.ts";
import { startOfVnDay, vnDay } from "#app/reports/dates.ts";
import type { MailConfig } from "./config.server.ts";
import { reminderKind } from "./kinds.ts";
import { sendMails } from "./mailer.server.ts";

export type ReminderOutcome = {
  /** Reminders created now. */
  sent: number;
  /** Members already reminded about this course today. */
  skipped: number;
  emailed: number;
  emailFailed: number;
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
  const course = db.select({ id: courses.id, slug: courses.slug, title: courses.title }).from(courses).where(eq(courses.id, opts.courseId)).get();
  if (!course) throw new Response("Not Found", { status: 404 });
  const kind = reminderKind(course.id);
  const link = `/courses/${course.slug}`;
  const note = (opts.note ?? "").normalize("NFC").trim().slice(0, 500);
  const dayStart = startOfVnDay(vnDay(now));
  const ids = [...new Set(opts.memberIds)];

  const created = writeTx(db, (tx) => {
    const already = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      for (const r of tx
        .select({ memberId: notifications.memberId })
        .from(notifications)
        .where(and(eq(notifications.kind, kind), inArray(notifications.memberId, chunk), gte(notifications.createdAt, dayStart)))
        .all())
        already.add(r.memberId);
    }
    const out: { id: number; memberId: number }[] = [];
    for (const memberId of ids) {
      if (already.has(memberId)) continue;
      const row = tx
        .insert(notifications)
        .values({ memberId, kind, title: course.title, body: note, link, createdBy: opts.actorId, createdAt: now })
        .returning({ id: notifications.id })
        .get();
      out.push({ id: row.id, memberId });
    }
    return out;
  });

  let emailed = 0;
  let emailFailed = 0;
  if (opts.mail && created.length) {
    const addresses = new Map<number, { email: string | null; fullName: string }>();
    for (let i = 0; i < created.length; i += 500) {
      const chunk = created.slice(i, i + 500).map((c) => c.memberId);
      for (const m of db.select({ id: members.id, email: members.email, fullName: members.fullName }).from(members).where(inArray(members.id, chunk)).all())
        addresses.set(m.id, m);
    }
    const targets = created.filter((c) => addresses.get(c.memberId)?.email);
    const url = `${opts.origin.replace(/\/$/, "")}${link}`;
    const outcomes = await sendMails(
      opts.mail,
      targets.map((c) => {
        const m = addresses.get(c.memberId)!;
        return { to: m.email!, ...reminderMail({ name: m.fullName, course: course.title, url, note }) };
      }),
    );
    const at = new Date();
    writeTx(db, (tx) => {
      outcomes.forEach((o, i) => {
        const id = targets[i].id;
        if (o.ok) tx.update(notifications).set({ emailedAt: at, emailError: null }).where(eq(notifications.id, id)).run();
        else tx.update(notifications).set({ emailError: o.error }).where(eq(notifications.id, id)).run();
      });
    });
    emailed = outcomes.filter((o) => o.ok).length;
    emailFailed = outcomes.length - emailed;
  }
  return { sent: created.length, skipped: ids.length - created.length, emailed, emailFailed };
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
