import { first } from "#db/first.ts";
import { beforeAll, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { courseItems, courses } from "#db/schema/index.ts";

/**
 * Administrators author every course; a trainer authors the courses they created and no other,
 * whatever URL they try; members author nothing.
 */
const srv = useAppServer();

let trainerA: Awaited<ReturnType<typeof makeMember>>;
let adminCourse: number;

const doc = (text: string) => ({ type: "doc", content: [{ type: "paragraph", content: [{ type: "text", text }] }] });

beforeAll(async () => {
  const t = await makeTree(srv.db);
  await makeMember(srv.db, t.root, { code: "ADMIN", role: "admin" });
  trainerA = await makeMember(srv.db, t.a, { code: "TRAINER-A", role: "trainer", scopes: [t.a] });
  await makeMember(srv.db, t.a1, { code: "MEMBER" });
  adminCourse = (await createCourse(srv.db, { slug: "khoa-cua-admin", title: "Khóa của quản trị" })).id;
  await addItem(srv.db, adminCourse, "chuong-1", "lesson", "Bài một");
});

test("a trainer creates a course, adds and saves a lesson, and publishes it", async () => {
  const c = client(srv.origin);
  await c.signIn("TRAINER-A");
  const created = await c.request("/manage/courses", { form: { slug: "", title: "Khóa của chi bộ A", summary: "" } });
  expect(created.status).toBe(302);
  const course = (await first(srv.db.select().from(courses).where(eq(courses.slug, "khoa-cua-chi-bo-a"))))!;
  expect(course.createdBy).toBe(trainerA.id);
  const added = await c.request(`/manage/courses/${course.id}`, { form: { intent: "add-lesson", moduleKey: "chuong-1", title: "Bài đầu tiên" } });
  expect(added.status).toBe(302);
  const save = await c.request(`/api/lessons/${course.id}/bai-dau-tien`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "Bài đầu tiên", doc: doc("Nội dung do cán bộ đào tạo soạn.") }),
  });
  expect(save.status).toBe(200);
  const item = (await first(srv.db.select().from(courseItems).where(and(eq(courseItems.courseId, course.id), eq(courseItems.key, "bai-dau-tien")))))!;
  expect(item.bodyText).toBe("Nội dung do cán bộ đào tạo soạn.");
  expect((await c.request(`/manage/courses/${course.id}`, { form: { intent: "publish" } })).status).toBe(200);
  expect((await first(srv.db.select().from(courses).where(eq(courses.id, course.id))))!.state).toBe("published");
});

test("the trainer cannot edit, save or publish a course they did not create", async () => {
  const c = client(srv.origin);
  await c.signIn("TRAINER-A");
  expect((await c.request(`/manage/courses/${adminCourse}/items/bai-mot`)).status).toBe(403);
  const save = await c.request(`/api/lessons/${adminCourse}/bai-mot`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "Bị sửa", doc: doc("Bị sửa") }),
  });
  expect(save.status).toBe(403);
  expect((await c.request(`/manage/courses/${adminCourse}`, { form: { intent: "publish" } })).status).toBe(403);
  expect((await c.request(`/manage/courses/${adminCourse}`, { form: { intent: "add-lesson", moduleKey: "chuong-1", title: "Chen" } })).status).toBe(403);
  const item = (await first(srv.db.select().from(courseItems).where(and(eq(courseItems.courseId, adminCourse), eq(courseItems.key, "bai-mot")))))!;
  expect(item.title).toBe("Bài một");
  expect((await first(srv.db.select().from(courses).where(eq(courses.id, adminCourse))))!.state).toBe("draft");
});

test("a member cannot reach authoring at all; a hostile document is refused with reasons", async () => {
  const m = client(srv.origin);
  await m.signIn("MEMBER");
  expect((await m.request(`/manage/courses/${adminCourse}/items/bai-mot`)).status).toBe(403);
  expect((await m.request("/api/uploads", { method: "POST", body: new FormData() })).status).toBe(403);
  const a = client(srv.origin);
  await a.signIn("ADMIN");
  const bad = await a.request(`/api/lessons/${adminCourse}/bai-mot`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "Bài một", doc: { type: "doc", content: [{ type: "iframe", attrs: { src: "https://evil.example" } }] } }),
  });
  expect(bad.status).toBe(422);
  expect(JSON.stringify(await bad.json())).toMatch(/không hợp lệ|not valid/);
});
