DROP INDEX `item_progress_member_started_idx`;--> statement-breakpoint
CREATE INDEX `item_progress_member_course_started_idx` ON `item_progress` (`member_id`,`course_id`,`started_at`);