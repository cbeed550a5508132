CREATE TABLE `course_assignments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`unit_id` integer,
	`member_id` integer,
	`due_at` integer,
	`assigned_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`assigned_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `course_assignments_course_idx` ON `course_assignments` (`course_id`);--> statement-breakpoint
CREATE INDEX `course_assignments_unit_idx` ON `course_assignments` (`unit_id`);--> statement-breakpoint
CREATE INDEX `course_assignments_member_idx` ON `course_assignments` (`member_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `course_assignments_unit_uq` ON `course_assignments` (`course_id`,`unit_id`) WHERE unit_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `course_assignments_member_uq` ON `course_assignments` (`course_id`,`member_id`) WHERE member_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `course_completions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`version_id` integer,
	`completed_at` integer NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`version_id`) REFERENCES `course_versions`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_completions_uq` ON `course_completions` (`member_id`,`course_id`);--> statement-breakpoint
CREATE INDEX `course_completions_course_idx` ON `course_completions` (`course_id`);--> statement-breakpoint
CREATE TABLE `course_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`module_id` integer NOT NULL,
	`key` text NOT NULL,
	`type` text NOT NULL,
	`title` text NOT NULL,
	`position` integer NOT NULL,
	`estimated_minutes` integer DEFAULT 0 NOT NULL,
	`required` integer DEFAULT true NOT NULL,
	`body` text,
	`body_text` text DEFAULT '' NOT NULL,
	`source` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`module_id`) REFERENCES `course_modules`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_items_key_uq` ON `course_items` (`course_id`,`key`);--> statement-breakpoint
CREATE INDEX `course_items_module_idx` ON `course_items` (`module_id`);--> statement-breakpoint
CREATE TABLE `course_modules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`key` text NOT NULL,
	`title` text NOT NULL,
	`position` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_modules_key_uq` ON `course_modules` (`course_id`,`key`);--> statement-breakpoint
CREATE TABLE `course_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`version` integer NOT NULL,
	`snapshot` text NOT NULL,
	`content_hash` text NOT NULL,
	`published_at` integer NOT NULL,
	`published_by` integer,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`published_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_versions_uq` ON `course_versions` (`course_id`,`version`);--> statement-breakpoint
CREATE TABLE `courses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`slug` text NOT NULL,
	`title` text NOT NULL,
	`title_en` text,
	`summary` text DEFAULT '' NOT NULL,
	`estimated_minutes` integer DEFAULT 0 NOT NULL,
	`cover_file` text,
	`state` text DEFAULT 'draft' NOT NULL,
	`published_version_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `courses_slug_uq` ON `courses` (`slug`);--> statement-breakpoint
CREATE TABLE `item_progress` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`item_key` text NOT NULL,
	`state` text NOT NULL,
	`version_id` integer,
	`started_at` integer NOT NULL,
	`completed_at` integer,
	`seconds_spent` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`version_id`) REFERENCES `course_versions`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `item_progress_uq` ON `item_progress` (`member_id`,`course_id`,`item_key`);--> statement-breakpoint
CREATE INDEX `item_progress_course_idx` ON `item_progress` (`course_id`,`state`);--> statement-breakpoint
CREATE TABLE `uploads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sha256` text NOT NULL,
	`mime` text NOT NULL,
	`size` integer NOT NULL,
	`original_name` text NOT NULL,
	`uploaded_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`uploaded_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `uploads_sha_uq` ON `uploads` (`sha256`);