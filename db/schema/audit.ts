import { sqliteTable, integer, text, blob, index } from "drizzle-orm/sqlite-core";
import { members } from "./org.ts";

/** Who changed what: kept for administrators' changes to people and the tree. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    actorId: integer("actor_id").references(() => members.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id"),
    detail: text("detail", { mode: "json" }),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("audit_entity_idx").on(t.entityType, t.entityId)],
);

/**
 * An uploaded import file kept between "preview" and "commit", so the committed rows are exactly
 * the previewed ones (the browser does not upload twice).
 */
export const importUploads = sqliteTable("import_uploads", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: ["units", "members"] }).notNull(),
  fileName: text("file_name").notNull(),
  bytes: blob("bytes", { mode: "buffer" }).notNull(),
  uploadedBy: integer("uploaded_by")
    .notNull()
    .references(() => members.id, { onDelete: "cascade" }),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  committedAt: integer("committed_at", { mode: "timestamp_ms" }),
});
