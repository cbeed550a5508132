import { sqliteTable, integer, text, index } from "drizzle-orm/sqlite-core";
import { members } from "./org.ts";
import { timestampMs, requiredRef } from "./columns.ts";

/** Lucia-style sessions: only the SHA-256 of the token's secret half is stored. */
export const authSessions = sqliteTable(
  "auth_sessions",
  {
    id: text("id").primaryKey(),
    secretHash: text("secret_hash").notNull(),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    createdAt: timestampMs("created_at").notNull(),
    lastVerifiedAt: timestampMs("last_verified_at").notNull(),
    userAgent: text("user_agent"),
    ip: text("ip"),
  },
  (t) => [index("auth_sessions_member_idx").on(t.memberId)],
);

/** Failed sign-in counters, keyed "acct:<normalised identifier>" or "ip:<address>". */
export const loginThrottle = sqliteTable("login_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  windowStartedAt: timestampMs("window_started_at").notNull(),
  lockedUntil: timestampMs("locked_until"),
});
