import type { TestProject } from "vitest/node";
import { startPostgres } from "../harness/postgres.ts";
import { migratePostgres } from "../../db/postgres-migrate.server.ts";

/**
 * The fast-pg project's one throwaway PostgreSQL 15 cluster per run (ADR 0015). A migrated template
 * database is made once; testDb() creates each test's database from it.
 */
export default async function setup(project: TestProject) {
  const cluster = await startPostgres();
  const templateUrl = await cluster.createDatabase("hocso_template");
  await migratePostgres(templateUrl);
  project.provide("pgSocketDir", cluster.socketDir);
  project.provide("pgTemplate", new URL(templateUrl).pathname.slice(1));
  return async () => {
    await cluster.stop();
  };
}
