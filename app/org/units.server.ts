import { rawFirst, rawRun, rawValues } from "#db/dialect.server.ts";
import { first, one } from "#db/first.ts";
import { and, asc, eq, inArray, or, sql, count } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { units, members, memberUnitHistory, unitPathHistory } from "#db/schema/index.ts";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { DomainError } from "#app/common/domain-error.ts";
import type { Scope } from "#app/auth/permissions.server.ts";

export type Unit = typeof units.$inferSelect;

export const UNIT_CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function normaliseUnitName(name: string): string {
  return name.normalize("NFC").replace(/\s+/g, " ").trim();
}

export async function getUnit(db: Db, id: number): Promise<Unit | undefined> {
  return await first(db.select().from(units).where(eq(units.id, id)));
}

export async function getUnitByCode(db: Db, code: string): Promise<Unit | undefined> {
  return await first(db.select().from(units).where(eq(units.code, code)));
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

export async function createUnit(
  db: Db,
  input: { code: string; name: string; parentId: number | null },
  now = new Date(),
): Promise<Unit> {
  const code = input.code.trim();
  const name = normaliseUnitName(input.name);
  if (!UNIT_CODE_RE.test(code)) throw new DomainError("unit.error.code", { code });
  if (!name) throw new DomainError("unit.error.nameRequired");
  return writeTx(db, async (tx) => {
    if (await getUnitByCode(tx, code)) throw new DomainError("unit.error.codeTaken", { code }, 409);
    const parent = input.parentId == null ? null : await getUnit(tx, input.parentId);
    if (input.parentId != null && !parent) throw new DomainError("unit.error.parentMissing", {}, 404);
    const inserted = await one(tx
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
      .returning());
    const path = `${parent?.path ?? "/"}${inserted.id}/`;
    await tx.update(units).set({ path }).where(eq(units.id, inserted.id));
    // From 0: nobody can have been in the unit before it existed, so its first place may stand
    // for all earlier time, and a lookup at any instant finds exactly one row.
    await tx.insert(unitPathHistory)
      .values({ unitId: inserted.id, parentId: inserted.parentId, path, depth: inserted.depth, validFrom: new Date(0), validTo: null });
    return { ...inserted, path };
  });
}

export async function renameUnit(db: Db, id: number, name: string, now = new Date()): Promise<Unit> {
  const clean = normaliseUnitName(name);
  if (!clean) throw new DomainError("unit.error.nameRequired");
  return writeTx(db, async (tx) => {
    const unit = await getUnit(tx, id);
    if (!unit) throw new DomainError("unit.error.notFound", {}, 404);
    await tx.update(units)
      .set({ name: clean, nameFolded: foldVietnamese(clean), updatedAt: now })
      .where(eq(units.id, id));
    return { ...unit, name: clean };
  });
}

/**
 * Moves a unit and its whole subtree under a new parent: one UPDATE rewrites the path prefix and
 * shifts the depth of every descendant. Refuses to move a unit under itself or its descendants.
 * In the same transaction the subtree's open unit_path_history rows are closed at `now` and the
 * new places opened, so reports for earlier days keep grouping by the tree they had.
 */
export async function moveUnit(db: Db, id: number, newParentId: number | null, now = new Date()): Promise<Unit> {
  return writeTx(db, async (tx) => {
    const unit = await getUnit(tx, id);
    if (!unit) throw new DomainError("unit.error.notFound", {}, 404);
    const parent = newParentId == null ? null : await getUnit(tx, newParentId);
    if (newParentId != null && !parent) throw new DomainError("unit.error.parentMissing", {}, 404);
    if (parent && isInSubtree(parent, unit)) throw new DomainError("unit.error.cycle");
    if ((parent?.id ?? null) === unit.parentId) return unit;
    const oldPrefix = unit.path;
    const newPrefix = `${parent?.path ?? "/"}${unit.id}/`;
    const depthShift = (parent ? parent.depth + 1 : 0) - unit.depth;
    const at = await closeSubtreePlaces(tx, oldPrefix, now);
    await tx.update(units)
      .set({
        path: sql`${newPrefix} || substr(${units.path}, ${oldPrefix.length + 1})`,
        depth: sql`${units.depth} + ${depthShift}`,
        updatedAt: now,
      })
      .where(subtreeCondition(oldPrefix));
    await tx.update(units).set({ parentId: parent?.id ?? null }).where(eq(units.id, id));
    await rawRun(tx, sql`
      INSERT INTO unit_path_history (unit_id, parent_id, path, depth, valid_from, valid_to)
      SELECT id, parent_id, path, depth, CAST(${at} AS bigint), NULL FROM units WHERE ${subtreeCondition(newPrefix)}`);
    return (await getUnit(tx, id))!;
  });
}

/**
 * Ends the recorded place of every unit under `prefix` (before their paths change) and returns the
 * instant it ends: `now`, or the start of a place recorded later than `now` (a clock set back), so
 * places never overlap and a day always finds one.
 */
async function closeSubtreePlaces(tx: Db, prefix: string, now: Date): Promise<number> {
  const subtree = sql`unit_id IN (SELECT id FROM units WHERE ${subtreeCondition(prefix)})`;
  // Units written by tools that bypass createUnit have no row yet: their place so far is the current one.
  await rawRun(tx, sql`
    INSERT INTO unit_path_history (unit_id, parent_id, path, depth, valid_from, valid_to)
    SELECT id, parent_id, path, depth, 0, NULL FROM units
    WHERE ${subtreeCondition(prefix)} AND NOT EXISTS (SELECT 1 FROM unit_path_history x WHERE x.unit_id = units.id)`);
  const latest = (await rawFirst<{ t: number | null }>(tx, sql`SELECT max(valid_from) AS t FROM unit_path_history WHERE valid_to IS NULL AND ${subtree}`))?.t ?? 0;
  const at = Math.max(now.getTime(), latest);
  await rawRun(tx, sql`UPDATE unit_path_history SET valid_to = ${at} WHERE valid_to IS NULL AND ${subtree}`);
  // Moved twice within one millisecond: the place in between never held at any instant.
  await rawRun(tx, sql`DELETE FROM unit_path_history WHERE valid_to = valid_from AND ${subtree}`);
  return at;
}

export type UnitAt = { unitId: number; parentId: number | null; code: string; name: string; path: string; depth: number };

/**
 * Every unit with its parent, path and depth as they were at `atMs` (the unit_path_history row
 * covering it; the current ones for a unit without history), sorted by that path. Codes and
 * names are today's: they identify the unit, they do not place it.
 */
export async function unitsAt(db: Db, atMs: number): Promise<UnitAt[]> {
  const rows = await rawValues<[number, number | null, string, string, string, number]>(db, sql`
    SELECT u.id,
      CASE WHEN h.id IS NULL THEN u.parent_id ELSE h.parent_id END,
      u.code, u.name,
      CASE WHEN h.id IS NULL THEN u.path ELSE h.path END,
      CASE WHEN h.id IS NULL THEN u.depth ELSE h.depth END
    FROM units u LEFT JOIN unit_path_history h
      ON h.unit_id = u.id AND h.valid_from <= ${atMs} AND (h.valid_to IS NULL OR h.valid_to > ${atMs})`);
  const out = rows.map(([unitId, parentId, code, name, path, depth]) => ({ unitId, parentId, code, name, path, depth }));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function deleteUnit(db: Db, id: number): Promise<void> {
  await writeTx(db, async (tx) => {
    const unit = await getUnit(tx, id);
    if (!unit) throw new DomainError("unit.error.notFound", {}, 404);
    const child = await first(tx.select({ id: units.id }).from(units).where(eq(units.parentId, id)).limit(1));
    const member = await first(tx.select({ id: members.id }).from(members).where(eq(members.unitId, id)).limit(1));
    const past = await first(tx
      .select({ id: memberUnitHistory.id })
      .from(memberUnitHistory)
      .where(eq(memberUnitHistory.unitId, id))
      .limit(1));
    // A unit that once held another keeps its place in the reports of those days.
    const formerParent = await first(tx
      .select({ id: unitPathHistory.id })
      .from(unitPathHistory)
      .where(eq(unitPathHistory.parentId, id))
      .limit(1));
    if (child || member || past || formerParent) throw new DomainError("unit.error.notEmpty", { code: unit.code }, 409);
    await tx.delete(units).where(eq(units.id, id));
  });
}

export async function childUnits(db: Db, parentId: number | null): Promise<(Unit & { childCount: number; memberCount: number })[]> {
  const rows = await db
    .select()
    .from(units)
    .where(parentId == null ? sql`${units.parentId} IS NULL` : eq(units.parentId, parentId))
    .orderBy(asc(units.code));
  return Promise.all(rows.map(async (u) => ({
    ...u,
    childCount: (await first(db.select({ n: count() }).from(units).where(eq(units.parentId, u.id))))!.n,
    memberCount: (await first(db
      .select({ n: count() })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(and(subtreeCondition(u.path), eq(members.status, "active")))))!.n,
  })));
}

/** The chain from the root down to the unit, for breadcrumbs and hierarchy columns. */
export async function ancestors(db: Db, unit: Pick<Unit, "path">): Promise<Unit[]> {
  const ids = unit.path.split("/").filter(Boolean).map(Number);
  if (ids.length === 0) return [];
  const rows = await db.select().from(units).where(inArray(units.id, ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((i) => byId.get(i)!).filter(Boolean);
}

export async function searchUnits(
  db: Db,
  query: string,
  opts: { withinPaths?: string[] | null; limit?: number } = {},
): Promise<Unit[]> {
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
  return await db
    .select()
    .from(units)
    .where(and(...conds))
    .orderBy(asc(units.depth), asc(units.code))
    .limit(opts.limit ?? 50);
}

/**
 * The units a trainer's grants are on (code and name, in tree order), for hints, default unit
 * lists and export labels; an administrator's scope has none.
 */
export async function scopeRootUnits(db: Db, scope: Scope): Promise<Pick<Unit, "id" | "code" | "name">[]> {
  if (scope.all || scope.roots.length === 0) return [];
  return await db
    .select({ id: units.id, code: units.code, name: units.name })
    .from(units)
    .where(inArray(units.id, scope.roots.map((r) => r.id)))
    .orderBy(asc(units.path));
}

export async function allUnits(db: Db): Promise<Unit[]> {
  return await db.select().from(units).orderBy(asc(units.path));
}

