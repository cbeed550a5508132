import { defineConfig } from "drizzle-kit";

/** PostgreSQL migrations, generated from the twin of db/schema (ADR 0015): `npm run db:generate`. */
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema-pg/index.ts",
  out: "./db/migrations-pg",
});
