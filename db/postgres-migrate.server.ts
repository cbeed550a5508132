import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations-pg");
/** Any fixed number: every process of this product takes the same advisory lock to migrate. */
const MIGRATION_LOCK = 7_041_2026;

/**
 * Applies db/migrations-pg to the database at `url`. drizzle's migrator is not safe when two
 * processes start at the same moment (drizzle-orm issue 874), so it runs under a session-level
 * advisory lock, on a connection of its own (not through a transaction-mode pooler): the second
 * process waits, then finds nothing left to apply.
 */
export async function migratePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    await client.end();
  }
}
