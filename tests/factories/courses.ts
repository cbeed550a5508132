/**
 * Courses as data, built through the app's own authoring rules (createCourse, addItem,
 * publishCourse, assignToUnit), so a factory course is one an administrator could have made.
 * Every course lives in the module "chuong-1" that createCourse makes.
 */
import { eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { courses, quizSettings } from "#db/schema/index.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { getCourse, publishCourse, type Course } from "#app/courses/courses.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { importGiftBank } from "#app/quizzes/bank.server.ts";
import type { Unit } from "#app/org/units.server.ts";

type CourseOpts = {
  slug?: string;
  title?: string;
  createdBy?: number | null;
  /** When the course is created, its items added, published and assigned (default: now). */
  at?: Date;
  /** Assigned to each of these units' subtrees at `at`. */
  assignTo?: Unit | Unit[];
  dueAt?: Date | null;
};

let seq = 0;

async function newCourse(db: Db, opts: CourseOpts) {
  seq++;
  const at = opts.at ?? new Date();
  const c = await createCourse(db, { slug: opts.slug ?? `khoa-thu-${process.pid}-${seq}`, title: opts.title ?? `Khóa thử ${seq}`, createdBy: opts.createdBy ?? null }, at);
  return { c, at };
}

async function publishAndAssign(db: Db, courseId: number, opts: CourseOpts, at: Date): Promise<Course> {
  await publishCourse(db, courseId, null, at);
  for (const u of [opts.assignTo ?? []].flat()) await assignToUnit(db, { courseId, unitId: u.id, dueAt: opts.dueAt ?? null, actorId: null }, at);
  return (await getCourse(db, courseId))!;
}

/**
 * A published course of lessons ("Bài 1", "Bài 2", … unless titled), optionally assigned.
 * Returns the course as published (its `publishedVersionId` set) and the lessons' keys in order.
 */
export async function makeCourse(db: Db, opts: CourseOpts & { lessons?: number | string[] } = {}): Promise<Course & { lessonKeys: string[] }> {
  const { c, at } = await newCourse(db, opts);
  const titles = typeof opts.lessons === "object" ? opts.lessons : Array.from({ length: opts.lessons ?? 1 }, (_, i) => `Bài ${i + 1}`);
  // One after another: each item's position follows the one added before it.
  const lessonKeys: string[] = [];
  for (const t of titles) lessonKeys.push((await addItem(db, c.id, "chuong-1", "lesson", t, at)).key);
  return { ...await publishAndAssign(db, c.id, opts, at), lessonKeys };
}

/**
 * A published course of one quiz whose bank is the given GIFT text, with its settings (shuffle
 * off by default, so questions come in the bank's order) and the course's minimum grade.
 */
export async function makeQuizCourse(
  db: Db,
  opts: CourseOpts & { gift: string; quizTitle?: string; passPercent?: number; attemptsAllowed?: number; shuffle?: boolean; minGradePercent?: number | null },
): Promise<{ course: Course; quizKey: string }> {
  const { c, at } = await newCourse(db, opts);
  const quizKey = (await addItem(db, c.id, "chuong-1", "quiz", opts.quizTitle ?? `Kiểm tra ${seq}`, at)).key;
  const bank = await importGiftBank(db, c.id, quizKey, opts.gift);
  if (bank.questions === 0) throw new Error(`makeQuizCourse: no question in the GIFT text (${JSON.stringify(bank)})`);
  await writeTx(db, async (tx) => {
    if (opts.minGradePercent != null) await tx.update(courses).set({ minGradePercent: opts.minGradePercent }).where(eq(courses.id, c.id));
    await tx
      .insert(quizSettings)
      .values({ courseId: c.id, itemKey: quizKey, passPercent: opts.passPercent ?? 70, attemptsAllowed: opts.attemptsAllowed ?? 0, shuffle: opts.shuffle ?? false, updatedAt: at });
  });
  return { course: await publishAndAssign(db, c.id, opts, at), quizKey };
}
