CREATE TABLE `live_recording_segments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`recording_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`file` text NOT NULL,
	`started_at` integer NOT NULL,
	`ended_at` integer,
	FOREIGN KEY (`recording_id`) REFERENCES `live_recordings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `live_recording_segments_uq` ON `live_recording_segments` (`recording_id`,`seq`);--> statement-breakpoint
CREATE TABLE `live_recordings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` integer NOT NULL,
	`state` text NOT NULL,
	`started_by` integer,
	`started_at` integer NOT NULL,
	`stopped_at` integer,
	`file` text,
	`duration_ms` integer,
	`bytes` integer,
	`error` text,
	`published_at` integer,
	`published_by` integer,
	`make_up_min_percent` integer DEFAULT 80 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`started_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`published_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "live_recordings_percent_ck" CHECK("live_recordings"."make_up_min_percent" BETWEEN 1 AND 100)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `live_recordings_session_uq` ON `live_recordings` (`session_id`);--> statement-breakpoint
CREATE TABLE `recording_watches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`recording_id` integer NOT NULL,
	`member_id` integer NOT NULL,
	`watch_seconds` integer DEFAULT 0 NOT NULL,
	`last_beat_at` integer,
	`made_up_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`recording_id`) REFERENCES `live_recordings`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recording_watches_uq` ON `recording_watches` (`recording_id`,`member_id`);--> statement-breakpoint
CREATE INDEX `recording_watches_member_idx` ON `recording_watches` (`member_id`);--> statement-breakpoint
ALTER TABLE `course_items` ADD `accept_make_up` integer DEFAULT false NOT NULL;