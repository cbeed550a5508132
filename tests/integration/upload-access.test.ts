import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import { saveUpload } from "#app/uploads/store.server.ts";
import { addItem, createCourse, saveLessonDraft } from "#app/courses/authoring.server.ts";
import { publishCourse } from "#app/courses/courses.server.ts";
import { assignToUnit } from "#app/courses/learning.server.ts";
import { scheduleSession } from "#app/live/sessions.server.ts";

/**
 * An uploaded file is served only to someone who can see something that uses it. The probe: a
 * member read the PDF attached to a session they were not invited to (names are content hashes,
 * so guessing is hard, but links travel).
 */
let db: Awaited<ReturnType<typeof testDb>>;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let dataDir: string;
const urls = { lesson: "", sessionPdf: "", draft: "", orphan: "" };

const png = (tag: number) =>
  Buffer.concat([Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64"), Buffer.from([tag])]);
const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hocso-upload-access-"));
  db = await testDb();
  const tree = await makeTree(db);
  const admin = await makeMember(db, tree.root, { code: "UP-ADMIN", role: "admin" });
  const author = await makeMember(db, tree.a, { code: "UP-AUTHOR", role: "trainer", scopes: [tree.a] });
  await makeMember(db, tree.b, { code: "UP-TR-B", role: "trainer", scopes: [tree.b] });
  await makeMember(db, tree.a1, { code: "UP-MEM-A1" });
  await makeMember(db, tree.b1, { code: "UP-MEM-B1" });

  // A published course assigned to cell A1, whose lesson shows an image.
  const course = await createCourse(db, { slug: "khoa-co-hinh", title: "Khóa có hình" });
  const lesson = await addItem(db, course.id, "chuong-1", "lesson", "Bài có hình");
  urls.lesson = (await saveUpload(db, dataDir, png(1), "hinh.png", admin.id)).url;
  const doc = (src: string) => ({ type: "doc", content: [{ type: "image", attrs: { src, alt: "Hình" } }] });
  expect((await saveLessonDraft(db, course.id, lesson.key, { title: "Bài có hình", doc: doc(urls.lesson) })).ok).toBe(true);
  await publishCourse(db, course.id, admin.id);
  await assignToUnit(db, { courseId: course.id, unitId: tree.a1.id, dueAt: null, actorId: admin.id });

  // A draft course of the trainer of A, whose unpublished lesson uses an image an administrator uploaded.
  const draft = await createCourse(db, { slug: "khoa-nhap", title: "Khóa nháp", createdBy: author.id });
  const draftLesson = await addItem(db, draft.id, "chuong-1", "lesson", "Bài nháp");
  urls.draft = (await saveUpload(db, dataDir, png(2), "nhap.png", admin.id)).url;
  expect((await saveLessonDraft(db, draft.id, draftLesson.key, { title: "Bài nháp", doc: doc(urls.draft) })).ok).toBe(true);

  // A session for committee B with its resolution as a PDF.
  urls.sessionPdf = (await saveUpload(db, dataDir, pdf, "nghi-quyet.pdf", admin.id)).url;
  await scheduleSession(db, { all: true }, admin.id, {
    title: "Học tập nghị quyết",
    description: "",
    documentUrl: urls.sessionPdf,
    start: new Date(Date.now() + 3600_000),
    end: new Date(Date.now() + 2 * 3600_000),
    presenterCodes: ["UP-ADMIN"],
    unitCodes: ["B"],
    memberCodes: [],
    presentMinPercent: 80,
    lateAfterMinutes: 10,
  });

  // Uploaded by the trainer of A and used nowhere yet (an editor upload before saving).
  urls.orphan = (await saveUpload(db, dataDir, png(3), "chua-dung.png", author.id)).url;
  srv = await startTestServer(db, { DATA_DIR: dataDir });
});
afterAll(async () => {
  await srv.close();
  await dropDb(db);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function statusFor(code: string, url: string) {
  const c = client(srv.origin);
  await c.signIn(code);
  return (await c.request(url)).status;
}

describe("who may fetch an uploaded file", () => {
  test.each([
    ["a member of B1, the session's PDF (invited)", "UP-MEM-B1", "sessionPdf", 200],
    ["a member of A1, the session's PDF (not invited)", "UP-MEM-A1", "sessionPdf", 404],
    ["the trainer of B, the session's PDF (in scope)", "UP-TR-B", "sessionPdf", 200],
    ["a member of A1, the image of an assigned course", "UP-MEM-A1", "lesson", 200],
    ["a member of B1, the image of a course not assigned to them", "UP-MEM-B1", "lesson", 404],
    ["a trainer, the image of a published course (managers preview courses)", "UP-TR-B", "lesson", 200],
    ["the author, an image in their draft", "UP-AUTHOR", "draft", 200],
    ["another trainer, an image in someone else's draft", "UP-TR-B", "draft", 404],
    ["a member, an image in a draft", "UP-MEM-A1", "draft", 404],
    ["the uploader, a file used nowhere yet", "UP-AUTHOR", "orphan", 200],
    ["someone else, a file used nowhere", "UP-TR-B", "orphan", 404],
    ["an administrator, anything", "UP-ADMIN", "orphan", 200],
  ] as const)("%s", async (_what, code, which, expected) => {
    expect(await statusFor(code, urls[which])).toBe(expected);
  });

  test("signed out, a link asks to sign in", async () => {
    const res = await fetch(srv.origin + urls.lesson, { redirect: "manual" });
    expect(res.status).toBe(302);
  });
});
