import { first } from "#db/first.ts";
import { writeTx } from "#db/client.server.ts";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { and, asc, count, eq } from "drizzle-orm";
import { testDb } from "#tests/factories/db.ts";
import { makeMember } from "#tests/factories/org.ts";
import { withPackageWorld } from "#tests/factories/course-packages.ts";
import { client, startTestServer } from "#tests/harness/http.ts";
import { courseAssignments, courseCompletions, courses, courseVersions, itemProgress } from "#db/schema/index.ts";
import { importPackage, loadPackage } from "#app/courses/package.server.ts";
import { getCourseBySlug, publishedSnapshot } from "#app/courses/courses.server.ts";
import { assignToUnit, completeLesson, coursesForMember, isAssigned, openItem } from "#app/courses/learning.server.ts";
import { snapshotItems, type CourseSnapshot } from "#app/courses/snapshot.ts";
import { createUnit } from "#app/org/units.server.ts";
import { transferMember } from "#app/org/members.server.ts";
import { domainError } from "#tests/harness/domain-error.ts";

/**
 * Courses on real SQLite files: packages imported from folders written here, versions, progress
 * that survives versions, completions, assignments to subtrees, and — over HTTP on the production
 * build — who may read what, and that quiz answers never reach a page.
 */

type Db = Awaited<ReturnType<typeof testDb>>;
type ItemSpec = { key: string; type?: "lesson" | "quiz"; title?: string; minutes?: number; required?: boolean; body: string };
type PackageSpec = { slug: string; title?: string; modules: { key: string; title?: string; items: ItemSpec[] }[]; cover?: boolean };

const COVER = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"><rect width="640" height="360" fill="#0a7"/></svg>\n`;
const T0 = new Date("2026-03-02T01:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const lesson = (title: string, body = "Nội dung bài học, đủ dài để đọc.") => `# ${title}\n\n${body}\n\n## Tóm tắt\n\nGhi nhớ ý chính.\n`;

/** A package folder written with fs, in the documented format. */
function writePackage(root: string, spec: PackageSpec): string {
  const dir = path.join(root, spec.slug);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "lessons"), { recursive: true });
  let n = 0;
  const modules = spec.modules.map((m) => ({
    key: m.key,
    title: m.title ?? `Chương ${m.key}`,
    items: m.items.map((it) => {
      n++;
      const type = it.type ?? "lesson";
      const file = type === "quiz" ? "quiz.gift" : `lessons/${String(n).padStart(2, "0")}-${it.key}.md`;
      fs.writeFileSync(path.join(dir, file), it.body);
      return { key: it.key, type, title: it.title ?? `Mục ${it.key}`, file, estimatedMinutes: it.minutes ?? 5, ...(it.required === false ? { required: false } : {}) };
    }),
  }));
  if (spec.cover) fs.writeFileSync(path.join(dir, "cover.svg"), COVER);
  const meta = {
    slug: spec.slug,
    title: spec.title ?? "Khóa học thử nghiệm",
    titleEn: "Test course",
    summary: "Tóm tắt khóa học thử nghiệm.",
    estimatedMinutes: 30,
    ...(spec.cover ? { cover: "cover.svg" } : {}),
    modules,
  };
  fs.writeFileSync(path.join(dir, "course.json"), `${JSON.stringify(meta, null, 2)}\n`);
  return dir;
}

function load(dir: string) {
  const r = loadPackage(dir);
  if (!r.ok) throw new Error(`package refused: ${JSON.stringify(r.problems)}`);
  return r.pkg;
}

async function versions(db: Db, courseId: number) {
  return await db.select().from(courseVersions).where(eq(courseVersions.courseId, courseId)).orderBy(asc(courseVersions.version));
}

async function progress(db: Db, memberId: number, courseId: number) {
  return Object.fromEntries(
    (await db
      .select()
      .from(itemProgress)
      .where(and(eq(itemProgress.memberId, memberId), eq(itemProgress.courseId, courseId))))
      .map((r) => [r.itemKey, r.state]),
  );
}

async function completion(db: Db, memberId: number, courseId: number) {
  return (await first(db.select().from(courseCompletions).where(and(eq(courseCompletions.memberId, memberId), eq(courseCompletions.courseId, courseId))))) ?? null;
}

async function course(db: Db, slug: string) {
  const c = await getCourseBySlug(db, slug);
  if (!c) throw new Error(`no course ${slug}`);
  return c;
}

/** Opens an item at `openAt` and completes it at `doneAt` (the reading rule is met by the gap). */
async function readLesson(db: Db, memberId: number, slug: string, key: string, openAt: Date, doneAt: Date) {
  const c = await course(db, slug);
  const pub = (await publishedSnapshot(db, c))!;
  await openItem(db, memberId, c.id, key, pub.versionId, openAt);
  return completeLesson(db, memberId, c, key, doneAt);
}

const threeLessons = (slug: string, changed = "", drop: string[] = []): PackageSpec => ({
  slug,
  modules: [
    {
      key: "chuong-mot",
      items: [
        { key: "bai-mot", body: lesson("Bài một", `Nội dung bài một.${changed}`) },
        { key: "bai-hai", body: lesson("Bài hai") },
        { key: "bai-ba", body: lesson("Bài ba") },
      ].filter((i) => !drop.includes(i.key)),
    },
  ],
});

// ---- versions ----------------------------------------------------------------------------------

test("import publishes version 1; an unchanged re-import makes no version; a changed lesson makes version 2 and keeps progress on unchanged keys", async () => {
  await withPackageWorld(async ({ db, tree, dataDir, pkgRoot }) => {
    const slug = "khoa-phien-ban";
    const dir = writePackage(pkgRoot, { ...threeLessons(slug), cover: true });
    const first = await importPackage(db, dataDir, load(dir), null, at(0));
    expect(first).toMatchObject({ slug, created: true, version: 1, newVersion: true });
    const c1 = await course(db, slug);
    expect(c1.state).toBe("published");
    expect(c1.coverFile).toMatch(/^[a-f0-9]{64}\.svg$/);
    expect((await versions(db, c1.id)).map((v) => v.version)).toEqual([1]);

    // Same files, read again: nothing new.
    const again = await importPackage(db, dataDir, load(dir), null, at(1));
    expect(again).toMatchObject({ created: false, version: 1, newVersion: false });
    expect((await versions(db, c1.id)).map((v) => v.version)).toEqual([1]);
    expect((await versions(db, c1.id))[0].publishedAt).toEqual(at(0));

    const m = await makeMember(db, tree.a1);
    await assignToUnit(db, { courseId: c1.id, unitId: tree.a.id, dueAt: null, actorId: null });
    await readLesson(db, m.id, slug, "bai-mot", at(2), at(10));
    await readLesson(db, m.id, slug, "bai-ba", at(2), at(10));
    expect((await coursesForMember(db, m.id))[0]).toMatchObject({ slug, itemsTotal: 3, itemsDone: 2, completedAt: null });

    // Lesson one's text changes and lesson three is removed.
    writePackage(pkgRoot, { ...threeLessons(slug, " Thêm một câu mới.", ["bai-ba"]), cover: true });
    const second = await importPackage(db, dataDir, load(dir), null, at(20));
    expect(second).toMatchObject({ created: false, version: 2, newVersion: true });
    const vs = await versions(db, c1.id);
    expect(vs.map((v) => v.version)).toEqual([1, 2]);
    expect((await course(db, slug)).publishedVersionId).toBe(vs[1].id);
    // Version 1 is frozen: it still has lesson three and the old text.
    const v1 = vs[0].snapshot as CourseSnapshot;
    const v2 = vs[1].snapshot as CourseSnapshot;
    expect(snapshotItems(v1).map((i) => i.key)).toEqual(["bai-mot", "bai-hai", "bai-ba"]);
    expect(snapshotItems(v2).map((i) => i.key)).toEqual(["bai-mot", "bai-hai"]);
    expect(JSON.stringify(v1)).not.toContain("Thêm một câu mới.");
    expect(JSON.stringify(v2)).toContain("Thêm một câu mới.");

    // Progress on the kept key stays completed; the removed key no longer counts.
    expect(await progress(db, m.id, c1.id)).toMatchObject({ "bai-mot": "completed" });
    expect((await coursesForMember(db, m.id))[0]).toMatchObject({ itemsTotal: 2, itemsDone: 1, completedAt: null });
    expect((await domainError(async () => completeLesson(db, m.id, await course(db, slug), "bai-ba", at(30)))).key).toBe("course.error.itemNotFound");

    // And the same changed package once more: still version 2.
    expect(await importPackage(db, dataDir, load(dir), null, at(40))).toMatchObject({ version: 2, newVersion: false });
  });
});

// ---- completion --------------------------------------------------------------------------------

test("course completion is dated when the last required item was met, not later optional work or repeats", async () => {
  await withPackageWorld(async ({ db, tree, dataDir, pkgRoot }) => {
    const slug = "khoa-hoan-thanh";
    const dir = writePackage(pkgRoot, {
      slug,
      modules: [
        {
          key: "chuong",
          items: [
            { key: "bat-buoc-mot", body: lesson("Một") },
            { key: "bat-buoc-hai", body: lesson("Hai") },
            { key: "tu-chon", required: false, body: lesson("Tùy chọn") },
          ],
        },
      ],
    });
    await importPackage(db, dataDir, load(dir), null, at(0));
    const c = await course(db, slug);
    await assignToUnit(db, { courseId: c.id, unitId: tree.a1.id, dueAt: null, actorId: null });
    const m = await makeMember(db, tree.a1);

    expect(await readLesson(db, m.id, slug, "tu-chon", at(1), at(5))).toEqual({ alreadyDone: false, courseCompleted: false });
    expect(await readLesson(db, m.id, slug, "bat-buoc-hai", at(1), at(10))).toEqual({ alreadyDone: false, courseCompleted: false });
    expect(await completion(db, m.id, c.id)).toBeNull();
    expect(await readLesson(db, m.id, slug, "bat-buoc-mot", at(1), at(25))).toEqual({ alreadyDone: false, courseCompleted: true });
    const done = (await completion(db, m.id, c.id))!;
    expect(done.completedAt).toEqual(at(25));
    expect(done.versionId).toBe((await course(db, slug)).publishedVersionId);
    // Completing again later changes nothing.
    expect(await completeLesson(db, m.id, await course(db, slug), "bat-buoc-hai", at(60))).toEqual({ alreadyDone: true, courseCompleted: false });
    expect((await completion(db, m.id, c.id))!.completedAt).toEqual(at(25));
    expect((await coursesForMember(db, m.id))[0]).toMatchObject({ slug, itemsTotal: 2, itemsDone: 2, completedAt: at(25) });
  });
});

test("a new version that removes the only unmet required item completes the course, dated when the last remaining item was met", async () => {
  await withPackageWorld(async ({ db, tree, dataDir, pkgRoot }) => {
    const slug = "khoa-bo-bai";
    const dir = writePackage(pkgRoot, threeLessons(slug));
    await importPackage(db, dataDir, load(dir), null, at(0));
    const c = await course(db, slug);
    await assignToUnit(db, { courseId: c.id, unitId: tree.a.id, dueAt: null, actorId: null });
    const m = await makeMember(db, tree.a2);
    await readLesson(db, m.id, slug, "bai-mot", at(1), at(10));
    await readLesson(db, m.id, slug, "bai-hai", at(1), at(15));
    expect(await completion(db, m.id, c.id)).toBeNull();

    writePackage(pkgRoot, threeLessons(slug, "", ["bai-ba"]));
    expect(await importPackage(db, dataDir, load(dir), null, at(100))).toMatchObject({ version: 2, newVersion: true });
    // Every required item of the published version is met: the course is complete, as of minute 15.
    const mine = (await coursesForMember(db, m.id))[0];
    expect(await mine).toMatchObject({ itemsTotal: 2, itemsDone: 2 });
    expect(mine.completedAt).toEqual(at(15));
    expect((await completion(db, m.id, c.id))?.completedAt ?? null).toEqual(at(15));
  });
});

test("a completion survives a new version that adds a required item", async () => {
  await withPackageWorld(async ({ db, tree, dataDir, pkgRoot }) => {
    const slug = "khoa-them-bai";
    const two = (extra: ItemSpec[] = []): PackageSpec => ({
      slug,
      modules: [{ key: "chuong", items: [{ key: "mot", body: lesson("Một") }, { key: "hai", body: lesson("Hai") }, ...extra] }],
    });
    const dir = writePackage(pkgRoot, two());
    await importPackage(db, dataDir, load(dir), null, at(0));
    const c = await course(db, slug);
    const v1 = (await course(db, slug)).publishedVersionId;
    await assignToUnit(db, { courseId: c.id, unitId: tree.root.id, dueAt: null, actorId: null });
    const m = await makeMember(db, tree.b2);
    await readLesson(db, m.id, slug, "mot", at(1), at(10));
    expect((await readLesson(db, m.id, slug, "hai", at(1), at(12))).courseCompleted).toBe(true);

    writePackage(pkgRoot, two([{ key: "ba-moi", body: lesson("Ba mới") }]));
    expect(await importPackage(db, dataDir, load(dir), null, at(50))).toMatchObject({ version: 2, newVersion: true });
    expect((await course(db, slug)).publishedVersionId).not.toBe(v1);
    const kept = (await completion(db, m.id, c.id))!;
    expect(kept).toMatchObject({ versionId: v1, completedAt: at(12) });
    expect((await coursesForMember(db, m.id))[0]).toMatchObject({ itemsTotal: 3, itemsDone: 2, completedAt: at(12) });
    // Doing the new lesson too does not move the date or the version it was earned on.
    expect(await readLesson(db, m.id, slug, "ba-moi", at(60), at(70))).toEqual({ alreadyDone: false, courseCompleted: false });
    expect(await completion(db, m.id, c.id)).toMatchObject({ versionId: v1, completedAt: at(12) });
    expect((await first(db.select({ n: count() }).from(courseCompletions)))!.n).toBe(1);
  });
});

// ---- reading rule ------------------------------------------------------------------------------

test("completeLesson refuses before the minimum reading time (readLonger), then accepts once started_at is old enough", async () => {
  await withPackageWorld(async ({ db, tree, dataDir, pkgRoot }) => {
    const slug = "khoa-doc-du";
    // 10 minutes estimated → 120 s minimum (20 %, capped at 120 s).
    const dir = writePackage(pkgRoot, { slug, modules: [{ key: "c", items: [{ key: "bai-dai", minutes: 10, body: lesson("Dài") }] }] });
    await importPackage(db, dataDir, load(dir), null);
    const c = await course(db, slug);
    await assignToUnit(db, { courseId: c.id, unitId: tree.a1.id, dueAt: null, actorId: null });
    const m = await makeMember(db, tree.a1);

    expect((await domainError(() => completeLesson(db, m.id, c, "bai-dai"))).key).toBe("course.error.notOpened");
    const now = new Date();
    await openItem(db, m.id, c.id, "bai-dai", (await publishedSnapshot(db, c))!.versionId, now);
    const early = await domainError(() => completeLesson(db, m.id, c, "bai-dai", new Date(now.getTime() + 30_000)));
    expect(early.key).toBe("course.error.readLonger");
    expect(early.params).toEqual({ seconds: 90 });
    expect(early.status).toBe(409);
    // Opening again does not restart (or advance) the clock.
    await openItem(db, m.id, c.id, "bai-dai", (await publishedSnapshot(db, c))!.versionId, new Date(now.getTime() + 60_000));
    expect((await domainError(() => completeLesson(db, m.id, c, "bai-dai", new Date(now.getTime() + 119_000)))).params).toEqual({ seconds: 1 });
    expect(await progress(db, m.id, c.id)).toEqual({ "bai-dai": "started" });

    // Backdate the first opening instead of sleeping.
    await writeTx(db, async (tx) => tx.update(itemProgress)
      .set({ startedAt: new Date(Date.now() - 121_000) })
      .where(and(eq(itemProgress.memberId, m.id), eq(itemProgress.itemKey, "bai-dai"))));
    expect(await completeLesson(db, m.id, c, "bai-dai")).toEqual({ alreadyDone: false, courseCompleted: true });
    expect(await progress(db, m.id, c.id)).toEqual({ "bai-dai": "completed" });
  });
});

// ---- assignments -------------------------------------------------------------------------------

test("an assignment to a subtree reaches a member of a unit created under it later, and a member transferred in", async () => {
  await withPackageWorld(async ({ db, tree, dataDir, pkgRoot }) => {
    const slug = "khoa-giao-sau";
    await importPackage(db, dataDir, load(writePackage(pkgRoot, threeLessons(slug))), null);
    const c = await course(db, slug);
    const due = new Date("2026-12-31T16:59:59Z");
    await assignToUnit(db, { courseId: c.id, unitId: tree.a.id, dueAt: due, actorId: null });

    // Created after the assignment.
    const a3 = await createUnit(db, { code: "A3", name: "Chi bộ A3 mới", parentId: tree.a.id });
    const a3x = await createUnit(db, { code: "A3X", name: "Tổ A3X", parentId: a3.id });
    const newcomer = await makeMember(db, a3x, { fullName: "Người Mới Vào" });
    expect(await coursesForMember(db, newcomer.id)).toMatchObject([{ slug, assigned: true, dueAt: due, itemsTotal: 3, itemsDone: 0 }]);
    expect(await isAssigned(db, newcomer.id, c.id)).toBe(true);

    // Outside the subtree: nothing. Then transferred in: it appears.
    const outsider = await makeMember(db, tree.b1);
    expect(await coursesForMember(db, outsider.id)).toEqual([]);
    expect(await isAssigned(db, outsider.id, c.id)).toBe(false);
    await transferMember(db, outsider.id, tree.a2.id, null);
    expect((await coursesForMember(db, outsider.id)).map((x) => x.slug)).toEqual([slug]);
  });
});

test("a member transferred out keeps the course they completed; one who had not completed loses it", async () => {
  await withPackageWorld(async ({ db, tree, dataDir, pkgRoot }) => {
    const slug = "khoa-chuyen-di";
    await importPackage(db, dataDir, load(writePackage(pkgRoot, { slug, modules: [{ key: "c", items: [{ key: "duy-nhat", body: lesson("Duy nhất") }] }] })), null);
    const c = await course(db, slug);
    await assignToUnit(db, { courseId: c.id, unitId: tree.a.id, dueAt: null, actorId: null });
    const finisher = await makeMember(db, tree.a1);
    const quitter = await makeMember(db, tree.a1);
    expect((await readLesson(db, finisher.id, slug, "duy-nhat", at(0), at(5))).courseCompleted).toBe(true);
    await openItem(db, quitter.id, c.id, "duy-nhat", (await publishedSnapshot(db, c))!.versionId, at(0));

    await transferMember(db, finisher.id, tree.b1.id, null);
    await transferMember(db, quitter.id, tree.b1.id, null);
    expect(await coursesForMember(db, finisher.id)).toMatchObject([{ slug, assigned: false, completedAt: at(5), itemsDone: 1, itemsTotal: 1 }]);
    expect(await isAssigned(db, finisher.id, c.id)).toBe(true);
    expect(await coursesForMember(db, quitter.id)).toEqual([]);
    expect(await isAssigned(db, quitter.id, c.id)).toBe(false);
  });
});

// ---- over HTTP ---------------------------------------------------------------------------------

async function withServer<T>(w: { db: Db; dataDir: string }, run: (origin: string) => Promise<T>): Promise<T> {
  const srv = await startTestServer(w.db, { DATA_DIR: w.dataDir });
  try {
    return await run(srv.origin);
  } finally {
    await srv.close();
  }
}

test("HTTP: a member the course is not assigned to gets 404 on it and its items; a trainer previews without progress rows", async () => {
  await withPackageWorld(async (w) => {
    const { db, tree, dataDir, pkgRoot } = w;
    const slug = "khoa-rieng";
    const dir = writePackage(pkgRoot, {
      slug,
      title: "Khóa Riêng Của A1",
      modules: [{ key: "c", items: [{ key: "bai-mot", body: lesson("Bài Mật Một") }, { key: "kiem-tra", type: "quiz", body: "::Q1::Câu hỏi?{=đúng ~sai}\n" }] }],
    });
    await importPackage(db, dataDir, load(dir), null);
    const c = await course(db, slug);
    await assignToUnit(db, { courseId: c.id, unitId: tree.a1.id, dueAt: null, actorId: null });
    await makeMember(db, tree.a1, { code: "HOC-A1" });
    await makeMember(db, tree.b1, { code: "HOC-B1" });
    const trainer = await makeMember(db, tree.b, { code: "TRAINER-B", role: "trainer", scopes: [tree.b] });
    const urls = [`/courses/${slug}`, `/courses/${slug}/bai-mot`, `/courses/${slug}/kiem-tra`];

    await withServer(w, async (origin) => {
      // Not signed in: sent to sign in.
      for (const u of urls) {
        const r = await client(origin).request(u);
        expect(r.status, u).toBe(302);
        expect(r.headers.get("location"), u).toMatch(/^\/login/);
      }
      // Assigned member: readable (the 404s below are about assignment, not a broken page).
      const a1 = client(origin);
      await a1.signIn("HOC-A1");
      for (const u of urls) expect((await a1.request(u)).status, u).toBe(200);
      expect(await (await a1.request(`/courses/${slug}/bai-mot`)).text()).toContain("Bài Mật Một");

      const b1 = client(origin);
      await b1.signIn("HOC-B1");
      for (const u of [...urls, `/courses/${slug}/khong-co`, `/courses/khong-co-khoa`]) {
        const r = await b1.request(u);
        expect(r.status, u).toBe(404);
        const body = await r.text();
        expect(body, u).not.toContain("Bài Mật Một");
        expect(body, u).not.toContain("Khóa Riêng Của A1");
      }
      const post = await b1.request(`/courses/${slug}/bai-mot`, { form: { intent: "complete" } });
      expect(post.status).toBe(404);
      expect(await (await b1.request("/courses")).text()).not.toContain("Khóa Riêng Của A1");

      const tr = client(origin);
      await tr.signIn("TRAINER-B");
      for (const u of urls) expect((await tr.request(u)).status, u).toBe(200);
      expect(await (await tr.request(`/courses/${slug}/bai-mot`)).text()).toContain("Bài Mật Một");
      // A preview cannot complete anything either.
      expect((await tr.request(`/courses/${slug}/bai-mot`, { form: { intent: "complete" } })).status).toBe(403);
    });
    const rows = await db.select().from(itemProgress);
    expect(rows.filter((r) => r.memberId === trainer.id)).toEqual([]);
    // Only the assigned member's reading started clocks.
    expect(rows.map((r) => r.itemKey).sort()).toEqual(["bai-mot", "kiem-tra"]);
    expect((await first(db.select({ n: count() }).from(courseCompletions)))!.n).toBe(0);
  });
});

test("HTTP: marking a lesson done too early answers 409 with the reading message; after backdating it completes", async () => {
  await withPackageWorld(async (w) => {
    const { db, tree, dataDir, pkgRoot } = w;
    const slug = "khoa-http-doc";
    await importPackage(db, dataDir, load(writePackage(pkgRoot, { slug, modules: [{ key: "c", items: [{ key: "bai", minutes: 10, body: lesson("Bài") }] }] })), null);
    const c = await course(db, slug);
    await assignToUnit(db, { courseId: c.id, unitId: tree.a.id, dueAt: null, actorId: null });
    const m = await makeMember(db, tree.a1, { code: "DOC-1" });
    await withServer(w, async (origin) => {
      const u = client(origin);
      await u.signIn("DOC-1");
      expect((await u.request(`/courses/${slug}/bai`)).status).toBe(200);
      const early = await u.request(`/courses/${slug}/bai`, { form: { intent: "complete" } });
      expect(early.status).toBe(409);
      expect(await early.text()).toContain("Hãy đọc thêm khoảng");
      expect(await progress(db, m.id, c.id)).toEqual({ bai: "started" });
      await writeTx(db, async (tx) => tx.update(itemProgress).set({ startedAt: new Date(Date.now() - 10 * 60_000) }).where(eq(itemProgress.memberId, m.id)));
      const done = await u.request(`/courses/${slug}/bai`, { form: { intent: "complete" } });
      expect(done.status).toBe(200);
      expect(await done.text()).toContain("Chúc mừng! Bạn đã hoàn thành khóa học.");
      expect(await progress(db, m.id, c.id)).toEqual({ bai: "completed" });
      expect(await completion(db, m.id, c.id)).not.toBeNull();
    });
  });
});

test("HTTP: no page or data response ever contains the GIFT source of a quiz", async () => {
  await withPackageWorld(async (w) => {
    const { db, tree, dataDir, pkgRoot } = w;
    const CANARY_ANSWER = "CANARYANSWER7f3a";
    const CANARY_FEEDBACK = "CANARYFEEDBACK91c";
    const CANARY_NAME = "CANARYQNAME55";
    const gift = [
      "// Ngân hàng câu hỏi thử",
      "$CATEGORY: khoa-co-quiz/cuoi-khoa",
      "",
      `::${CANARY_NAME}::Mật khẩu mạnh là gì?{=Dài và khó đoán ${CANARY_ANSWER}#Đúng rồi ${CANARY_FEEDBACK} ~Ngày sinh#Sai ~123456#Sai ####Giải thích chung ${CANARY_FEEDBACK}}`,
      "",
      `::Q2::Xác thực hai bước an toàn hơn.{T#Sai rồi ${CANARY_FEEDBACK}#Đúng ${CANARY_ANSWER}}`,
      "",
    ].join("\n");
    const slug = "khoa-co-quiz";
    const dir = writePackage(pkgRoot, {
      slug,
      cover: true,
      modules: [
        { key: "hoc", items: [{ key: "bai-mot", body: lesson("Bài một") }, { key: "bai-hai", body: lesson("Bài hai") }] },
        { key: "kiem-tra", title: "Kiểm tra", items: [{ key: "kiem-tra-cuoi", type: "quiz", title: "Bài kiểm tra cuối khóa", body: gift }] },
      ],
    });
    await importPackage(db, dataDir, load(dir), null);
    const c = await course(db, slug);
    // The source is really stored (in the draft and in the published snapshot) — it just never leaves.
    expect(JSON.stringify((await publishedSnapshot(db, c))!.snapshot)).toContain(CANARY_ANSWER);
    await assignToUnit(db, { courseId: c.id, unitId: tree.a.id, dueAt: new Date("2026-12-31T00:00:00Z"), actorId: null });
    await makeMember(db, tree.a1, { code: "QUIZ-A1" });
    await makeMember(db, tree.a, { code: "TRAINER-A", role: "trainer", scopes: [tree.a] });
    await makeMember(db, tree.root, { code: "ADMIN-1", role: "admin" });

    const itemKeys = snapshotItems((await publishedSnapshot(db, c))!.snapshot).map((i) => i.key);
    expect(itemKeys).toEqual(["bai-mot", "bai-hai", "kiem-tra-cuoi"]);
    const pages = ["/", "/courses", `/courses/${slug}`, ...itemKeys.map((k) => `/courses/${slug}/${k}`)];
    // Single-fetch data requests carry the same loader data as the documents.
    const data = ["/_root.data", "/courses.data", `/courses/${slug}.data`, ...itemKeys.map((k) => `/courses/${slug}/${k}.data`)];

    await withServer(w, async (origin) => {
      const check = async (who: string, list: string[]) => {
        const u = client(origin);
        await u.signIn(who);
        for (const p of list) {
          const r = await u.request(p);
          expect(r.status, `${who} ${p}`).toBe(200);
          const body = await r.text();
          expect(body.length, `${who} ${p}`).toBeGreaterThan(20);
          for (const canary of [CANARY_ANSWER, CANARY_FEEDBACK, CANARY_NAME, "$CATEGORY"]) expect(body, `${who} ${p}`).not.toContain(canary);
        }
        return u;
      };
      const member = await check("QUIZ-A1", [...pages, ...data]);
      // The pages really are about this course (so the absence above means something).
      const quizPage = await (await member.request(`/courses/${slug}/kiem-tra-cuoi`)).text();
      expect(quizPage).toContain("Bài kiểm tra cuối khóa");
      expect(await (await member.request("/courses")).text()).toContain("Khóa học thử nghiệm");
      await check("TRAINER-A", [...pages, ...data, "/manage/courses", `/manage/courses/${c.id}`]);
      await check("ADMIN-1", [`/courses/${slug}/kiem-tra-cuoi`, `/courses/${slug}/kiem-tra-cuoi.data`, "/manage/courses", `/manage/courses/${c.id}`, `/manage/courses/${c.id}.data`]);
    });
  });
});

test("HTTP: a trainer of committee A assigns only within A and unassigns only assignments in A", async () => {
  await withPackageWorld(async (w) => {
    const { db, tree, dataDir, pkgRoot } = w;
    const slug = "khoa-pham-vi";
    await importPackage(db, dataDir, load(writePackage(pkgRoot, threeLessons(slug))), null);
    const c = await course(db, slug);
    await makeMember(db, tree.a, { code: "TRAINER-A", role: "trainer", scopes: [tree.a] });
    await makeMember(db, tree.b1, { code: "MEM-B1" });
    await makeMember(db, tree.a2, { code: "MEM-A2" });
    const assignments = async () =>
      await db
        .select({ id: courseAssignments.id, unitId: courseAssignments.unitId, memberId: courseAssignments.memberId, dueAt: courseAssignments.dueAt })
        .from(courseAssignments)
        .where(eq(courseAssignments.courseId, c.id))
        .orderBy(asc(courseAssignments.id));
    // An administrator's assignments elsewhere in the tree.
    await assignToUnit(db, { courseId: c.id, unitId: tree.b1.id, dueAt: null, actorId: null });
    await assignToUnit(db, { courseId: c.id, unitId: tree.root.id, dueAt: null, actorId: null });
    const [onB1, onRoot] = await assignments();

    await withServer(w, async (origin) => {
      const t = client(origin);
      await t.signIn("TRAINER-A");
      const post = (form: Record<string, string>) => t.request(`/manage/courses/${c.id}`, { form });

      for (const unitCode of ["B", "B1", "ROOT", "KHONG-CO"]) {
        const r = await post({ intent: "assign", unitCode, memberCode: "", due: "2026-12-31" });
        expect(r.status, unitCode).toBe(404);
      }
      expect((await post({ intent: "assign", unitCode: "", memberCode: "MEM-B1", due: "" })).status).toBe(404);
      expect(await assignments()).toEqual([onB1, onRoot]);

      const ok = await post({ intent: "assign", unitCode: "A1", memberCode: "", due: "2026-12-31" });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("Đã giao khóa học.");
      expect((await post({ intent: "assign", unitCode: "", memberCode: "MEM-A2", due: "" })).status).toBe(200);
      const now = await assignments();
      expect(now.length).toBe(4);
      const onA1 = now.find((a) => a.unitId === tree.a1.id)!;
      expect(onA1.dueAt).toEqual(new Date("2026-12-31T23:59:59.999+07:00"));
      const onA2Member = now.find((a) => a.memberId !== null)!;

      // The page lists only A's assignments.
      const page = await (await t.request(`/manage/courses/${c.id}`)).text();
      expect(page).toContain("Chi bộ A1");
      expect(page).not.toContain("Chi bộ B1");
      expect(page).not.toContain("Đảng bộ Trung ương");

      for (const id of [onB1.id, onRoot.id, 999_999]) {
        const r = await post({ intent: "unassign", assignmentId: String(id) });
        expect(r.status, String(id)).toBe(404);
      }
      expect((await assignments()).map((a) => a.id)).toEqual([onB1.id, onRoot.id, onA1.id, onA2Member.id]);

      expect((await post({ intent: "unassign", assignmentId: String(onA1.id) })).status).toBe(200);
      expect((await post({ intent: "unassign", assignmentId: String(onA2Member.id) })).status).toBe(200);
      expect(await assignments()).toEqual([onB1, onRoot]);
      // Publishing and archiving are for administrators.
      expect((await post({ intent: "archive" })).status).toBe(403);
      expect((await first(db.select().from(courses).where(eq(courses.id, c.id))))!.state).toBe("published");
    });
  });
});
