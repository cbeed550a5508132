/**
 * The media server's configuration, parsed once at start with zod. No other module of the media
 * server reads process.env (mediasoup itself reads MEDIASOUP_WORKER_BIN; see mediasoup.ts).
 * Every key is documented in docs/live-sessions.md.
 */
import { createHmac } from "node:crypto";
import os from "node:os";
import { z } from "zod";

const MIN_SECRET = 32;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** Comma-separated list of origins ("https://hocso.example.vn,http://localhost:3000"). */
const originList = z
  .string()
  .transform((s) => s.split(",").map((o) => o.trim()).filter(Boolean))
  .pipe(
    z
      .array(
        z
          .string()
          .url()
          .transform((u) => new URL(u).origin),
      )
      .min(1),
  );

const iceServer = z
  .object({
    urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    username: z.string().optional(),
    credential: z.string().optional(),
  })
  .strict();

/** JSON array of RTCIceServer objects, handed as-is to browsers (e.g. a coturn TURN server). */
const iceServersJson = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "not valid JSON / không phải JSON hợp lệ" });
      return z.NEVER;
    }
  })
  .pipe(z.array(iceServer));

export const configSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
    MEDIA_HOST: z.string().min(1).default("0.0.0.0"),
    /** 0 picks a free port (tests). */
    MEDIA_PORT: z.coerce.number().int().min(0).max(65535).default(3100),
    DATABASE_URL: z.string().min(1).default("file:data/hocso.db"),
    /** The app's data directory: recordings are written under DATA_DIR/recordings. */
    DATA_DIR: z.string().min(1).default("data"),
    /** The recorder (Debian's ffmpeg) and its prober. */
    FFMPEG_BIN: z.string().min(1).default("ffmpeg"),
    FFPROBE_BIN: z.string().min(1).default("ffprobe"),
    JOIN_TOKEN_SECRET: z.string().optional(),
    /** Origins allowed to open a socket (the app's public origin(s)). APP_ORIGINS wins over APP_ORIGIN. */
    APP_ORIGINS: originList.optional(),
    APP_ORIGIN: originList.optional(),
    RTC_LISTEN_IP: z.string().ip().default("127.0.0.1"),
    /** Public address given to browsers when the server is behind NAT (IP or host name). */
    RTC_ANNOUNCED_IP: z.string().min(1).optional(),
    RTC_MIN_PORT: port.default(40000),
    RTC_MAX_PORT: port.default(49999),
    MEDIA_WORKERS: positiveInt.max(256).default(Math.max(1, os.availableParallelism?.() ?? os.cpus().length)),
    CONSUMERS_PER_WORKER: positiveInt.default(500),
    ICE_SERVERS: iceServersJson.default("[]"),
    /**
     * coturn with `use-auth-secret`: TURN URLs and the shared secret; each member then gets a
     * short-lived TURN credential (the TURN REST API scheme) instead of a password shared by all.
     */
    TURN_URLS: z
      .string()
      .transform((s) => s.split(",").map((u) => u.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^turns?:[^\s]+$/, "turn:host:port or turns:host:port")).min(1))
      .optional(),
    TURN_SECRET: z.string().min(16).optional(),
    TURN_CREDENTIAL_SECONDS: positiveInt.default(12 * 3600),
    RECONNECT_WINDOW_SECONDS: positiveInt.default(60),
    HEARTBEAT_SECONDS: positiveInt.max(600).default(15),
    /** How often a cell room's check-in QR changes (a code is accepted for twice this). */
    CHECKIN_QR_ROTATE_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
    /** Absolute path of a mediasoup-worker binary; else scripts/mediasoup-worker.mjs provides it. */
    MEDIASOUP_WORKER_BIN: z.string().min(1).optional(),
    MEDIA_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    /** Maximum encoded size of one client→server event, in bytes. */
    MAX_EVENT_BYTES: positiveInt.default(32 * 1024),
    // ---- Several media nodes (ADR 0016). Unset: one node, no internal listener, no Redis. ----
    /** The shared secret of the node-to-node channel; setting it turns the cluster on. */
    MEDIA_CLUSTER_SECRET: z.string().optional(),
    /** This node's name in the registry and in pipes (default: the host name). */
    MEDIA_NODE_ID: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/).optional(),
    /** Roles this node may take for a session: origin (presenters produce here), edge (viewers). */
    MEDIA_NODE_ROLES: z
      .string()
      .transform((s) => s.split(",").map((r) => r.trim()).filter(Boolean))
      .pipe(z.array(z.enum(["origin", "edge"])).min(1))
      .default("origin,edge"),
    /** The node-to-node HTTP listener; never exposed to browsers nor relayed by the app. */
    MEDIA_INTERNAL_HOST: z.string().min(1).default("127.0.0.1"),
    MEDIA_INTERNAL_PORT: z.coerce.number().int().min(0).max(65535).default(3101),
    /** How other nodes reach it (default: http://<MEDIA_INTERNAL_HOST or the pipe IP>:<port>). */
    MEDIA_INTERNAL_URL: z.string().url().optional(),
    /** The address pipe transports listen on, and the one announced to the other node behind NAT. */
    MEDIA_CLUSTER_IP: z.string().ip().optional(),
    MEDIA_CLUSTER_ANNOUNCED_IP: z.string().ip().optional(),
    /** The node registry (redis://host:port or unix:///path/to/redis.sock); needs MEDIA_CLUSTER_SECRET. */
    /**
     * socket.io's adapter: "local" (one node), or "redis-streams" so chat and its moderation reach
     * the peers of every node (needs REDIS_URL). Off by default.
     */
    MEDIA_IO_ADAPTER: z.enum(["local", "redis-streams"]).default("local"),
    REDIS_URL: z.string().regex(/^(rediss?|unix):\/\//, "redis://, rediss:// or unix://").optional(),
  })
  .superRefine((c, ctx) => {
    if (c.RTC_MIN_PORT > c.RTC_MAX_PORT) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["RTC_MIN_PORT"],
        message: "RTC_MIN_PORT phải ≤ RTC_MAX_PORT / must be ≤ RTC_MAX_PORT",
      });
    }
    const secretNeeded = c.NODE_ENV !== "test";
    if (c.JOIN_TOKEN_SECRET === undefined ? secretNeeded : c.JOIN_TOKEN_SECRET.length < MIN_SECRET) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["JOIN_TOKEN_SECRET"],
        message: `cần ít nhất ${MIN_SECRET} ký tự, giống hệt biến của ứng dụng / required, at least ${MIN_SECRET} characters, the same value the app uses`,
      });
    }
    if (!!c.TURN_URLS !== !!c.TURN_SECRET) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [c.TURN_URLS ? "TURN_SECRET" : "TURN_URLS"],
        message: "TURN_URLS và TURN_SECRET phải đi cùng nhau / TURN_URLS and TURN_SECRET go together",
      });
    }
    if (c.MEDIA_CLUSTER_SECRET !== undefined && c.MEDIA_CLUSTER_SECRET.length < MIN_SECRET) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["MEDIA_CLUSTER_SECRET"],
        message: `cần ít nhất ${MIN_SECRET} ký tự, giống nhau trên mọi nút / at least ${MIN_SECRET} characters, the same on every node`,
      });
    }
    if (c.REDIS_URL && !c.MEDIA_CLUSTER_SECRET) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["REDIS_URL"],
        message: "REDIS_URL cần MEDIA_CLUSTER_SECRET / REDIS_URL needs MEDIA_CLUSTER_SECRET (several media nodes)",
      });
    }
    if (c.MEDIA_IO_ADAPTER === "redis-streams" && !c.REDIS_URL) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["MEDIA_IO_ADAPTER"],
        message: "redis-streams cần REDIS_URL / redis-streams needs REDIS_URL",
      });
    }
    if (!c.APP_ORIGINS && !c.APP_ORIGIN && c.NODE_ENV === "production") {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ["APP_ORIGINS"],
        message: "cần địa chỉ gốc công khai của ứng dụng / the app's public origin is required (e.g. https://hocso.example.vn)",
      });
    }
  })
  .transform((c) => ({
    nodeEnv: c.NODE_ENV,
    host: c.MEDIA_HOST,
    port: c.MEDIA_PORT,
    databaseUrl: c.DATABASE_URL,
    dataDir: c.DATA_DIR,
    ffmpegBin: c.FFMPEG_BIN,
    ffprobeBin: c.FFPROBE_BIN,
    // In tests only, a fixed development secret stands in when none is given.
    joinTokenSecret: c.JOIN_TOKEN_SECRET ?? "test-only-join-token-secret-0123456789abcdef",
    allowedOrigins: c.APP_ORIGINS ?? c.APP_ORIGIN ?? ["http://localhost:3000", "http://127.0.0.1:3000"],
    rtc: {
      listenIp: c.RTC_LISTEN_IP,
      announcedIp: c.RTC_ANNOUNCED_IP,
      minPort: c.RTC_MIN_PORT,
      maxPort: c.RTC_MAX_PORT,
    },
    workers: c.MEDIA_WORKERS,
    consumersPerWorker: c.CONSUMERS_PER_WORKER,
    iceServers: c.ICE_SERVERS,
    turn: c.TURN_URLS && c.TURN_SECRET ? { urls: c.TURN_URLS, secret: c.TURN_SECRET, ttlSeconds: c.TURN_CREDENTIAL_SECONDS } : undefined,
    reconnectWindowMs: c.RECONNECT_WINDOW_SECONDS * 1000,
    heartbeatMs: c.HEARTBEAT_SECONDS * 1000,
    checkinQrRotateMs: c.CHECKIN_QR_ROTATE_SECONDS * 1000,
    workerBin: c.MEDIASOUP_WORKER_BIN,
    logLevel: c.MEDIA_LOG_LEVEL,
    maxEventBytes: c.MAX_EVENT_BYTES,
    cluster: c.MEDIA_CLUSTER_SECRET
      ? {
          secret: c.MEDIA_CLUSTER_SECRET,
          nodeId: c.MEDIA_NODE_ID ?? (os.hostname().replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 64) || "media"),
          roles: c.MEDIA_NODE_ROLES,
          internalHost: c.MEDIA_INTERNAL_HOST,
          internalPort: c.MEDIA_INTERNAL_PORT,
          internalUrl: c.MEDIA_INTERNAL_URL,
          pipeIp: c.MEDIA_CLUSTER_IP ?? c.RTC_LISTEN_IP,
          pipeAnnouncedIp: c.MEDIA_CLUSTER_ANNOUNCED_IP,
          redisUrl: c.REDIS_URL,
          ioAdapter: c.MEDIA_IO_ADAPTER,
        }
      : undefined,
  }));

export type MediaConfig = z.output<typeof configSchema>;

/** What each key expects, in both languages, shown beside zod's own message. */
const HINTS: Record<string, string> = {
  NODE_ENV: "development | production | test",
  MEDIA_HOST: "địa chỉ lắng nghe / listen address (0.0.0.0)",
  MEDIA_PORT: "cổng 1–65535 / a port 1–65535 (3100)",
  DATABASE_URL: "tệp SQLite của ứng dụng / the app's SQLite file (file:data/hocso.db)",
  DATA_DIR: "thư mục dữ liệu của ứng dụng / the app's data directory (data)",
  FFMPEG_BIN: "lệnh ffmpeg / the ffmpeg command (ffmpeg)",
  FFPROBE_BIN: "lệnh ffprobe / the ffprobe command (ffprobe)",
  APP_ORIGINS: "danh sách địa chỉ gốc, cách nhau dấu phẩy / comma-separated origins (https://hocso.example.vn)",
  APP_ORIGIN: "địa chỉ gốc của ứng dụng / the app's origin (https://hocso.example.vn)",
  RTC_LISTEN_IP: "một địa chỉ IP của máy / an IP address of this host (127.0.0.1, 0.0.0.0)",
  RTC_ANNOUNCED_IP: "IP hoặc tên miền công khai / public IP or host name",
  RTC_MIN_PORT: "cổng UDP/TCP đầu dải / first RTC port (40000)",
  RTC_MAX_PORT: "cổng UDP/TCP cuối dải / last RTC port (49999)",
  MEDIA_WORKERS: "số tiến trình mediasoup / number of mediasoup workers (số lõi CPU / CPU cores)",
  CONSUMERS_PER_WORKER: "số luồng nhận tối đa mỗi tiến trình / consumers per worker (500)",
  ICE_SERVERS: 'mảng JSON / JSON array, e.g. [{"urls":"turn:turn.example.vn:3478","username":"u","credential":"p"}]',
  TURN_URLS: "turn:turn.example.vn:3478?transport=udp,turns:turn.example.vn:5349?transport=tcp",
  TURN_SECRET: "static-auth-secret của coturn, ≥ 16 ký tự / coturn's static-auth-secret, ≥ 16 characters",
  TURN_CREDENTIAL_SECONDS: "số giây / seconds (43200)",
  RECONNECT_WINDOW_SECONDS: "số giây / seconds (60)",
  HEARTBEAT_SECONDS: "số giây / seconds (15)",
  CHECKIN_QR_ROTATE_SECONDS: "số giây, 5–600 / seconds, 5–600 (30)",
  MEDIASOUP_WORKER_BIN: "đường dẫn tệp mediasoup-worker / path of a mediasoup-worker binary",
  MEDIA_LOG_LEVEL: "debug | info | warn | error",
  MAX_EVENT_BYTES: "số byte / bytes (32768)",
  MEDIA_CLUSTER_SECRET: "≥ 32 ký tự, giống nhau trên mọi nút / ≥ 32 characters, the same on every node",
  MEDIA_NODE_ID: "chữ, số, . _ - / letters, digits, . _ - (media-1)",
  MEDIA_NODE_ROLES: "origin,edge | origin | edge",
  MEDIA_INTERNAL_HOST: "địa chỉ lắng nghe nội bộ / internal listen address (127.0.0.1)",
  MEDIA_INTERNAL_PORT: "cổng nội bộ / internal port (3101)",
  MEDIA_INTERNAL_URL: "http://10.0.0.5:3101",
  MEDIA_CLUSTER_IP: "IP của nút cho ống truyền / this node's IP for pipes (10.0.0.5)",
  MEDIA_CLUSTER_ANNOUNCED_IP: "IP công bố cho nút khác / IP announced to other nodes",
  REDIS_URL: "redis://10.0.0.2:6379 | unix:///run/redis/redis.sock",
  MEDIA_IO_ADAPTER: "local | redis-streams",
};

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Cấu hình máy chủ truyền hình không hợp lệ / Invalid media server configuration:\n${issues.map((l) => `  ${l}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses a configuration (process.env by default); throws a ConfigError listing every problem. */
export function parseConfig(source: Record<string, string | undefined> = process.env): MediaConfig {
  // Empty strings mean "not set" (a blank line in an .env file).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = i.path.length ? String(i.path[0]) : "(config)";
        const hint = HINTS[key];
        return `${i.path.join(".") || key}: ${i.message}${hint && !i.message.includes("/") ? ` — cần / expected: ${hint}` : ""}`;
      }),
    );
  }
  return parsed.data;
}

let loaded: MediaConfig | undefined;
/** The process's configuration, parsed on first use and then kept. */
export function loadConfig(): MediaConfig {
  return (loaded ??= parseConfig());
}

/**
 * The ICE servers handed to one member: the configured list, plus a TURN entry with a credential
 * coturn can check without a database (`use-auth-secret`): username "<expiry>:<member id>",
 * password base64(HMAC-SHA1(secret, username)).
 */
export function iceServersFor(config: MediaConfig, memberId: number, now = Date.now()) {
  const servers: { urls: string | string[]; username?: string; credential?: string }[] = [...config.iceServers];
  if (config.turn) {
    const username = `${Math.floor(now / 1000) + config.turn.ttlSeconds}:${memberId}`;
    const credential = createHmac("sha1", config.turn.secret).update(username).digest("base64");
    servers.push({ urls: config.turn.urls, username, credential });
  }
  return servers;
}
