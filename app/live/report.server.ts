/**
 * The attendance page and its exports: the ledger's report (attendance.server.ts) limited to the
 * reader's scope, the per-unit roll-up, trainers' corrections (an audit trail beside the computed
 * status, never overwriting events) and CSV / XLSX files with Vietnamese headers.
 *
 * Counting: a member's effective status is their latest correction if any, else the computed one.
 * Per unit: invited, present, late, left early, absent, excused; rate = members who attended at
 * all (present + late + left early) / invited. A unit's figures include its whole subtree.
 * Make-up study (watching the published recording to its threshold) is counted in a column of
 * its own, never as attendance: a member who made up is still absent from the live session.
 */
import { desc, eq, inArray } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "#db/client.server.ts";
import { ATTENDANCE_OVERRIDES, attendanceCorrections, members, units, type AttendanceOverride } from "#db/schema/index.ts";
import type { Scope } from "#app/auth/permissions.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import type { ExportTable } from "#app/reports/export.server.ts";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { pathIds, sumUpTree, type TreeNode } from "#app/reports/tree-sum.ts";
import { translate, type PlainKey } from "#app/i18n/catalog.ts";
import { correctAttendance, sessionAttendance, type MemberAttendance } from "./attendance.server.ts";
import { makeUpsOf, type MakeUpWatch } from "./recordings.server.ts";
import { RECONNECT_WINDOW_MS, type LiveSession } from "./sessions.server.ts";
import { toLocalStamp } from "#app/common/vietnam-time.ts";
import { MAX_REASON } from "./constants.ts";

export type ReportRow = MemberAttendance & {
  unitCode: string;
  unitName: string;
  unitPath: string;
  /** The correction's status if there is one, else the computed status. */
  effective: AttendanceOverride;
  /** Make-up watching of the published recording, if the member started it (its own status). */
  makeUp: MakeUpWatch | null;
};

export type ScopedReport = {
  start: Date;
  end: Date;
  rule: { presentMinPercent: number; lateAfterMinutes: number };
  rows: ReportRow[];
  absentees: ReportRow[];
  counts: Counts;
};

const inScope = (scope: Scope, path: string) => scope.all || scope.roots.some((r) => path.startsWith(r.path));

export async function scopedReport(db: Db, scope: Scope, sessionId: number, now = Date.now(), reconnectWindowMs = RECONNECT_WINDOW_MS): Promise<ScopedReport | undefined> {
  const rep = await sessionAttendance(db, sessionId, { reconnectWindowMs, now });
  if (!rep) return undefined;
  const unitIds = [...new Set(rep.members.map((m) => m.unitId))];
  const unitRows = unitIds.length ? (await db.select({ id: units.id, code: units.code, name: units.name, path: units.path }).from(units).where(inArray(units.id, unitIds))) : [];
  const byId = new Map(unitRows.map((u) => [u.id, u]));
  const makeUps = await makeUpsOf(db, sessionId);
  const rows: ReportRow[] = [];
  for (const m of rep.members) {
    const u = byId.get(m.unitId);
    if (!u || !inScope(scope, u.path)) continue;
    rows.push({ ...m, unitCode: u.code, unitName: u.name, unitPath: u.path, effective: m.corrected?.status ?? m.status, makeUp: makeUps.get(m.memberId) ?? null });
  }
  rows.sort((a, b) => (a.unitPath < b.unitPath ? -1 : a.unitPath > b.unitPath ? 1 : a.code.localeCompare(b.code)));
  const absentees = rows.filter((r) => r.status === "absent");
  return { start: rep.start, end: rep.end, rule: rep.rule, rows, absentees, counts: countRows(rows) };
}

// ---------------------------------------------------------------------------------------------
// The member table: filters and pages. Only the table is narrowed; the counts and the roll-up are
// computed from every row of the scope, so a filter never changes a unit's figures.
// ---------------------------------------------------------------------------------------------

export const MEMBER_PAGE_SIZE = 100;

export type MemberFilter = {
  /** Matched against the effective status, the one the counts use (so "excused" can be found). */
  status?: AttendanceOverride | null;
  via?: NonNullable<MemberAttendance["via"]> | null;
  /** Part of a name or code, in any case, with or without diacritics, NFC or not. */
  q?: string | null;
  /** Only members whose unit lies under this materialised path (the unit chosen in the roll-up). */
  under?: string | null;
};

export function filterRows(rows: readonly ReportRow[], f: MemberFilter): ReportRow[] {
  // Folding is done per request rather than stored: the rows come from the ledger report, which
  // the media server shares and which carries no folded names.
  const q = foldVietnamese((f.q ?? "").normalize("NFC"));
  if (!f.status && !f.via && !q && !f.under) return [...rows];
  return rows.filter(
    (r) =>
      (!f.under || r.unitPath.startsWith(f.under)) &&
      (!f.status || r.effective === f.status) &&
      (!f.via || r.via === f.via) &&
      (!q || foldVietnamese(r.fullName).includes(q) || foldVietnamese(r.code).includes(q)),
  );
}

export type RowPage<T> = { rows: T[]; page: number; pages: number; total: number; from: number; to: number };

/**
 * One page of rows. A page past the end shows the last one: a link kept from before a filter
 * narrowed the list (or from a bookmark) still lands on rows rather than an empty table.
 */
export function pageOf<T>(rows: readonly T[], page: number, size = MEMBER_PAGE_SIZE): RowPage<T> {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const p = Math.min(Math.max(1, Number.isFinite(page) ? Math.floor(page) : 1), pages);
  const slice = rows.slice((p - 1) * size, p * size);
  return { rows: slice, page: p, pages, total: rows.length, from: slice.length ? (p - 1) * size + 1 : 0, to: (p - 1) * size + slice.length };
}

// ---------------------------------------------------------------------------------------------
// Roll-up per unit
// ---------------------------------------------------------------------------------------------

export type Counts = { invited: number; present: number; late: number; leftEarly: number; absent: number; excused: number; rate: number | null; madeUp: number };
const KEYS = ["present", "late", "left-early", "absent", "excused"] as const;
/** invited, the five statuses, then made up (its own column, not a status). */
const WIDTH = 1 + KEYS.length + 1;
const MADE_UP = WIDTH - 1;

function countsFrom(v: ArrayLike<number>, at: number): Counts {
  const invited = v[at];
  const [present, late, leftEarly, absent, excused] = KEYS.map((_, k) => v[at + 1 + k]);
  return { invited, present, late, leftEarly, absent, excused, rate: invited > 0 ? (present + late + leftEarly) / invited : null, madeUp: v[at + MADE_UP] };
}

const madeUp = (r: Pick<ReportRow, "makeUp">) => (r.makeUp?.madeUpAt ? 1 : 0);

export function countRows(rows: readonly Pick<ReportRow, "effective" | "makeUp">[]): Counts {
  const v = new Float64Array(WIDTH);
  for (const r of rows) {
    v[0]++;
    v[1 + KEYS.indexOf(r.effective)]++;
    v[MADE_UP] += madeUp(r);
  }
  return countsFrom(v, 0);
}

export type RollupRow = { unitId: number; code: string; name: string; depth: number; counts: Counts; childCount: number };
export type Rollup = { root: RollupRow | null; children: RollupRow[] };

export type RollupTree = {
  /** One unit and its children; without `unitId`, the first level that branches (or the scope's top units). */
  view(unitId?: number | null): Rollup;
  /** Every unit, depth-first from the top (for the XLSX sheet). */
  all(): RollupRow[];
};

/**
 * Figures per unit for the units on the way to the report's members, within the scope (ancestors
 * above a trainer's subtrees are left out: the scoped tree is a forest). Computed once, in memory.
 */
export async function rollupTree(db: Db, scope: Scope, rows: readonly ReportRow[]): Promise<RollupTree> {
  const ids = new Set<number>();
  for (const r of rows) for (const id of pathIds(r.unitPath)) ids.add(id);
  const cols = { id: units.id, code: units.code, name: units.name, path: units.path, depth: units.depth, parentId: units.parentId };
  const fetched: { id: number; code: string; name: string; path: string; depth: number; parentId: number | null }[] = [];
  const idList = [...ids];
  for (let i = 0; i < idList.length; i += 500) fetched.push(...(await db.select(cols).from(units).where(inArray(units.id, idList.slice(i, i + 500)))));
  const nodes = fetched.filter((u) => inScope(scope, u.path));
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const own = new Float64Array(nodes.length * WIDTH);
  for (const r of rows) {
    const i = index.get(r.unitId);
    if (i === undefined) continue;
    own[i * WIDTH]++;
    own[i * WIDTH + 1 + KEYS.indexOf(r.effective)]++;
    own[i * WIDTH + MADE_UP] += madeUp(r);
  }
  const treeNodes: TreeNode[] = nodes.map((n) => ({ unitId: n.id, parentId: n.parentId, path: n.path }));
  const total = sumUpTree(treeNodes, own, WIDTH);
  const childrenOf = new Map<number | null, number[]>();
  nodes.forEach((n, i) => {
    const parent = n.parentId != null && index.has(n.parentId) ? n.parentId : null;
    if (!childrenOf.has(parent)) childrenOf.set(parent, []);
    childrenOf.get(parent)!.push(i);
  });
  const byCode = (a: number, b: number) => nodes[a].code.localeCompare(nodes[b].code);
  for (const list of childrenOf.values()) list.sort(byCode);
  const row = (i: number): RollupRow => ({
    unitId: nodes[i].id,
    code: nodes[i].code,
    name: nodes[i].name,
    depth: nodes[i].depth,
    counts: countsFrom(total, i * WIDTH),
    childCount: childrenOf.get(nodes[i].id)?.length ?? 0,
  });
  return {
    view(unitId) {
      let rootIndex: number;
      if (unitId != null) {
        const found = index.get(unitId);
        if (found === undefined) return { root: null, children: [] };
        rootIndex = found;
      } else {
        const tops = childrenOf.get(null) ?? [];
        if (tops.length !== 1) return { root: null, children: tops.map(row) };
        rootIndex = tops[0];
        // Walk down single-child chains without members of their own (the root above one committee).
        for (;;) {
          const kids: number[] = childrenOf.get(nodes[rootIndex].id) ?? [];
          if (kids.length !== 1 || own[rootIndex * WIDTH] > 0) break;
          rootIndex = kids[0];
        }
      }
      return { root: row(rootIndex), children: (childrenOf.get(nodes[rootIndex].id) ?? []).map(row) };
    },
    all() {
      const out: RollupRow[] = [];
      const visit = (i: number) => {
        out.push(row(i));
        for (const c of childrenOf.get(nodes[i].id) ?? []) visit(c);
      };
      for (const t of childrenOf.get(null) ?? []) visit(t);
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Corrections
// ---------------------------------------------------------------------------------------------

export type CorrectionEntry = {
  id: number;
  memberId: number;
  code: string;
  fullName: string;
  status: AttendanceOverride;
  reason: string;
  byCode: string | null;
  byName: string | null;
  at: Date;
};

/** Every correction of the session for the given members, newest first (the audit trail). */
export async function correctionTrail(db: Db, sessionId: number, memberIds: ReadonlySet<number>): Promise<CorrectionEntry[]> {
  const by = alias(members, "corrector");
  return (await db
    .select({
      id: attendanceCorrections.id,
      memberId: attendanceCorrections.memberId,
      code: members.code,
      fullName: members.fullName,
      status: attendanceCorrections.status,
      reason: attendanceCorrections.reason,
      byCode: by.code,
      byName: by.fullName,
      at: attendanceCorrections.at,
    })
    .from(attendanceCorrections)
    .innerJoin(members, eq(members.id, attendanceCorrections.memberId))
    .leftJoin(by, eq(by.id, attendanceCorrections.correctedBy))
    .where(eq(attendanceCorrections.sessionId, sessionId))
    .orderBy(desc(attendanceCorrections.at), desc(attendanceCorrections.id)))
    .filter((c) => memberIds.has(c.memberId));
}


/**
 * A trainer's correction of one invited member of their scope, with a reason. It is appended to
 * attendance_corrections; the events and the computed status stay as they were.
 */
export async function recordCorrection(
  db: Db,
  scope: Scope,
  sessionId: number,
  actorId: number,
  input: { memberCode: string; status: string; reason: string },
  now = new Date(),
) {
  const rep = await scopedReport(db, scope, sessionId, now.getTime());
  if (!rep) throw new DomainError("live.error.notFound", {}, 404);
  const code = input.memberCode.trim().normalize("NFC");
  const row = rep.rows.find((r) => r.code === code);
  if (!row) throw new DomainError("live.error.correctionMember", { code });
  if (!(ATTENDANCE_OVERRIDES as readonly string[]).includes(input.status)) throw new DomainError("live.error.correctionStatus");
  const reason = input.reason.normalize("NFC").trim();
  if (!reason) throw new DomainError("live.error.reasonRequired");
  if (reason.length > MAX_REASON) throw new DomainError("live.error.reasonLong", { max: MAX_REASON });
  return correctAttendance(db, { sessionId, memberId: row.memberId, status: input.status as AttendanceOverride, reason, correctedBy: actorId, at: now });
}

// ---------------------------------------------------------------------------------------------
// Exports (CSV with a BOM, XLSX), Vietnamese headers, neutralised cells, a checksum
// ---------------------------------------------------------------------------------------------

export const EXPORT_HEADERS = [
  "Mã đảng viên",
  "Họ và tên",
  "Mã đơn vị",
  "Tên đơn vị",
  "Trạng thái (theo nhật ký)",
  "Trạng thái sau điều chỉnh",
  "Lý do điều chỉnh",
  "Số phút có mặt",
  "Tỷ lệ có mặt (%)",
  "Hình thức tham dự",
  "Vào lần đầu (giờ Việt Nam)",
  "Rời lần cuối (giờ Việt Nam)",
  "Học bù (xem bản ghi)",
  "Đã xem bản ghi (%)",
] as const;

export const ROLLUP_HEADERS = ["Mã đơn vị", "Tên đơn vị", "Được mời", "Có mặt", "Đi muộn", "Về sớm", "Vắng", "Vắng có lý do", "Tỷ lệ tham dự (%)", "Đã học bù"] as const;

const vi = (key: PlainKey) => translate("vi", key);
type Via = NonNullable<MemberAttendance["via"]>;
export const statusKey = (s: AttendanceOverride): `live.status.${AttendanceOverride}` => `live.status.${s}`;
export const viaKey = (v: Via): `live.via.${Via}` => `live.via.${v}`;

/** Minutes with one decimal: a short presence still shows (0.4), never rounded away to 0. */
export const minutesOf = (ms: number) => Math.round(ms / 6000) / 10;

export type ExportCell = string | number;

export function exportRows(rows: readonly ReportRow[]): ExportCell[][] {
  return rows.map((r) => [
    r.code,
    r.fullName,
    r.unitCode,
    r.unitName,
    vi(statusKey(r.status)),
    r.corrected ? vi(statusKey(r.corrected.status)) : "",
    r.corrected?.reason ?? "",
    minutesOf(r.presentMs),
    r.percent,
    r.via ? vi(viaKey(r.via)) : "",
    toLocalStamp(r.firstJoin),
    toLocalStamp(r.lastLeave),
    r.makeUp?.madeUpAt ? vi("recording.export.madeUpYes") : "",
    r.makeUp ? r.makeUp.percent : "",
  ]);
}

export type ExportMeta = { session: Pick<LiveSession, "id" | "title">; start: Date; end: Date; rule: ScopedReport["rule"]; scopeLabel: string };

const pctOf = (rate: number | null) => (rate == null ? null : Math.round(rate * 1000) / 10);

/**
 * The session's attendance as a table of the one export engine (app/reports/export.server.ts):
 * one row per invited member of the reader's scope (the checksummed data), the session's details
 * as metadata, and the roll-up per unit as a derived sheet of the XLSX.
 */
export function attendanceExportTable(rows: ExportCell[][], rollupRows: readonly RollupRow[], meta: ExportMeta): ExportTable {
  const top = rollupRows[0]?.depth ?? 0;
  return {
    title: vi("live.export.title"),
    headers: [...EXPORT_HEADERS],
    rows,
    columnTypes: EXPORT_HEADERS.map((_, i) => (i === 7 ? "count" : i === 8 || i === 13 ? "pct" : "text")),
    meta: [
      [vi("live.export.session"), meta.session.title],
      [vi("live.export.sessionId"), meta.session.id],
      [vi("live.export.start"), toLocalStamp(meta.start)],
      [vi("live.export.end"), toLocalStamp(meta.end)],
      [vi("live.export.rule"), translate("vi", "live.export.ruleValue", { percent: meta.rule.presentMinPercent, minutes: meta.rule.lateAfterMinutes })],
      [vi("live.export.scope"), meta.scopeLabel],
    ],
    fileBase: `diem-danh-phien-${meta.session.id}`,
    sheetName: vi("live.export.sheet"),
    extraSheets: [
      {
        name: vi("live.export.rollupSheet"),
        headers: [...ROLLUP_HEADERS],
        columnTypes: ROLLUP_HEADERS.map((h, i) => (i < 2 ? "text" : h === "Tỷ lệ tham dự (%)" ? "pct" : "count")),
        rows: rollupRows.map((u) => {
          const c = u.counts;
          return [u.code, `${"  ".repeat(Math.max(0, u.depth - top))}${u.name}`, c.invited, c.present, c.late, c.leftEarly, c.absent, c.excused, pctOf(c.rate), c.madeUp];
        }),
      },
    ],
  };
}
