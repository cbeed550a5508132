/**
 * Reflection courses as data, built through the authoring rules (addItem, saveReflectionSettings,
 * publishCourse, assignToUnit), and texts to write in them.
 */
import { eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { members } from "#db/schema/index.ts";
import { addItem, createCourse, saveReflectionSettings } from "#app/courses/authoring.server.ts";
import { getCourse, publishCourse, type Course } from "#app/courses/courses.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import type { ReflectionSettings } from "#app/reflections/settings.ts";
import type { Unit } from "#app/org/units.server.ts";

let seq = 0;

export async function makeReflectionCourse(
  db: Db,
  opts: { assignTo: Unit | Unit[]; settings?: Partial<ReflectionSettings>; withLesson?: boolean; slug?: string },
): Promise<{ course: Course; key: string; lessonKey: string | null }> {
  seq++;
  const c = await createCourse(db, { slug: opts.slug ?? `thu-hoach-${process.pid}-${seq}`, title: `Học tập nghị quyết ${seq}` });
  const lessonKey = opts.withLesson ? (await addItem(db, c.id, "chuong-1", "lesson", "Nội dung nghị quyết")).key : null;
  const key = (await addItem(db, c.id, "chuong-1", "reflection", "Bài thu hoạch")).key;
  await saveReflectionSettings(db, c.id, key, { minWords: 5, maxWords: 400, dueDay: null, graders: "cell", scale: "pass-revise", passMark: null, ...opts.settings });
  await publishCourse(db, c.id, null);
  for (const u of [opts.assignTo].flat()) await assignToUnit(db, { courseId: c.id, unitId: u.id, dueAt: null, actorId: null });
  return { course: (await getCourse(db, c.id))!, key, lessonKey };
}

export async function setPosition(db: Db, memberId: number, position: string) {
  await writeTx(db, async (tx) => {
    await tx.update(members).set({ position }).where(eq(members.id, memberId));
  });
}

/** A tiptap document of paragraphs. */
export function docOf(...paragraphs: string[]) {
  return { type: "doc", content: paragraphs.map((p) => ({ type: "paragraph", content: [{ type: "text", text: p }] })) };
}

/** Two honest reflections on the same prompt (shared topic words, different sentences). */
export const ESSAY_A =
  "Nghị quyết yêu cầu mỗi đảng viên nêu cao tinh thần tự học, gương mẫu trong công việc hằng ngày. " +
  "Bản thân tôi sẽ dành mỗi tuần hai buổi tối để đọc tài liệu chuyên môn, đồng thời hướng dẫn đồng nghiệp trẻ trong tổ làm quen với quy trình mới. " +
  "Tôi cũng đăng ký với chi bộ chỉ tiêu hoàn thành khóa học chuyển đổi số trước cuối quý và báo cáo kết quả tại buổi sinh hoạt tháng sau.";
export const ESSAY_B =
  "Điều tôi tâm đắc nhất là yêu cầu đổi mới phương thức lãnh đạo, gần dân và sát cơ sở hơn. " +
  "Ở xã chúng tôi, tôi sẽ cùng ban công tác mặt trận tổ chức đối thoại với bà con về việc làm đường liên thôn, ghi nhận ý kiến và công khai chi tiêu. " +
  "Với việc riêng, tôi hạn chế dùng giấy tờ, chuyển sang xử lý hồ sơ trên phần mềm để người dân không phải đi lại nhiều lần.";
/** ESSAY_A copied with a few words changed: what a copy looks like. */
export const ESSAY_A_COPY = ESSAY_A.replace("hai buổi tối", "ba buổi tối").replace("cuối quý", "cuối năm").replace("tháng sau", "tháng tới");
