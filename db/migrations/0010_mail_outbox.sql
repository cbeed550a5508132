ALTER TABLE `notifications` ADD `email_next_at` integer;--> statement-breakpoint
ALTER TABLE `notifications` ADD `email_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `notifications` ADD `email_url` text;--> statement-breakpoint
CREATE INDEX `notifications_email_due_idx` ON `notifications` (`email_next_at`);