import { rawRows } from "#db/dialect.server.ts";
import { and, inArray, ne, or, sql } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { reflectionLshBuckets, reflectionSimilarities, reflectionVersions } from "#db/schema/index.ts";
import { jaccard, lshBuckets, minhash, MIN_SHARED_BANDS, shingles, SIMILARITY_THRESHOLD } from "./similarity.ts";

export type SimilarPair = { otherVersionId: number; score: number };

/**
 * Earlier versions by other members of the same course that share an LSH bucket with this text.
 * Only these are compared exactly, so a check reads a handful of texts, not the whole course.
 */
export async function similarityCandidates(db: Db, courseId: number, memberId: number, buckets: number[]): Promise<number[]> {
  // One indexed point lookup per band (primary key course, band, bucket), as a UNION ALL: an OR
  // of the (band, bucket) pairs makes SQLite scan the course's buckets instead. A candidate must
  // share MIN_SHARED_BANDS bands: see that constant.
  const lookups = sql.join(
    buckets.map((bucket, band) => sql`SELECT version_id FROM reflection_lsh_buckets WHERE course_id = ${courseId} AND band = ${band} AND bucket = ${bucket}`),
    sql` UNION ALL `,
  );
  // The derived table is named: PostgreSQL requires it.
  const ids = (await rawRows<{ version_id: number }>(db, sql`SELECT version_id FROM (${lookups}) AS lookups GROUP BY version_id HAVING COUNT(*) >= ${MIN_SHARED_BANDS}`))
    .map((r) => r.version_id);
  if (ids.length === 0) return [];
  const out: number[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .select({ id: reflectionVersions.id })
      .from(reflectionVersions)
      .where(and(inArray(reflectionVersions.id, ids.slice(i, i + 500)), ne(reflectionVersions.memberId, memberId)));
    out.push(...rows.map((r) => r.id));
  }
  return out;
}

/** Exact Jaccard against the candidates; those at or above the threshold. */
export async function similarAmong(db: Db, text: string, candidateIds: number[]): Promise<SimilarPair[]> {
  if (candidateIds.length === 0) return [];
  const mine = shingles(text);
  const out: SimilarPair[] = [];
  for (let i = 0; i < candidateIds.length; i += 500) {
    const rows = await db.select({ id: reflectionVersions.id, text: reflectionVersions.text }).from(reflectionVersions).where(inArray(reflectionVersions.id, candidateIds.slice(i, i + 500)));
    for (const r of rows) {
      const score = jaccard(mine, shingles(r.text));
      if (score >= SIMILARITY_THRESHOLD) out.push({ otherVersionId: r.id, score });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Checks a just-submitted version against the course's earlier ones by other members, records the
 * similar pairs (so the grader of either side sees them) and indexes the version for later checks.
 * Runs inside the submission's transaction.
 */
export async function checkAndIndexVersion(tx: Db, v: { id: number; courseId: number; memberId: number; text: string }): Promise<SimilarPair[]> {
  const buckets = lshBuckets(minhash(shingles(v.text)));
  const similar = await similarAmong(tx, v.text, await similarityCandidates(tx, v.courseId, v.memberId, buckets));
  for (const s of similar) {
    await tx.insert(reflectionSimilarities).values({ versionId: v.id, otherVersionId: s.otherVersionId, score: s.score }).onConflictDoNothing();
  }
  for (const [band, bucket] of buckets.entries()) {
    await tx.insert(reflectionLshBuckets).values({ courseId: v.courseId, band, bucket, versionId: v.id }).onConflictDoNothing();
  }
  return similar;
}

/** Every recorded pair that involves one of these versions, whichever side was submitted first. */
export async function pairsOf(db: Db, versionIds: number[]): Promise<{ versionId: number; otherVersionId: number; score: number }[]> {
  if (versionIds.length === 0) return [];
  const rows = await db
    .select()
    .from(reflectionSimilarities)
    .where(or(inArray(reflectionSimilarities.versionId, versionIds), inArray(reflectionSimilarities.otherVersionId, versionIds)));
  const mine = new Set(versionIds);
  // Seen from each side asked about (both, when both versions are).
  return rows.flatMap((r) => [
    ...(mine.has(r.versionId) ? [{ versionId: r.versionId, otherVersionId: r.otherVersionId, score: r.score }] : []),
    ...(mine.has(r.otherVersionId) ? [{ versionId: r.otherVersionId, otherVersionId: r.versionId, score: r.score }] : []),
  ]);
}
