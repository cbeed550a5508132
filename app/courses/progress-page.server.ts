import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { itemProgress, quizAttempts } from "#db/schema/index.ts";
import { coursesForMember } from "./learning.server.ts";
import { publishedVersion } from "./version-cache.server.ts";
import { prepared } from "#db/prepared.server.ts";

/**
 * "My progress": every course given to me, every item, its state and grade, and what is left.
 * Item lists come from the cached published versions; progress and attempts are read once for
 * all the member's courses (prepared statements) rather than once per course.
 */
export async function progressOfMember(db: Db, memberId: number) {
  const mine = await coursesForMember(db, memberId);
  const memberParam = sql.placeholder("memberId");
  const progress = new Map<string, { state: string; completedAt: Date | null }>();
  const rows = await prepared(db, "progress.itemProgress", (db) =>
    db
      .select({ courseId: itemProgress.courseId, itemKey: itemProgress.itemKey, state: itemProgress.state, completedAt: itemProgress.completedAt })
      .from(itemProgress)
      .where(eq(itemProgress.memberId, memberParam))
      .prepare(),
  ).execute({ memberId });
  for (const r of rows) progress.set(`${r.courseId}:${r.itemKey}`, r);
  const attempts = new Map<string, number[]>();
  const scored = await prepared(db, "progress.scoredAttempts", (db) =>
    db
      .select({ courseId: quizAttempts.courseId, itemKey: quizAttempts.itemKey, score: quizAttempts.score })
      .from(quizAttempts)
      .where(and(eq(quizAttempts.memberId, memberParam), ne(quizAttempts.state, "open")))
      .prepare(),
  ).execute({ memberId });
  for (const a of scored) {
    const k = `${a.courseId}:${a.itemKey}`;
    attempts.set(k, [...(attempts.get(k) ?? []), a.score ?? 0]);
  }
  const list = await Promise.all(mine.map(async (c) => {
    const items = ((await publishedVersion(db, c.publishedVersionId))?.items ?? []).map((i) => {
      const k = `${c.id}:${i.key}`;
      const scores = attempts.get(k) ?? [];
      const p = progress.get(k);
      return {
        key: i.key,
        title: i.title,
        type: i.type,
        required: i.required,
        state: p?.state ?? null,
        completedAt: p?.completedAt ?? null,
        best: scores.length ? Math.max(...scores) : null,
        attempts: scores.length,
      };
    });
    return { ...c, items, left: items.filter((i) => i.required && i.state !== "completed").length };
  }));
  return list;
}

