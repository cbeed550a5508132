import { first } from "#db/first.ts";
/**
 * Who may join a session as what: one rule, read by the app (page loaders and the token route,
 * before it signs a join token) and by the media server (on every socket connection, after it
 * verifies one). The app signs only what this allows; the media server re-checks because a token
 * lives ten minutes and an invitation or a presenter can be removed meanwhile.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { liveSessionInvites, liveSessionPresenters, liveSessions, members, units } from "#db/schema/index.ts";
import type { JoinRole } from "./join-token.ts";
import type { Refusal } from "./refusals.ts";

/**
 * Members invited to a session: directly, or because their unit lies in an invited unit's subtree
 * (materialised path prefix; plain SQL both SQLite and PostgreSQL run). Use inside a query that
 * joins `members` with `units`.
 */
export function invitedCondition(sessionId: number) {
  const iu = sql`iu`;
  return sql`(EXISTS (SELECT 1 FROM ${liveSessionInvites} i JOIN ${units} ${iu} ON ${iu}.id = i.unit_id
                      WHERE i.session_id = ${sessionId} AND substr(${units.path}, 1, length(${iu}.path)) = ${iu}.path)
              OR EXISTS (SELECT 1 FROM ${liveSessionInvites} i WHERE i.session_id = ${sessionId} AND i.member_id = ${members.id}))`;
}

export async function isMemberInvited(db: Db, sessionId: number, memberId: number): Promise<boolean> {
  return (
    (await first(db
      .select({ id: members.id })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(and(eq(members.id, memberId), invitedCondition(sessionId))))) !== undefined
  );
}

export async function isPresenter(db: Db, sessionId: number, memberId: number): Promise<boolean> {
  return (
    (await first(db
      .select({ id: liveSessionPresenters.id })
      .from(liveSessionPresenters)
      .where(and(eq(liveSessionPresenters.sessionId, sessionId), eq(liveSessionPresenters.memberId, memberId))))) !== undefined
  );
}

export type JoinFacts = { presenter: boolean; invited: boolean };

export async function joinFacts(db: Db, sessionId: number, memberId: number): Promise<JoinFacts> {
  return { presenter: await isPresenter(db, sessionId, memberId), invited: await isMemberInvited(db, sessionId, memberId) };
}

/**
 * The rule: a presenter of the session may join as presenter; an invited member as a viewer, a
 * cell room's screen or a phone checking in. A presenter who is not invited may only present.
 */
export function mayJoinAs(facts: JoinFacts, role: JoinRole): boolean {
  return role === "presenter" ? facts.presenter : facts.invited;
}

/**
 * The whole check for one connection: the session exists and has not ended, the member is active,
 * and the rule allows the role. Returns why not, or null.
 */
export async function joinRefusal(db: Db, t: { sessionId: number; memberId: number; role: JoinRole }): Promise<Refusal | null> {
  const session = await first(db.select({ state: liveSessions.state }).from(liveSessions).where(eq(liveSessions.id, t.sessionId)));
  if (!session) return "unknown-session";
  if (session.state === "ended") return "session-ended";
  const member = await first(db.select({ status: members.status, disabledAt: members.disabledAt }).from(members).where(eq(members.id, t.memberId)));
  if (!member || member.status !== "active" || member.disabledAt) return "member-inactive";
  // Only the fact the rule reads for this role (one query per connection in a join storm).
  const facts: JoinFacts =
    t.role === "presenter"
      ? { presenter: await isPresenter(db, t.sessionId, t.memberId), invited: false }
      : { presenter: false, invited: await isMemberInvited(db, t.sessionId, t.memberId) };
  if (mayJoinAs(facts, t.role)) return null;
  return t.role === "presenter" ? "not-presenter" : "not-invited";
}
