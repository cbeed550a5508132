CREATE TABLE `unit_path_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`unit_id` integer NOT NULL,
	`parent_id` integer,
	`path` text NOT NULL,
	`depth` integer NOT NULL,
	`valid_from` integer NOT NULL,
	`valid_to` integer,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `uph_unit_idx` ON `unit_path_history` (`unit_id`,`valid_from`);--> statement-breakpoint
CREATE INDEX `uph_parent_idx` ON `unit_path_history` (`parent_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `uph_one_open_uq` ON `unit_path_history` (`unit_id`) WHERE valid_to IS NULL;--> statement-breakpoint
CREATE TABLE `course_assignment_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`assignment_id` integer NOT NULL,
	`course_id` integer NOT NULL,
	`unit_id` integer,
	`member_id` integer,
	`due_at` integer,
	`changed_by` integer,
	`valid_from` integer NOT NULL,
	`valid_to` integer,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`unit_id`) REFERENCES `units`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`changed_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `cah_course_idx` ON `course_assignment_history` (`course_id`,`valid_from`);--> statement-breakpoint
CREATE INDEX `cah_assignment_idx` ON `course_assignment_history` (`assignment_id`,`valid_from`);--> statement-breakpoint
CREATE INDEX `cah_unit_idx` ON `course_assignment_history` (`unit_id`);--> statement-breakpoint
CREATE INDEX `cah_member_idx` ON `course_assignment_history` (`member_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `cah_one_open_uq` ON `course_assignment_history` (`assignment_id`) WHERE valid_to IS NULL;--> statement-breakpoint
-- Backfill: before this migration only the present was recorded, so every unit's current place is
-- its place since always, and every assignment is in force from its creation with its due date.
INSERT INTO `unit_path_history` (`unit_id`, `parent_id`, `path`, `depth`, `valid_from`, `valid_to`)
SELECT `id`, `parent_id`, `path`, `depth`, 0, NULL FROM `units`;--> statement-breakpoint
INSERT INTO `course_assignment_history` (`assignment_id`, `course_id`, `unit_id`, `member_id`, `due_at`, `changed_by`, `valid_from`, `valid_to`)
SELECT `id`, `course_id`, `unit_id`, `member_id`, `due_at`, `assigned_by`, `created_at`, NULL FROM `course_assignments`;
