import { parseEnv, type Env } from "#app/env.server.ts";
import { openDb, type Db } from "#db/client.server.ts";
import { hashPassword } from "#app/auth/password.server.ts";
import path from "node:path";
import { DEMO_PASSWORD, isEmpty, seedDemo, type DemoAccounts } from "#db/seed/demo.ts";
import { importPackage, loadPackage, packageDirs } from "#app/courses/package.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";

/** Migrations always; the demo organisation only into an empty database, and only once. */
export async function prepareDb(env: Env = parseEnv()): Promise<{ db: Db; seeded: DemoAccounts | null }> {
  const db = openDb(env.DATABASE_URL, { migrate: true });
  if (env.SEED_DEMO !== true || !isEmpty(db)) return { db, seeded: null };
  const hash = await hashPassword(DEMO_PASSWORD);
  const seeded = seedDemo(db, hash);
  seedDemoCourses(db, env.DATA_DIR);
  return { db, seeded };
}

/** Every package in content/ is imported and assigned to the whole demo organisation, due in 30 days. */
export function seedDemoCourses(db: Db, dataDir: string, contentDir = path.resolve(import.meta.dirname, "..", "content")) {
  const root = getUnitByCode(db, "TW");
  const due = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  for (const dir of packageDirs(contentDir)) {
    const loaded = loadPackage(dir);
    if (!loaded.ok) {
      console.error(`Bỏ qua gói lỗi / skipping invalid package ${dir}:`, loaded.problems.map((p) => p.message).join("; "));
      continue;
    }
    const r = importPackage(db, dataDir, loaded.pkg, null);
    if (root) assignToUnit(db, { courseId: r.courseId, unitId: root.id, dueAt: due, actorId: null });
  }
}

export function printDemoAccounts(a: DemoAccounts) {
  const lines = [
    "Đã tạo tổ chức minh họa / Demo organisation created:",
    `  Quản trị viên / administrator: ${a.admin.code} / ${a.admin.password}`,
    ...a.trainers.map((t) => `  Cán bộ đào tạo / trainer (${t.unit}): ${t.code} / ${t.password}`),
    ...a.members.map((m) => `  Đảng viên / member: ${m.code} / ${m.password}`),
    ...a.activation.map((m) => `  Chưa kích hoạt / to activate at /activate: ${m.code}, mã / code ${m.activationCode}`),
  ];
  console.log(lines.join("\n"));
}
