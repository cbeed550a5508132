-- Member search (ADR 0015 "Search"): pg_trgm GIN indexes for the substring matches on the folded
-- name and the lower-cased e-mail, and a pattern-ops B-tree for the code prefix. Indexes follow
-- every write by themselves; CREATE INDEX builds them over the existing rows.
-- db/dialect.server.ts memberTextMatch() writes the conditions these serve.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "members_search_name_trgm" ON "members" USING gin ("full_name_folded" gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "members_search_email_trgm" ON "members" USING gin (lower("email") gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "members_search_code_prefix" ON "members" (lower("code") text_pattern_ops);
