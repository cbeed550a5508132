CREATE TABLE `live_chat_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` integer NOT NULL,
	`member_id` integer NOT NULL,
	`author_name` text NOT NULL,
	`unit_name` text,
	`text` text NOT NULL,
	`question` integer DEFAULT false NOT NULL,
	`hidden` integer DEFAULT false NOT NULL,
	`pinned_at` integer,
	`answer_text` text,
	`answered_by` text,
	`answered_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `live_sessions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `live_chat_session_created_idx` ON `live_chat_messages` (`session_id`,`created_at`);