import { first } from "#db/first.ts";
import { afterEach, beforeEach, expect, test } from "vitest";
import { and, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree } from "#tests/factories/org.ts";
import { addItem, createCourse, saveLessonDraft } from "#app/courses/authoring.server.ts";
import { getCourse, publishCourse } from "#app/courses/courses.server.ts";
import { assignToUnit, completeLesson, openItem } from "#app/courses/learning.server.ts";
import { recordWatchBeat } from "#app/courses/video-watch.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { itemProgress } from "#db/schema/index.ts";

let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

const VIDEO = `/uploads/${"a".repeat(64)}.mp4`;

test("a video lesson completes only after the server has counted 90 % of real playback", async () => {
  const t = await makeTree(db);
  const m = await makeMember(db, t.a1);
  const c = await createCourse(db, { slug: "khoa-video", title: "Khóa video" });
  const item = await addItem(db, c.id, "chuong-1", "lesson", "Bài có video");
  const saved = await saveLessonDraft(db, c.id, item.key, {
    title: "Bài có video",
    doc: { type: "doc", content: [{ type: "paragraph", content: [{ type: "text", text: "Xem video." }] }, { type: "mediaEmbed", attrs: { kind: "video", src: VIDEO, title: "Video" } }] },
  });
  expect(saved.ok).toBe(true);
  const pub = await publishCourse(db, c.id, null);
  await assignToUnit(db, { courseId: c.id, unitId: t.root.id, dueAt: null, actorId: null });
  const course = (await getCourse(db, c.id))!;
  const t0 = Date.parse("2026-04-01T08:00:00Z");
  const at = (s: number) => new Date(t0 + s * 1000);
  await openItem(db, m.id, c.id, item.key, pub.versionId, at(0));

  const refuse = async (when: Date) => {
    try {
      await completeLesson(db, m.id, course, item.key, when);
      return "completed";
    } catch (e) {
      return (e as DomainError).key;
    }
  };
  expect(await refuse(at(600))).toBe("course.error.watchVideo");

  // A 60-second video: beats every 10 s credit 10 s each; the first beat credits nothing.
  for (let s = 600; s <= 640; s += 10) await recordWatchBeat(db, m.id, c.id, item.key, 60, at(s));
  const row = async () => (await first(db.select().from(itemProgress).where(and(eq(itemProgress.memberId, m.id), eq(itemProgress.itemKey, item.key)))))!;
  expect([(await row()).watchSeconds, (await row()).watchDuration]).toEqual([40, 60]);
  expect(await refuse(at(641))).toBe("course.error.watchLonger");

  // A burst of beats a millisecond apart earns (almost) nothing; a claimed shorter video is ignored.
  for (let i = 1; i <= 50; i++) await recordWatchBeat(db, m.id, c.id, item.key, 1, new Date(t0 + 640_000 + i));
  expect([(await row()).watchSeconds, (await row()).watchDuration]).toEqual([40, 60]);
  // After a long pause the first beat credits nothing either.
  await recordWatchBeat(db, m.id, c.id, item.key, 60, at(2000));
  expect((await row()).watchSeconds).toBe(40);
  await recordWatchBeat(db, m.id, c.id, item.key, 60, at(2010));
  await recordWatchBeat(db, m.id, c.id, item.key, 60, at(2020));
  expect((await row()).watchSeconds).toBe(60);
  expect(await refuse(at(2021))).toBe("completed");
});

test("a beat 15–30 s after the previous one credits only the cap; later than 30 s, nothing", async () => {
  const t = await makeTree(db);
  const m = await makeMember(db, t.a1, { password: false });
  const c = await createCourse(db, { slug: "khoa-video-nhip", title: "Khóa video, nhịp thưa" });
  const item = await addItem(db, c.id, "chuong-1", "lesson", "Bài có video");
  await saveLessonDraft(db, c.id, item.key, { title: "Bài có video", doc: { type: "doc", content: [{ type: "mediaEmbed", attrs: { kind: "video", src: VIDEO, title: "Video" } }] } });
  const pub = await publishCourse(db, c.id, null);
  await assignToUnit(db, { courseId: c.id, unitId: t.root.id, dueAt: null, actorId: null });
  const t0 = Date.parse("2026-04-01T08:00:00Z");
  await openItem(db, m.id, c.id, item.key, pub.versionId, new Date(t0));
  let clock = t0;
  /** A beat `gapMs` after the previous one; returns the seconds it credited. */
  const beat = async (gapMs: number) => {
    const before = (await first(db.select().from(itemProgress).where(and(eq(itemProgress.memberId, m.id), eq(itemProgress.itemKey, item.key)))))!.watchSeconds;
    clock += gapMs;
    return (await recordWatchBeat(db, m.id, c.id, item.key, 3600, new Date(clock))).watchSeconds - before;
  };
  expect(await beat(0)).toBe(0); // the first beat starts the clock
  expect(await beat(15_000)).toBe(15); // exactly the cap
  expect(await beat(20_000)).toBe(15); // more time passed than the cap: only the cap
  expect(await beat(25_000)).toBe(15);
  expect(await beat(30_000)).toBe(15); // exactly twice the cap is still playback
  expect(await beat(30_001)).toBe(0); // a longer silence is a pause, not playback
  expect(await beat(14_000)).toBe(14); // under the cap: the time that passed
});
