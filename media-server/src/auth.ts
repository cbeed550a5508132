import { first } from "#db/first.ts";
/**
 * Who may open a socket: the app's origin, with a join token the app signed, and what the shared
 * access rule allows (#live/access.server.ts: the session exists and has not ended, the member is
 * active and invited, or a presenter for the presenter role). Runs as socket.io middleware on
 * every connection, so a reconnection is checked again (connection-state recovery is not enabled:
 * nothing skips this).
 */
import { eq } from "drizzle-orm";
import type { ExtendedError } from "socket.io";
import type { Db } from "#db/client.server.ts";
import { units } from "#db/schema/index.ts";
import { joinRefusal } from "#live/access.server.ts";
import { verifyJoinToken } from "#live/join-token.server.ts";
import type { Refusal } from "#live/refusals.ts";
import type { ConnectRefusal, SocketAuth } from "#live/wire.ts";
import type { Logger } from "./log.ts";
import type { MediaSocket } from "./socket.ts";

function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return false;
  let normalised: string;
  try {
    normalised = new URL(origin).origin;
  } catch {
    return false;
  }
  return allowed.includes(normalised);
}

function refuse(code: Refusal): ExtendedError {
  const err = new Error(code) as ExtendedError;
  err.data = { code } satisfies ConnectRefusal;
  return err;
}

export type AuthDeps = {
  db: Db;
  secret: string;
  allowedOrigins: readonly string[];
  log: Logger;
  now?: () => number;
  /** This node's id when it is one of several (ADR 0016): a token placed on another node is refused. */
  nodeId?: string;
};

/** Checks one handshake; returns the identity or the refusal code. Pure apart from DB reads. */
export async function authenticate(
  deps: AuthDeps,
  handshake: { origin: string | undefined; token: unknown },
): Promise<{ ok: true; auth: SocketAuth } | { ok: false; code: Refusal }> {
  if (!originAllowed(handshake.origin, deps.allowedOrigins)) return { ok: false, code: "forbidden-origin" };
  const v = verifyJoinToken(handshake.token, deps.secret, (deps.now ?? Date.now)());
  if (!v.ok) return { ok: false, code: v.reason === "expired" ? "expired-token" : "invalid-token" };
  const t = v.payload;
  // Placed elsewhere (a relay that reached the wrong node, or an old token after the node it named
  // died): a fresh token places the socket again. A single node ignores the field.
  if (t.node !== undefined && deps.nodeId !== undefined && t.node !== deps.nodeId) return { ok: false, code: "wrong-node" };
  const refusal = await joinRefusal(deps.db, t);
  if (refusal) return { ok: false, code: refusal };
  // The unit named in the token (a cell room's roster) must exist; its path bounds check-ins.
  const unit = await first(deps.db.select({ path: units.path }).from(units).where(eq(units.id, t.unitId)));
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
  return async (socket: MediaSocket, next: (err?: ExtendedError) => void) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      const r = await authenticate(deps, { origin: socket.handshake.headers.origin, token });
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
