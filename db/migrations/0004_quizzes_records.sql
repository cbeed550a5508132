CREATE TABLE `quiz_answers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`attempt_id` integer NOT NULL,
	`question_id` text NOT NULL,
	`response` text,
	`score` real,
	`saved_at` integer NOT NULL,
	FOREIGN KEY (`attempt_id`) REFERENCES `quiz_attempts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quiz_answers_uq` ON `quiz_answers` (`attempt_id`,`question_id`);--> statement-breakpoint
CREATE TABLE `quiz_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`item_key` text NOT NULL,
	`version_id` integer,
	`attempt_no` integer NOT NULL,
	`seed` text NOT NULL,
	`questions` text NOT NULL,
	`state` text DEFAULT 'open' NOT NULL,
	`started_at` integer NOT NULL,
	`deadline_at` integer,
	`submitted_at` integer,
	`score` real,
	`passed` integer,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`version_id`) REFERENCES `course_versions`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quiz_attempts_no_uq` ON `quiz_attempts` (`member_id`,`course_id`,`item_key`,`attempt_no`);--> statement-breakpoint
CREATE UNIQUE INDEX `quiz_attempts_open_uq` ON `quiz_attempts` (`member_id`,`course_id`,`item_key`) WHERE state = 'open';--> statement-breakpoint
CREATE INDEX `quiz_attempts_course_idx` ON `quiz_attempts` (`course_id`,`item_key`);--> statement-breakpoint
CREATE TABLE `quiz_settings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`item_key` text NOT NULL,
	`pass_percent` integer DEFAULT 70 NOT NULL,
	`attempts_allowed` integer DEFAULT 3 NOT NULL,
	`time_limit_seconds` integer,
	`open_at` integer,
	`close_at` integer,
	`draw` text,
	`shuffle` integer DEFAULT true NOT NULL,
	`review_correctness` integer DEFAULT true NOT NULL,
	`review_feedback` integer DEFAULT true NOT NULL,
	`review_answers` text DEFAULT 'after-last-attempt' NOT NULL,
	`completion_rule` text DEFAULT 'pass' NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quiz_settings_uq` ON `quiz_settings` (`course_id`,`item_key`);--> statement-breakpoint
CREATE TABLE `certificates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`member_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`completion_id` integer,
	`member_name` text NOT NULL,
	`unit_name` text NOT NULL,
	`course_title` text NOT NULL,
	`completed_at` integer NOT NULL,
	`issued_at` integer NOT NULL,
	`revoked_at` integer,
	`revoked_reason` text,
	`revoked_by` integer,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`completion_id`) REFERENCES `course_completions`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`revoked_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_code_uq` ON `certificates` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_member_course_uq` ON `certificates` (`member_id`,`course_id`);--> statement-breakpoint
CREATE TABLE `completion_snapshots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`day` text NOT NULL,
	`unit_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`assigned` integer NOT NULL,
	`completed` integer NOT NULL,
	`in_progress` integer NOT NULL,
	`not_started` integer NOT NULL,
	`overdue` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `completion_snapshots_uq` ON `completion_snapshots` (`day`,`unit_id`,`course_id`);--> statement-breakpoint
CREATE INDEX `completion_snapshots_course_idx` ON `completion_snapshots` (`course_id`,`day`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`body` text DEFAULT '' NOT NULL,
	`link` text,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`read_at` integer,
	`emailed_at` integer,
	`email_error` text,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `notifications_member_idx` ON `notifications` (`member_id`,`read_at`);--> statement-breakpoint
CREATE INDEX `course_completions_member_at_idx` ON `course_completions` (`member_id`,`completed_at`,`course_id`);--> statement-breakpoint
CREATE INDEX `item_progress_member_started_idx` ON `item_progress` (`member_id`,`started_at`,`course_id`);