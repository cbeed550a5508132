import { parseEnv, type Env } from "#app/env.server.ts";
import { openDb, type Db } from "#db/client.server.ts";
import { hashPassword } from "#app/auth/password.server.ts";
import { DEMO_PASSWORD, isEmpty, type DemoAccounts } from "./seed/demo.ts";
import { seedDemoWorld } from "./seed/world.ts";

// The pieces of the demo, for bench/ (which builds the organisation without its history).
export { seedDemoCourses } from "./seed/courses.ts";
export { seedDemoLiveSession } from "./seed/upcoming-session.ts";

/** Migrations always; the demo organisation only into an empty database, and only once. */
export async function prepareDb(env: Env = parseEnv(), now = new Date()): Promise<{ db: Db; seeded: DemoAccounts | null }> {
  const db = await openDb(env.DATABASE_URL, { migrate: true });
  if (env.SEED_DEMO !== true || !await isEmpty(db)) return { db, seeded: null };
  const hash = await hashPassword(DEMO_PASSWORD);
  const started = performance.now();
  const world = await seedDemoWorld(db, { passwordHash: hash, dataDir: env.DATA_DIR, now });
  console.log(
    `Dữ liệu minh họa / demo data: ${world.history.actions} bước học / study steps, ${world.history.snapshots} ảnh chụp ngày / daily snapshots, ${Math.round(performance.now() - started)} ms`,
  );
  return { db, seeded: world.accounts };
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
