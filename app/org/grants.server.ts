import { and, eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { auditLog, scopeGrants } from "#db/schema/index.ts";
import { applyMemberUpdate, getMember } from "./members.server.ts";

/**
 * Grants a member the management of a unit's subtree. Every change to who may manage what leaves
 * an audit row, like every other change to a member: a grant is the most powerful thing an
 * administrator hands out. A plain member given a grant becomes a trainer in the same transaction.
 */
export async function grantScope(db: Db, memberId: number, unitId: number, actorId: number | null, now = new Date()): Promise<void> {
  await writeTx(db, async (tx) => {
    const inserted = await tx
      .insert(scopeGrants)
      .values({ memberId, unitId, kind: "trainer", createdAt: now })
      .onConflictDoNothing()
      .returning({ id: scopeGrants.id });
    if (inserted.length === 0) return;
    await tx.insert(auditLog)
      .values({ actorId, action: "member.scope-granted", entityType: "member", entityId: String(memberId), detail: { unitId }, at: now });
    const member = await getMember(tx, memberId);
    if (member?.role === "member") await applyMemberUpdate(tx, member, { role: "trainer" }, actorId, now);
  });
}

export async function revokeScope(db: Db, memberId: number, unitId: number, actorId: number | null, now = new Date()): Promise<void> {
  await writeTx(db, async (tx) => {
    const removed = await tx
      .delete(scopeGrants)
      .where(and(eq(scopeGrants.memberId, memberId), eq(scopeGrants.unitId, unitId)))
      .returning({ id: scopeGrants.id });
    if (removed.length === 0) return;
    await tx.insert(auditLog)
      .values({ actorId, action: "member.scope-revoked", entityType: "member", entityId: String(memberId), detail: { unitId }, at: now });
  });
}
