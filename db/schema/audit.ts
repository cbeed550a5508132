import { sqliteTable, integer, text, blob, index } from "drizzle-orm/sqlite-core";
import { members } from "./org.ts";
import { serialId, timestampMs, requiredRef } from "./columns.ts";

/** Who changed what: kept for administrators' changes to people and the tree. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: serialId(),
    actorId: integer("actor_id").references(() => members.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id"),
    detail: text("detail", { mode: "json" }),
    at: timestampMs("at").notNull(),
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
  uploadedBy: requiredRef("uploaded_by", () => members.id, "cascade"),
  createdAt: timestampMs("created_at").notNull(),
  committedAt: timestampMs("committed_at"),
});
