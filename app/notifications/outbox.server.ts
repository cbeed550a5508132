/**
 * The e-mail outbox: notifications with email_next_at set are due. A job in the app process sends
 * them in batches over one SMTP connection, records each outcome on its row, and retries failures
 * with growing delays (1, 5, 15, 60 minutes) before giving up with the last error kept. A run is
 * also started right after reminders are queued, so a working server delivers within seconds.
 *
 * With several app processes, each claims its batch first (db/job-claims.server.ts, a lease of
 * CLAIM_MS), so a row is sent by one of them; the outcome is recorded only while the claim is still
 * held. A process killed mid-send leaves its claims to run out: the rows are then sent by another
 * (a mail the killed one had already handed to the SMTP server may go twice: an SMTP send cannot be
 * rolled back; nothing is sent twice while its sender lives through the lease).
 */
import { and, asc, eq, isNull, lte } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { claimJobItems, finishJobItem, JobClaimLost, notHeld } from "#db/job-claims.server.ts";
import { members, notifications } from "#db/schema/index.ts";
import type { MailConfig } from "./config.server.ts";
import { sendMails } from "./mailer.server.ts";
import { reminderMail } from "./reminders.server.ts";

/** Minutes to wait after the 1st, 2nd, … failed attempt; after the last, the mail is given up. */
export const RETRY_MINUTES = [1, 5, 15, 60] as const;
/** Mails per batch: one SMTP connection, sent one after another. */
const BATCH = 20;
/**
 * A claimed batch is not picked again for this long, even if the process dies mid-send: longer
 * than a whole batch can take against a server that times out on every mail (20 × 30 s).
 */
const CLAIM_MS = 15 * 60_000;

export type DeliveryOutcome = { sent: number; failed: number; givenUp: number };

/** Sends up to `batch` due e-mails; returns what happened. */
export async function deliverDueMails(db: Db, mail: MailConfig, opts: { now?: Date; batch?: number } = {}): Promise<DeliveryOutcome> {
  const now = opts.now ?? new Date();
  const due = await db
      .select({
        id: notifications.id,
        title: notifications.title,
        body: notifications.body,
        url: notifications.emailUrl,
        attempts: notifications.emailAttempts,
        email: members.email,
        fullName: members.fullName,
      })
      .from(notifications)
      .innerJoin(members, eq(members.id, notifications.memberId))
      .where(and(lte(notifications.emailNextAt, now), isNull(notifications.emailedAt), notHeld("mail", notifications.id, now)))
      .orderBy(asc(notifications.emailNextAt), asc(notifications.id))
      .limit(opts.batch ?? BATCH);
  const mine = new Set(await claimJobItems(db, "mail", due.map((r) => r.id), { leaseMs: CLAIM_MS, now }));
  const claimed = due.filter((r) => mine.has(String(r.id)));
  const out: DeliveryOutcome = { sent: 0, failed: 0, givenUp: 0 };
  if (claimed.length === 0) return out;
  // An address removed since the reminder was queued: nothing to send, nothing to retry.
  const sendable = claimed.filter((r) => r.email);
  const outcomes = await sendMails(
    mail,
    sendable.map((r) => ({ to: r.email!, ...reminderMail({ name: r.fullName, course: r.title, url: r.url ?? "", note: r.body }) })),
  );
  // After the sends (which may take a while), unless the caller fixes the clock.
  const at = opts.now ?? new Date();
  // Each row's outcome in a transaction of its own that first finishes its claim: a row whose lease
  // ran out meanwhile (another process took it over) is left to that process.
  const record = async (id: number, write: (tx: Db) => Promise<unknown>) => {
    try {
      await writeTx(db, async (tx) => {
        await finishJobItem(tx, "mail", id);
        await write(tx);
      });
      return true;
    } catch (e) {
      if (e instanceof JobClaimLost) return false;
      throw e;
    }
  };
  for (const r of claimed.filter((c) => !c.email)) {
    await record(r.id, (tx) => tx.update(notifications).set({ emailNextAt: null, emailError: "no e-mail address" }).where(eq(notifications.id, r.id)));
  }
  for (const [i, o] of outcomes.entries()) {
    const r = sendable[i];
    const attempts = r.attempts + 1;
    if (o.ok) {
      if (await record(r.id, (tx) => tx.update(notifications).set({ emailedAt: at, emailError: null, emailNextAt: null, emailAttempts: attempts }).where(eq(notifications.id, r.id)))) out.sent++;
      continue;
    }
    const wait = RETRY_MINUTES[attempts - 1];
    const kept = await record(r.id, (tx) =>
      tx.update(notifications)
        .set({ emailError: o.error, emailAttempts: attempts, emailNextAt: wait === undefined ? null : new Date(at.getTime() + wait * 60_000) })
        .where(eq(notifications.id, r.id)),
    );
    if (!kept) continue;
    out.failed++;
    if (wait === undefined) out.givenUp++;
  }
  return out;
}

/**
 * The running job's trigger. Kept on globalThis: scripts/start.ts imports this file from source
 * while the routes run from the server build, two copies of the module in one process.
 */
const RUNNER = Symbol.for("hocso.mailOutbox.runner");
type Global = { [RUNNER]?: () => Promise<unknown> };
let running: Promise<unknown> | null = null;

/** Starts the outbox job (every `everyMs`, 30 s); returns a stop function. */
export function scheduleMailOutbox(db: Db, mail: MailConfig, opts: { everyMs?: number; log?: (m: string) => void } = {}): () => void {
  const once = async () => {
    // Drain what is due, one batch after another, then rest until the next tick.
    for (;;) {
      const r = await deliverDueMails(db, mail);
      if (r.sent || r.failed) opts.log?.(`E-mail: ${r.sent} đã gửi, ${r.failed} lỗi / sent ${r.sent}, failed ${r.failed}${r.givenUp ? `, given up ${r.givenUp}` : ""}`);
      if (r.sent + r.failed === 0) return;
    }
  };
  const runner = async () => {
    running ??= once()
      .catch((e) => console.error("mail outbox failed", e))
      .finally(() => (running = null));
    return running;
  };
  (globalThis as Global)[RUNNER] = runner;
  void runner();
  const timer = setInterval(() => void runner(), opts.everyMs ?? 30_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if ((globalThis as Global)[RUNNER] === runner) delete (globalThis as Global)[RUNNER];
  };
}

/** Asks the outbox job, if this process runs one, to send what is due now. */
export function nudgeMailOutbox() {
  void (globalThis as Global)[RUNNER]?.();
}
