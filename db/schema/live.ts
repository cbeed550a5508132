import { sql } from "drizzle-orm";
import { sqliteTable, integer, text, index, uniqueIndex, check } from "drizzle-orm/sqlite-core";
import { members, units } from "./org.ts";
import { serialId, timestampMs, createdUpdatedAt, requiredRef } from "./columns.ts";

export const LIVE_SESSION_STATES = ["scheduled", "live", "ended"] as const;
export type LiveSessionState = (typeof LIVE_SESSION_STATES)[number];

/** What the media server observes (or a cell secretary records); clients never assert presence. */
export const ATTENDANCE_EVENT_KINDS = [
  "socket-connect",
  "socket-disconnect",
  "transport-connected",
  "transport-disconnected",
  "heartbeat",
  "checkin",
  "checkout",
  "poll-answer",
  "server-stop",
] as const;
export type AttendanceEventKind = (typeof ATTENDANCE_EVENT_KINDS)[number];

export const ATTENDANCE_VIA = ["individual", "cell-room"] as const;
export type AttendanceVia = (typeof ATTENDANCE_VIA)[number];

export const ATTENDANCE_STATUSES = ["present", "late", "left-early", "absent"] as const;
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];
/** A correction may also excuse an absence. */
export const ATTENDANCE_OVERRIDES = [...ATTENDANCE_STATUSES, "excused"] as const;
export type AttendanceOverride = (typeof ATTENDANCE_OVERRIDES)[number];

/**
 * A scheduled live study session. `actual_*` are set by the presenter starting and ending the
 * broadcast; the attendance rule is stored with the session so a report can be recomputed later
 * with the rule that applied.
 */
export const liveSessions = sqliteTable(
  "live_sessions",
  {
    id: serialId(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    /** The document or resolution studied: an https link or an uploaded file's URL. */
    documentUrl: text("document_url"),
    scheduledStartAt: timestampMs("scheduled_start_at").notNull(),
    plannedEndAt: timestampMs("planned_end_at").notNull(),
    actualStartAt: timestampMs("actual_start_at"),
    actualEndAt: timestampMs("actual_end_at"),
    state: text("state", { enum: LIVE_SESSION_STATES }).notNull().default("scheduled"),
    /** Present if attending at least this % of the session's actual duration. */
    presentMinPercent: integer("present_min_percent").notNull().default(80),
    /** Late if first joined more than this many minutes after the actual start. */
    lateAfterMinutes: integer("late_after_minutes").notNull().default(10),
    createdBy: integer("created_by").references(() => members.id, { onDelete: "set null" }),
    ...createdUpdatedAt(),
    /**
     * When course items asking to attend this session were last settled from its attendance;
     * null = to do (the session ended, a correction was made, or a course started referring to it).
     */
    coursesSettledAt: timestampMs("courses_settled_at"),
  },
  (t) => [
    index("live_sessions_start_idx").on(t.scheduledStartAt),
    check("live_sessions_percent_ck", sql`${t.presentMinPercent} BETWEEN 0 AND 100`),
    check("live_sessions_late_ck", sql`${t.lateAfterMinutes} >= 0`),
  ],
);

/** Who is invited: a unit subtree (everyone whose unit path starts with its path) or one member. */
export const liveSessionInvites = sqliteTable(
  "live_session_invites",
  {
    id: serialId(),
    sessionId: requiredRef("session_id", () => liveSessions.id, "cascade"),
    unitId: integer("unit_id").references(() => units.id, { onDelete: "cascade" }),
    memberId: integer("member_id").references(() => members.id, { onDelete: "cascade" }),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("live_invites_unit_uq").on(t.sessionId, t.unitId),
    uniqueIndex("live_invites_member_uq").on(t.sessionId, t.memberId),
    index("live_invites_member_idx").on(t.memberId),
    check("live_invites_target_ck", sql`(${t.unitId} IS NULL) <> (${t.memberId} IS NULL)`),
  ],
);

export const liveSessionPresenters = sqliteTable(
  "live_session_presenters",
  {
    id: serialId(),
    sessionId: requiredRef("session_id", () => liveSessions.id, "cascade"),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [uniqueIndex("live_presenters_uq").on(t.sessionId, t.memberId)],
);

/**
 * The attendance ledger: append-only raw observations. `event_id` is unique so a retried append
 * (client-generated id for check-ins and poll answers, server-generated otherwise) is a no-op.
 * `connection_id` names one socket connection, so a second tab that replaces the first does not
 * cut the member's timeline. Never updated or deleted; corrections go to attendance_corrections.
 */
export const attendanceEvents = sqliteTable(
  "attendance_events",
  {
    id: serialId(),
    eventId: text("event_id").notNull(),
    sessionId: requiredRef("session_id", () => liveSessions.id, "restrict"),
    memberId: requiredRef("member_id", () => members.id, "restrict"),
    kind: text("kind", { enum: ATTENDANCE_EVENT_KINDS }).notNull(),
    via: text("via", { enum: ATTENDANCE_VIA }).notNull().default("individual"),
    /** For via = cell-room: the member whose screen is the cell room (the secretary). */
    cellRoomMemberId: integer("cell_room_member_id").references(() => members.id, { onDelete: "restrict" }),
    connectionId: text("connection_id"),
    /**
     * The media node that saw it (ADR 0016), so a node's start-up recovery closes only its own
     * leftovers and a survivor closes a dead node's. Null on a single node (and before 0016).
     */
    nodeId: text("node_id"),
    /** Small JSON detail (transport direction, poll answer, reason); never used for presence. */
    detail: text("detail", { mode: "json" }),
    at: timestampMs("at").notNull(),
    recordedAt: timestampMs("recorded_at").notNull(),
  },
  (t) => [
    uniqueIndex("attendance_events_event_id_uq").on(t.eventId),
    index("attendance_events_session_member_idx").on(t.sessionId, t.memberId, t.at),
    index("attendance_events_session_at_idx").on(t.sessionId, t.at),
  ],
);

/** A trainer's correction of one member's status for one session, with a reason. Latest wins. */
export const attendanceCorrections = sqliteTable(
  "attendance_corrections",
  {
    id: serialId(),
    sessionId: requiredRef("session_id", () => liveSessions.id, "restrict"),
    memberId: requiredRef("member_id", () => members.id, "restrict"),
    status: text("status", { enum: ATTENDANCE_OVERRIDES }).notNull(),
    reason: text("reason").notNull(),
    correctedBy: integer("corrected_by").references(() => members.id, { onDelete: "restrict" }),
    at: timestampMs("at").notNull(),
  },
  (t) => [index("attendance_corrections_idx").on(t.sessionId, t.memberId, t.at)],
);

/**
 * Chat and Q&A of a live session, kept so a media-server restart loses nothing and trainers can
 * read the questions afterwards. Author name and unit are copied as they were shown. Not
 * attendance: nothing here counts anyone present.
 */
export const liveChatMessages = sqliteTable(
  "live_chat_messages",
  {
    /** UUID, generated by the media server (the id clients know). */
    id: text("id").primaryKey(),
    sessionId: requiredRef("session_id", () => liveSessions.id, "cascade"),
    memberId: requiredRef("member_id", () => members.id, "restrict"),
    authorName: text("author_name").notNull(),
    unitName: text("unit_name"),
    text: text("text").notNull(),
    question: integer("question", { mode: "boolean" }).notNull().default(false),
    hidden: integer("hidden", { mode: "boolean" }).notNull().default(false),
    pinnedAt: timestampMs("pinned_at"),
    answerText: text("answer_text"),
    answeredBy: text("answered_by"),
    answeredAt: timestampMs("answered_at"),
    /** The last moderation (hide, unhide, pin, unpin, answer): what, by whom (name as shown), when. */
    moderation: text("moderation"),
    moderatedBy: text("moderated_by"),
    moderatedAt: timestampMs("moderated_at"),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [index("live_chat_session_created_idx").on(t.sessionId, t.createdAt)],
);

/**
 * The last sign of life of each open connection or cell-room check-in: one row per key, moved
 * forward by every heartbeat tick. Heartbeats used to be appended to the ledger (a 5,000-viewer,
 * two-hour session wrote 2.4 million rows that every report then replayed); only the last one of
 * a key ever mattered — it is where a crash closes the key — so only it is kept. The ledger stays
 * append-only for real observations. `key` is the ledger's key (attendance.server.ts keyOf).
 */
export const attendanceLastSeen = sqliteTable(
  "attendance_last_seen",
  {
    id: serialId(),
    sessionId: requiredRef("session_id", () => liveSessions.id, "restrict"),
    memberId: requiredRef("member_id", () => members.id, "restrict"),
    key: text("key").notNull(),
    via: text("via", { enum: ATTENDANCE_VIA }).notNull(),
    connectionId: text("connection_id"),
    cellRoomMemberId: integer("cell_room_member_id").references(() => members.id, { onDelete: "restrict" }),
    /** The media node whose heartbeat wrote `at` last (null on a single node). */
    nodeId: text("node_id"),
    at: timestampMs("at").notNull(),
  },
  (t) => [uniqueIndex("attendance_last_seen_key_uq").on(t.sessionId, t.memberId, t.key)],
);

export const RECORDING_STATES = ["recording", "processing", "ready", "failed"] as const;
export type RecordingState = (typeof RECORDING_STATES)[number];

/**
 * The recording of a live session (one per session: recording again after a stop appends
 * segments, and the file is joined again). The media server writes it; `file` is relative to
 * DATA_DIR. A trainer publishes it for make-up study (học bù); until then only managers see it.
 */
export const liveRecordings = sqliteTable(
  "live_recordings",
  {
    id: serialId(),
    sessionId: requiredRef("session_id", () => liveSessions.id, "restrict"),
    state: text("state", { enum: RECORDING_STATES }).notNull(),
    startedBy: integer("started_by").references(() => members.id, { onDelete: "set null" }),
    startedAt: timestampMs("started_at").notNull(),
    stoppedAt: timestampMs("stopped_at"),
    /** The joined, playable file (WebM VP8/Opus), relative to DATA_DIR; null until joined. */
    file: text("file"),
    durationMs: integer("duration_ms"),
    bytes: integer("bytes"),
    error: text("error"),
    publishedAt: timestampMs("published_at"),
    publishedBy: integer("published_by").references(() => members.id, { onDelete: "set null" }),
    /** Made up once a member has watched at least this % of the recording (set when publishing). */
    makeUpMinPercent: integer("make_up_min_percent").notNull().default(80),
    updatedAt: timestampMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("live_recordings_session_uq").on(t.sessionId),
    check("live_recordings_percent_ck", sql`${t.makeUpMinPercent} BETWEEN 1 AND 100`),
  ],
);

/**
 * One recorder run (one set of the presenter's producers): a presenter's reconnect or a worker
 * restart ends one and starts the next; the segments are joined in `seq` order when recording stops.
 */
export const liveRecordingSegments = sqliteTable(
  "live_recording_segments",
  {
    id: serialId(),
    recordingId: requiredRef("recording_id", () => liveRecordings.id, "cascade"),
    seq: integer("seq").notNull(),
    file: text("file").notNull(),
    startedAt: timestampMs("started_at").notNull(),
    endedAt: timestampMs("ended_at"),
  },
  (t) => [uniqueIndex("live_recording_segments_uq").on(t.recordingId, t.seq)],
);

/**
 * A member's make-up watching of a published recording: seconds credited by the server from
 * playback beats (wall-clock time between beats, capped: skipping to the end earns nothing), and
 * when they first reached the recording's threshold. Never merged with live presence.
 */
export const recordingWatches = sqliteTable(
  "recording_watches",
  {
    id: serialId(),
    recordingId: requiredRef("recording_id", () => liveRecordings.id, "restrict"),
    memberId: requiredRef("member_id", () => members.id, "restrict"),
    watchSeconds: integer("watch_seconds").notNull().default(0),
    lastBeatAt: timestampMs("last_beat_at"),
    madeUpAt: timestampMs("made_up_at"),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [uniqueIndex("recording_watches_uq").on(t.recordingId, t.memberId), index("recording_watches_member_idx").on(t.memberId)],
);
