import type { JSONContent } from "@tiptap/core";
import type { ReflectionSettings } from "#app/reflections/settings.ts";

/** What learners read: the published, immutable shape of a course version. Client-safe types. */
export type SnapshotItem = {
  key: string;
  type: "lesson" | "quiz" | "live" | "reflection";
  title: string;
  estimatedMinutes: number;
  required: boolean;
  body?: JSONContent | null;
  source?: string | null;
  /** "live" items: the session to attend (absent on other items, so their hashes never change). */
  liveSessionId?: number;
  /** "reflection" items: their rules (the prompt is `body`); absent on other items, for the same reason. */
  reflection?: ReflectionSettings;
  /** "live" items: watching the published recording to its threshold also completes it (absent when not). */
  acceptMakeUp?: true;
};
export type SnapshotModule = { key: string; title: string; items: SnapshotItem[] };
/** What a course says about itself: what its card shows and its published snapshot freezes. */
export type CourseFacts = {
  slug: string;
  title: string;
  titleEn: string | null;
  summary: string;
  estimatedMinutes: number;
  coverFile: string | null;
};
export type CourseSnapshot = CourseFacts & { modules: SnapshotModule[] };

/** Only the facts of a course row (or anything carrying them), for a snapshot or a card. */
export function courseFacts(c: CourseFacts): CourseFacts {
  return { slug: c.slug, title: c.title, titleEn: c.titleEn, summary: c.summary, estimatedMinutes: c.estimatedMinutes, coverFile: c.coverFile };
}

export function snapshotItems(s: CourseSnapshot): SnapshotItem[] {
  return s.modules.flatMap((m) => m.items);
}

/** A learner may not complete a lesson until it has been open this long (seconds). */
export function minReadSeconds(item: Pick<SnapshotItem, "estimatedMinutes">): number {
  return Math.min(120, Math.round(item.estimatedMinutes * 60 * 0.2));
}
