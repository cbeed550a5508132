/**
 * What a join token says (browser-safe: types and the role list only). Signing and checking use
 * node:crypto and live in join-token.server.ts, which the browser never imports.
 */

/** "check-in": a member's phone that scanned a cell room's QR; it checks in and receives no media. */
export const JOIN_ROLES = ["presenter", "viewer", "cell-room", "check-in"] as const;
export type JoinRole = (typeof JOIN_ROLES)[number];
/** How a page opens the room; a phone's QR check-in ("check-in") has its own page. */
export type JoinMode = Exclude<JoinRole, "check-in">;

export type JoinTokenPayload = {
  /** Member id (members.id). */
  memberId: number;
  /** Member code, for logs and the audience list; not used for identity. */
  memberCode: string;
  /** Display name (NFC). */
  name: string;
  /** live_sessions.id */
  sessionId: number;
  role: JoinRole;
  /** The member's unit (for a cell room: the cell whose roster may be checked in). */
  unitId: number;
  /** Issued at, ms since epoch. */
  iat: number;
  /** Expires at, ms since epoch. */
  exp: number;
  /** Random token id (16 bytes, base64url). */
  jti: string;
  /**
   * The media node the app placed this socket on (ADR 0016); absent on a single node. A node
   * refuses a token that names another (`wrong-node`: the client asks for a fresh token).
   */
  node?: string;
};
