import { first } from "#db/first.ts";
import { eq, sql } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { courseVersions } from "#db/schema/index.ts";
import { renderDocHtml } from "#app/editor/document.server.ts";
import { Lru } from "./lru.ts";
import { cacheScopeOf, inTransaction } from "#db/prepared.server.ts";
import { snapshotItems, type CourseSnapshot, type SnapshotItem } from "./snapshot.ts";

/**
 * Published course versions are immutable: publishing writes a new course_versions row (ids are
 * AUTOINCREMENT, never reused) and moves courses.published_version_id to it. So the parsed
 * snapshot of a version id, and the HTML of its lessons, can be kept and shared by every request
 * instead of reading and parsing the whole snapshot (every lesson body) per page view. A new
 * version is a new id, hence never served stale.
 *
 * Entries are deep-frozen: they are shared, and a caller that tried to change one would
 * otherwise change it for everyone.
 */
export type PublishedVersion = {
  versionId: number;
  version: number;
  snapshot: CourseSnapshot;
  items: readonly SnapshotItem[];
  /** Keys of the required items, what "n of m done" counts. */
  requiredKeys: readonly string[];
};

/** Snapshots are a few hundred KB of JSON each; this keeps the heap they take to tens of MB. */
const VERSION_LIMITS = { maxEntries: 200, maxWeight: 16_000_000 };
const HTML_LIMITS = { maxEntries: 5_000, maxWeight: 8_000_000 };

type Caches = { versions: Lru<number, PublishedVersion>; html: Lru<string, string> };

/**
 * One cache per database connection: ids are only unique within one database file, and tests
 * (and tools) open many files in one process.
 */
const byConnection = new WeakMap<object, Caches>();

function cachesOf(conn: object): Caches {
  let c = byConnection.get(conn);
  if (!c) {
    c = { versions: new Lru(VERSION_LIMITS), html: new Lru(HTML_LIMITS) };
    byConnection.set(conn, c);
  }
  return c;
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** The published version `versionId`, parsed once per connection (and again only after eviction). */
export async function publishedVersion(db: Db, versionId: number): Promise<PublishedVersion | null> {
  const conn = cacheScopeOf(db);
  const caches = cachesOf(conn);
  const hit = caches.versions.get(versionId);
  if (hit) return hit;
  // The raw text, so its length weighs the entry and it is parsed exactly once.
  const row = await first(db
    .select({ id: courseVersions.id, version: courseVersions.version, text: sql<string>`${sql.identifier("snapshot")}` })
    .from(courseVersions)
    .where(eq(courseVersions.id, versionId)));
  if (!row) return null;
  const snapshot = JSON.parse(row.text) as CourseSnapshot;
  const items = snapshotItems(snapshot);
  const entry = deepFreeze({ versionId: row.id, version: row.version, snapshot, items, requiredKeys: items.filter((i) => i.required).map((i) => i.key) });
  // A row read inside a transaction may still be rolled back (and its id then reused): not kept.
  if (!inTransaction(db)) caches.versions.set(versionId, entry, row.text.length);
  return entry;
}

/** A lesson's sanitised HTML, rendered once per version and item. */
export function lessonHtml(db: Db, versionId: number, item: SnapshotItem): string {
  const conn = cacheScopeOf(db);
  const caches = cachesOf(conn);
  const key = `${versionId}:${item.key}`;
  const hit = caches.html.get(key);
  if (hit !== undefined) return hit;
  const html = renderDocHtml(item.body);
  if (!inTransaction(db)) caches.html.set(key, html, html.length);
  return html;
}
