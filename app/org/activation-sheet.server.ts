import { and, asc, eq, isNull } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { members, units } from "#db/schema/index.ts";
import { accountsBeyondScope, type Scope } from "#app/auth/permissions.server.ts";
import { ACTIVATION_TTL_MS, issueActivationCodes } from "./members.server.ts";
import { subtreeCondition } from "./units.server.ts";
import { CSV_BOM, toCsvLine } from "#app/common/spreadsheet-safety.ts";

/**
 * Members of the subtree who cannot sign in yet (no password, not disabled, still active), split
 * into those the caller may issue codes to and those whose accounts reach beyond the caller's
 * scope (an administrator, or a grant elsewhere): a code is the account, so those wait for someone
 * whose scope covers them.
 */
export async function pendingActivation(db: Db, scope: Scope, path: string) {
  const all = await db
    .select({ id: members.id, code: members.code, fullName: members.fullName, unitName: units.name })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(and(subtreeCondition(path), isNull(members.passwordHash), isNull(members.disabledAt), eq(members.status, "active")))
    .orderBy(asc(units.path), asc(members.fullNameFolded));
  const beyond = await accountsBeyondScope(db, scope, all.map((m) => m.id));
  return { issuable: all.filter((m) => !beyond.has(m.id)), skipped: beyond.size };
}

export type ActivationSlip = Awaited<ReturnType<typeof pendingActivation>>["issuable"][number] & { activationCode: string };

/** Issues fresh codes to every issuable pending member of the subtree (voiding earlier sheets). */
export async function issueActivationSheet(db: Db, scope: Scope, path: string, actorId: number, now = new Date()) {
  const pending = (await pendingActivation(db, scope, path)).issuable;
  const issued = await issueActivationCodes(db, pending.map((p) => p.id), actorId, now);
  const codeOf = new Map(issued.map((i) => [i.memberId, i.code]));
  const slips: ActivationSlip[] = pending.map((p) => ({ ...p, activationCode: codeOf.get(p.id)! }));
  return { slips, expiresAt: new Date(now.getTime() + ACTIVATION_TTL_MS) };
}

export function activationSheetCsv(sheet: { slips: ActivationSlip[]; expiresAt: Date }): string {
  const lines = [toCsvLine(["ma_dang_vien", "ho_ten", "don_vi", "ma_kich_hoat", "het_han"])];
  for (const s of sheet.slips) lines.push(toCsvLine([s.code, s.fullName, s.unitName, s.activationCode, sheet.expiresAt.toISOString()]));
  return CSV_BOM + lines.join("\r\n") + "\r\n";
}
