import { parseEnv, type Env } from "#app/env.server.ts";
import { openDb, type Db } from "#db/client.server.ts";
import { hashPassword } from "#app/auth/password.server.ts";
import path from "node:path";
import { DEMO_PASSWORD, isEmpty, seedDemo, type DemoAccounts } from "./seed/demo.ts";
import { importPackage, loadPackage, packageDirs } from "#app/courses/package.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { addItem, addModule } from "#app/courses/authoring.server.ts";
import { getCourseBySlug, publishCourse } from "#app/courses/courses.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";
import { eq } from "drizzle-orm";
import { writeTx } from "#db/client.server.ts";
import { liveSessionInvites, liveSessionPresenters, liveSessions, members } from "#db/schema/index.ts";

/** Migrations always; the demo organisation only into an empty database, and only once. */
export async function prepareDb(env: Env = parseEnv()): Promise<{ db: Db; seeded: DemoAccounts | null }> {
  const db = openDb(env.DATABASE_URL, { migrate: true });
  if (env.SEED_DEMO !== true || !isEmpty(db)) return { db, seeded: null };
  const hash = await hashPassword(DEMO_PASSWORD);
  const seeded = seedDemo(db, hash);
  seedDemoCourses(db, env.DATA_DIR);
  seedDemoLiveSession(db);
  return { db, seeded };
}

/**
 * A study session that starts now and runs for two hours, for the whole organisation, presented
 * by trainer GV01: a newcomer can open it in two tabs (presenter and member) right away. The
 * course on digital transformation asks members to attend it (an "attend session" item), so the
 * attendance counts toward that course once the session ends.
 */
export function seedDemoLiveSession(db: Db, now = new Date()) {
  const root = getUnitByCode(db, "TW");
  const presenter = db.select({ id: members.id }).from(members).where(eq(members.code, "GV01")).get();
  if (!root || !presenter) return;
  const sessionId = writeTx(db, (tx) => {
    const s = tx
      .insert(liveSessions)
      .values({
        title: "Học tập, quán triệt Nghị quyết 57-NQ/TW về chuyển đổi số (buổi minh họa)",
        description: "Buổi sinh hoạt trực tuyến minh họa: báo cáo viên trình bày từ điểm cầu trung tâm; các chi bộ theo dõi tại hội trường hoặc từng đảng viên theo dõi trên máy của mình.",
        scheduledStartAt: now,
        plannedEndAt: new Date(now.getTime() + 2 * 3600_000),
        presentMinPercent: 80,
        lateAfterMinutes: 10,
        createdBy: presenter.id,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: liveSessions.id })
      .get();
    tx.insert(liveSessionInvites).values({ sessionId: s.id, unitId: root.id, createdAt: now }).run();
    tx.insert(liveSessionPresenters).values({ sessionId: s.id, memberId: presenter.id, createdAt: now }).run();
    return s.id;
  });
  const course = getCourseBySlug(db, "chuyen-doi-so-trong-co-quan");
  if (!course) return;
  const mod = addModule(db, course.id, "Sinh hoạt chuyên đề trực tuyến");
  addItem(db, course.id, mod.key, "live", "Tham dự buổi học tập Nghị quyết 57-NQ/TW (trực tuyến)", now, { sessionId, minutes: 120 });
  publishCourse(db, course.id, presenter.id, now);
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
