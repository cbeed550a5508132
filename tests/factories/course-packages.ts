/** A world for course-package tests: a test database with the usual tree, a data directory and a package root. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadPackage, importPackage } from "#app/courses/package.server.ts";
import type { Db } from "#db/client.server.ts";
import { testDb, dropDb } from "./db.ts";
import { makeTree } from "./org.ts";

export type PackageWorld = { db: Awaited<ReturnType<typeof testDb>>; tree: Awaited<ReturnType<typeof makeTree>>; dataDir: string; pkgRoot: string };

/** A fresh database, data directory and package root for one test, removed whatever happens. */
export async function withPackageWorld<T>(run: (w: PackageWorld) => Promise<T>): Promise<T> {
  const db = await testDb();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hoc-so-packages-"));
  const dataDir = path.join(tmp, "data");
  const pkgRoot = path.join(tmp, "packages");
  fs.mkdirSync(pkgRoot, { recursive: true });
  try {
    return await run({ db, tree: await makeTree(db), dataDir, pkgRoot });
  } finally {
    await dropDb(db);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Imports the package folder `dir` as the app does, or throws with what the package got wrong. */
export function importPackageDir(db: Db, dataDir: string, dir: string, opts: { actorId?: number | null; now?: Date } = {}) {
  const r = loadPackage(dir);
  if (!r.ok) throw new Error(`package refused: ${JSON.stringify(r.problems)}`);
  return importPackage(db, dataDir, r.pkg, opts.actorId ?? null, opts.now);
}
