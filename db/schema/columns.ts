/**
 * Column shapes every aggregate's tables repeat, so each table lists what is its own. Only
 * builders: no table lives here, and nothing here imports one (a reference's target is passed in).
 */
import { sql } from "drizzle-orm";
import { integer, uniqueIndex, type SQLiteColumn } from "drizzle-orm/sqlite-core";

/** The row id the database numbers (AUTOINCREMENT; an identity column in the PostgreSQL twin). */
export const serialId = () => integer("id").primaryKey({ autoIncrement: true });

/** A moment: epoch milliseconds on both engines, read back as a Date. */
export const timestampMs = (name: string) => integer(name, { mode: "timestamp_ms" });

/** When the row was made and when it last changed. */
export const createdUpdatedAt = () => ({
  createdAt: timestampMs("created_at").notNull(),
  updatedAt: timestampMs("updated_at").notNull(),
});

/**
 * A reference every row has. Deleting the referenced row either deletes this one with it
 * ("cascade": the row belongs to it) or is refused while this one exists ("restrict": the row is a
 * record that must not vanish, like the attendance ledger).
 */
export const requiredRef = (name: string, target: () => SQLiteColumn, onDelete: "cascade" | "restrict") =>
  integer(name).notNull().references(target, { onDelete });

/** A history row's time in force, [valid_from, valid_to); valid_to is null while it is the current one. */
export const validFromTo = () => ({
  validFrom: timestampMs("valid_from").notNull(),
  validTo: timestampMs("valid_to"),
});

/** The index that keeps a history to one current row (valid_to IS NULL) per `column`. */
export const oneOpenRow = (name: string, column: SQLiteColumn) => uniqueIndex(name).on(column).where(sql`valid_to IS NULL`);
