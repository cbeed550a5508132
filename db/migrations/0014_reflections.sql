CREATE TABLE `reflection_graders` (
	`submission_id` integer NOT NULL,
	`member_id` integer NOT NULL,
	PRIMARY KEY(`submission_id`, `member_id`),
	FOREIGN KEY (`submission_id`) REFERENCES `reflection_submissions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `reflection_graders_member_idx` ON `reflection_graders` (`member_id`);--> statement-breakpoint
CREATE TABLE `reflection_grades` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`submission_id` integer NOT NULL,
	`version_id` integer NOT NULL,
	`grader_id` integer,
	`outcome` text NOT NULL,
	`score` integer,
	`comment` text DEFAULT '' NOT NULL,
	`graded_at` integer NOT NULL,
	FOREIGN KEY (`submission_id`) REFERENCES `reflection_submissions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`version_id`) REFERENCES `reflection_versions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`grader_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `reflection_grades_submission_idx` ON `reflection_grades` (`submission_id`,`graded_at`);--> statement-breakpoint
CREATE INDEX `reflection_grades_grader_idx` ON `reflection_grades` (`grader_id`);--> statement-breakpoint
CREATE TABLE `reflection_lsh_buckets` (
	`course_id` integer NOT NULL,
	`band` integer NOT NULL,
	`bucket` integer NOT NULL,
	`version_id` integer NOT NULL,
	PRIMARY KEY(`course_id`, `band`, `bucket`, `version_id`),
	FOREIGN KEY (`version_id`) REFERENCES `reflection_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `reflection_lsh_version_idx` ON `reflection_lsh_buckets` (`version_id`);--> statement-breakpoint
CREATE TABLE `reflection_similarities` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version_id` integer NOT NULL,
	`other_version_id` integer NOT NULL,
	`score` real NOT NULL,
	FOREIGN KEY (`version_id`) REFERENCES `reflection_versions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`other_version_id`) REFERENCES `reflection_versions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reflection_similarities_uq` ON `reflection_similarities` (`version_id`,`other_version_id`);--> statement-breakpoint
CREATE INDEX `reflection_similarities_other_idx` ON `reflection_similarities` (`other_version_id`);--> statement-breakpoint
CREATE TABLE `reflection_submissions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`item_key` text NOT NULL,
	`state` text DEFAULT 'draft' NOT NULL,
	`draft_doc` text,
	`draft_saved_at` integer,
	`version_no` integer DEFAULT 0 NOT NULL,
	`unit_id` integer,
	`graders_rule` text,
	`submitted_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reflection_submissions_uq` ON `reflection_submissions` (`member_id`,`course_id`,`item_key`);--> statement-breakpoint
CREATE INDEX `reflection_submissions_item_idx` ON `reflection_submissions` (`course_id`,`item_key`,`state`);--> statement-breakpoint
CREATE INDEX `reflection_submissions_unit_idx` ON `reflection_submissions` (`unit_id`,`state`);--> statement-breakpoint
CREATE TABLE `reflection_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`submission_id` integer NOT NULL,
	`version_no` integer NOT NULL,
	`doc` text NOT NULL,
	`text` text NOT NULL,
	`words` integer NOT NULL,
	`course_id` integer NOT NULL,
	`member_id` integer NOT NULL,
	`course_version_id` integer,
	`unit_id` integer,
	`submitted_at` integer NOT NULL,
	FOREIGN KEY (`submission_id`) REFERENCES `reflection_submissions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_version_id`) REFERENCES `course_versions`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reflection_versions_uq` ON `reflection_versions` (`submission_id`,`version_no`);--> statement-breakpoint
CREATE INDEX `reflection_versions_course_idx` ON `reflection_versions` (`course_id`);--> statement-breakpoint
ALTER TABLE `course_items` ADD `settings` text;