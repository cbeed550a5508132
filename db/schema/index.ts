/**
 * The tables domain code imports (`#db/schema`). db/schema/*.ts (sqliteTable) is the one
 * definition; on PostgreSQL this module hands out its generated twins (db/schema-pg) under the same
 * names and the same TypeScript types, chosen once when the module is first imported
 * (db/engine-kind.ts, from DATABASE_URL or TEST_DB). drizzle's PostgreSQL builders need PgTable
 * objects (joins, updates and relational queries check for them), so the handle and the tables
 * always come from the same engine: openDb refuses a URL of the other engine (ADR 0015).
 *
 * Enums, constants and row types come from the SQLite files as they are. A table added to
 * db/schema is added to the list below and to db/schema-pg/index.ts; schema-twin.test.ts fails
 * until it is.
 */
import * as sqlite from "./sqlite.ts";
import { pgSchema } from "../schema-pg/index.ts";
import { activeEngine } from "../engine-kind.ts";

export * from "./sqlite.ts";

const active = (activeEngine === "postgres" ? { ...sqlite, ...pgSchema } : sqlite) as typeof sqlite;

export const {
  attendanceCorrections, attendanceEvents, attendanceLastSeen, auditLog, authSessions, certificates, completionSnapshots,
  courseAssignmentHistory, courseAssignments, courseCompletions, courseItems, courseModules, courseVersions, courses,
  importUploads, itemProgress, jobClaims, liveChatMessages, liveRecordingSegments, liveRecordings, liveSessionInvites, liveSessionPresenters, liveSessions, loginThrottle,
  memberUnitHistory, members, notifications, quizAnswers, quizAttempts, quizEssayGrades, quizSettings, recordingWatches, reflectionGraders, reflectionGrades,
  reflectionLshBuckets, reflectionSimilarities, reflectionSubmissions, reflectionVersions, scopeGrants, unitPathHistory, units,
  uploads,
} = active;
