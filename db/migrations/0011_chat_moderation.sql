ALTER TABLE `live_chat_messages` ADD `moderation` text;--> statement-breakpoint
ALTER TABLE `live_chat_messages` ADD `moderated_by` text;--> statement-breakpoint
ALTER TABLE `live_chat_messages` ADD `moderated_at` integer;