import nodemailer from "nodemailer";
import type { MailConfig } from "./config.server.ts";

export type OutgoingMail = { to: string; subject: string; text: string };
export type MailOutcome = { ok: true } | { ok: false; error: string };

/**
 * Sends each message over one SMTP connection (nodemailer's pooled transport, one connection),
 * closing it afterwards; one failed recipient does not stop the others.
 */
export async function sendMails(config: MailConfig, mails: OutgoingMail[]): Promise<MailOutcome[]> {
  if (mails.length === 0) return [];
  const transport = nodemailer.createTransport({ url: config.url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as never);
  try {
    const out: MailOutcome[] = [];
    for (const m of mails) {
      try {
        await transport.sendMail({ from: config.from, to: m.to, subject: m.subject, text: m.text });
        out.push({ ok: true });
      } catch (e) {
        out.push({ ok: false, error: e instanceof Error ? e.message.slice(0, 300) : String(e).slice(0, 300) });
      }
    }
    return out;
  } finally {
    transport.close();
  }
}
