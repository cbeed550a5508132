import { z } from "zod";

/**
 * E-mail settings for reminders. The keys belong in app/env.server.ts (parsed once at start);
 * this schema is applied to the parsed environment the server hands every loader
 * (`context.env`), so it sees exactly what env.server.ts kept.
 *
 * SMTP_URL  smtp://user:pass@host:587 or smtps://user:pass@host:465 (nodemailer's URL form; add
 *           ?requireTLS=true to insist on STARTTLS). Unset: reminders are in-app only.
 * SMTP_FROM the sender, e.g. "Học Số <no-reply@hocso.example.vn>".
 */
export const mailConfigSchema = z.object({
  SMTP_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(
      z
        .string()
        .url()
        .refine((v) => /^smtps?:\/\//.test(v), "SMTP_URL must start with smtp:// or smtps://")
        .optional(),
    ),
  SMTP_FROM: z.string().trim().min(3).default("Học Số <no-reply@localhost>"),
});

export type MailConfig = { url: string; from: string };

const cache = new WeakMap<object, MailConfig | null>();

/** The mail settings, or null when SMTP is not configured. Throws on a malformed SMTP_URL. */
export function mailConfig(env: object): MailConfig | null {
  if (cache.has(env)) return cache.get(env)!;
  const parsed = mailConfigSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Cấu hình e-mail không hợp lệ / invalid mail configuration: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  const out = parsed.data.SMTP_URL ? { url: parsed.data.SMTP_URL, from: parsed.data.SMTP_FROM } : null;
  cache.set(env, out);
  return out;
}
