import { z } from "zod";
import { mailConfigSchema } from "./notifications/config.server.ts";

/**
 * The app's configuration, parsed once at start. No other module reads process.env: every key is
 * here, documented in .env.example and the README, with a default that is safe on one server.
 */
const boolish = z
  .enum(["true", "false", "1", "0", "auto"])
  .transform((v) => (v === "auto" ? "auto" : v === "true" || v === "1"));

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  HOST: z.string().default("0.0.0.0"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  DATABASE_URL: z.string().min(1).default("file:data/hocso.db"),
  DATA_DIR: z.string().min(1).default("data"),
  /**
   * Public origin (https://hocso.example.vn): the CSRF check compares against it, and every absolute
   * URL that leaves the app (e-mail links, certificate QR codes) is built from it. Unset, those use
   * http://localhost:PORT, never the request's Host header (which a client can forge).
   */
  APP_ORIGIN: z.string().url().optional(),
  /** Trust X-Forwarded-* from one reverse proxy in front of the app. */
  TRUST_PROXY: boolish.default("false"),
  /** "auto": Secure cookies when the request came over HTTPS. */
  COOKIE_SECURE: boolish.default("auto"),
  SESSION_IDLE_DAYS: z.coerce.number().positive().default(7),
  SESSION_MAX_DAYS: z.coerce.number().positive().default(30),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  LOGIN_LOCK_MINUTES: z.coerce.number().positive().default(15),
  IP_MAX_FAILURES: z.coerce.number().int().min(1).default(30),
  IP_SLOW_SECONDS: z.coerce.number().positive().max(3600).default(5),
  DEFAULT_LOCALE: z.enum(["vi", "en"]).default("vi"),
  SEED_DEMO: boolish.default("true"),
  /**
   * Secret shared with the media server to sign join tokens. `npm start` generates one into
   * DATA_DIR/join-token-secret when unset; set it explicitly when the two run on different hosts.
   */
  JOIN_TOKEN_SECRET: z.string().min(32).optional(),
  /** Where the app reaches the media server (socket.io is proxied there over WebSocket). */
  MEDIA_INTERNAL_URL: z.string().url().default("http://127.0.0.1:3100"),
  /**
   * Whether `npm start` runs the media server beside the app. Several app processes share one media
   * server (docs/deployment.md): the others set this to false and point MEDIA_INTERNAL_URL at it.
   */
  START_MEDIA_SERVER: boolish.default("true"),
  /**
   * Several media nodes (ADR 0016): the Redis their registry is in. The app then places each live
   * socket on a node when it signs its token, and relays the socket there. Unset: one media node
   * at MEDIA_INTERNAL_URL, as always.
   */
  REDIS_URL: z.string().url().optional(),
  /** Attendance gaps shorter than this are joined; the media server reads the same variable. */
  RECONNECT_WINDOW_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Reminder e-mails: SMTP_URL (smtp:// or smtps://; unset = in-app notices only) and SMTP_FROM. */
  ...mailConfigSchema.shape,
});

export type Env = z.infer<typeof envSchema>;

/** Reminder e-mails carry links to the app: sending them without a configured origin is refused at start. */
const envRules = envSchema.refine((e) => !e.SMTP_URL || !!e.APP_ORIGIN, {
  path: ["APP_ORIGIN"],
  message: "bắt buộc khi đặt SMTP_URL (đường dẫn trong thư) / required when SMTP_URL is set (links in e-mails)",
});

/** Where absolute URLs point: the configured public origin, or this machine for a local demo. */
export function publicOriginOf(env: Pick<Env, "APP_ORIGIN" | "PORT">): string {
  return (env.APP_ORIGIN ?? `http://localhost:${env.PORT}`).replace(/\/$/, "");
}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = envRules.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Cấu hình không hợp lệ / Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
