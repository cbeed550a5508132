import { beforeAll, describe, expect, test } from "vitest";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { docOf, ESSAY_A, ESSAY_B, makeReflectionCourse, setPosition } from "#tests/factories/reflections.ts";
import { client, signedInClient } from "#tests/harness/http.ts";
import { useAppServer } from "#tests/harness/app-suite.ts";
import type { Member } from "#app/org/members.server.ts";
import type { Course } from "#app/courses/courses.server.ts";
import { getItem } from "#app/courses/authoring.server.ts";
import { saveDraft, submissionOf, submitReflection } from "#app/reflections/writing.server.ts";

/**
 * Every reflection loader and action over the real server and build, for who may and who may not:
 * the writer's autosave and submission, the grading queue, one submission and its grade form,
 * bulk grading, the print view and the author's rules. Out of scope answers 404, like a missing id.
 */
const srv = useAppServer();
let t: Awaited<ReturnType<typeof makeTree>>;
let admin: Member, trainerB: Member, secA1: Member, secA2: Member, w1: Member, w2: Member, w3: Member, outsider: Member;
let course: Course, key: string, sub1: number, sub3: number;
const htmlOf = async (res: Response) => (await res.text()).replaceAll("\u0000", "");

beforeAll(async () => {
  t = await makeTree(srv.db);
  admin = await makeMember(srv.db, t.root, { code: "RH-ADMIN", role: "admin" });
  trainerB = await makeMember(srv.db, t.b, { code: "RH-TR-B", role: "trainer", scopes: [t.b] });
  secA1 = await makeMember(srv.db, t.a1, { code: "RH-SEC-A1" });
  secA2 = await makeMember(srv.db, t.a2, { code: "RH-SEC-A2" });
  w1 = await makeMember(srv.db, t.a1, { code: "RH-W1" });
  w2 = await makeMember(srv.db, t.a1, { code: "RH-W2" });
  w3 = await makeMember(srv.db, t.a2, { code: "RH-W3" });
  outsider = await makeMember(srv.db, t.b1, { code: "RH-OUT" });
  await setPosition(srv.db, secA1.id, "Bí thư chi bộ");
  await setPosition(srv.db, secA2.id, "Bí thư chi bộ");
  ({ course, key } = await makeReflectionCourse(srv.db, { assignTo: t.a, slug: "thu-hoach-http" }));
  for (const [m, text] of [
    [w1, ESSAY_A],
    [w3, ESSAY_B],
  ] as const) {
    await saveDraft(srv.db, m.id, course, key, docOf(text));
    await submitReflection(srv.db, m.id, course, key);
  }
  sub1 = (await submissionOf(srv.db, w1.id, course.id, key))!.id;
  sub3 = (await submissionOf(srv.db, w3.id, course.id, key))!.id;
});

const signedIn = (m: Member) => signedInClient(srv.origin, m.code);

describe("the writer", () => {
  test("autosave: the assigned member saves; unassigned members, trainers and anonymous visitors get nothing", async () => {
    const body = JSON.stringify({ doc: docOf("Bản nháp đầu tiên của tôi.") });
    const headers = { "content-type": "application/json" };
    const w2c = await signedIn(w2);
    const ok = await w2c.request(`/api/reflections/${course.slug}/${key}`, { method: "POST", body, headers });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, words: 6 });
    for (const m of [outsider, trainerB]) {
      const res = await (await signedIn(m)).request(`/api/reflections/${course.slug}/${key}`, { method: "POST", body, headers });
      expect(res.status).toBe(404);
    }
    const anon = await client(srv.origin).request(`/api/reflections/${course.slug}/${key}`, { method: "POST", body, headers });
    expect([302, 401, 403]).toContain(anon.status);
    // A bad document is refused with a message, and the saved draft is kept.
    const bad = await w2c.request(`/api/reflections/${course.slug}/${key}`, { method: "POST", body: JSON.stringify({ doc: { type: "nope" } }), headers });
    expect(bad.status).toBe(422);
    expect((await submissionOf(srv.db, w2.id, course.id, key))!.draftDoc).toEqual(docOf("Bản nháp đầu tiên của tôi."));
    // Submitting it: too short for the item's minimum (5 words is the factory's; this has 6) passes.
    const page = await w2c.request(`/courses/${course.slug}/${key}`, { form: { intent: "submit-reflection" } });
    expect(page.status).toBe(200);
    expect((await submissionOf(srv.db, w2.id, course.id, key))!.state).toBe("submitted");
    const outsiderSubmit = await (await signedIn(outsider)).request(`/courses/${course.slug}/${key}`, { form: { intent: "submit-reflection" } });
    expect(outsiderSubmit.status).toBe(404);
  });
});

describe("graders", () => {
  test("the queue lists only what the signed-in member may see", async () => {
    const a1 = await htmlOf(await (await signedIn(secA1)).request("/grading?status=all"));
    expect(a1).toContain(w1.code);
    expect(a1).not.toContain(w3.code);
    const a2 = await htmlOf(await (await signedIn(secA2)).request("/grading?status=all"));
    expect(a2).toContain(w3.code);
    expect(a2).not.toContain(w1.code);
    const b = await htmlOf(await (await signedIn(trainerB)).request("/grading?status=all"));
    expect(b).not.toContain(w1.code);
    expect(b).not.toContain(w3.code);
    const all = await htmlOf(await (await signedIn(admin)).request("/grading?status=all"));
    expect(all).toContain(w1.code);
    expect(all).toContain(w3.code);
    expect((await client(srv.origin).request("/grading")).status).toBe(302);
    expect((await (await signedIn(secA1)).request("/grading?status=bogus")).status).toBe(400);
  });

  test("one submission: 404 out of scope for reading and grading; its grader grades", async () => {
    for (const m of [secA2, trainerB, w2, outsider]) {
      const c = await signedIn(m);
      expect((await c.request(`/grading/${sub1}`)).status).toBe(404);
      expect((await c.request(`/grading/${sub1}`, { form: { outcome: "pass", comment: "" } })).status).toBe(404);
      expect((await c.request(`/grading/${sub1}/print`)).status).toBe(404);
    }
    expect((await (await signedIn(secA1)).request(`/grading/999999`)).status).toBe(404);
    const sec = await signedIn(secA1);
    const page = await htmlOf(await sec.request(`/grading/${sub1}`));
    expect(page).toContain("đồng thời hướng dẫn đồng nghiệp trẻ");
    expect(page).toContain('data-testid="grade-form"');
    const noComment = await sec.request(`/grading/${sub1}`, { form: { outcome: "revise", comment: "" } });
    expect(noComment.status).toBe(422);
    expect((await submissionOf(srv.db, w1.id, course.id, key))!.state).toBe("submitted");
    const revised = await sec.request(`/grading/${sub1}`, { form: { outcome: "revise", comment: "Nêu rõ việc làm." } });
    expect(revised.status).toBe(200);
    expect((await submissionOf(srv.db, w1.id, course.id, key))!.state).toBe("returned");
    expect((await sec.request(`/grading/${sub1}/print`)).status).toBe(200);
  });

  test("bulk grading refuses a submission out of scope, all or nothing", async () => {
    const sec = await signedIn(secA1);
    const w2sub = (await submissionOf(srv.db, w2.id, course.id, key))!.id;
    const form = new URLSearchParams([
      ["intent", "bulk-pass"],
      ["id", String(w2sub)],
      ["id", String(sub3)],
    ]);
    const res = await sec.request("/grading", { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(404);
    expect((await submissionOf(srv.db, w2.id, course.id, key))!.state).toBe("submitted");
    const good = await sec.request("/grading", { form: { intent: "bulk-pass", id: String(w2sub) } });
    expect(good.status).toBe(200);
    expect((await submissionOf(srv.db, w2.id, course.id, key))!.state).toBe("passed");
  });

  test("the writer's own print view is theirs alone", async () => {
    expect((await (await signedIn(w1)).request(`/courses/${course.slug}/${key}/print`)).status).toBe(200);
    expect((await (await signedIn(outsider)).request(`/courses/${course.slug}/${key}/print`)).status).toBe(404);
  });
});

describe("authors", () => {
  test("only the course's authors read and change a reflection's rules", async () => {
    const url = `/manage/courses/${course.id}/items/${key}`;
    const rules = { minWords: "50", maxWords: "800", dueDay: "2030-05-01", graders: "trainers", scale: "score", passMark: "65" };
    const tb = await signedIn(trainerB);
    expect((await tb.request(url)).status).toBe(403);
    expect((await tb.request(url, { form: rules })).status).toBe(403);
    expect((await (await signedIn(secA1)).request(url)).status).toBe(403);
    const ad = await signedIn(admin);
    expect((await ad.request(url)).status).toBe(200);
    const bad = await ad.request(url, { form: { ...rules, minWords: "900" } });
    expect(bad.status).toBe(422);
    expect((await ad.request(url, { form: rules })).status).toBe(200);
    expect((await getItem(srv.db, course.id, key))!.settings).toEqual({ minWords: 50, maxWords: 800, dueDay: "2030-05-01", graders: "trainers", scale: "score", passMark: 65 });
  });
});

describe("reports", () => {
  test("the unit's reflection report: its own counts, who has not submitted, graders waiting; grades export; 404 outside scope", async () => {
    const ad = await signedIn(admin);
    const page = await htmlOf(await ad.request(`/manage/reports/units/${t.a.id}/reflections`));
    const cell = (col: string) => Number(page.match(new RegExp(`data-col="${col}"[^>]*>(\\d+)<`))?.[1]);
    // A1: w1 returned, w2 passed, secA1 not submitted; A2: w3 waiting, secA2 not submitted.
    expect(cell("assigned")).toBe(5);
    expect(cell("waiting")).toBe(1);
    expect(cell("returned")).toBe(1);
    expect(cell("passed")).toBe(1);
    expect(cell("notSubmitted")).toBe(2);
    expect(page).toMatch(/data-testid="reflection-missing"[\s\S]*RH-SEC-A1/);
    // The A2 submission waits on the A2 secretary.
    expect(page).toMatch(/data-testid="reflection-graders"[\s\S]*RH-SEC-A2/);
    // The unit report itself counts what waits for grading in its subtree (w3's, in A2).
    expect(await htmlOf(await ad.request(`/manage/reports/units/${t.a.id}`))).toContain("Bài thu hoạch: 1 chờ chấm");
    const csv = await ad.request(`/manage/reports/units/${t.a.id}/reflections/export?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("x-report-checksum")).toMatch(/^[0-9a-f]{64}$/);
    const text = await csv.text();
    expect(text).toContain("Bảng điểm bài thu hoạch theo đơn vị");
    expect(text).toContain("Nêu rõ việc làm.");
    expect(text).toMatch(/RH-W2.*Đạt/);
    const xlsx = await ad.request(`/manage/reports/units/${t.a.id}/reflections/export?format=xlsx`);
    expect(xlsx.headers.get("x-report-checksum")).toBe(csv.headers.get("x-report-checksum"));
    const tb = await signedIn(trainerB);
    expect((await tb.request(`/manage/reports/units/${t.a.id}/reflections`)).status).toBe(404);
    expect((await tb.request(`/manage/reports/units/${t.a.id}/reflections/export?format=csv`)).status).toBe(404);
    expect((await tb.request(`/manage/reports/units/${t.b.id}/reflections`)).status).toBe(200);
    const sec = await signedIn(secA1);
    expect((await sec.request(`/manage/reports/units/${t.a1.id}/reflections`)).status).toBe(403);
  });
});
