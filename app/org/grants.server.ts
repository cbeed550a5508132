import { and, eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { auditLog, scopeGrants } from "#db/schema/index.ts";
import { applyMemberUpdate, getMember } from "./members.server.ts";

/**
 * Grants a member the management of a unit's subtree. Every change to who may manage what leaves
 * an audit row, like every other change to a member: a grant is the most powerful thing an
 * administrator hands out. A plain member given a grant becomes a trainer in the same transaction.
 */
export function grantScope(db: Db, memberId: number, unitId: number, actorId: number | null, now = new Date()): void {
  writeTx(db, (tx) => {
    const inserted = tx
      .insert(scopeGrants)
      .values({ memberId, unitId, kind: "trainer", createdAt: now })
      .onConflictDoNothing()
      .returning({ id: scopeGrants.id })
      .all();
    if (inserted.length === 0) return;
    tx.insert(auditLog)
      .values({ actorId, action: "member.scope-granted", entityType: "member", entityId: String(memberId), detail: { unitId }, at: now })
      .run();
    const member = getMember(tx, memberId);
    if (member?.role === "member") applyMemberUpdate(tx, member, { role: "trainer" }, actorId, now);
  });
}

export function revokeScope(db: Db, memberId: number, unitId: number, actorId: number | null, now = new Date()): void {
  writeTx(db, (tx) => {
    const removed = tx
      .delete(scopeGrants)
      .where(and(eq(scopeGrants.memberId, memberId), eq(scopeGrants.unitId, unitId)))
      .returning({ id: scopeGrants.id })
      .all();
    if (removed.length === 0) return;
    tx.insert(auditLog)
      .values({ actorId, action: "member.scope-revoked", entityType: "member", entityId: String(memberId), detail: { unitId }, at: now })
      .run();
  });
}
