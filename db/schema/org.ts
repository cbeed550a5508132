import { MEMBER_STATUSES, ROLES, SCOPE_KINDS } from "./enums.ts";
export { MEMBER_STATUSES, ROLES, SCOPE_KINDS, type MemberStatus, type Role, type ScopeKind } from "./enums.ts";
import { sqliteTable, integer, text, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { serialId, timestampMs, createdUpdatedAt, requiredRef, validFromTo, oneOpenRow } from "./columns.ts";

/**
 * Organisation units form a tree of any depth. `path` is a materialised path of ids
 * ("/1/7/42/") so that "everything under X" is one indexed prefix comparison that works the same
 * on SQLite and PostgreSQL, without recursive queries on the hot path of every scope check.
 */
export const units = sqliteTable(
  "units",
  {
    id: serialId(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    nameFolded: text("name_folded").notNull(),
    parentId: integer("parent_id").references((): any => units.id, { onDelete: "restrict" }),
    path: text("path").notNull(),
    depth: integer("depth").notNull(),
    ...createdUpdatedAt(),
  },
  (t) => [
    uniqueIndex("units_code_uq").on(t.code),
    index("units_parent_idx").on(t.parentId),
    index("units_path_idx").on(t.path),
  ],
);


export const members = sqliteTable(
  "members",
  {
    id: serialId(),
    code: text("code").notNull(),
    fullName: text("full_name").notNull(),
    /** Lower-case, diacritics stripped: lets "nguyen van an" find "Nguyễn Văn An". */
    fullNameFolded: text("full_name_folded").notNull(),
    unitId: requiredRef("unit_id", () => units.id, "restrict"),
    position: text("position").notNull().default(""),
    email: text("email"),
    phone: text("phone"),
    status: text("status", { enum: MEMBER_STATUSES }).notNull().default("active"),
    role: text("role", { enum: ROLES }).notNull().default("member"),
    passwordHash: text("password_hash"),
    activationCodeHash: text("activation_code_hash"),
    activationExpiresAt: timestampMs("activation_expires_at"),
    disabledAt: timestampMs("disabled_at"),
    ...createdUpdatedAt(),
  },
  (t) => [
    uniqueIndex("members_code_uq").on(t.code),
    uniqueIndex("members_email_uq").on(t.email),
    index("members_unit_idx").on(t.unitId),
    index("members_name_folded_idx").on(t.fullNameFolded),
  ],
);

/**
 * Where a member was, and when. Exactly one open row (valid_to IS NULL) per member: the current
 * unit. Reports for a past date pick the row whose interval contains that date.
 */
export const memberUnitHistory = sqliteTable(
  "member_unit_history",
  {
    id: serialId(),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    unitId: requiredRef("unit_id", () => units.id, "restrict"),
    ...validFromTo(),
    note: text("note"),
  },
  (t) => [
    index("muh_member_idx").on(t.memberId, t.validFrom),
    index("muh_unit_idx").on(t.unitId),
    oneOpenRow("muh_one_open_uq", t.memberId),
  ],
);


/**
 * Where a unit was in the tree, and when: its parent, path and depth over [valid_from, valid_to).
 * A unit's rows cover all time without gaps: the first starts at 0 (before its first move it was
 * where it was first recorded) and exactly one is open (valid_to IS NULL), equal to `units.path`.
 * moveUnit closes the open rows of the whole subtree and opens the new ones in its transaction, so
 * a report for a past day groups members by the tree of that day. `parent_id` has no foreign key:
 * a former parent may be deleted later (deleteUnit refuses while such rows point at it).
 */
export const unitPathHistory = sqliteTable(
  "unit_path_history",
  {
    id: serialId(),
    unitId: requiredRef("unit_id", () => units.id, "cascade"),
    parentId: integer("parent_id"),
    path: text("path").notNull(),
    depth: integer("depth").notNull(),
    ...validFromTo(),
  },
  (t) => [
    index("uph_unit_idx").on(t.unitId, t.validFrom),
    index("uph_parent_idx").on(t.parentId),
    oneOpenRow("uph_one_open_uq", t.unitId),
  ],
);

/** A trainer or cell secretary manages the subtree rooted at `unitId`. */
export const scopeGrants = sqliteTable(
  "scope_grants",
  {
    id: serialId(),
    memberId: requiredRef("member_id", () => members.id, "cascade"),
    unitId: requiredRef("unit_id", () => units.id, "cascade"),
    kind: text("kind", { enum: SCOPE_KINDS }).notNull().default("trainer"),
    createdAt: timestampMs("created_at").notNull(),
  },
  (t) => [uniqueIndex("scope_grants_uq").on(t.memberId, t.unitId, t.kind)],
);
