import { and, asc, eq, inArray, or, sql, count } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { units, members, memberUnitHistory } from "#db/schema/index.ts";
import { foldVietnamese } from "./text-fold.ts";
import { DomainError } from "./domain-error.ts";

export type Unit = typeof units.$inferSelect;

export const UNIT_CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function normaliseUnitName(name: string): string {
  return name.normalize("NFC").replace(/\s+/g, " ").trim();
}

export function getUnit(db: Db, id: number): Unit | undefined {
  return db.select().from(units).where(eq(units.id, id)).get();
}

export function getUnitByCode(db: Db, code: string): Unit | undefined {
  return db.select().from(units).where(eq(units.code, code)).get();
}

/** True when `unit` is `root` or lies below it. */
export function isInSubtree(unit: Pick<Unit, "path">, root: Pick<Unit, "path">): boolean {
  return unit.path.startsWith(root.path);
}

/** Escapes LIKE wildcards; paths only hold digits and "/", but codes and names do not. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function subtreeCondition(rootPath: string) {
  return sql`${units.path} LIKE ${likeEscape(rootPath) + "%"} ESCAPE '\\'`;
}

export function createUnit(
  db: Db,
  input: { code: string; name: string; parentId: number | null },
  now = new Date(),
): Unit {
  const code = input.code.trim();
  const name = normaliseUnitName(input.name);
  if (!UNIT_CODE_RE.test(code)) throw new DomainError("unit.error.code", { code });
  if (!name) throw new DomainError("unit.error.nameRequired");
  return writeTx(db, (tx) => {
    if (getUnitByCode(tx, code)) throw new DomainError("unit.error.codeTaken", { code }, 409);
    const parent = input.parentId == null ? null : getUnit(tx, input.parentId);
    if (input.parentId != null && !parent) throw new DomainError("unit.error.parentMissing", {}, 404);
    const inserted = tx
      .insert(units)
      .values({
        code,
        name,
        nameFolded: foldVietnamese(name),
        parentId: parent?.id ?? null,
        path: "/",
        depth: parent ? parent.depth + 1 : 0,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    const path = `${parent?.path ?? "/"}${inserted.id}/`;
    tx.update(units).set({ path }).where(eq(units.id, inserted.id)).run();
    return { ...inserted, path };
  });
}

export function renameUnit(db: Db, id: number, name: string, now = new Date()): Unit {
  const clean = normaliseUnitName(name);
  if (!clean) throw new DomainError("unit.error.nameRequired");
  return writeTx(db, (tx) => {
    const unit = getUnit(tx, id);
    if (!unit) throw new DomainError("unit.error.notFound", {}, 404);
    tx.update(units)
      .set({ name: clean, nameFolded: foldVietnamese(clean), updatedAt: now })
      .where(eq(units.id, id))
      .run();
    return { ...unit, name: clean };
  });
}

/**
 * Moves a unit and its whole subtree under a new parent: one UPDATE rewrites the path prefix and
 * shifts the depth of every descendant. Refuses to move a unit under itself or its descendants.
 */
export function moveUnit(db: Db, id: number, newParentId: number | null, now = new Date()): Unit {
  return writeTx(db, (tx) => {
    const unit = getUnit(tx, id);
    if (!unit) throw new DomainError("unit.error.notFound", {}, 404);
    const parent = newParentId == null ? null : getUnit(tx, newParentId);
    if (newParentId != null && !parent) throw new DomainError("unit.error.parentMissing", {}, 404);
    if (parent && isInSubtree(parent, unit)) throw new DomainError("unit.error.cycle");
    if ((parent?.id ?? null) === unit.parentId) return unit;
    const oldPrefix = unit.path;
    const newPrefix = `${parent?.path ?? "/"}${unit.id}/`;
    const depthShift = (parent ? parent.depth + 1 : 0) - unit.depth;
    tx.update(units)
      .set({
        path: sql`${newPrefix} || substr(${units.path}, ${oldPrefix.length + 1})`,
        depth: sql`${units.depth} + ${depthShift}`,
        updatedAt: now,
      })
      .where(subtreeCondition(oldPrefix))
      .run();
    tx.update(units).set({ parentId: parent?.id ?? null }).where(eq(units.id, id)).run();
    return getUnit(tx, id)!;
  });
}

export function deleteUnit(db: Db, id: number): void {
  writeTx(db, (tx) => {
    const unit = getUnit(tx, id);
    if (!unit) throw new DomainError("unit.error.notFound", {}, 404);
    const child = tx.select({ id: units.id }).from(units).where(eq(units.parentId, id)).limit(1).get();
    const member = tx.select({ id: members.id }).from(members).where(eq(members.unitId, id)).limit(1).get();
    const past = tx
      .select({ id: memberUnitHistory.id })
      .from(memberUnitHistory)
      .where(eq(memberUnitHistory.unitId, id))
      .limit(1)
      .get();
    if (child || member || past) throw new DomainError("unit.error.notEmpty", { code: unit.code }, 409);
    tx.delete(units).where(eq(units.id, id)).run();
  });
}

export function childUnits(db: Db, parentId: number | null): (Unit & { childCount: number; memberCount: number })[] {
  const rows = db
    .select()
    .from(units)
    .where(parentId == null ? sql`${units.parentId} IS NULL` : eq(units.parentId, parentId))
    .orderBy(asc(units.code))
    .all();
  return rows.map((u) => ({
    ...u,
    childCount: db.select({ n: count() }).from(units).where(eq(units.parentId, u.id)).get()!.n,
    memberCount: db
      .select({ n: count() })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(and(subtreeCondition(u.path), eq(members.status, "active")))
      .get()!.n,
  }));
}

/** The chain from the root down to the unit, for breadcrumbs and hierarchy columns. */
export function ancestors(db: Db, unit: Pick<Unit, "path">): Unit[] {
  const ids = unit.path.split("/").filter(Boolean).map(Number);
  if (ids.length === 0) return [];
  const rows = db.select().from(units).where(inArray(units.id, ids)).all();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((i) => byId.get(i)!).filter(Boolean);
}

export function searchUnits(
  db: Db,
  query: string,
  opts: { withinPaths?: string[] | null; limit?: number } = {},
): Unit[] {
  const q = foldVietnamese(query);
  const conds = [];
  if (q) {
    const pat = `%${likeEscape(q)}%`;
    conds.push(
      or(
        sql`${units.nameFolded} LIKE ${pat} ESCAPE '\\'`,
        sql`lower(${units.code}) LIKE ${pat} ESCAPE '\\'`,
      ),
    );
  }
  if (opts.withinPaths) {
    if (opts.withinPaths.length === 0) return [];
    conds.push(or(...opts.withinPaths.map((p) => subtreeCondition(p))));
  }
  return db
    .select()
    .from(units)
    .where(and(...conds))
    .orderBy(asc(units.depth), asc(units.code))
    .limit(opts.limit ?? 50)
    .all();
}

export function allUnits(db: Db): Unit[] {
  return db.select().from(units).orderBy(asc(units.path)).all();
}

