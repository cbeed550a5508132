CREATE TABLE `quiz_essay_grades` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`attempt_id` integer NOT NULL,
	`question_id` text NOT NULL,
	`grader_id` integer,
	`points` real NOT NULL,
	`comment` text DEFAULT '' NOT NULL,
	`graded_at` integer NOT NULL,
	FOREIGN KEY (`attempt_id`) REFERENCES `quiz_attempts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`grader_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `quiz_essay_grades_attempt_idx` ON `quiz_essay_grades` (`attempt_id`,`question_id`,`graded_at`);--> statement-breakpoint
CREATE INDEX `quiz_essay_grades_grader_idx` ON `quiz_essay_grades` (`grader_id`);--> statement-breakpoint
ALTER TABLE `quiz_attempts` ADD `essays_pending` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `quiz_attempts` ADD `provisional_score` real;--> statement-breakpoint
ALTER TABLE `quiz_attempts` ADD `unit_id` integer REFERENCES units(id) ON DELETE set null;--> statement-breakpoint
ALTER TABLE `quiz_attempts` ADD `graded_at` integer;--> statement-breakpoint
CREATE INDEX `quiz_attempts_grading_idx` ON `quiz_attempts` (`unit_id`,`essays_pending`);