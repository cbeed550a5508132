/**
 * Who may open a socket: the app's origin, with a join token the app signed, for a session that
 * exists and has not ended, by an active member who is invited (or, for the presenter role, a
 * presenter of the session). Runs as socket.io middleware on every connection, so a reconnection
 * is checked again (connection-state recovery is not enabled: nothing skips this).
 */
import { and, eq } from "drizzle-orm";
import type { ExtendedError, Socket } from "socket.io";
import { verifyJoinToken, type JoinTokenPayload } from "#app/live/join-token.ts";
import type { Db } from "#db/client.server.ts";
import { liveSessionPresenters, liveSessions, members, units } from "#db/schema/index.ts";
import { isMemberInvited } from "./attendance.ts";
import { messageOf, type ErrorCode } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { PeerIdentity } from "./peer.ts";

export type SocketAuth = { token: JoinTokenPayload; identity: PeerIdentity };

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return false;
  let normalised: string;
  try {
    normalised = new URL(origin).origin;
  } catch {
    return false;
  }
  return allowed.includes(normalised);
}

function refuse(code: ErrorCode): ExtendedError {
  const err = new Error(code) as ExtendedError;
  err.data = { code, message: messageOf(code) };
  return err;
}

export type AuthDeps = { db: Db; secret: string; allowedOrigins: readonly string[]; log: Logger; now?: () => number };

/** Checks one handshake; returns the identity or the refusal code. Pure apart from DB reads. */
export function authenticate(
  deps: AuthDeps,
  handshake: { origin: string | undefined; token: unknown },
): { ok: true; auth: SocketAuth } | { ok: false; code: ErrorCode } {
  if (!originAllowed(handshake.origin, deps.allowedOrigins)) return { ok: false, code: "forbidden-origin" };
  const v = verifyJoinToken(handshake.token, deps.secret, (deps.now ?? Date.now)());
  if (!v.ok) return { ok: false, code: v.reason === "expired" ? "expired-token" : "invalid-token" };
  const t = v.payload;
  const session = deps.db.select().from(liveSessions).where(eq(liveSessions.id, t.sessionId)).get();
  if (!session) return { ok: false, code: "unknown-session" };
  if (session.state === "ended") return { ok: false, code: "session-ended" };
  const member = deps.db
    .select({ id: members.id, status: members.status, disabledAt: members.disabledAt, unitPath: units.path })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(eq(members.id, t.memberId))
    .get();
  if (!member || member.status !== "active" || member.disabledAt) return { ok: false, code: "member-inactive" };
  if (t.role === "presenter") {
    const isPresenter = deps.db
      .select({ id: liveSessionPresenters.id })
      .from(liveSessionPresenters)
      .where(and(eq(liveSessionPresenters.sessionId, t.sessionId), eq(liveSessionPresenters.memberId, t.memberId)))
      .get();
    if (!isPresenter) return { ok: false, code: "not-presenter" };
  } else if (!isMemberInvited(deps.db, t.sessionId, t.memberId)) {
    return { ok: false, code: "not-invited" };
  }
  // The unit named in the token (a cell room's roster) must exist; its path bounds check-ins.
  const unit = deps.db.select({ path: units.path }).from(units).where(eq(units.id, t.unitId)).get();
  if (!unit) return { ok: false, code: "invalid-token" };
  return {
    ok: true,
    auth: {
      token: t,
      identity: { memberId: t.memberId, memberCode: t.memberCode, name: t.name, role: t.role, unitId: t.unitId, unitPath: unit.path },
    },
  };
}

/** socket.io middleware: every connection and reconnection passes through here. */
export function authMiddleware(deps: AuthDeps) {
  return (socket: Socket, next: (err?: ExtendedError) => void) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      const r = authenticate(deps, { origin: socket.handshake.headers.origin, token });
      if (!r.ok) {
        deps.log.info("socket refused", { code: r.code, address: socket.handshake.address });
        return next(refuse(r.code));
      }
      socket.data.auth = r.auth;
      next();
    } catch (e) {
      deps.log.error("auth failed unexpectedly", { error: e });
      next(refuse("internal"));
    }
  };
}
