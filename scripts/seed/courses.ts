/** The course packages of content/ as the demo organisation's courses. */
import path from "node:path";
import type { Db } from "#db/client.server.ts";
import { importPackage, loadPackage, packageDirs } from "#app/courses/package.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";

export const CONTENT_DIR = path.resolve(import.meta.dirname, "..", "..", "content");

/**
 * Every package in content/ is imported (published at `now`) and assigned to the whole demo
 * organisation, due when `dueOf` says (default: in 30 days). Returns the slugs imported.
 */
export async function seedDemoCourses(
  db: Db,
  dataDir: string,
  opts: { contentDir?: string; now?: Date; dueOf?: (slug: string) => Date | null } = {},
): Promise<string[]> {
  const now = opts.now ?? new Date();
  const root = await getUnitByCode(db, "TW");
  const dueOf = opts.dueOf ?? (() => new Date(now.getTime() + 30 * 24 * 3600 * 1000));
  const slugs: string[] = [];
  for (const dir of packageDirs(opts.contentDir ?? CONTENT_DIR)) {
    const loaded = loadPackage(dir);
    if (!loaded.ok) {
      console.error(`Bỏ qua gói lỗi / skipping invalid package ${dir}:`, loaded.problems.map((p) => p.message).join("; "));
      continue;
    }
    const r = await importPackage(db, dataDir, loaded.pkg, null, now);
    if (root) await assignToUnit(db, { courseId: r.courseId, unitId: root.id, dueAt: dueOf(r.slug), actorId: null }, now);
    slugs.push(r.slug);
  }
  return slugs;
}
