import { aggregatesPerMemberByGroup, rawFirst, rawRows, rawValues } from "#db/dialect.server.ts";
import { first } from "#db/first.ts";
/**
 * Course completion reports (issue 6): the roll-up up the unit tree, the "who is missing" list
 * of a unit, and one member's record. Everything is computed from recorded rows — assignment
 * history, member and unit history, item progress, completions — as of a chosen instant `at`;
 * nothing is typed in. A change made later (a unit moved, a due date edited, an assignment
 * removed) starts a new history row and leaves every earlier `at` as it was (issue 10).
 *
 * Counting rules (one place, so the three functions agree):
 * - The unit of a member at `at` is the member_unit_history row with valid_from <= at and
 *   (valid_to IS NULL or valid_to > at). transferInTx keeps a member's intervals disjoint, so
 *   there is at most one. A member with no such row (not joined yet, or whose history was closed)
 *   is in no unit at `at` and counted nowhere. Member status plays no part: "left" is a current
 *   attribute without a date, and using it would rewrite past reports; a member who has left is
 *   counted while a history interval covers `at` (closing that interval when someone leaves is
 *   what takes them out from that date on).
 * - The tree at `at` is every unit's parent and path from its unit_path_history row covering
 *   `at` (unitsAt): a unit moved later is grouped under its old parent on earlier days. The
 *   caller's scope is checked on today's tree (resolveScope); the part reported is the subtree,
 *   as it was at `at`, of each root the caller may open today (treeAt).
 * - A course is assigned to a member at `at` when an assignment in force at `at` (a
 *   course_assignment_history row covering it, with the due date it had then) names them, or
 *   targets a unit whose subtree at `at` contains their unit at `at`. However many assignments
 *   reach a member — root, committee, cell, by name — the (member, course) pair counts once; its
 *   due date is the earliest due date among them (assignments without one impose none).
 * - Per (member, course) pair, exactly one of: completed (a completion with completed_at <= at;
 *   a completion earned before a transfer or before the assignment still counts), in progress
 *   (not completed, and some item progress row with started_at <= at), not started (neither).
 *   Overdue: not completed and due date < at; it is a subset of in progress + not started.
 *   Sign-in plays no part: members who never signed in are assigned like everyone else.
 * - Each pair is counted in the member's unit at `at` (`own`) and in every ancestor (`total` =
 *   own + the totals of the children), so a unit's figures are the sum of its children's plus
 *   its own members', at every level. rate = completed / assigned, null when nothing is assigned.
 *
 * Speed: one SQL statement per ≤30 courses reads, per member placed at `at`, a bit mask of the
 * courses completed and one of the courses with progress (correlated subqueries on the members'
 * covering indexes, read in member order); assignments are resolved once per unit in memory from
 * the paths (the courses that reach the unit and those already past due), so a member costs a few
 * mask operations and bit counts; the tree is summed in memory. Most of the time is the SQL:
 * reading ~18 item_progress index entries per member (their DISTINCT needs a small temporary
 * B-tree per member while the index is in (member, started_at, course) order; in (member, course,
 * started_at) order it would not, see bench/rollup.ts) and handing one row per member to
 * JavaScript. Plain SQL (CASE, SUM, DISTINCT, LIKE) that PostgreSQL runs as well.
 */
import { eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { courses, members, units } from "#db/schema/index.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { unitsAt, type UnitAt } from "#app/org/units.server.ts";
import { assignmentsAt } from "#app/courses/assignment-history.server.ts";
import { pathIds, sumUpTree } from "./tree-sum.ts";

// ---- types ------------------------------------------------------------------------------------

export type CompletionCounts = {
  assigned: number;
  completed: number;
  inProgress: number;
  notStarted: number;
  /** Not completed and past the due date; counted within inProgress + notStarted. */
  overdue: number;
  /** completed / assigned; null when nothing is assigned. */
  rate: number | null;
};

export type RollupUnit = {
  unitId: number;
  parentId: number | null;
  code: string;
  name: string;
  path: string;
  depth: number;
  /** Members whose unit at `at` is this one. */
  own: CompletionCounts;
  /** own + the totals of the children: the unit's whole subtree. */
  total: CompletionCounts;
};

export type CompletionRollup = {
  at: Date;
  courseIds: number[];
  /** Every unit in scope, sorted by path (a unit before its subtree). */
  units: RollupUnit[];
  /** The whole scope (the sum of the top units' totals). */
  total: CompletionCounts;
  /** The whole scope, per course (same order as courseIds). */
  byCourse: (CompletionCounts & { courseId: number })[];
};

export type RollupOptions = {
  courseIds: number[];
  at: Date;
  /** Only this unit's subtree (404 if missing or outside withinPaths). */
  rootUnitId?: number;
  /** A trainer's scope (their grants' paths); null/undefined = everything (administrator). */
  withinPaths?: string[] | null;
};

/** A member as a report row names them: who, and the unit they were in on the report's day. */
export type ReportedMember = {
  memberId: number;
  code: string;
  fullName: string;
  status: string;
  neverSignedIn: boolean;
  unitId: number;
  unitCode: string;
  unitName: string;
  unitPath: string;
};

export type MissingMember = ReportedMember & {
  dueAt: Date | null;
  state: "in_progress" | "not_started";
  overdue: boolean;
  /** First progress on the course (at or before `at`). */
  startedAt: Date | null;
};

export type CourseState = "completed" | "in_progress" | "not_started";

export type AssignmentVia = { kind: "unit"; unitId: number; unitCode: string; unitName: string; dueAt: Date | null } | { kind: "member"; dueAt: Date | null };

export type MemberCourseRecord = {
  courseId: number;
  slug: string;
  title: string;
  courseState: string;
  /** False for a course completed without being assigned at `at` (e.g. before a transfer). */
  assigned: boolean;
  via: AssignmentVia[];
  dueAt: Date | null;
  state: CourseState;
  overdue: boolean;
  completedAt: Date | null;
  versionId: number | null;
  version: number | null;
  startedAt: Date | null;
  itemsCompleted: number;
};

export type MemberRecord = {
  memberId: number;
  at: Date;
  /** The member's unit at `at`, or null when no history interval covers it. */
  unit: { id: number; code: string; name: string; path: string } | null;
  courses: MemberCourseRecord[];
};

// ---- shared pieces ----------------------------------------------------------------------------

/** Courses per SQL statement: bit k of a mask is course k of the chunk; 2^30 stays a JS int32. */
const CHUNK = 30;
/** Up to this many courses, the subqueries seek each course; above, they read a member's rows once. */
const SEEK_COURSES_MAX = 2;

const W = 4; // per-unit counters: assigned, completed, inProgress, overdue

function counts(assigned: number, completed: number, inProgress: number, overdue: number): CompletionCounts {
  return {
    assigned,
    completed,
    inProgress,
    notStarted: assigned - completed - inProgress,
    overdue,
    rate: assigned === 0 ? null : completed / assigned,
  };
}

function checkDate(at: Date): number {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("report date is not a valid date");
  return ms;
}

function checkIds(ids: number[], what: "course" | "unit"): void {
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 1) throw new DomainError(what === "course" ? "course.error.notFound" : "unit.error.notFound", {}, 404);
  }
}

/**
 * The paths to report on: the root unit's (checked against the scope), the scope's, or null for
 * the whole organisation. Out-of-scope ids answer 404 like missing ones.
 */
async function resolveScope(db: Db, rootUnitId: number | undefined, withinPaths: string[] | null | undefined): Promise<string[] | null> {
  if (rootUnitId != null) {
    checkIds([rootUnitId], "unit");
    const unit = await first(db.select({ path: units.path }).from(units).where(eq(units.id, rootUnitId)));
    if (!unit || (withinPaths && !withinPaths.some((p) => unit.path.startsWith(p)))) throw new DomainError("unit.error.notFound", {}, 404);
    return [unit.path];
  }
  return withinPaths ?? null;
}

/**
 * The tree of `atMs` (every unit with its parent and path then) and the part of it to report on:
 * the subtrees, as they were at `atMs`, of the roots the caller may open today (`paths`, today's
 * paths from resolveScope; null = everything). Who may see what is decided on today's tree; what a
 * past day's report groups is that day's tree, so a unit moved today leaves earlier days alone.
 */
async function treeAt(db: Db, atMs: number, paths: string[] | null) {
  const all = await unitsAt(db, atMs);
  if (paths === null) return { units: all, unitIds: null };
  const byId = new Map(all.map((u) => [u.unitId, u]));
  const roots: string[] = [];
  for (const p of paths) {
    const root = byId.get(pathIds(p).at(-1)!);
    if (root) roots.push(root.path);
  }
  const units = all.filter((u) => roots.some((r) => u.path.startsWith(r)));
  return { units, unitIds: units.map((u) => u.unitId) };
}

/**
 * "h.unit_id is one of these" (checked integer ids), or undefined for no filter. The unary plus
 * keeps the planner off the unit index: it scans the history in member order, as the whole-
 * organisation read does, and the per-member subqueries then walk their indexes in order (through
 * muh_unit_idx, in unit order, a committee's roll-up took twice as long; bench/rollup.ts).
 */
function placeFilter(unitIds: number[] | null): SQL | undefined {
  if (unitIds === null) return undefined;
  if (unitIds.length === 0) return sql`1 = 0`;
  return sql.raw(`+h.unit_id IN (${unitIds.join(", ")})`);
}

/** Courses reaching a unit or a member: bit mask over the chunk plus the earliest due date per bit. */
type Reach = { mask: number; due: Float64Array };

function newReach(n: number): Reach {
  return { mask: 0, due: new Float64Array(n).fill(Infinity) };
}

function addReach(r: Reach, k: number, due: number): void {
  r.mask |= 1 << k;
  if (due < r.due[k]) r.due[k] = due;
}

function mergeReach(into: Reach, from: Reach): void {
  for (let k = 0; k < from.due.length; k++) if (from.mask & (1 << k)) addReach(into, k, from.due[k]);
}

/** The assignments of these courses in force at `atMs`, by target unit and by named member. */
async function loadAssignments(db: Db, chunk: number[], atMs: number) {
  const index = new Map(chunk.map((id, k) => [id, k]));
  const byUnit = new Map<number, Reach>();
  const byMember = new Map<number, Reach>();
  for (const a of await assignmentsAt(db, atMs, chunk)) {
    const k = index.get(a.courseId)!;
    const due = a.dueAt ?? Infinity;
    const [map, key] = a.unitId != null ? [byUnit, a.unitId] : [byMember, a.memberId!];
    let r = map.get(key);
    if (!r) map.set(key, (r = newReach(chunk.length)));
    addReach(r, k, due);
  }
  /** What reaches every member of the unit with this path: assignments on it and its ancestors. */
  const reachOfPath = (path: string): Reach | null => {
    let acc: Reach | null = null;
    for (const id of pathIds(path)) {
      const r = byUnit.get(id);
      if (r) mergeReach((acc ??= newReach(chunk.length)), r);
    }
    return acc;
  };
  return { byUnit, byMember, reachOfPath };
}

/** CASE mapping a course id column to its bit in the chunk (ids are checked integers). */
function bitCase(column: string, chunk: number[]): SQL {
  return sql.raw(`CASE ${column} ${chunk.map((id, k) => `WHEN ${id} THEN ${2 ** k}`).join(" ")} ELSE 0 END`);
}

/**
 * One row per member placed in scope at `at`: member id, unit id, the mask of chunk courses
 * completed at or before `at`, and the mask of chunk courses with progress started at or before
 * `at` (NULL when none).
 */
async function memberMasks(db: Db, chunk: number[], atMs: number, unitIds: number[] | null) {
  if (aggregatesPerMemberByGroup(db)) return await memberMasksGrouped(db, chunk, atMs, unitIds);
  const seek = (alias: string) => sql.raw(chunk.length <= SEEK_COURSES_MAX ? ` AND ${alias}.course_id IN (${chunk.join(", ")})` : "");
  const scope = placeFilter(unitIds);
  return await rawValues<[number, number, number | null, number | null]>(db, sql`
    SELECT h.member_id, h.unit_id,
      (SELECT SUM(${bitCase("cc.course_id", chunk)}) FROM course_completions cc
        WHERE cc.member_id = h.member_id AND cc.completed_at <= ${atMs}${seek("cc")}),
      (SELECT SUM(${bitCase("s.course_id", chunk)}) FROM (SELECT DISTINCT ip.course_id AS course_id FROM item_progress ip
        WHERE ip.member_id = h.member_id AND ip.started_at <= ${atMs}${seek("ip")}) s)
    FROM member_unit_history h
    WHERE h.valid_from <= ${atMs} AND (h.valid_to IS NULL OR h.valid_to > ${atMs})${scope ? sql` AND ${scope}` : sql``}
  `);
}

/**
 * memberMasks as grouped aggregates (PostgreSQL, see aggregatesPerMemberByGroup): each table read
 * once (an index-only scan of the chunk's courses up to `at`), bit_or per member — a member's
 * progress rows on one course give the same bit, so no DISTINCT is needed — and the two joined
 * to the placed members by hash. In a scope, the aggregates read only the placed members' rows.
 * Same rows and values as the correlated form (a mask is NULL when the member has no such row).
 */
async function memberMasksGrouped(db: Db, chunk: number[], atMs: number, unitIds: number[] | null) {
  const scope = placeFilter(unitIds);
  const placedAt = sql`h.valid_from <= ${atMs} AND (h.valid_to IS NULL OR h.valid_to > ${atMs})${scope ? sql` AND ${scope}` : sql``}`;
  const only = (alias: string) =>
    scope ? sql` AND ${sql.raw(alias)}.member_id IN (SELECT h.member_id FROM member_unit_history h WHERE ${placedAt})` : sql``;
  const ids = sql.raw(chunk.join(", "));
  return await rawValues<[number, number, number | null, number | null]>(db, sql`
    SELECT h.member_id, h.unit_id, c.mask, p.mask
    FROM member_unit_history h
    LEFT JOIN (SELECT cc.member_id, bit_or(${bitCase("cc.course_id", chunk)}) AS mask FROM course_completions cc
      WHERE cc.course_id IN (${ids}) AND cc.completed_at <= ${atMs}${only("cc")} GROUP BY cc.member_id) c ON c.member_id = h.member_id
    LEFT JOIN (SELECT ip.member_id, bit_or(${bitCase("ip.course_id", chunk)}) AS mask FROM item_progress ip
      WHERE ip.course_id IN (${ids}) AND ip.started_at <= ${atMs}${only("ip")} GROUP BY ip.member_id) p ON p.member_id = h.member_id
    WHERE ${placedAt}
  `);
}

// ---- the roll-up ------------------------------------------------------------------------------

/**
 * Completion of the given courses for every unit in scope, at every level, as of `at`; numbers
 * count (member, course) pairs. See the rules at the top of this file.
 */
export async function completionRollup(db: Db, opts: RollupOptions): Promise<CompletionRollup> {
  const courseIds = [...new Set(opts.courseIds)];
  checkIds(courseIds, "course");
  const at = opts.at;
  const atMs = checkDate(at);
  const { units: list, unitIds } = await treeAt(db, atMs, await resolveScope(db, opts.rootUnitId, opts.withinPaths));
  const unitIndex = new Map(list.map((u, i) => [u.unitId, i]));
  const own = new Int32Array(list.length * W);
  const perCourse = new Int32Array(courseIds.length * W);

  for (let c0 = 0; c0 < courseIds.length; c0 += CHUNK) {
    const chunk = courseIds.slice(c0, c0 + CHUNK);
    const { byMember, reachOfPath } = await loadAssignments(db, chunk, atMs);
    // Per unit, once: the courses its members are assigned through units, and those of them
    // already past due at `at` (the earliest due date decides, so "past due" is an OR).
    const unitMask = new Int32Array(list.length);
    const unitOverdue = new Int32Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const r = reachOfPath(list[i].path);
      if (!r) continue;
      unitMask[i] = r.mask;
      unitOverdue[i] = overdueMask(r, atMs);
    }
    const memberOverdue = new Map<number, number>();
    for (const [memberId, r] of byMember) memberOverdue.set(memberId, overdueMask(r, atMs));
    // Per course of the chunk: assigned, completed, inProgress, overdue (summed into perCourse).
    const chunkCounts = new Int32Array(chunk.length * W);

    for (const row of await memberMasks(db, chunk, atMs, unitIds)) {
      const ui = unitIndex.get(row[1]);
      if (ui === undefined) continue;
      let mask = unitMask[ui];
      let due = unitOverdue[ui];
      if (byMember.size !== 0) {
        const mr = byMember.get(row[0]);
        if (mr) {
          mask |= mr.mask;
          due |= memberOverdue.get(row[0])!;
        }
      }
      if (mask === 0) continue;
      const done = mask & Number(row[2] ?? 0);
      const open = mask & ~done;
      const started = open & Number(row[3] ?? 0);
      const overdue = open & due;
      const o = ui * W;
      own[o] += bitCount(mask);
      own[o + 1] += bitCount(done);
      own[o + 2] += bitCount(started);
      own[o + 3] += bitCount(overdue);
      for (let m = mask; m !== 0; m &= m - 1) {
        const k = 31 - Math.clz32(m & -m);
        const p = k * W;
        chunkCounts[p]++;
        chunkCounts[p + 1] += (done >>> k) & 1;
        chunkCounts[p + 2] += (started >>> k) & 1;
        chunkCounts[p + 3] += (overdue >>> k) & 1;
      }
    }
    perCourse.set(chunkCounts, c0 * W);
  }

  const total = sumUpTree(list, own, W);
  const whole = [0, 0, 0, 0];
  for (let i = 0; i < list.length; i++) for (let k = 0; k < W; k++) whole[k] += own[i * W + k];
  const at4 = (a: ArrayLike<number>, i: number) => counts(a[i * W], a[i * W + 1], a[i * W + 2], a[i * W + 3]);
  return {
    at,
    courseIds,
    units: list.map((u, i) => ({ ...u, own: at4(own, i), total: at4(total, i) })),
    total: counts(whole[0], whole[1], whole[2], whole[3]),
    byCourse: courseIds.map((courseId, k) => ({ courseId, ...at4(perCourse, k) })),
  };
}

/** The bits of a reach whose earliest due date is before `atMs`. */
function overdueMask(r: Reach, atMs: number): number {
  let out = 0;
  for (let k = 0; k < r.due.length; k++) if (r.mask & (1 << k) && r.due[k] < atMs) out |= 1 << k;
  return out;
}

/** Number of bits set in a 32-bit integer. */
function bitCount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

// ---- who is missing ---------------------------------------------------------------------------

/**
 * Members of the unit's subtree (where they were at `at`) to whom the course is assigned and who
 * had not completed it at `at`, sorted by unit path and name; each with their state and due date.
 */
export async function membersMissing(
  db: Db,
  opts: { courseId: number; unitId: number; at: Date; withinPaths?: string[] | null },
): Promise<MissingMember[]> {
  checkIds([opts.courseId], "course");
  const atMs = checkDate(opts.at);
  const tree = await treeAt(db, atMs, await resolveScope(db, opts.unitId, opts.withinPaths));
  const { byMember, reachOfPath } = await loadAssignments(db, [opts.courseId], atMs);
  const people = await placedPeople(db, atMs, tree, sql`,
      (SELECT cc.completed_at FROM course_completions cc WHERE cc.member_id = h.member_id AND cc.course_id = ${opts.courseId}),
      (SELECT MIN(ip.started_at) FROM item_progress ip WHERE ip.member_id = h.member_id AND ip.course_id = ${opts.courseId})`);
  const reachCache = new Map<string, Reach | null>();
  const out: MissingMember[] = [];
  for (const p of people) {
    const { memberId, extra } = p;
    const unitPath = p.unit.path;
    const [completedAt, firstStart] = extra as [number | null, number | null];
    let ur = reachCache.get(unitPath);
    if (ur === undefined) reachCache.set(unitPath, (ur = reachOfPath(unitPath)));
    const mr = byMember.get(memberId);
    if (!(ur?.mask || mr?.mask)) continue;
    if (completedAt != null && completedAt <= atMs) continue;
    const due = Math.min(ur ? ur.due[0] : Infinity, mr ? mr.due[0] : Infinity);
    const started = firstStart != null && firstStart <= atMs;
    out.push({
      ...reportedMember(p),
      dueAt: Number.isFinite(due) ? new Date(due) : null,
      state: started ? "in_progress" : "not_started",
      overdue: due < atMs,
      startedAt: started ? new Date(firstStart!) : null,
    });
  }
  return out;
}

/**
 * The members placed at `atMs` in the given part of the tree, sorted by the unit's path then, name
 * and code; `extra` holds the values of the extra select expressions (`h` = the history row).
 */
async function placedPeople(db: Db, atMs: number, tree: { units: UnitAt[]; unitIds: number[] | null }, extra: SQL = sql``) {
  const byId = new Map(tree.units.map((u) => [u.unitId, u]));
  const scope = placeFilter(tree.unitIds);
  const rows = await rawValues<[number, number, string, string, string, number, string, ...unknown[]]>(db, sql`
    SELECT h.member_id, h.unit_id, m.code, m.full_name, m.status,
      CASE WHEN m.password_hash IS NULL THEN 1 ELSE 0 END, m.full_name_folded${extra}
    FROM member_unit_history h JOIN members m ON m.id = h.member_id
    WHERE h.valid_from <= ${atMs} AND (h.valid_to IS NULL OR h.valid_to > ${atMs})${scope ? sql` AND ${scope}` : sql``}
  `);
  const out = [];
  for (const [memberId, unitId, code, fullName, status, noPassword, folded, ...rest] of rows) {
    const unit = byId.get(unitId);
    if (unit) out.push({ memberId, unitId, code, fullName, status, noPassword, folded, unit, extra: rest });
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => cmp(a.unit.path, b.unit.path) || cmp(a.folded, b.folded) || cmp(a.code, b.code));
}

function reportedMember(p: Awaited<ReturnType<typeof placedPeople>>[number]): ReportedMember {
  return {
    memberId: p.memberId,
    code: p.code,
    fullName: p.fullName,
    status: p.status,
    neverSignedIn: p.noPassword === 1,
    unitId: p.unitId,
    unitCode: p.unit.code,
    unitName: p.unit.name,
    unitPath: p.unit.path,
  };
}

// ---- one member's record ----------------------------------------------------------------------

/**
 * Every course assigned to the member at `at` (default: now) with its state, due date, completion
 * date and the version it was completed on, plus courses completed without being assigned then.
 */
export async function memberRecord(db: Db, memberId: number, opts: { at?: Date } = {}): Promise<MemberRecord> {
  if (!Number.isSafeInteger(memberId)) throw new DomainError("member.error.notFound", {}, 404);
  const at = opts.at ?? new Date();
  const atMs = checkDate(at);
  if (!(await first(db.select({ id: members.id }).from(members).where(eq(members.id, memberId))))) {
    throw new DomainError("member.error.notFound", {}, 404);
  }
  const placed = await rawFirst<{ unitId: number }>(db, sql`
    SELECT h.unit_id AS "unitId" FROM member_unit_history h
    WHERE h.member_id = ${memberId} AND h.valid_from <= ${atMs} AND (h.valid_to IS NULL OR h.valid_to > ${atMs})
  `);
  // The tree and the assignments of `at`: the ancestors the unit had then, the due dates then.
  const tree = new Map((await unitsAt(db, atMs)).map((u) => [u.unitId, u]));
  const here = placed ? tree.get(placed.unitId) : undefined;
  const unit = here ? { id: here.unitId, code: here.code, name: here.name, path: here.path } : null;
  const above = new Set(unit ? pathIds(unit.path) : []);
  type Assignment = { courseId: number; unitId: number | null; unitCode: string | null; unitName: string | null; dueAt: number | null; path: string };
  const assignments: Assignment[] = (await assignmentsAt(db, atMs, null))
    .filter((a) => a.memberId === memberId || (a.unitId != null && above.has(a.unitId)))
    .map((a) => {
      const u = a.unitId != null ? tree.get(a.unitId) : undefined;
      return { courseId: a.courseId, unitId: a.unitId, unitCode: u?.code ?? null, unitName: u?.name ?? null, dueAt: a.dueAt, path: u?.path ?? "" };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const completions = await rawRows<{ courseId: number; completedAt: number; versionId: number | null; version: number | null }>(db, sql`
    SELECT cc.course_id AS "courseId", cc.completed_at AS "completedAt", cc.version_id AS "versionId", cv.version AS version
    FROM course_completions cc LEFT JOIN course_versions cv ON cv.id = cc.version_id
    WHERE cc.member_id = ${memberId} AND cc.completed_at <= ${atMs}
  `);
  const progress = await rawRows<{ courseId: number; startedAt: number; itemsCompleted: number }>(db, sql`
    SELECT ip.course_id AS "courseId", MIN(ip.started_at) AS "startedAt",
      SUM(CASE WHEN ip.state = 'completed' AND ip.completed_at <= ${atMs} THEN 1 ELSE 0 END) AS "itemsCompleted"
    FROM item_progress ip
    WHERE ip.member_id = ${memberId} AND ip.started_at <= ${atMs}
    GROUP BY ip.course_id
  `);

  const ids = [...new Set([...assignments.map((a) => a.courseId), ...completions.map((c) => c.courseId)])];
  const info = ids.length
    ? (await db.select({ id: courses.id, slug: courses.slug, title: courses.title, state: courses.state }).from(courses).where(inArray(courses.id, ids)))
    : [];
  const records = info.map((c): MemberCourseRecord => {
    const via: AssignmentVia[] = assignments
      .filter((a) => a.courseId === c.id)
      .map((a) => {
        const dueAt = a.dueAt == null ? null : new Date(a.dueAt);
        return a.unitId != null ? { kind: "unit", unitId: a.unitId, unitCode: a.unitCode!, unitName: a.unitName!, dueAt } : { kind: "member", dueAt };
      });
    const dues = via.filter((v) => v.dueAt).map((v) => v.dueAt!.getTime());
    const due = dues.length ? Math.min(...dues) : null;
    const done = completions.find((x) => x.courseId === c.id);
    const p = progress.find((x) => x.courseId === c.id);
    const state: CourseState = done ? "completed" : p ? "in_progress" : "not_started";
    return {
      courseId: c.id,
      slug: c.slug,
      title: c.title,
      courseState: c.state,
      assigned: via.length > 0,
      via,
      dueAt: due == null ? null : new Date(due),
      state,
      overdue: state !== "completed" && via.length > 0 && due != null && due < atMs,
      completedAt: done ? new Date(done.completedAt) : null,
      versionId: done?.versionId ?? null,
      version: done?.version ?? null,
      startedAt: p ? new Date(p.startedAt) : null,
      itemsCompleted: p ? Number(p.itemsCompleted) : 0,
    };
  });
  records.sort((a, b) => Number(b.assigned) - Number(a.assigned) || a.title.localeCompare(b.title, "vi"));
  return { memberId, at, unit, courses: records };
}

// ---- members, one row each --------------------------------------------------------------------

export type MemberCourseState = {
  courseId: number;
  state: CourseState;
  overdue: boolean;
  dueAt: Date | null;
  completedAt: Date | null;
};

export type MemberCompletionRow = ReportedMember & {
  /** Over the chosen courses assigned to the member at `at` (the same pairs the roll-up counts). */
  counts: CompletionCounts;
  /** One entry per chosen course assigned to the member at `at`, in the order of courseIds. */
  courses: MemberCourseState[];
};

/**
 * The members placed (at `at`) in the unit — only those whose unit is exactly this one with
 * `directOnly`, else its whole subtree — with their state on every chosen course assigned to them.
 * Same rules as completionRollup: summing `counts` over the direct members of a unit gives the
 * unit's `own` figures, over the subtree its `total`. Members with nothing assigned are left out.
 * Sorted by unit path, then name.
 */
export async function memberCompletion(
  db: Db,
  opts: { courseIds: number[]; unitId: number; at: Date; withinPaths?: string[] | null; directOnly?: boolean },
): Promise<MemberCompletionRow[]> {
  const courseIds = [...new Set(opts.courseIds)];
  checkIds(courseIds, "course");
  const at = opts.at;
  const atMs = checkDate(at);
  const subtree = await treeAt(db, atMs, await resolveScope(db, opts.unitId, opts.withinPaths));
  const tree = opts.directOnly ? { units: subtree.units.filter((u) => u.unitId === opts.unitId), unitIds: [opts.unitId] } : subtree;
  const people = await placedPeople(db, atMs, tree);
  if (people.length === 0 || courseIds.length === 0) return [];
  const place = placeFilter(tree.unitIds) ?? sql`1 = 1`;
  const placed = sql`SELECT h.member_id FROM member_unit_history h
    WHERE h.valid_from <= ${atMs} AND (h.valid_to IS NULL OR h.valid_to > ${atMs}) AND ${place}`;
  const idList = sql.raw(courseIds.join(", "));
  const key = (m: number, c: number) => `${m}:${c}`;
  const completed = new Map<string, number>();
  for (const [m, c, t] of await rawValues<[number, number, number]>(db, sql`
    SELECT cc.member_id, cc.course_id, cc.completed_at FROM course_completions cc
    WHERE cc.course_id IN (${idList}) AND cc.completed_at <= ${atMs} AND cc.member_id IN (${placed})
  `)) completed.set(key(m, c), t);
  const started = new Set<string>();
  for (const [m, c] of await rawValues<[number, number]>(db, sql`
    SELECT DISTINCT ip.member_id, ip.course_id FROM item_progress ip
    WHERE ip.course_id IN (${idList}) AND ip.started_at <= ${atMs} AND ip.member_id IN (${placed})
  `)) started.add(key(m, c));

  const rows: MemberCompletionRow[] = people.map((p) => ({
    ...reportedMember(p),
    counts: counts(0, 0, 0, 0),
    courses: [],
  }));
  for (let c0 = 0; c0 < courseIds.length; c0 += CHUNK) {
    const chunk = courseIds.slice(c0, c0 + CHUNK);
    const { byMember, reachOfPath } = await loadAssignments(db, chunk, atMs);
    const reachCache = new Map<string, Reach | null>();
    for (const row of rows) {
      let ur = reachCache.get(row.unitPath);
      if (ur === undefined) reachCache.set(row.unitPath, (ur = reachOfPath(row.unitPath)));
      const mr = byMember.get(row.memberId);
      for (let k = 0; k < chunk.length; k++) {
        const bit = 1 << k;
        if (!((ur ? ur.mask & bit : 0) || (mr ? mr.mask & bit : 0))) continue;
        const courseId = chunk[k];
        const due = Math.min(ur && ur.mask & bit ? ur.due[k] : Infinity, mr && mr.mask & bit ? mr.due[k] : Infinity);
        const doneAt = completed.get(key(row.memberId, courseId));
        const state: CourseState = doneAt != null ? "completed" : started.has(key(row.memberId, courseId)) ? "in_progress" : "not_started";
        row.courses.push({
          courseId,
          state,
          overdue: state !== "completed" && due < atMs,
          dueAt: Number.isFinite(due) ? new Date(due) : null,
          completedAt: doneAt != null ? new Date(doneAt) : null,
        });
      }
    }
  }
  const out: MemberCompletionRow[] = [];
  for (const row of rows) {
    if (row.courses.length === 0) continue;
    const n = (s: CourseState) => row.courses.filter((c) => c.state === s).length;
    row.counts = counts(row.courses.length, n("completed"), n("in_progress"), row.courses.filter((c) => c.overdue).length);
    out.push(row);
  }
  return out;
}
