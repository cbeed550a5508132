import fs from "node:fs";
import { closeDb } from "#db/client.server.ts";
import { getCourseBySlug, publishCourse } from "#app/courses/courses.server.ts";
import { importGiftFile } from "#app/quizzes/bank.server.ts";
import { exitWithUsage, inputFileOrExit, openEnvDb } from "./cli.ts";

/**
 * npm run quiz:import -- FILE.gift --course SLUG [--item KEY] [--strict] [--no-publish]
 * Puts a Moodle GIFT bank into a course's quiz, lists every unsupported question with its line,
 * and publishes a new version unless told not to.
 */
const argv = process.argv.slice(2);
const opt = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const USAGE = "npm run quiz:import -- FILE.gift --course SLUG [--item KEY] [--strict] [--no-publish]";
const slug = opt("course") || exitWithUsage(USAGE);
const file = inputFileOrExit(argv.find((a, i) => !a.startsWith("--") && !["--course", "--item"].includes(argv[i - 1] ?? "")), USAGE);
const db = await openEnvDb();
const course = await getCourseBySlug(db, slug);
if (!course) {
  console.error(`Không có khóa học / no course: ${slug}`);
  process.exit(1);
}
// Bytes, not "utf8": a UTF-16 or Windows-1258 bank must be decoded as such, or refused.
const r = await importGiftFile(db, course.id, opt("item") ?? null, fs.readFileSync(file), { strict: argv.includes("--strict") });
for (const p of r.problems) console.log(`  dòng/line ${p.line}: ${p.message.vi} / ${p.message.en}`);
const kinds = Object.entries(r.byKind).map(([k, n]) => `${k} ${n}`).join(", ");
if (!r.itemKey) {
  console.error(`✗ Không ghi gì / nothing written: ${r.questions} câu hỏi/questions, ${r.problems.length} vấn đề/problems`);
  process.exit(1);
}
console.log(`✓ ${r.questions} câu hỏi / questions (${kinds}) → ${slug}/${r.itemKey}; ${r.problems.length} câu không nhận / not imported`);
if (!argv.includes("--no-publish")) {
  const p = await publishCourse(db, course.id, null);
  console.log(`  phiên bản / version ${p.version}${p.created ? " (mới / new)" : ""}`);
}
await closeDb(db);
process.exit(r.problems.length ? 3 : 0);
