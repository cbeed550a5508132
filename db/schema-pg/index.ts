/**
 * The PostgreSQL schema: the twin of db/schema (one definition, ADR 0015), for drizzle-kit's
 * PostgreSQL migrations, the engine and db:copy. A table added to db/schema is added to the list
 * below too; tests/unit/schema-twin.test.ts fails until it is.
 */
import { is } from "drizzle-orm";
import { SQLiteTable } from "drizzle-orm/sqlite-core";
import * as sqlite from "../schema/sqlite.ts";
import { pgTwins } from "./twin.ts";

const sqliteTables = Object.fromEntries(Object.entries(sqlite).filter(([, v]) => is(v, SQLiteTable))) as Record<string, SQLiteTable>;

export const pgSchema = pgTwins(sqliteTables);

export const {
  attendanceCorrections, attendanceEvents, attendanceLastSeen, auditLog, authSessions, certificates, completionSnapshots,
  courseAssignmentHistory, courseAssignments, courseCompletions, courseItems, courseModules, courseVersions, courses,
  importUploads, itemProgress, jobClaims, liveChatMessages, liveRecordingSegments, liveRecordings, liveSessionInvites, liveSessionPresenters, liveSessions, loginThrottle,
  memberUnitHistory, members, notifications, quizAnswers, quizAttempts, quizEssayGrades, quizSettings, recordingWatches, reflectionGraders, reflectionGrades,
  reflectionLshBuckets, reflectionSimilarities, reflectionSubmissions, reflectionVersions, scopeGrants, unitPathHistory, units,
  uploads,
} = pgSchema;
