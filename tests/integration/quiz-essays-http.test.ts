import { beforeAll, describe, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { first } from "#db/first.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { makeQuizCourse } from "#tests/factories/courses.ts";
import { client, signedInClient } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import type { Member } from "#app/org/members.server.ts";
import type { Course } from "#app/courses/courses.server.ts";
import { startAttempt } from "#app/quizzes/attempts.server.ts";
import { MAX_ESSAY_CHARS } from "#app/quizzes/grading.ts";
import { translate } from "#app/i18n/catalog.ts";
import { courseCompletions, itemProgress, notifications, quizAnswers, quizAttempts, quizEssayGrades } from "#db/schema/index.ts";

/**
 * Essay questions end to end over the real server and build: the member answers (NFC, bounded,
 * wrong ids refused), the attempt waits for grading with a provisional score and no pass/fail,
 * nothing of the grading reaches the member before the attempt is final, only trainers in scope
 * (and administrators) see and grade it — everyone else gets 404 — bad grades are refused in
 * both languages with what was typed kept, and the last grade makes the score final, completes the
 * course and notifies the member.
 */
const FEEDBACK_CANARY = "GỢI-Ý-CANARY-4KQ";
const COMMENT_CANARY = "NHẬN-XÉT-CANARY-8PX";
const ESSAY_1 = "Tôi sẽ học tập và làm theo nghị quyết ở chi bộ của mình.";
const ESSAY_2 = "Tôi sẽ hướng dẫn đồng nghiệp dùng dịch vụ công trực tuyến.";
const GIFT = `::tf::Xác thực hai bước làm tài khoản an toàn hơn.{T}

// @hocso {"weight":2}
::e1::Đồng chí sẽ làm gì sau khi học nghị quyết?{####${FEEDBACK_CANARY}}

::e2::Nêu một việc cụ thể đồng chí sẽ làm.{}

::e3::Câu tự luận bỏ trống.{}
`;

const srv = useAppServer();
let admin: Member, trainerA: Member, trainerB: Member, writer: Member, neighbour: Member;
let course: Course, quizKey: string, attemptId: number;
const html = async (res: Response) => (await res.text()).replaceAll("\u0000", "");
/** The rendered score line of an attempt page (the page also ships the catalog, so search only here). */
const scoreLine = (page: string) => /<p data-testid="quiz-score">[\s\S]*?<\/p>/.exec(page)?.[0] ?? "";

beforeAll(async () => {
  const t = await makeTree(srv.db);
  admin = await makeMember(srv.db, t.root, { code: "QE-ADMIN", role: "admin" });
  trainerA = await makeMember(srv.db, t.a, { code: "QE-TR-A", role: "trainer", scopes: [t.a] });
  trainerB = await makeMember(srv.db, t.b, { code: "QE-TR-B", role: "trainer", scopes: [t.b] });
  writer = await makeMember(srv.db, t.a1, { code: "QE-W1" });
  neighbour = await makeMember(srv.db, t.a1, { code: "QE-W2" });
  ({ course, quizKey } = await makeQuizCourse(srv.db, { gift: GIFT, assignTo: t.a, passPercent: 60, slug: "tu-luan-http" }));
  attemptId = (await startAttempt(srv.db, writer.id, course, quizKey)).id;
});

const signedIn = (m: Member) => signedInClient(srv.origin, m.code);
const attempt = async () => (await first(srv.db.select().from(quizAttempts).where(eq(quizAttempts.id, attemptId))))!;
const savedText = async (questionId: string) =>
  ((await first(srv.db.select().from(quizAnswers).where(and(eq(quizAnswers.attemptId, attemptId), eq(quizAnswers.questionId, questionId)))))?.response as { text: string } | undefined)?.text;
const gradesCount = async () => (await srv.db.select().from(quizEssayGrades).where(eq(quizEssayGrades.attemptId, attemptId))).length;

describe("the member", () => {
  test("answers in a textarea; the page carries no feedback; text is stored NFC; too long and wrong ids are refused in both languages, keeping what was saved", async () => {
    const w = await signedIn(writer);
    const page = await html(await w.request(`/quiz/${attemptId}`));
    expect(page).toContain('data-testid="essay-input"');
    expect(page).toContain(`maxLength="${MAX_ESSAY_CHARS}"`);
    expect(page).not.toContain(FEEDBACK_CANARY);

    const save = (questionId: string, response: unknown, lang = "vi") =>
      w.request(`/api/quiz/${attemptId}`, { method: "POST", headers: { "content-type": "application/json", "accept-language": lang }, body: JSON.stringify({ questionId, response }) });
    expect((await save("tf", { value: true })).status).toBe(200);
    expect((await save("e1", { text: ESSAY_1.normalize("NFD") })).status).toBe(200);
    expect(await savedText("e1")).toBe(ESSAY_1);
    expect((await save("e2", { text: ESSAY_2 })).status).toBe(200);

    for (const lang of ["vi", "en"] as const) {
      const long = await save("e1", { text: "a".repeat(MAX_ESSAY_CHARS + 1) }, lang);
      expect(long.status).toBe(422);
      expect((await long.json()).message).toBe(translate(lang, "quiz.error.essayTooLong", { max: MAX_ESSAY_CHARS }));
      const wrong = await save("khong-co", { text: "x" }, lang);
      expect(wrong.status).toBe(404);
      expect((await wrong.json()).message).toBe(translate(lang, "quiz.error.noSuchQuestion"));
    }
    expect(await savedText("e1")).toBe(ESSAY_1);
    // Exactly the limit is accepted, then put back.
    expect((await save("e2", { text: "ệ".repeat(MAX_ESSAY_CHARS) })).status).toBe(200);
    expect((await save("e2", { text: ESSAY_2 })).status).toBe(200);

    // Another member of the same cell cannot open the attempt, nor save into it.
    const n = await signedIn(neighbour);
    expect((await n.request(`/quiz/${attemptId}`)).status).toBe(404);
    const intrude = await n.request(`/api/quiz/${attemptId}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ questionId: "e1", response: { text: "x" } }) });
    expect(intrude.status).toBe(404);
    expect(await savedText("e1")).toBe(ESSAY_1);
  });

  test("submitting: answered essays wait for grading (the blank one does not), a provisional score and no pass/fail, nothing completed", async () => {
    const w = await signedIn(writer);
    const res = await w.request(`/quiz/${attemptId}`, { form: { intent: "submit" } });
    expect(res.status).toBe(302);
    const a = await attempt();
    expect(a).toMatchObject({ state: "submitted", score: null, passed: null, essaysPending: 2, unitId: writer.unitId });
    // tf right (1 of 5 marks); essays count 0 until graded.
    expect(a.provisionalScore).toBeCloseTo(0.2, 9);
    const page = await html(await w.request(`/quiz/${attemptId}`));
    expect(page).toContain('data-testid="awaiting-grading"');
    expect(page).toContain(translate("vi", "quiz.provisionalScore", { percent: 20 }));
    expect(scoreLine(page)).toContain('data-testid="awaiting-grading"');
    expect(scoreLine(page)).not.toContain(translate("vi", "quiz.failed"));
    expect(scoreLine(page)).not.toContain(translate("vi", "quiz.passed"));
    expect(page).toContain(translate("vi", "quiz.essay.empty"));
    expect(page).not.toContain(FEEDBACK_CANARY);
    expect(await first(srv.db.select().from(courseCompletions).where(eq(courseCompletions.memberId, writer.id)))).toBeUndefined();
    const item = await first(srv.db.select().from(itemProgress).where(and(eq(itemProgress.memberId, writer.id), eq(itemProgress.itemKey, quizKey))));
    expect(item?.state).not.toBe("completed");
  });
});

describe("who may see and grade", () => {
  test("out of scope — a trainer elsewhere, a member of the same cell, the writer — gets 404 on the attempt's grading page and its action, and the queue does not list it", async () => {
    for (const m of [trainerB, neighbour, writer]) {
      const c = await signedIn(m);
      expect((await c.request(`/grading/quiz/${attemptId}`)).status).toBe(404);
      expect((await c.request(`/grading/quiz/${attemptId}`, { form: { questionId: "e1", points: "2", comment: "" } })).status).toBe(404);
      const queue = await c.request("/grading");
      if (queue.status === 200) {
        const q = await html(queue);
        expect(q).not.toContain("essay-row-QE-W1");
        expect(q).not.toContain(ESSAY_1);
      }
    }
    expect(await gradesCount()).toBe(0);
    const anon = await client(srv.origin).request(`/grading/quiz/${attemptId}`);
    expect([302, 401, 403, 404]).toContain(anon.status);
  });

  test("the trainer in scope and the administrator find it in the queue, labelled as quiz essays, and read the texts", async () => {
    for (const m of [trainerA, admin]) {
      const c = await signedIn(m);
      const queue = await html(await c.request("/grading"));
      expect(queue).toContain('data-testid="essay-queue"');
      expect(queue).toContain(translate("vi", "grading.essays.heading"));
      expect(queue).toContain('data-testid="essay-row-QE-W1"');
      expect(queue).toContain(translate("vi", "grading.essays.waiting", { n: 2 }));
      const page = await html(await c.request(`/grading/quiz/${attemptId}`));
      expect(page).toContain(ESSAY_1);
      expect(page).toContain(ESSAY_2);
      expect(page).toContain('data-testid="essay-grade-form"');
    }
  });
});

describe("grading", () => {
  test("bad input is refused in both languages, writes nothing, and the page keeps what the grader typed", async () => {
    const c = await signedIn(trainerA);
    const cases: [Record<string, string>, string, Record<string, number>][] = [
      [{ questionId: "e1", points: "", comment: "Bình luận giữ lại A" }, "quiz.error.pointsRequired", { max: 2 }],
      [{ questionId: "e1", points: "3", comment: "Bình luận giữ lại B" }, "quiz.error.pointsRange", { max: 2 }],
      [{ questionId: "e1", points: "-1", comment: "" }, "quiz.error.pointsRange", { max: 2 }],
      [{ questionId: "e1", points: "hai", comment: "" }, "quiz.error.pointsRange", { max: 2 }],
      [{ questionId: "tf", points: "1", comment: "" }, "quiz.error.notEssay", {}],
      [{ questionId: "e3", points: "1", comment: "" }, "quiz.error.notEssay", {}],
      [{ questionId: "khong-co", points: "1", comment: "" }, "quiz.error.notEssay", {}],
      [{ questionId: "e1", points: "1", comment: "x".repeat(5001) }, "quiz.error.commentTooLong", { max: 5000 }],
    ];
    for (const [form, key, params] of cases) {
      for (const lang of ["vi", "en"] as const) {
        const res = await c.request(`/grading/quiz/${attemptId}`, { form, headers: { "accept-language": lang } });
        expect(res.status).toBe(422);
        const page = await html(res);
        expect(page).toContain(translate(lang, key as never, params as never));
        if (form.comment && form.comment.length < 100) expect(page).toContain(form.comment);
      }
    }
    expect(await gradesCount()).toBe(0);
    expect((await attempt()).essaysPending).toBe(2);
  });

  test("one essay graded: the member still sees no points, no comment and no result", async () => {
    const c = await signedIn(trainerA);
    const res = await c.request(`/grading/quiz/${attemptId}`, { form: { questionId: "e1", points: "2", comment: COMMENT_CANARY } });
    expect(res.status).toBe(200);
    expect(await html(res)).toContain(translate("vi", "grading.essays.saved"));
    expect(await attempt()).toMatchObject({ essaysPending: 1, score: null, passed: null });
    const page = await html(await (await signedIn(writer)).request(`/quiz/${attemptId}`));
    expect(page).not.toContain(COMMENT_CANARY);
    expect(page).not.toContain('data-testid="essay-points"');
    expect(page).toContain('data-testid="awaiting-grading"');
    expect(await first(srv.db.select().from(notifications).where(eq(notifications.memberId, writer.id)))).toBeUndefined();
  });

  test("the last essay graded: the score is final, the course completes, the member is notified and sees points and comments; the grades are then locked", async () => {
    const c = await signedIn(trainerA);
    const res = await c.request(`/grading/quiz/${attemptId}`, { form: { questionId: "e2", points: "0,5", comment: "" } });
    expect(res.status).toBe(200);
    expect(await html(res)).toContain(translate("vi", "grading.essays.finished"));
    const a = await attempt();
    // (tf 1 + e1 2 + e2 0.5 + e3 0) / 5 marks
    expect(a.score).toBeCloseTo(0.7, 9);
    expect(a).toMatchObject({ passed: true, essaysPending: 0 });
    expect(a.gradedAt).not.toBeNull();
    expect(await first(srv.db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, writer.id), eq(courseCompletions.courseId, course.id))))).toBeDefined();
    const note = await first(srv.db.select().from(notifications).where(eq(notifications.memberId, writer.id)));
    expect(note).toMatchObject({ kind: "quiz:graded", link: `/quiz/${attemptId}`, createdBy: trainerA.id });

    const w = await signedIn(writer);
    const page = await html(await w.request(`/quiz/${attemptId}`));
    expect(scoreLine(page)).toContain(translate("vi", "quiz.passed"));
    expect(scoreLine(page)).toContain(translate("vi", "quiz.score", { percent: 70 }));
    expect(page).not.toContain('data-testid="awaiting-grading"');
    expect(page).toContain(COMMENT_CANARY);
    expect(page).toContain(translate("vi", "quiz.essay.points", { points: 2, max: 2 }));
    expect(page).toContain(translate("vi", "quiz.essay.points", { points: 0.5, max: 1 }));
    const home = await html(await w.request("/"));
    expect(home).toContain(translate("vi", "notifications.quizGraded.title", { item: "" }).trim());

    const again = await c.request(`/grading/quiz/${attemptId}`, { form: { questionId: "e2", points: "1", comment: "" } });
    expect(again.status).toBe(409);
    expect(await html(again)).toContain(translate("vi", "quiz.error.essayFinal"));
    expect(await gradesCount()).toBe(2);
    const queue = await html(await c.request("/grading?status=graded"));
    expect(queue).toContain('data-testid="essay-row-QE-W1"');
  });
});
