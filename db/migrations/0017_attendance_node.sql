ALTER TABLE `attendance_events` ADD `node_id` text;--> statement-breakpoint
ALTER TABLE `attendance_last_seen` ADD `node_id` text;