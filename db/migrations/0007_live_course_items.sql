ALTER TABLE `course_items` ADD `live_session_id` integer REFERENCES live_sessions(id);--> statement-breakpoint
ALTER TABLE `live_sessions` ADD `courses_settled_at` integer;