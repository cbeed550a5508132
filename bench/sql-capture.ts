/**
 * Separating drizzle's cost from the SQL's: the statements an app function sends, captured once,
 * can be run again on prepared better-sqlite3 statements beside it.
 */
import type { Db } from "#db/client.server.ts";

export type Captured = { sql: string; params: unknown[] };

/** Records the SQL and parameters drizzle sends while `fn` runs and settles (through the session's logger). */
export async function captureSql(db: Db, fn: () => unknown): Promise<Captured[]> {
  const session = (db as unknown as { session: { logger: { logQuery: (sql: string, params: unknown[]) => void } } }).session;
  const prev = session.logger;
  const out: Captured[] = [];
  session.logger = { logQuery: (sql, params) => out.push({ sql, params: [...params] }) };
  try {
    await fn();
  } finally {
    session.logger = prev;
  }
  return out;
}
