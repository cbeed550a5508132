/** Enumerations shared by the schema, the server and the browser (no server imports here). */
export const MEMBER_STATUSES = ["active", "transferred", "left"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
export const ROLES = ["admin", "trainer", "member"] as const;
export type Role = (typeof ROLES)[number];
export const SCOPE_KINDS = ["trainer", "secretary"] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
