/**
 * Enumerations shared by the schema, the server and the browser: the one file of db/ the browser
 * may import (no server imports here), so the database owns its vocabulary and db/ imports nothing
 * from app/.
 */
export const MEMBER_STATUSES = ["active", "transferred", "left"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
export const ROLES = ["admin", "trainer", "member"] as const;
export type Role = (typeof ROLES)[number];
export const SCOPE_KINDS = ["trainer", "secretary"] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
/** When a quiz shows the correct answers, and what completes a quiz item: the quiz settings form offers them. */
export const REVIEW_ANSWERS = ["never", "after-last-attempt", "after-pass", "always"] as const;
export const QUIZ_COMPLETION_RULES = ["pass", "attempt"] as const;
/** Written reflections (bài thu hoạch): who grades, on which scale, and where a submission stands. */
export const REFLECTION_GRADERS = ["cell", "trainers"] as const;
export type ReflectionGraders = (typeof REFLECTION_GRADERS)[number];
export const REFLECTION_SCALES = ["pass-revise", "score"] as const;
export type ReflectionScale = (typeof REFLECTION_SCALES)[number];
export const REFLECTION_STATES = ["draft", "submitted", "returned", "passed"] as const;
export type ReflectionState = (typeof REFLECTION_STATES)[number];
export const REFLECTION_OUTCOMES = ["pass", "revise"] as const;
export type ReflectionOutcome = (typeof REFLECTION_OUTCOMES)[number];
