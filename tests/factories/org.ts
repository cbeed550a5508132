import { eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
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
export async function makeTree(db: Db) {
  const root = await createUnit(db, { code: "ROOT", name: "Đảng bộ Trung ương", parentId: null });
  const a = await createUnit(db, { code: "A", name: "Đảng ủy A", parentId: root.id });
  const b = await createUnit(db, { code: "B", name: "Đảng ủy B", parentId: root.id });
  const a1 = await createUnit(db, { code: "A1", name: "Chi bộ A1", parentId: a.id });
  const a2 = await createUnit(db, { code: "A2", name: "Chi bộ A2", parentId: a.id });
  const b1 = await createUnit(db, { code: "B1", name: "Chi bộ B1", parentId: b.id });
  const b2 = await createUnit(db, { code: "B2", name: "Chi bộ B2", parentId: b.id });
  return { root, a, b, a1, a2, b1, b2 };
}

let seq = 0;
export async function makeMember(
  db: Db,
  unit: Unit,
  opts: { code?: string; fullName?: string; role?: Role; password?: boolean; scopes?: Unit[]; email?: string } = {},
): Promise<Member> {
  seq++;
  const m = await createMember(db, {
    code: opts.code ?? `M${process.pid}x${seq}`,
    fullName: opts.fullName ?? `Nguyễn Văn Thử ${seq}`,
    unitId: unit.id,
    role: opts.role ?? "member",
    email: opts.email ?? null,
  }, null);
  if (opts.password !== false) {
    // argon2 runs before the transaction: a transaction body awaits the database only.
    const hash = await passwordHash();
    await writeTx(db, async (tx) => {
      await tx.update(members).set({ passwordHash: hash }).where(eq(members.id, m.id));
    });
  }
  const scopes = opts.scopes ?? [];
  if (scopes.length) {
    await writeTx(db, async (tx) => {
      for (const s of scopes) await tx.insert(scopeGrants).values({ memberId: m.id, unitId: s.id, kind: "trainer", createdAt: new Date() });
    });
  }
  return m;
}
