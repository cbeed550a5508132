CREATE TABLE `attendance_corrections` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` integer NOT NULL,
	`member_id` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text NOT NULL,
	`corrected_by` integer,
	`at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`corrected_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `attendance_corrections_idx` ON `attendance_corrections` (`session_id`,`member_id`,`at`);--> statement-breakpoint
CREATE TABLE `attendance_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`session_id` integer NOT NULL,
	`member_id` integer NOT NULL,
	`kind` text NOT NULL,
	`via` text DEFAULT 'individual' NOT NULL,
	`cell_room_member_id` integer,
	`connection_id` text,
	`detail` text,
	`at` integer NOT NULL,
	`recorded_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`cell_room_member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attendance_events_event_id_uq` ON `attendance_events` (`event_id`);--> statement-breakpoint
CREATE INDEX `attendance_events_session_member_idx` ON `attendance_events` (`session_id`,`member_id`,`at`);--> statement-breakpoint
CREATE INDEX `attendance_events_session_at_idx` ON `attendance_events` (`session_id`,`at`);--> statement-breakpoint
CREATE TABLE `live_session_invites` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` integer NOT NULL,
	`unit_id` integer,
	`member_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "live_invites_target_ck" CHECK(("live_session_invites"."unit_id" IS NULL) <> ("live_session_invites"."member_id" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `live_invites_unit_uq` ON `live_session_invites` (`session_id`,`unit_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `live_invites_member_uq` ON `live_session_invites` (`session_id`,`member_id`);--> statement-breakpoint
CREATE INDEX `live_invites_member_idx` ON `live_session_invites` (`member_id`);--> statement-breakpoint
CREATE TABLE `live_session_presenters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` integer NOT NULL,
	`member_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `live_presenters_uq` ON `live_session_presenters` (`session_id`,`member_id`);--> statement-breakpoint
CREATE TABLE `live_sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`document_url` text,
	`scheduled_start_at` integer NOT NULL,
	`planned_end_at` integer NOT NULL,
	`actual_start_at` integer,
	`actual_end_at` integer,
	`state` text DEFAULT 'scheduled' NOT NULL,
	`present_min_percent` integer DEFAULT 80 NOT NULL,
	`late_after_minutes` integer DEFAULT 10 NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "live_sessions_percent_ck" CHECK("live_sessions"."present_min_percent" BETWEEN 0 AND 100),
	CONSTRAINT "live_sessions_late_ck" CHECK("live_sessions"."late_after_minutes" >= 0)
);
--> statement-breakpoint
CREATE INDEX `live_sessions_start_idx` ON `live_sessions` (`scheduled_start_at`);