import { first, one } from "#db/first.ts";
import { eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { liveSessionInvites, liveSessionPresenters, liveSessions, members } from "#db/schema/index.ts";
import { addItem, addModule } from "#app/courses/authoring.server.ts";
import { getCourseBySlug, publishCourse } from "#app/courses/courses.server.ts";
import { getUnitByCode } from "#app/org/units.server.ts";

/**
 * A study session that starts now and runs for two hours, for the whole organisation, presented
 * by trainer GV01: a newcomer can open it in two tabs (presenter and member) right away. The
 * course on digital transformation asks members to attend it (an "attend session" item), so the
 * attendance counts toward that course once the session ends.
 */
export async function seedDemoLiveSession(db: Db, now = new Date()) {
  const root = await getUnitByCode(db, "TW");
  const presenter = await first(db.select({ id: members.id }).from(members).where(eq(members.code, "GV01")));
  if (!root || !presenter) return;
  const sessionId = await writeTx(db, async (tx) => {
    const s = await one(tx
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
      .returning({ id: liveSessions.id }));
    await tx.insert(liveSessionInvites).values({ sessionId: s.id, unitId: root.id, createdAt: now });
    await tx.insert(liveSessionPresenters).values({ sessionId: s.id, memberId: presenter.id, createdAt: now });
    return s.id;
  });
  const course = await getCourseBySlug(db, "chuyen-doi-so-trong-co-quan");
  if (!course) return;
  const mod = await addModule(db, course.id, "Sinh hoạt chuyên đề trực tuyến");
  await addItem(db, course.id, mod.key, "live", "Tham dự buổi học tập Nghị quyết 57-NQ/TW (trực tuyến)", now, { sessionId, minutes: 120 });
  await publishCourse(db, course.id, presenter.id, now);
}
