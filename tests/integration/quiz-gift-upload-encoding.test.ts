import { first } from "#db/first.ts";
import { afterAll, beforeAll, expect, test } from "vitest";
import iconv from "iconv-lite";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import { addItem, createCourse } from "#app/courses/authoring.server.ts";
import { courseItems } from "#db/schema/index.ts";

/** The quiz page's GIFT upload decodes a UTF-16 bank (Notepad's "Unicode") and refuses what it cannot decode (issue 10). */
let db: Awaited<ReturnType<typeof testDb>>;
let srv: Awaited<ReturnType<typeof startTestServer>>;
let courseId: number;
const GIFT = "::a::Thủ đô của Việt Nam?{=Hà Nội ~Huế}\n";

beforeAll(async () => {
  db = await testDb();
  const t = await makeTree(db);
  await makeMember(db, t.root, { code: "ADMIN", role: "admin" });
  courseId = (await createCourse(db, { slug: "khoa-bang-ma", title: "Khóa bảng mã" })).id;
  await addItem(db, courseId, "chuong-1", "quiz", "Kiểm tra");
  srv = await startTestServer(db);
});
afterAll(async () => {
  await srv.close();
  await dropDb(db);
});

test("a UTF-16 upload is stored as Vietnamese text; a Windows-1252 one is refused and the bank kept", async () => {
  const c = client(srv.origin);
  await c.signIn("ADMIN");
  const upload = async (bytes: Uint8Array<ArrayBuffer>) => {
    const form = new FormData();
    form.set("gift", new Blob([bytes], { type: "text/plain" }), "bank.gift");
    const res = await c.request(`/manage/courses/${courseId}/quizzes/kiem-tra`, { method: "POST", body: form });
    expect(res.status).toBe(200);
    return res.text();
  };
  const source = async () => (await first(db.select().from(courseItems).where(and(eq(courseItems.courseId, courseId), eq(courseItems.key, "kiem-tra")))))!.source;

  expect(await upload(new Uint8Array([0xff, 0xfe, ...Buffer.from(GIFT, "utf16le")]))).toContain("Đã nhập 1 câu hỏi; 0 câu không nhận.");
  expect(await source()).toBe(GIFT);

  const refused = await upload(new Uint8Array(iconv.encode("::q::Où est le café ?{=Paris ~Lyon}\n", "windows1252")));
  expect(refused).toContain("Tệp không được nhập");
  expect(refused).toMatch(/Dòng 1: Không nhận dạng được bảng mã/);
  expect(await source()).toBe(GIFT);
});
