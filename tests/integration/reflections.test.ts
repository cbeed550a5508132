import { first } from "#db/first.ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { docOf, ESSAY_A, ESSAY_A_COPY, ESSAY_B, makeReflectionCourse, setPosition } from "#tests/factories/reflections.ts";
import { courseCompletions, itemProgress, reflectionGrades, reflectionVersions } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { transferMember, type Member } from "#app/org/members.server.ts";
import { completeLesson, openItem } from "#app/courses/learning.server.ts";
import type { SessionMember } from "#app/auth/session.server.ts";
import { graderContext, isSecretaryPosition } from "#app/reflections/graders.server.ts";
import { gradeMany, gradeSubmission, gradingQueue, gradingView } from "#app/reflections/grading.server.ts";
import { saveDraft, submissionOf, submitReflection } from "#app/reflections/writing.server.ts";
import { jaccard, shingles, SIMILARITY_THRESHOLD } from "#app/reflections/similarity.ts";

/**
 * Reflections end to end in the domain: graders fixed at submission time from positions in the
 * writer's unit, every version kept, every grade kept, completion on pass, and the copy flag.
 */
let db: Awaited<ReturnType<typeof testDb>>;
let t: Awaited<ReturnType<typeof makeTree>>;
let admin: Member, trainerA: Member, trainerB: Member, secA1: Member, depA1: Member, secA2: Member, w1: Member, w2: Member, w3: Member, w4: Member;

const ctxOf = (m: Member) => graderContext(db, { id: m.id, code: m.code, fullName: m.fullName, role: m.role, unitId: m.unitId } as SessionMember);
const write = async (m: Member, course: Parameters<typeof saveDraft>[2], key: string, ...text: string[]) => {
  await saveDraft(db, m.id, course, key, docOf(...text));
  return submitReflection(db, m.id, course, key);
};
const expectDomain = async (fn: () => unknown, key: string) => {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).key).toBe(key);
    return;
  }
  throw new Error(`expected ${key}`);
};

beforeAll(async () => {
  db = await testDb();
  t = await makeTree(db);
  admin = await makeMember(db, t.root, { role: "admin", password: false });
  trainerA = await makeMember(db, t.a, { role: "trainer", scopes: [t.a], password: false });
  trainerB = await makeMember(db, t.b, { role: "trainer", scopes: [t.b], password: false });
  secA1 = await makeMember(db, t.a1, { password: false });
  depA1 = await makeMember(db, t.a1, { password: false });
  secA2 = await makeMember(db, t.a2, { password: false });
  w1 = await makeMember(db, t.a1, { password: false });
  w2 = await makeMember(db, t.a1, { password: false });
  w3 = await makeMember(db, t.a2, { password: false });
  w4 = await makeMember(db, t.a1, { password: false });
  await setPosition(db, secA1.id, "Bí thư chi bộ");
  await setPosition(db, depA1.id, "Phó Bí thư chi bộ");
  await setPosition(db, secA2.id, "BÍ THƯ");
  await setPosition(db, w1.id, "Chi ủy viên");
});
afterAll(() => dropDb(db));

describe("positions", () => {
  test("secretaries and deputies are recognised with or without tone marks; other positions are not", () => {
    for (const p of ["Bí thư chi bộ", "Phó Bí thư chi bộ", "bi thu", "PHÓ BÍ THƯ"]) expect(isSecretaryPosition(p)).toBe(true);
    for (const p of ["Chi ủy viên", "Đảng viên", "Thư ký", "Bí thơ"]) expect(isSecretaryPosition(p)).toBe(false);
  });
});

describe("graders are fixed at submission time", () => {
  test("the writer's cell secretary and deputy grade; a later change of position or unit does not move it", async () => {
    const { course, key } = await makeReflectionCourse(db, { assignTo: t.a });
    await write(w1, course, key, ESSAY_A);
    const sub = (await submissionOf(db, w1.id, course.id, key))!;
    expect((await gradingQueue(db, await ctxOf(secA1), { filter: "waiting" })).rows.map((r) => r.id)).toContain(sub.id);
    expect((await gradingQueue(db, await ctxOf(depA1), { filter: "waiting" })).rows.find((r) => r.id === sub.id)?.canGrade).toBe(true);
    // Another cell's secretary neither sees nor grades it (404 like a missing one).
    expect((await gradingQueue(db, await ctxOf(secA2), { filter: "all" })).rows.map((r) => r.id)).not.toContain(sub.id);
    await expectDomain(async () => gradingView(db, await ctxOf(secA2), sub.id), "reflection.error.notFound");
    await expectDomain(async () => gradeSubmission(db, await ctxOf(secA2), sub.id, { outcome: "pass", comment: "" }), "reflection.error.notFound");
    // The writer cannot grade their own, nor can a fellow member.
    await expectDomain(async () => gradeSubmission(db, await ctxOf(w2), sub.id, { outcome: "pass", comment: "" }), "reflection.error.notFound");

    // After the submission: a new secretary is elected, the old one steps down, the writer moves.
    const newSec = w4;
    await setPosition(db, newSec.id, "Bí thư chi bộ");
    await setPosition(db, secA1.id, "Đảng viên");
    await transferMember(db, w1.id, t.a2.id, null);
    const afterMove = await gradingQueue(db, await ctxOf(secA1), { filter: "waiting" });
    expect(afterMove.rows.map((r) => r.id)).toContain(sub.id);
    // Filed under the unit recorded at submission, which the queue's unit filter offers, not the writer's new one.
    expect(afterMove.rows.find((r) => r.id === sub.id)?.unitId).toBe(t.a1.id);
    expect(afterMove.units.map((u) => u.id)).toContain(t.a1.id);
    expect(afterMove.units.map((u) => u.id)).not.toContain(t.a2.id);
    expect((await gradingQueue(db, await ctxOf(newSec), { filter: "all" })).rows.map((r) => r.id)).not.toContain(sub.id);
    expect((await gradingQueue(db, await ctxOf(secA2), { filter: "all" })).rows.map((r) => r.id)).not.toContain(sub.id);
    // Trainers of the subtree see it (cell rule: they read, the cell grades); trainers elsewhere do not.
    const asTrainer = (await gradingQueue(db, await ctxOf(trainerA), { filter: "waiting" })).rows.find((r) => r.id === sub.id);
    expect(asTrainer?.canGrade).toBe(false);
    expect((await gradingQueue(db, await ctxOf(trainerB), { filter: "all" })).rows.map((r) => r.id)).not.toContain(sub.id);
    await expectDomain(async () => gradeSubmission(db, await ctxOf(trainerA), sub.id, { outcome: "pass", comment: "" }), "reflection.error.notGrader");

    await gradeSubmission(db, await ctxOf(secA1), sub.id, { outcome: "pass", comment: "Tốt" });
    expect((await submissionOf(db, w1.id, course.id, key))!.state).toBe("passed");
    // Restore for the other tests.
    await transferMember(db, w1.id, t.a1.id, null);
    await setPosition(db, secA1.id, "Bí thư chi bộ");
    await setPosition(db, newSec.id, "");
  });

  test("under the trainers rule the subtree's trainer grades and the cell's secretary does not", async () => {
    const { course, key } = await makeReflectionCourse(db, { assignTo: t.a, settings: { graders: "trainers" } });
    await write(w2, course, key, ESSAY_B);
    const sub = (await submissionOf(db, w2.id, course.id, key))!;
    await expectDomain(async () => gradeSubmission(db, await ctxOf(secA1), sub.id, { outcome: "pass", comment: "" }), "reflection.error.notFound");
    await expectDomain(async () => gradeSubmission(db, await ctxOf(trainerB), sub.id, { outcome: "pass", comment: "" }), "reflection.error.notFound");
    expect((await gradeSubmission(db, await ctxOf(trainerA), sub.id, { outcome: "pass", comment: "" })).outcome).toBe("pass");
  });
});

describe("versions, grades and completion", () => {
  test("revise returns it with a comment; the member revises; every version and grade is kept; pass completes", async () => {
    const { course, key, lessonKey } = await makeReflectionCourse(db, { assignTo: t.a, withLesson: true, settings: { minWords: 20 } });
    await expectDomain(async () => submitReflection(db, w2.id, course, key), "reflection.error.empty");
    await saveDraft(db, w2.id, course, key, docOf("Quá ngắn."));
    await expectDomain(async () => submitReflection(db, w2.id, course, key), "reflection.error.tooShort");
    await expectDomain(async () => saveDraft(db, w2.id, course, key, { type: "doc", content: [{ type: "image", attrs: { src: `/uploads/${"a".repeat(64)}.png` } }] }), "reflection.error.noMedia");
    await write(w2, course, key, ESSAY_B);
    const sub = (await submissionOf(db, w2.id, course.id, key))!;
    // Locked while waiting for grading.
    await expectDomain(async () => saveDraft(db, w2.id, course, key, docOf("Sửa lén sau khi nộp.")), "reflection.error.locked");
    await expectDomain(async () => gradeSubmission(db, await ctxOf(secA1), sub.id, { outcome: "revise", comment: "  " }), "reflection.error.commentRequired");
    await gradeSubmission(db, await ctxOf(secA1), sub.id, { outcome: "revise", comment: "Cần nêu việc làm cụ thể hơn." });
    expect((await submissionOf(db, w2.id, course.id, key))!.state).toBe("returned");
    await write(w2, course, key, ESSAY_B, "Cụ thể: tôi nhận phụ trách tổ số hóa hồ sơ của xã từ tháng sau.");
    const versions = await db.select().from(reflectionVersions).where(eq(reflectionVersions.submissionId, sub.id));
    expect(versions.map((v) => v.versionNo)).toEqual([1, 2]);
    expect(versions[0].text).not.toContain("Cụ thể");
    expect(versions[1].text).toContain("Cụ thể");

    // Pass: the item completes; the course does not (its lesson is missing).
    await gradeSubmission(db, await ctxOf(depA1), sub.id, { outcome: "pass", comment: "" });
    const progress = async () => await first(db.select().from(itemProgress).where(and(eq(itemProgress.memberId, w2.id), eq(itemProgress.courseId, course.id), eq(itemProgress.itemKey, key))));
    expect((await progress())?.state).toBe("completed");
    // A changed grade: the earlier stays in the history, the item is taken back.
    await gradeSubmission(db, await ctxOf(secA1), sub.id, { outcome: "revise", comment: "Xem lại đoạn cuối." });
    expect((await progress())?.state).toBe("started");
    const grades = await db.select().from(reflectionGrades).where(eq(reflectionGrades.submissionId, sub.id));
    expect(grades.map((g) => [g.outcome, g.graderId])).toEqual([
      ["revise", secA1.id],
      ["pass", depA1.id],
      ["revise", secA1.id],
    ]);
    expect(grades[0].versionId).toBe(versions[0].id);
    expect(grades[2].versionId).toBe(versions[1].id);
    const history = (await gradingView(db, await ctxOf(secA1), sub.id)).versions;
    expect(history.map((v) => v.grades.length)).toEqual([1, 2]);

    // Regraded pass, lesson read: the course completes.
    await gradeSubmission(db, await ctxOf(secA1), sub.id, { outcome: "pass", comment: "" });
    const start = new Date(Date.now() - 600_000);
    await openItem(db, w2.id, course.id, lessonKey!, course.publishedVersionId!, start);
    await completeLesson(db, w2.id, course, lessonKey!);
    expect(await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, w2.id), eq(courseCompletions.courseId, course.id))))).toBeTruthy();
  });

  test("a score scale decides by the pass mark; bulk grading refuses scored reflections", async () => {
    const { course, key } = await makeReflectionCourse(db, { assignTo: t.a, settings: { scale: "score", passMark: 60 } });
    await write(w1, course, key, ESSAY_A);
    const sub = (await submissionOf(db, w1.id, course.id, key))!;
    await expectDomain(async () => gradeMany(db, await ctxOf(secA1), [sub.id], { outcome: "pass", comment: "" }), "reflection.error.bulkScore");
    await expectDomain(async () => gradeSubmission(db, await ctxOf(secA1), sub.id, { comment: "" }), "reflection.error.scoreRequired");
    await expectDomain(async () => gradeSubmission(db, await ctxOf(secA1), sub.id, { score: 40, comment: "" }), "reflection.error.commentRequired");
    expect((await gradeSubmission(db, await ctxOf(secA1), sub.id, { score: 40, comment: "Chưa đạt yêu cầu." })).outcome).toBe("revise");
    await write(w1, course, key, ESSAY_A, "Bổ sung kế hoạch cụ thể theo từng tháng.");
    expect((await gradeSubmission(db, await ctxOf(secA1), sub.id, { score: 75, comment: "" })).outcome).toBe("pass");
    // One required item: the course completes with it.
    expect(await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, w1.id), eq(courseCompletions.courseId, course.id))))).toBeTruthy();
  });

  test("bulk pass grades only what is waiting, each checked as if graded alone", async () => {
    const { course, key } = await makeReflectionCourse(db, { assignTo: t.a });
    await write(w1, course, key, ESSAY_A);
    await write(w2, course, key, ESSAY_B);
    await write(w3, course, key, "Một bài khác hẳn của chi bộ A2 về việc học tập và làm theo nghị quyết của Đảng.");
    const ids = await Promise.all([w1, w2].map(async (m) => (await submissionOf(db, m.id, course.id, key))!.id));
    const other = (await submissionOf(db, w3.id, course.id, key))!.id;
    await expectDomain(async () => gradeMany(db, await ctxOf(secA1), [...ids, other], { outcome: "pass", comment: "" }), "reflection.error.notFound");
    expect((await submissionOf(db, w1.id, course.id, key))!.state).toBe("submitted");
    expect(await gradeMany(db, await ctxOf(secA1), ids, { outcome: "pass", comment: "" })).toBe(2);
    expect(await gradeMany(db, await ctxOf(secA1), ids, { outcome: "pass", comment: "" })).toBe(0);
    expect(await gradeMany(db, await ctxOf(secA2), [other], { outcome: "pass", comment: "" })).toBe(1);
  });
});

describe("copied texts", () => {
  test("near-identical submissions are flagged to the grader with the shared passages; different ones on the same prompt are not", async () => {
    expect(jaccard(shingles(ESSAY_A), shingles(ESSAY_A_COPY))).toBeGreaterThanOrEqual(SIMILARITY_THRESHOLD);
    expect(jaccard(shingles(ESSAY_A), shingles(ESSAY_B))).toBeLessThan(SIMILARITY_THRESHOLD);
    const { course, key } = await makeReflectionCourse(db, { assignTo: t.a });
    expect((await write(w1, course, key, ESSAY_A)).similar).toBe(0);
    expect((await write(w2, course, key, ESSAY_B)).similar).toBe(0);
    expect((await write(w3, course, key, ESSAY_A_COPY)).similar).toBe(1);
    const s1 = (await submissionOf(db, w1.id, course.id, key))!.id;
    const s2 = (await submissionOf(db, w2.id, course.id, key))!.id;
    const s3 = (await submissionOf(db, w3.id, course.id, key))!.id;
    // Both sides of the pair are flagged, the honest one is not.
    const q = (await gradingQueue(db, await ctxOf(admin), { filter: "waiting", courseId: course.id })).rows;
    expect(q.find((r) => r.id === s1)!.similarity).toBeGreaterThanOrEqual(SIMILARITY_THRESHOLD);
    expect(q.find((r) => r.id === s3)!.similarity).toBeGreaterThanOrEqual(SIMILARITY_THRESHOLD);
    expect(q.find((r) => r.id === s2)!.similarity).toBeNull();
    // The A1 secretary sees the copy's score and the shared passages of their member's text, but
    // not the A2 member's text (outside their unit).
    const v = await gradingView(db, await ctxOf(secA1), s1);
    expect(v.copies).toHaveLength(1);
    expect(v.copies[0].other).toBeNull();
    expect(v.copies[0].mine.filter((s) => s.shared).map((s) => s.text).join(" ")).toContain("đồng thời hướng dẫn đồng nghiệp trẻ");
    expect(v.copies[0].mine.filter((s) => !s.shared).map((s) => s.text).join("")).toContain("hai");
    // The trainer of A sees both texts highlighted.
    const tv = await gradingView(db, await ctxOf(trainerA), s3);
    expect(tv.copies[0].other?.memberName).toBe(w1.fullName);
    expect(tv.copies[0].other?.segments.some((s) => s.shared)).toBe(true);
    expect((await gradingView(db, await ctxOf(admin), s2)).copies).toHaveLength(0);
  });
});
