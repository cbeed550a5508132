import { first } from "#db/first.ts";
import fs from "node:fs";
import { parseEnv } from "#app/env.server.ts";
import { closeDb, openDb } from "#db/client.server.ts";
import { getCourseBySlug } from "#app/courses/courses.server.ts";
import { bankSource } from "#app/quizzes/bank.server.ts";
import { exportGiftDetailed, parseGift } from "#app/quizzes/gift.ts";
import { courseItems } from "#db/schema/index.ts";
import { and, asc, eq } from "drizzle-orm";

/** npm run quiz:export -- --course SLUG [--item KEY] [--out FILE]: the bank as GIFT (stdout by default). */
const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const slug = opt("course");
if (!slug) {
  console.error("Cách dùng / usage: npm run quiz:export -- --course SLUG [--item KEY] [--out FILE]");
  process.exit(2);
}
const env = parseEnv();
const db = await openDb(env.DATABASE_URL, { migrate: true });
const course = await getCourseBySlug(db, slug);
const key =
  opt("item") ??
  (course && (await first(db.select({ k: courseItems.key }).from(courseItems).where(and(eq(courseItems.courseId, course.id), eq(courseItems.type, "quiz"))).orderBy(asc(courseItems.position))))?.k);
if (!course || !key) {
  console.error(`Không có bài kiểm tra / no quiz in: ${slug}`);
  process.exit(1);
}
const { text, skipped } = exportGiftDetailed(parseGift(await bankSource(db, course.id, key)).questions);
for (const s of skipped) console.error(`  bỏ qua / skipped ${s.id}: ${s.reason.vi} / ${s.reason.en}`);
if (opt("out")) {
  fs.writeFileSync(opt("out")!, text);
  console.error(`✓ ${opt("out")}`);
} else process.stdout.write(text);
await closeDb(db);
