import { first } from "#db/first.ts";
import { count, eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { members, scopeGrants, units } from "#db/schema/index.ts";
import { createUnit } from "#app/org/units.server.ts";
import { insertMember } from "#app/org/members.server.ts";
import { issueActivationCodes } from "#app/org/members.server.ts";
import { makeName, POSITIONS, rng } from "./names.ts";

/**
 * The demo organisation a newcomer meets on first start: a central body, three committees,
 * twelve cells (one committee with an intermediate level, to show depth), 300 members.
 */
export const DEMO_PASSWORD = "HocSo@2026";

export const DEMO_TREE = {
  code: "TW",
  name: "Đảng bộ các cơ quan Trung ương (minh họa)",
  children: [
    {
      code: "DU-TH",
      name: "Đảng ủy Vụ Tổng hợp",
      children: [
        { code: "CB-TH-1", name: "Chi bộ Phòng Tổng hợp 1" },
        { code: "CB-TH-2", name: "Chi bộ Phòng Tổng hợp 2" },
        { code: "CB-TH-3", name: "Chi bộ Phòng Thư ký – Biên tập" },
        { code: "CB-TH-4", name: "Chi bộ Phòng Hành chính" },
      ],
    },
    {
      code: "DU-KHTC",
      name: "Đảng ủy Vụ Kế hoạch – Tài chính",
      children: [
        { code: "CB-KH-1", name: "Chi bộ Phòng Kế hoạch" },
        { code: "CB-KH-2", name: "Chi bộ Phòng Tài chính" },
        { code: "CB-KH-3", name: "Chi bộ Phòng Kế toán" },
        { code: "CB-KH-4", name: "Chi bộ Phòng Quản lý tài sản" },
      ],
    },
    {
      code: "DU-TTTT",
      name: "Đảng ủy Trung tâm Thông tin",
      children: [
        {
          code: "DBBP-CNTT",
          name: "Đảng bộ bộ phận Công nghệ thông tin",
          children: [
            { code: "CB-CNTT-1", name: "Chi bộ Hạ tầng và An toàn thông tin" },
            { code: "CB-CNTT-2", name: "Chi bộ Phần mềm và Dữ liệu" },
          ],
        },
        { code: "CB-TT-1", name: "Chi bộ Lưu trữ – Số hóa" },
        { code: "CB-TT-2", name: "Chi bộ Thông tin – Tư liệu" },
      ],
    },
  ],
} as const;

type TreeNode = { code: string; name: string; children?: readonly TreeNode[] };

export type DemoAccounts = {
  admin: { code: string; password: string };
  trainers: { code: string; unit: string; password: string }[];
  members: { code: string; password: string }[];
  activation: { code: string; activationCode: string }[];
};

export async function isEmpty(db: Db): Promise<boolean> {
  return (await first(db.select({ n: count() }).from(units)))!.n === 0 && (await first(db.select({ n: count() }).from(members)))!.n === 0;
}

/**
 * Builds the demo organisation in one transaction. `passwordHash` is computed once by the caller
 * (argon2 is deliberately slow) and shared by the few demo accounts that get a password. Units and
 * members date from `foundedAt` (the start of the demo's history); the activation codes are
 * issued at `now`, so they are still valid when the newcomer reads them.
 */
export async function seedDemo(db: Db, passwordHash: string, now = new Date(), foundedAt = now): Promise<DemoAccounts> {
  const r = rng(57);
  return writeTx(db, async (tx) => {
    const cells: { id: number; code: string }[] = [];
    const committees: { id: number; code: string }[] = [];
    const build = async (node: TreeNode, parentId: number | null, depth: number) => {
      const u = await createUnit(tx, { code: node.code, name: node.name, parentId }, foundedAt);
      if (depth === 1) committees.push({ id: u.id, code: u.code });
      if (!node.children?.length) cells.push({ id: u.id, code: u.code });
      for (const c of node.children ?? []) await build(c, u.id, depth + 1);
      return u;
    };
    const root = await build(DEMO_TREE, null, 0);

    const admin = await insertMember(tx, { code: "admin", fullName: "Quản trị Hệ thống", unitId: root.id, position: "Quản trị viên", role: "admin", email: "admin@hocso.local" }, null, foundedAt, { audit: false });
    const withPassword: number[] = [admin.id];
    const accounts: DemoAccounts = { admin: { code: "admin", password: DEMO_PASSWORD }, trainers: [], members: [], activation: [] };

    for (const [i, c] of committees.entries()) {
      const code = `GV${String(i + 1).padStart(2, "0")}`;
      const m = await insertMember(tx, { code, fullName: makeName(r), unitId: c.id, position: "Cán bộ phụ trách đào tạo", role: "trainer" }, null, foundedAt, { audit: false });
      await tx.insert(scopeGrants).values({ memberId: m.id, unitId: c.id, kind: "trainer", createdAt: foundedAt });
      withPassword.push(m.id);
      accounts.trainers.push({ code, unit: c.code, password: DEMO_PASSWORD });
    }

    // 300 members spread unevenly over the 12 cells, as real cells are (15 to 35 members).
    let n = 0;
    const sizes = cells.map(() => 15 + Math.floor(r.next() * 21));
    const total = sizes.reduce((a, b) => a + b, 0);
    const scaled = sizes.map((s) => Math.round((s / total) * 300));
    scaled[scaled.length - 1] += 300 - scaled.reduce((a, b) => a + b, 0);
    for (const [ci, cell] of cells.entries()) {
      for (let k = 0; k < scaled[ci]; k++) {
        n++;
        const code = `DV${String(n).padStart(5, "0")}`;
        const position = k === 0 ? "Bí thư chi bộ" : k === 1 ? "Phó Bí thư chi bộ" : r.pick(POSITIONS);
        const m = await insertMember(tx, { code, fullName: makeName(r), unitId: cell.id, position, phone: r.next() < 0.6 ? `09${String(Math.floor(r.next() * 1e8)).padStart(8, "0")}` : null }, null, foundedAt, { audit: false });
        if (n <= 3) {
          withPassword.push(m.id);
          accounts.members.push({ code, password: DEMO_PASSWORD });
        }
      }
    }
    for (const id of withPassword) {
      await tx.update(members).set({ passwordHash }).where(eq(members.id, id));
    }
    const ids: number[] = [];
    for (const k of [4, 5]) ids.push((await first(tx.select({ id: members.id }).from(members).where(eq(members.code, `DV${String(k).padStart(5, "0")}`))))!.id);
    const issued = await issueActivationCodes(tx, ids, null, now);
    accounts.activation = issued.map((i, k) => ({ code: `DV${String(k + 4).padStart(5, "0")}`, activationCode: i.code }));
    return accounts;
  });
}
