ALTER TABLE `item_progress` ADD `watch_seconds` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `item_progress` ADD `watch_duration` integer;--> statement-breakpoint
ALTER TABLE `item_progress` ADD `last_watch_at` integer;