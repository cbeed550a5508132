ALTER TABLE "attendance_events" ADD COLUMN "node_id" text;--> statement-breakpoint
ALTER TABLE "attendance_last_seen" ADD COLUMN "node_id" text;