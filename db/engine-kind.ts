/**
 * Which engine this process speaks to (ADR 0015): decided once, from the environment, before any
 * table object is handed out. `DATABASE_URL=postgres://…` or `postgresql://…` means PostgreSQL; a
 * path or `file:` means SQLite. Tests choose PostgreSQL with `TEST_DB=postgres` (their database
 * URL is only known once the harness has made one). Nothing outside db/ asks.
 */
export type EngineKind = "sqlite" | "postgres";

export const isPostgresUrl = (url: string) => /^postgres(ql)?:\/\//i.test(url);

export function engineOfUrl(url: string): EngineKind {
  return isPostgresUrl(url) ? "postgres" : "sqlite";
}

export function engineFromEnv(env: NodeJS.ProcessEnv = process.env): EngineKind {
  if (env.TEST_DB === "postgres") return "postgres";
  return env.DATABASE_URL && isPostgresUrl(env.DATABASE_URL) ? "postgres" : "sqlite";
}

/** The engine whose table objects `#db/schema` exports in this process. */
export const activeEngine: EngineKind = engineFromEnv();
