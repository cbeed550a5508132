import { eq } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { members, scopeGrants } from "#db/schema/index.ts";
import { createUnit, type Unit } from "#app/org/units.server.ts";
import { createMember, type Member } from "#app/org/members.server.ts";
import { hashPassword } from "#app/auth/password.server.ts";
import type { Role } from "#db/schema/enums.ts";

export const PASSWORD = "mat-khau-thu-nghiem";
let cachedHash: Promise<string> | undefined;
export const passwordHash = () => (cachedHash ??= hashPassword(PASSWORD));

/**
 * Two committees with two cells each under one root:
 *   ROOT ─ A ─ A1, A2
 *        └ B ─ B1, B2
 */
export function makeTree(db: Db) {
  const root = createUnit(db, { code: "ROOT", name: "Đảng bộ Trung ương", parentId: null });
  const a = createUnit(db, { code: "A", name: "Đảng ủy A", parentId: root.id });
  const b = createUnit(db, { code: "B", name: "Đảng ủy B", parentId: root.id });
  const a1 = createUnit(db, { code: "A1", name: "Chi bộ A1", parentId: a.id });
  const a2 = createUnit(db, { code: "A2", name: "Chi bộ A2", parentId: a.id });
  const b1 = createUnit(db, { code: "B1", name: "Chi bộ B1", parentId: b.id });
  const b2 = createUnit(db, { code: "B2", name: "Chi bộ B2", parentId: b.id });
  return { root, a, b, a1, a2, b1, b2 };
}

let seq = 0;
export async function makeMember(
  db: Db,
  unit: Unit,
  opts: { code?: string; fullName?: string; role?: Role; password?: boolean; scopes?: Unit[]; email?: string } = {},
): Promise<Member> {
  seq++;
  const m = createMember(db, {
    code: opts.code ?? `M${process.pid}x${seq}`,
    fullName: opts.fullName ?? `Nguyễn Văn Thử ${seq}`,
    unitId: unit.id,
    role: opts.role ?? "member",
    email: opts.email ?? null,
  }, null);
  if (opts.password !== false) {
    db.update(members).set({ passwordHash: await passwordHash() }).where(eq(members.id, m.id)).run();
  }
  for (const s of opts.scopes ?? []) {
    db.insert(scopeGrants).values({ memberId: m.id, unitId: s.id, kind: "trainer", createdAt: new Date() }).run();
  }
  return m;
}
