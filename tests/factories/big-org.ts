/**
 * A large, deterministic organisation with courses, assignments, progress and completions, for
 * the report tests and the roll-up benchmark. Written with raw better-sqlite3 prepared INSERTs in
 * one transaction: the app's per-row code paths would take minutes for 100,000 members.
 *
 * Shape (everything drawn from a seeded PRNG, so a seed always gives the same data):
 * - Tree: one root, 6–9 committees, then branches that stop at depth 2, 3, 4 or 5 (uneven
 *   subtrees: the deeper the level, the likelier a unit is a leaf). Most members sit in leaves,
 *   about 8 % directly in inner units (a committee's own staff), in cells of very uneven size.
 * - Time: a reporting window [start, end). Members joined at any time up to `end` (some after
 *   `start`, so they do not exist yet at an early date); ~6 % were transferred to another unit
 *   inside the window (a closed history row and an open one, as `transferInTx` writes them);
 *   ~1.5 % have status "left" (the app keeps their open history row); ~55 % never signed in
 *   (no password hash).
 * - Courses: `courses` published courses with two versions each. Assignments overlap on purpose
 *   (root plus committees plus by-name, nested subtrees, different due dates, some without a due
 *   date, some created mid-window) so one member is often reached by several assignments.
 * - Activity: for every member and course, ~50 % completed (all items, completion dated in or
 *   before the window, on version 1 or 2), ~20 % in progress (some items started, a few
 *   completed), the rest nothing. Members also have activity on courses not assigned to them.
 * - Names: "Thành viên <code>" by default; with `people: true`, realistic Vietnamese names (and
 *   e-mail addresses and phone numbers for some) for what searches names, from a PRNG of their
 *   own, so the rest of the organisation is the same either way.
 */
import type Database from "better-sqlite3";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { makeName, rng } from "../../scripts/seed/names.ts";

export const DAY = 24 * 3600 * 1000;

export type BigOrgOptions = {
  members: number;
  courses: number;
  seed?: number;
  /** Item keys per course (progress rows); 3 by default. */
  itemsPerCourse?: number;
  /** Reporting window; defaults to 2025-01-01 .. 2026-01-01 (UTC). */
  start?: number;
  end?: number;
  /** Prefix for member and unit codes, so two organisations can share a DB. */
  codePrefix?: string;
  /** Realistic names, e-mails and phones instead of "Thành viên <code>" (for search benchmarks). */
  people?: boolean;
};

export type BigOrgUnit = { id: number; code: string; path: string; depth: number; parentId: number | null; leaf: boolean };

export type BigOrg = {
  units: BigOrgUnit[];
  root: BigOrgUnit;
  committees: BigOrgUnit[];
  courseIds: number[];
  /** course id → [version 1 id, version 2 id] */
  versionIds: Map<number, [number, number]>;
  firstMemberId: number;
  lastMemberId: number;
  start: number;
  end: number;
  counts: { members: number; history: number; transferred: number; left: number; noPassword: number; assignments: number; byName: number; completions: number; progress: number };
};

/** Children per inner unit, by depth of the parent, and the chance a unit at a depth is a leaf. */
const FANOUT: Record<number, [number, number]> = { 0: [6, 9], 1: [3, 8], 2: [2, 7], 3: [2, 6], 4: [2, 5] };
const LEAF_CHANCE: Record<number, number> = { 1: 0, 2: 0.15, 3: 0.3, 4: 0.45, 5: 1 };

export function generateBigOrg(sqlite: Database.Database, opts: BigOrgOptions): BigOrg {
  const r = rng(opts.seed ?? 2026).next;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const start = opts.start ?? Date.UTC(2025, 0, 1);
  const end = opts.end ?? Date.UTC(2026, 0, 1);
  const span = end - start;
  const items = opts.itemsPerCourse ?? 3;
  const prefix = opts.codePrefix ?? "BIG";
  const maxId = (table: string) => (sqlite.prepare(`SELECT coalesce(max(id), 0) AS m FROM ${table}`).get() as { m: number }).m;

  const insUnit = sqlite.prepare(
    `INSERT INTO units (id, code, name, name_folded, parent_id, path, depth, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insMember = sqlite.prepare(
    `INSERT INTO members (id, code, full_name, full_name_folded, unit_id, position, email, phone, status, role, password_hash, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, 'member', ?, ?, ?)`,
  );
  const insHistory = sqlite.prepare(`INSERT INTO member_unit_history (member_id, unit_id, valid_from, valid_to, note) VALUES (?, ?, ?, ?, ?)`);
  const insCourse = sqlite.prepare(
    `INSERT INTO courses (id, slug, title, summary, estimated_minutes, state, published_version_id, created_at, updated_at)
     VALUES (?, ?, ?, '', 30, 'published', NULL, ?, ?)`,
  );
  const insVersion = sqlite.prepare(
    `INSERT INTO course_versions (id, course_id, version, snapshot, content_hash, published_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const setPublished = sqlite.prepare(`UPDATE courses SET published_version_id = ? WHERE id = ?`);
  const insAssign = sqlite.prepare(
    `INSERT INTO course_assignments (course_id, unit_id, member_id, due_at, created_at) VALUES (?, ?, ?, ?, ?)`,
  );
  const insCompletion = sqlite.prepare(`INSERT INTO course_completions (member_id, course_id, version_id, completed_at) VALUES (?, ?, ?, ?)`);
  const insProgress = sqlite.prepare(
    `INSERT INTO item_progress (member_id, course_id, item_key, state, version_id, started_at, completed_at, seconds_spent) VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
  );

  return sqlite.transaction((): BigOrg => {
    // ---- units
    const units: BigOrgUnit[] = [];
    let unitId = maxId("units");
    const addUnit = (parent: BigOrgUnit | null, code: string): BigOrgUnit => {
      const id = ++unitId;
      const u: BigOrgUnit = { id, code, path: `${parent?.path ?? "/"}${id}/`, depth: parent ? parent.depth + 1 : 0, parentId: parent?.id ?? null, leaf: true };
      if (parent) parent.leaf = false;
      const name = `Đơn vị ${code}`;
      insUnit.run(u.id, u.code, name, name.toLowerCase(), u.parentId, u.path, u.depth, start - 10 * 365 * DAY, start - 10 * 365 * DAY);
      units.push(u);
      return u;
    };
    const root = addUnit(null, `${prefix}-R`);
    const grow = (parent: BigOrgUnit) => {
      const [lo, hi] = FANOUT[parent.depth];
      const n = int(lo, hi);
      for (let k = 1; k <= n; k++) {
        const u = addUnit(parent, `${parent.code}.${k}`);
        if (r() >= LEAF_CHANCE[u.depth]) grow(u);
      }
    };
    grow(root);
    const committees = units.filter((u) => u.depth === 1);
    const leaves = units.filter((u) => u.leaf);
    const inner = units.filter((u) => !u.leaf);

    // ---- members and their unit history
    // very uneven leaf sizes: most cells 5–40 members, a few of 100–400
    const weights = leaves.map(() => (r() < 0.05 ? int(100, 400) : int(5, 40)));
    const totalWeight = weights.reduce((a, b) => a + b, 0);
    const cum: number[] = [];
    weights.reduce((acc, w, i) => (cum[i] = acc + w), 0);
    const pickLeaf = () => {
      const x = r() * totalWeight;
      let lo = 0;
      let hi = cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] > x) hi = mid;
        else lo = mid + 1;
      }
      return leaves[lo];
    };
    const pickUnit = () => (r() < 0.08 ? inner[Math.floor(r() * inner.length)] : pickLeaf());

    const counts = { members: 0, history: 0, transferred: 0, left: 0, noPassword: 0, assignments: 0, byName: 0, completions: 0, progress: 0 };
    const firstMemberId = maxId("members") + 1;
    const people = opts.people ? rng((opts.seed ?? 2026) ^ 0x5eed) : null;
    for (let i = 0; i < opts.members; i++) {
      const id = firstMemberId + i;
      const unit = pickUnit();
      // joined: 85 % before the window (up to 10 years), 15 % during it
      const joined = r() < 0.85 ? start - Math.floor(r() * 10 * 365 * DAY) : start + Math.floor(r() * span);
      const s = r();
      const status = s < 0.015 ? "left" : s < 0.03 ? "transferred" : "active";
      const hasPassword = r() < 0.45;
      const code = `${prefix}${String(i + 1).padStart(6, "0")}`;
      // transferred inside the window (after joining): a closed row, then the open one
      const transfer = r() < 0.06 && joined < end - DAY;
      let current = unit;
      let movedAt = 0;
      if (transfer) {
        const from = Math.max(joined, start);
        movedAt = from + 1 + Math.floor(r() * (end - from - 1));
        current = pickUnit();
        if (current.id === unit.id) current = root;
      }
      const name = people ? makeName(people) : `Thành viên ${code}`;
      const email = people && people.next() < 0.4 ? `${code.toLowerCase()}@coquan.gov.vn` : null;
      const phone = people && people.next() < 0.6 ? `09${String(Math.floor(people.next() * 1e8)).padStart(8, "0")}` : null;
      insMember.run(id, code, name, people ? foldVietnamese(name) : `thanh vien ${code.toLowerCase()}`, current.id, email, phone, status, hasPassword ? "x" : null, joined, joined);
      if (transfer) {
        insHistory.run(id, unit.id, joined, movedAt, null);
        insHistory.run(id, current.id, movedAt, null, "transfer");
        counts.history += 2;
        counts.transferred++;
      } else {
        insHistory.run(id, unit.id, joined, null, null);
        counts.history++;
      }
      counts.members++;
      if (status === "left") counts.left++;
      if (!hasPassword) counts.noPassword++;
    }
    const lastMemberId = firstMemberId + opts.members - 1;

    // ---- courses and versions
    const courseIds: number[] = [];
    const versionIds = new Map<number, [number, number]>();
    let courseId = maxId("courses");
    let versionId = maxId("course_versions");
    for (let k = 0; k < opts.courses; k++) {
      const id = ++courseId;
      insCourse.run(id, `${prefix.toLowerCase()}-course-${id}`, `Khóa học ${prefix} ${k + 1}`, start - 30 * DAY, start - 30 * DAY);
      const v1 = ++versionId;
      const v2 = ++versionId;
      insVersion.run(v1, id, 1, "{}", `h${v1}`, start - 30 * DAY);
      insVersion.run(v2, id, 2, "{}", `h${v2}`, start + Math.floor(span / 2));
      setPublished.run(v2, id);
      courseIds.push(id);
      versionIds.set(id, [v1, v2]);
    }

    // ---- assignments: overlapping on purpose
    const due = () => (r() < 0.2 ? null : start + Math.floor(r() * span));
    const created = () => (r() < 0.75 ? start - Math.floor(r() * 60 * DAY) : start + Math.floor(r() * span));
    const depthUnits = (d: number) => units.filter((u) => u.depth === d);
    courseIds.forEach((cid, k) => {
      const targets = new Set<BigOrgUnit>();
      if (k % 3 === 0) targets.add(root);
      const nCommittees = int(1, 3);
      for (let j = 0; j < nCommittees; j++) targets.add(committees[Math.floor(r() * committees.length)]);
      for (let j = 0; j < int(1, 4); j++) {
        const pool = depthUnits(int(2, 4));
        if (pool.length) targets.add(pool[Math.floor(r() * pool.length)]);
      }
      for (const u of targets) {
        insAssign.run(cid, u.id, null, u === root && k === 0 ? start + Math.floor(span / 2) : due(), u === root ? start - 60 * DAY : created());
        counts.assignments++;
      }
      // by name: ~0.7 % of members, inside and outside the assigned subtrees
      const named = new Set<number>();
      const nNamed = Math.max(1, Math.floor(opts.members * 0.007));
      for (let j = 0; j < nNamed; j++) named.add(firstMemberId + Math.floor(r() * opts.members));
      for (const mid of named) {
        insAssign.run(cid, null, mid, due(), created());
        counts.assignments++;
        counts.byName++;
      }
    });

    // ---- activity: completions and item progress, for every member and course
    for (let i = 0; i < opts.members; i++) {
      const mid = firstMemberId + i;
      for (const cid of courseIds) {
        const x = r();
        const [v1, v2] = versionIds.get(cid)!;
        if (x < 0.5) {
          // completed: all items, the last one at the completion time
          const completedAt = start - 30 * DAY + Math.floor(r() * (span + 45 * DAY));
          const startedAt = completedAt - Math.floor(r() * 40 * DAY) - 1;
          const version = completedAt < start + span / 2 ? v1 : v2;
          for (let it = 1; it <= items; it++) {
            const itemDone = it === items ? completedAt : startedAt + Math.floor(((completedAt - startedAt) * it) / items);
            insProgress.run(mid, cid, `i${it}`, "completed", version, startedAt, itemDone);
            counts.progress++;
          }
          insCompletion.run(mid, cid, version, completedAt);
          counts.completions++;
        } else if (x < 0.7) {
          // in progress from some point in the window: a few items touched, not all completed
          const startedAt = start - 20 * DAY + Math.floor(r() * (span + 20 * DAY));
          const touched = Math.max(1, Math.min(items - 1, int(1, items)));
          for (let it = 1; it <= touched; it++) {
            const done = it < touched && r() < 0.7;
            insProgress.run(mid, cid, `i${it}`, done ? "completed" : "started", v2, startedAt + it, done ? startedAt + it * 1000 : null);
            counts.progress++;
          }
        }
      }
    }
    return { units, root, committees, courseIds, versionIds, firstMemberId, lastMemberId, start, end, counts };
  })();
}
