/** Notification kinds (client-safe). A reminder's kind names its course: the rate limit keys on it. */
const REMINDER_PREFIX = "reminder:course:";

export function reminderKind(courseId: number): string {
  return `${REMINDER_PREFIX}${courseId}`;
}

/** The course of a reminder kind, or null for any other kind. */
export function reminderCourseId(kind: string): number | null {
  if (!kind.startsWith(REMINDER_PREFIX)) return null;
  const n = Number(kind.slice(REMINDER_PREFIX.length));
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

/** A member's quiz attempt got its final score when its last essay was graded (title: the quiz's title). */
export const QUIZ_GRADED_KIND = "quiz:graded";

/** What the pages need to show a notification in the reader's language. */
export type NotificationView = {
  id: number;
  kind: string;
  /** For a reminder: the course title; otherwise the stored title. */
  title: string;
  body: string;
  link: string | null;
  createdAt: string;
  readAt: string | null;
  isReminder: boolean;
  fromName: string | null;
};
