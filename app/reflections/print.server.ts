import { first } from "#db/first.ts";
import { eq } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { members, reflectionSubmissions, units } from "#db/schema/index.ts";
import { getCourse, publishedSnapshot } from "#app/courses/courses.server.ts";
import { lessonHtml } from "#app/courses/version-cache.server.ts";
import { versionsWithGrades } from "./writing.server.ts";

/**
 * One member's reflection for paper: who, which unit (at submission), the prompt, the latest
 * version and every grade. The caller has checked who may see it (the writer, or its graders and
 * managers through requireVisibleSubmission).
 */
export async function reflectionPrint(db: Db, submissionId: number) {
  const row = await first(db
    .select({ s: reflectionSubmissions, memberName: members.fullName, memberCode: members.code, unitName: units.name })
    .from(reflectionSubmissions)
    .innerJoin(members, eq(members.id, reflectionSubmissions.memberId))
    .leftJoin(units, eq(units.id, reflectionSubmissions.unitId))
    .where(eq(reflectionSubmissions.id, submissionId)));
  if (!row || row.s.versionNo === 0) return null;
  const course = (await getCourse(db, row.s.courseId))!;
  const pub = await publishedSnapshot(db, course);
  const item = pub?.items.find((i) => i.key === row.s.itemKey);
  const versions = await versionsWithGrades(db, row.s.id);
  const latest = versions[versions.length - 1];
  return {
    member: { name: row.memberName, code: row.memberCode },
    unitName: row.unitName ?? "",
    courseTitle: course.title,
    itemTitle: item?.title ?? row.s.itemKey,
    state: row.s.state,
    promptHtml: item && pub ? lessonHtml(db, pub.versionId, item) : "",
    latest: { versionNo: latest.versionNo, words: latest.words, submittedAt: latest.submittedAt, html: latest.html },
    grades: versions.flatMap((v) => v.grades.map((g) => ({ ...g, versionNo: v.versionNo }))),
  };
}
