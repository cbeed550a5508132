/**
 * Enumerations shared by the schema, the server and the browser: the one file of db/ the browser
 * may import (no server imports here), so the database owns its vocabulary and db/ imports nothing
 * from app/.
 */
export const MEMBER_STATUSES = ["active", "transferred", "left"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
export const ROLES = ["admin", "trainer", "member"] as const;
export type Role = (typeof ROLES)[number];
export const SCOPE_KINDS = ["trainer", "secretary"] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
