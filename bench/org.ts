/**
 * A large, deterministic organisation for the benchmarks, written with raw better-sqlite3
 * prepared statements in one transaction (the app's per-row code paths would take minutes for
 * 100,000 members, and they are what some benchmarks measure, not what they should wait for).
 *
 * The tree is 5 levels deep: 1 root → 8 committees → ~6 party committees each → ~6 departments
 * each → ~7 cells each (≈ 2,000 cells). Members sit in cells, 15–85 per cell before scaling.
 * Columns are filled as the app fills them: `full_name_folded` via foldVietnamese, unit paths as
 * "/id/id/", one open member_unit_history row per member (plus a closed earlier row for ~5%).
 */
import type Database from "better-sqlite3";
import { foldVietnamese } from "#app/org/text-fold.ts";
import { makeName, POSITIONS, rng } from "#db/seed/names.ts";

export type GenUnit = { id: number; code: string; name: string; path: string; depth: number; parentId: number | null };

export type GenOrg = {
  units: GenUnit[];
  root: GenUnit;
  committees: GenUnit[];
  cells: GenUnit[];
};

const LEVELS = [
  { prefix: "DU", label: "Đảng ủy Khối", min: 8, max: 8 }, // depth 1: committees
  { prefix: "DB", label: "Đảng bộ Cục", min: 5, max: 7 }, // depth 2
  { prefix: "BP", label: "Đảng bộ bộ phận Phòng", min: 5, max: 7 }, // depth 3
  { prefix: "CB", label: "Chi bộ Tổ", min: 6, max: 8 }, // depth 4: cells
] as const;

/** Inserts the unit tree; ids are assigned explicitly (1, 2, …) so paths are known up front. */
export function generateUnits(sqlite: Database.Database, seed = 2026, at = Date.now()): GenOrg {
  const r = rng(seed);
  const ins = sqlite.prepare(
    `INSERT INTO units (id, code, name, name_folded, parent_id, path, depth, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const base = (sqlite.prepare("SELECT coalesce(max(id), 0) AS m FROM units").get() as { m: number }).m;
  const units: GenUnit[] = [];
  let nextId = base + 1;
  const add = (code: string, name: string, parent: GenUnit | null): GenUnit => {
    const id = nextId++;
    const u: GenUnit = {
      id,
      code,
      name,
      path: `${parent?.path ?? "/"}${id}/`,
      depth: parent ? parent.depth + 1 : 0,
      parentId: parent?.id ?? null,
    };
    ins.run(u.id, u.code, u.name, foldVietnamese(u.name), u.parentId, u.path, u.depth, at, at);
    units.push(u);
    return u;
  };
  const org = sqlite.transaction(() => {
    const root = add("BENCH-TW", "Đảng bộ Khối các cơ quan (bench)", null);
    const committees: GenUnit[] = [];
    const cells: GenUnit[] = [];
    const grow = (parent: GenUnit, level: number, codeParts: string[]) => {
      const spec = LEVELS[level];
      const n = spec.min + Math.floor(r.next() * (spec.max - spec.min + 1));
      for (let k = 1; k <= n; k++) {
        const parts = [...codeParts, String(k).padStart(2, "0")];
        const u = add(`${spec.prefix}${parts.join("-")}`, `${spec.label} ${parts.join(".")}`, parent);
        if (level === 0) committees.push(u);
        if (level === LEVELS.length - 1) cells.push(u);
        else grow(u, level + 1, parts);
      }
    };
    grow(root, 0, []);
    return { units, root, committees, cells };
  })();
  return org;
}

export type GenMembersOptions = { count: number; seed?: number; at?: number; codePrefix?: string };

/** Member code for index i (1-based): DV000001 … */
export function memberCode(i: number, prefix = "DV"): string {
  return `${prefix}${String(i).padStart(6, "0")}`;
}

/**
 * Spreads `count` members over the cells (uneven sizes, as real cells are) and inserts them plus
 * their unit history. Returns the per-cell counts.
 */
export function generateMembers(sqlite: Database.Database, org: GenOrg, opts: GenMembersOptions): Map<number, number> {
  const r = rng(opts.seed ?? 7);
  const at = opts.at ?? Date.now();
  const prefix = opts.codePrefix ?? "DV";
  const sizes = org.cells.map(() => 15 + Math.floor(r.next() * 71));
  const total = sizes.reduce((a, b) => a + b, 0);
  const scaled = sizes.map((s) => Math.floor((s / total) * opts.count));
  let rest = opts.count - scaled.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % scaled.length, rest--) scaled[i]++;

  const insMember = sqlite.prepare(
    `INSERT INTO members (id, code, full_name, full_name_folded, unit_id, position, email, phone, status, role, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'member', ?, ?)`,
  );
  const insHistory = sqlite.prepare(
    `INSERT INTO member_unit_history (member_id, unit_id, valid_from, valid_to, note) VALUES (?, ?, ?, ?, ?)`,
  );
  const base = (sqlite.prepare("SELECT coalesce(max(id), 0) AS m FROM members").get() as { m: number }).m;
  const perCell = new Map<number, number>();
  const YEAR = 365 * 24 * 3600 * 1000;
  sqlite.transaction(() => {
    let i = 0;
    org.cells.forEach((cell, ci) => {
      perCell.set(cell.id, scaled[ci]);
      for (let k = 0; k < scaled[ci]; k++) {
        i++;
        const id = base + i;
        const name = makeName(r);
        const code = memberCode(i, prefix);
        const email = r.next() < 0.4 ? `${code.toLowerCase()}@coquan.gov.vn` : null;
        const phone = r.next() < 0.6 ? `09${String(Math.floor(r.next() * 1e8)).padStart(8, "0")}` : null;
        const s = r.next();
        const status = s < 0.97 ? "active" : s < 0.99 ? "transferred" : "left";
        const position = k === 0 ? "Bí thư chi bộ" : k === 1 ? "Phó Bí thư chi bộ" : r.pick(POSITIONS);
        const joined = at - Math.floor(r.next() * 10 * YEAR);
        insMember.run(id, code, name, foldVietnamese(name), cell.id, position, email, phone, status, at, at);
        if (r.next() < 0.05) {
          // moved here from another cell at some point: one closed interval before the open one
          const prev = org.cells[Math.floor(r.next() * org.cells.length)];
          const movedAt = joined + Math.floor((at - joined) * r.next());
          insHistory.run(id, prev.id, joined, movedAt, null);
          insHistory.run(id, cell.id, movedAt, null, "transfer");
        } else {
          insHistory.run(id, cell.id, joined, null, null);
        }
      }
    });
  })();
  return perCell;
}
