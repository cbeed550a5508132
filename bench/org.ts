/**
 * A regular unit tree for the import benchmark, which imports its members through the app's own
 * code paths and needs every cell to be a known code: written with raw better-sqlite3 prepared
 * statements in one transaction. Benchmarks that need members already in place use
 * tests/factories/big-org.ts.
 *
 * The tree is 5 levels deep: 1 root → 8 committees → ~6 party committees each → ~6 departments
 * each → ~7 cells each (≈ 2,000 cells). Columns are filled as the app fills them: `name_folded`
 * via foldVietnamese, unit paths as "/id/id/".
 */
import type Database from "better-sqlite3";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { rng } from "../scripts/seed/names.ts";

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
