/**
 * Separating drizzle's cost from the SQL's: the statements an app function sends, captured once,
 * can be run again on prepared better-sqlite3 statements beside it.
 */
import type { Db } from "#db/client.server.ts";

export type Captured = { sql: string; params: unknown[] };

/** Records the SQL and parameters drizzle sends while `fn` runs (through the session's logger). */
export function captureSql(db: Db, fn: () => void): Captured[] {
  const session = (db as unknown as { session: { logger: { logQuery: (sql: string, params: unknown[]) => void } } }).session;
  const prev = session.logger;
  const out: Captured[] = [];
  session.logger = { logQuery: (sql, params) => out.push({ sql, params: [...params] }) };
  try {
    fn();
  } finally {
    session.logger = prev;
  }
  return out;
}
