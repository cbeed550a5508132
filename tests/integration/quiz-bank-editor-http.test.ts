import { first } from "#db/first.ts";
import { afterAll, beforeAll, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { importGiftBank } from "#app/quizzes/bank.server.ts";
import { editableBank } from "#app/quizzes/bank-editor.server.ts";
import { courseItems } from "#db/schema/index.ts";

/**
 * Every loader and action of the bank editor checks on the server who is asking: the course's
 * author edits; a trainer who did not write the course gets 403, a member 403 (not a manager at all),
 * and a question or quiz that does not exist 404. Nothing any of them posts reaches the bank.
 */
let db: Awaited<ReturnType<typeof testDb>>;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let courseId: number;
const GIFT = "::a::Câu A{T}\n\n::b::Câu B{=x =y}\n";

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  const author = await makeMember(db, t.a, { code: "TAC-GIA", role: "trainer", scopes: [t.a] });
  await makeMember(db, t.b, { code: "TRAINER-KHAC", role: "trainer", scopes: [t.b] });
  await makeMember(db, t.a1, { code: "HOC-VIEN" });
  courseId = (await createCourse(db, { slug: "khoa-bien-tap", title: "Khóa biên tập", createdBy: author.id })).id;
  await addItem(db, courseId, "chuong-1", "quiz", "Kiểm tra");
  await importGiftBank(db, courseId, "kiem-tra", GIFT);
  srv = await startTestServer(db);
});
afterAll(async () => {
  await srv.close();
  await dropDb(db);
});

const source = async () => (await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, "kiem-tra")))))!.source;
const quizPage = () => `/manage/courses/${courseId}/quizzes/kiem-tra`;

test("a trainer who is not the author and a member are refused every page and every edit", async () => {
  const revision = (await editableBank(db, courseId, "kiem-tra")).revision;
  const save = { revision, kind: "truefalse", text: "Câu chen vào", correct: "true" };
  for (const [code, status] of [["TRAINER-KHAC", 403], ["HOC-VIEN", 403]] as const) {
    const c = client(srv.origin);
    await c.signIn(code);
    expect((await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/new?kind=single`)).status).toBe(status);
    expect((await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/1`)).status).toBe(status);
    expect((await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/new`, { form: save })).status).toBe(status);
    expect((await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/1`, { form: save })).status).toBe(status);
    expect((await c.request(quizPage(), { form: { intent: "question.delete", revision, index: "0" } })).status).toBe(status);
    expect((await c.request(quizPage(), { form: { intent: "question.move", revision, from: "1", to: "0" } })).status).toBe(status);
  }
  const anonymous = await client(srv.origin).request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/1`, { form: save });
  expect([302, 303]).toContain(anonymous.status);
  expect(await source()).toBe(GIFT);
});

test("the author edits; unknown questions and quizzes are 404; malformed forms are 400", async () => {
  const c = client(srv.origin);
  await c.signIn("TAC-GIA");
  expect((await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/3`)).status).toBe(404);
  expect((await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/01`)).status).toBe(404);
  expect((await c.request(`/manage/courses/${courseId}/quizzes/khong-co/questions/new`)).status).toBe(404);
  const edit = await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/1`);
  expect(edit.status).toBe(200);
  expect(await edit.text()).toContain("Câu A");

  const revision = (await editableBank(db, courseId, "kiem-tra")).revision;
  expect((await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/1`, { form: { revision, kind: "ordering", text: "x" } })).status).toBe(400);
  const refused = await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/new`, { form: { revision, kind: "single", text: "Chưa có đáp án đúng", "options.0.text": "x", "options.0.percent": "0", "options.1.text": "y", "options.1.percent": "0" } });
  expect(refused.status).toBe(422);
  const html = await refused.text();
  expect(html).toContain("Câu một đáp án đúng cần một phương án được 100% (dấu =).");
  // What was typed is still on the page.
  expect(html).toContain(">Chưa có đáp án đúng</textarea>");
  expect(html).toMatch(/name="options\.1\.text"[^>]*value="y"|value="y"[^>]*name="options\.1\.text"/);
  expect(await source()).toBe(GIFT);

  const saved = await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra/questions/1`, { form: { revision, kind: "truefalse", title: "a", text: "Câu A đã sửa", correct: "false" } });
  expect(saved.status).toBe(302);
  expect(saved.headers.get("location")).toBe(`${quizPage()}?saved=1#question-1`);
  expect(await source()).toBe("::a::Câu A đã sửa{F}\n\n::b::Câu B{\n=x\n=y\n}\n");

  // The page it came from is now stale: the same post again is refused, nothing changes.
  const stale = await c.request(quizPage(), { form: { intent: "question.delete", revision, index: "0" } });
  expect(stale.status).toBe(409);
  expect(await stale.text()).toContain("Ngân hàng câu hỏi vừa được thay đổi ở nơi khác.");
  const fresh = (await editableBank(db, courseId, "kiem-tra")).revision;
  expect((await c.request(quizPage(), { form: { intent: "question.move", revision: fresh, from: "1", to: "0" } })).status).toBe(200);
  expect((await editableBank(db, courseId, "kiem-tra")).questions.map((q) => q.id)).toEqual(["b", "a"]);
});
