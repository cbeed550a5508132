import { first, one } from "#db/first.ts";
/**
 * Live study sessions: scheduling (by administrators and trainers, within their scope), who may
 * open a session and how (presenter, own screen, cell room), and the lists members see.
 *
 * Scope rules:
 * - A trainer invites only units and members of their own subtrees; presenters are members of
 *   their subtrees or any trainer/administrator (a central reporter). Unknown and out-of-scope
 *   codes get the same message, so a form tells nothing about other subtrees.
 * - A session is visible to a trainer when its invited area meets their scope (an invited unit
 *   inside, or above, one of their subtrees, or an invited member inside); the attendance page
 *   then shows only the members of their subtrees. It is editable by them only when every
 *   invitation lies inside their scope, and only before it has started.
 * - A cell room is a unit without children (a cell) inside the member's grants (trainer or
 *   secretary; an administrator: anywhere) and inside the session's invited area. The media server
 *   lets a cell room check in only invited members of that cell (the token names the cell).
 */
import { and, asc, desc, eq, gt, inArray, ne, or, sql, type SQL } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { auditLog, liveSessionInvites, liveSessionPresenters, liveSessions, members, scopeGrants, units } from "#db/schema/index.ts";
import type { Scope } from "#app/auth/permissions.server.ts";
import type { SessionMember } from "#app/auth/session.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { subtreeCondition } from "#app/org/units.server.ts";
import { invitedCondition, joinFacts, mayJoinAs } from "#live/access.server.ts";
import type { JoinMode, JoinRole } from "#live/join-token.ts";
import { signJoinToken } from "#live/join-token.server.ts";

export type LiveSession = typeof liveSessions.$inferSelect;

export const MAX_CODES = 500;
export const MAX_DURATION_MS = 24 * 3600_000;
export { LOBBY_OPENS_BEFORE_MS } from "./constants.ts";
/** Join tokens of pages are short-lived; the page asks /api/live/:id/token for a fresh one. */
export const JOIN_TOKEN_TTL_MS = 10 * 60_000;
/** Attendance gaps shorter than this are joined (the media server's RECONNECT_WINDOW_SECONDS default). */
export const RECONNECT_WINDOW_MS = 60_000;
/** How long ended sessions stay in a member's list. */
export const RECENT_PAST_MS = 30 * 24 * 3600_000;

export type SessionInput = {
  title: string;
  description: string;
  /** An http(s) link or an uploaded PDF's /uploads/… URL; null for none. */
  documentUrl: string | null;
  start: Date;
  end: Date;
  presenterCodes: string[];
  unitCodes: string[];
  memberCodes: string[];
  presentMinPercent: number;
  lateAfterMinutes: number;
};

/** "A1, A2;B1  B2" → ["A1", "A2", "B1", "B2"] (de-duplicated, order kept). */
export function parseCodes(raw: string | null | undefined): string[] {
  const out: string[] = [];
  for (const part of (raw ?? "").split(/[\s,;]+/)) {
    const c = part.trim().normalize("NFC");
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}

const UPLOADED_PDF = /^\/uploads\/[a-f0-9]{64}\.pdf$/;

/** Only http(s) links (never javascript: or data:) and our own uploaded PDFs. */
export function cleanDocumentUrl(raw: string | null | undefined): string | null {
  const v = (raw ?? "").trim();
  if (!v) return null;
  if (UPLOADED_PDF.test(v)) return v;
  if (v.length > 2000) throw new DomainError("live.error.documentUrl");
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new DomainError("live.error.documentUrl");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new DomainError("live.error.documentUrl");
  return u.href;
}

function inScope(scope: Scope, path: string) {
  return scope.all || scope.roots.some((r) => path.startsWith(r.path));
}

type Targets = { presenterIds: number[]; unitIds: number[]; memberIds: number[] };

async function validate(tx: Db, scope: Scope, input: SessionInput): Promise<{ clean: Omit<SessionInput, "presenterCodes" | "unitCodes" | "memberCodes">; targets: Targets }> {
  const title = input.title.normalize("NFC").replace(/\s+/g, " ").trim();
  if (!title) throw new DomainError("live.error.titleRequired");
  if (title.length > 300) throw new DomainError("live.error.titleLong");
  const description = input.description.normalize("NFC").trim();
  if (description.length > 5000) throw new DomainError("live.error.descriptionLong");
  const documentUrl = cleanDocumentUrl(input.documentUrl);
  if (!(input.start instanceof Date) || Number.isNaN(input.start.getTime())) throw new DomainError("live.error.start");
  if (!(input.end instanceof Date) || Number.isNaN(input.end.getTime()) || input.end <= input.start) throw new DomainError("live.error.end");
  if (input.end.getTime() - input.start.getTime() > MAX_DURATION_MS) throw new DomainError("live.error.tooLong");
  const { presentMinPercent, lateAfterMinutes } = input;
  if (!Number.isInteger(presentMinPercent) || presentMinPercent < 0 || presentMinPercent > 100) throw new DomainError("live.error.percent");
  if (!Number.isInteger(lateAfterMinutes) || lateAfterMinutes < 0 || lateAfterMinutes > 600) throw new DomainError("live.error.late");
  for (const list of [input.presenterCodes, input.unitCodes, input.memberCodes]) {
    if (list.length > MAX_CODES) throw new DomainError("live.error.tooManyCodes", { max: MAX_CODES });
  }

  const lookupMembers = async (codes: string[]) =>
    codes.length
      ? (await tx
          .select({ id: members.id, code: members.code, role: members.role, status: members.status, disabledAt: members.disabledAt, path: units.path })
          .from(members)
          .innerJoin(units, eq(units.id, members.unitId))
          .where(inArray(members.code, codes)))
      : [];

  const presenters = await lookupMembers(input.presenterCodes);
  const presenterIds: number[] = [];
  for (const code of input.presenterCodes) {
    const m = presenters.find((p) => p.code === code);
    const usable = m && m.status === "active" && !m.disabledAt && (m.role !== "member" || inScope(scope, m.path));
    if (!usable) throw new DomainError("live.error.presenterUnknown", { code });
    presenterIds.push(m.id);
  }
  if (presenterIds.length === 0) throw new DomainError("live.error.presenterRequired");

  const unitRows = input.unitCodes.length ? (await tx.select().from(units).where(inArray(units.code, input.unitCodes))) : [];
  const unitIds: number[] = [];
  for (const code of input.unitCodes) {
    const u = unitRows.find((r) => r.code === code);
    if (!u || !inScope(scope, u.path)) throw new DomainError("live.error.unitUnknown", { code });
    unitIds.push(u.id);
  }

  const invitees = await lookupMembers(input.memberCodes);
  const memberIds: number[] = [];
  for (const code of input.memberCodes) {
    const m = invitees.find((p) => p.code === code);
    if (!m || !inScope(scope, m.path)) throw new DomainError("live.error.memberUnknown", { code });
    memberIds.push(m.id);
  }
  if (unitIds.length + memberIds.length === 0) throw new DomainError("live.error.inviteRequired");

  return {
    clean: { title, description, documentUrl, start: input.start, end: input.end, presentMinPercent, lateAfterMinutes },
    targets: { presenterIds, unitIds, memberIds },
  };
}

async function writeTargets(tx: Db, sessionId: number, t: Targets, now: Date) {
  await tx.delete(liveSessionInvites).where(eq(liveSessionInvites.sessionId, sessionId));
  await tx.delete(liveSessionPresenters).where(eq(liveSessionPresenters.sessionId, sessionId));
  for (const unitId of t.unitIds) await tx.insert(liveSessionInvites).values({ sessionId, unitId, createdAt: now });
  for (const memberId of t.memberIds) await tx.insert(liveSessionInvites).values({ sessionId, memberId, createdAt: now });
  for (const memberId of t.presenterIds) await tx.insert(liveSessionPresenters).values({ sessionId, memberId, createdAt: now });
}

export async function scheduleSession(db: Db, scope: Scope, actorId: number | null, input: SessionInput, now = new Date()): Promise<LiveSession> {
  return writeTx(db, async (tx) => {
    const { clean, targets } = await validate(tx, scope, input);
    const s = await one(tx
      .insert(liveSessions)
      .values({
        title: clean.title,
        description: clean.description,
        documentUrl: clean.documentUrl,
        scheduledStartAt: clean.start,
        plannedEndAt: clean.end,
        presentMinPercent: clean.presentMinPercent,
        lateAfterMinutes: clean.lateAfterMinutes,
        createdBy: actorId,
        createdAt: now,
        updatedAt: now,
      })
      .returning());
    await writeTargets(tx, s.id, targets, now);
    await tx.insert(auditLog)
      .values({ actorId, action: "live.schedule", entityType: "live_session", entityId: String(s.id), detail: { ...input, start: input.start.toISOString(), end: input.end.toISOString() }, at: now });
    return s;
  });
}

/** Changes a session that has not started yet, by someone whose scope covers every invitation. */
export async function updateSession(db: Db, scope: Scope, sessionId: number, actorId: number | null, input: SessionInput, now = new Date()): Promise<LiveSession> {
  return writeTx(db, async (tx) => {
    const access = await sessionAccess(tx, scope, sessionId);
    if (!access) throw new DomainError("live.error.notFound", {}, 404);
    if (!access.editable) throw new DomainError("live.error.notEditable", {}, 409);
    const { clean, targets } = await validate(tx, scope, input);
    await tx.update(liveSessions)
      .set({
        title: clean.title,
        description: clean.description,
        documentUrl: clean.documentUrl,
        scheduledStartAt: clean.start,
        plannedEndAt: clean.end,
        presentMinPercent: clean.presentMinPercent,
        lateAfterMinutes: clean.lateAfterMinutes,
        updatedAt: now,
      })
      .where(and(eq(liveSessions.id, sessionId), eq(liveSessions.state, "scheduled")));
    await writeTargets(tx, sessionId, targets, now);
    await tx.insert(auditLog)
      .values({ actorId, action: "live.update", entityType: "live_session", entityId: String(sessionId), detail: { ...input, start: input.start.toISOString(), end: input.end.toISOString() }, at: now });
    return (await first(tx.select().from(liveSessions).where(eq(liveSessions.id, sessionId))))!;
  });
}

export async function getLiveSession(db: Db, id: number): Promise<LiveSession | undefined> {
  if (!Number.isSafeInteger(id)) return undefined;
  return await first(db.select().from(liveSessions).where(eq(liveSessions.id, id)));
}

/** Presenters and invitations, for the detail and edit pages. */
export async function sessionTargets(db: Db, sessionId: number) {
  const presenters = await db
    .select({ id: members.id, code: members.code, fullName: members.fullName })
    .from(liveSessionPresenters)
    .innerJoin(members, eq(members.id, liveSessionPresenters.memberId))
    .where(eq(liveSessionPresenters.sessionId, sessionId))
    .orderBy(asc(members.code));
  const invitedUnits = await db
    .select({ id: units.id, code: units.code, name: units.name, path: units.path })
    .from(liveSessionInvites)
    .innerJoin(units, eq(units.id, liveSessionInvites.unitId))
    .where(eq(liveSessionInvites.sessionId, sessionId))
    .orderBy(asc(units.path));
  const invitedMembers = await db
    .select({ id: members.id, code: members.code, fullName: members.fullName, path: units.path })
    .from(liveSessionInvites)
    .innerJoin(members, eq(members.id, liveSessionInvites.memberId))
    .innerJoin(units, eq(units.id, members.unitId))
    .where(eq(liveSessionInvites.sessionId, sessionId))
    .orderBy(asc(members.code));
  return { presenters, invitedUnits, invitedMembers };
}

/**
 * What a manager may do with a session: undefined when it is missing or outside their scope (the
 * caller answers 404 either way), else whether they may edit it.
 */
export async function sessionAccess(db: Db, scope: Scope, sessionId: number): Promise<{ session: LiveSession; editable: boolean; whollyInScope: boolean } | undefined> {
  const session = await getLiveSession(db, sessionId);
  if (!session) return undefined;
  const t = await sessionTargets(db, sessionId);
  if (!scope.all) {
    const meets =
      t.invitedUnits.some((u) => scope.roots.some((r) => u.path.startsWith(r.path) || r.path.startsWith(u.path))) ||
      t.invitedMembers.some((m) => inScope(scope, m.path));
    if (!meets) return undefined;
  }
  const whollyInScope = scope.all || (t.invitedUnits.every((u) => inScope(scope, u.path)) && t.invitedMembers.every((m) => inScope(scope, m.path)));
  return { session, editable: whollyInScope && session.state === "scheduled", whollyInScope };
}

/** SQL: the session (live_sessions row of the outer query) meets the scope. */
function visibleCondition(scope: Scope): SQL | undefined {
  if (scope.all) return undefined;
  if (scope.roots.length === 0) return sql`1 = 0`; // a boolean in PostgreSQL too (a bare 0 is not)
  const unitParts = scope.roots.map((r) => sql`(substr(iu.path, 1, ${r.path.length}) = ${r.path} OR substr(${r.path}, 1, length(iu.path)) = iu.path)`);
  const memberParts = scope.roots.map((r) => sql`substr(mu.path, 1, ${r.path.length}) = ${r.path}`);
  return sql`(EXISTS (SELECT 1 FROM live_session_invites i JOIN units iu ON iu.id = i.unit_id
                      WHERE i.session_id = ${liveSessions.id} AND (${sql.join(unitParts, sql` OR `)}))
           OR EXISTS (SELECT 1 FROM live_session_invites i JOIN members m ON m.id = i.member_id JOIN units mu ON mu.id = m.unit_id
                      WHERE i.session_id = ${liveSessions.id} AND (${sql.join(memberParts, sql` OR `)})))`;
}

export type SessionListItem = Pick<LiveSession, "id" | "title" | "state" | "scheduledStartAt" | "plannedEndAt" | "actualStartAt" | "actualEndAt">;

const listColumns = {
  id: liveSessions.id,
  title: liveSessions.title,
  state: liveSessions.state,
  scheduledStartAt: liveSessions.scheduledStartAt,
  plannedEndAt: liveSessions.plannedEndAt,
  actualStartAt: liveSessions.actualStartAt,
  actualEndAt: liveSessions.actualEndAt,
};

/** Sessions a manager sees: not ended first (soonest first), then the ended ones (latest first). */
export async function sessionsInScope(db: Db, scope: Scope, opts: { limit?: number } = {}): Promise<SessionListItem[]> {
  const cond = visibleCondition(scope);
  const limit = opts.limit ?? 200;
  const open = await db
    .select(listColumns)
    .from(liveSessions)
    .where(and(ne(liveSessions.state, "ended"), cond))
    .orderBy(asc(liveSessions.scheduledStartAt), asc(liveSessions.id))
    .limit(limit);
  const ended = await db
    .select(listColumns)
    .from(liveSessions)
    .where(and(eq(liveSessions.state, "ended"), cond))
    .orderBy(desc(liveSessions.scheduledStartAt), desc(liveSessions.id))
    .limit(limit);
  return [...open, ...ended];
}

export type PhaseOf = "live" | "upcoming" | "past";

/** Where a session stands for a member's list. A scheduled session past its planned end is past. */
export function phaseOf(s: Pick<LiveSession, "state" | "plannedEndAt">, now: number): PhaseOf {
  if (s.state === "live") return "live";
  if (s.state === "scheduled" && s.plannedEndAt.getTime() > now) return "upcoming";
  return "past";
}

/** Sessions a member is invited to or presents: live now, upcoming (soonest first), recent past. */
export async function sessionsForMember(db: Db, member: Pick<SessionMember, "id" | "unitId">, now = new Date()) {
  const unit = await first(db.select({ path: units.path }).from(units).where(eq(units.id, member.unitId)));
  const path = unit?.path ?? "/-/";
  const mine = sql`(EXISTS (SELECT 1 FROM live_session_presenters p WHERE p.session_id = ${liveSessions.id} AND p.member_id = ${member.id})
    OR EXISTS (SELECT 1 FROM live_session_invites i WHERE i.session_id = ${liveSessions.id} AND i.member_id = ${member.id})
    OR EXISTS (SELECT 1 FROM live_session_invites i JOIN units iu ON iu.id = i.unit_id
               WHERE i.session_id = ${liveSessions.id} AND substr(${path}, 1, length(iu.path)) = iu.path))`;
  const cutoff = new Date(now.getTime() - RECENT_PAST_MS);
  const presenting = sql<number>`EXISTS (SELECT 1 FROM live_session_presenters p WHERE p.session_id = ${liveSessions.id} AND p.member_id = ${member.id})`;
  const rows = (await db
    .select({ ...listColumns, description: liveSessions.description, documentUrl: liveSessions.documentUrl, presenting })
    .from(liveSessions)
    .where(
      and(
        mine,
        or(
          eq(liveSessions.state, "live"),
          // Upcoming, or past within the recent window (a session never held counts by its planned end).
          gt(liveSessions.plannedEndAt, cutoff),
          gt(liveSessions.actualEndAt, cutoff),
        ),
      ),
    )
    .orderBy(asc(liveSessions.scheduledStartAt), asc(liveSessions.id))
    .limit(500))
    .map((r) => ({ ...r, presenting: Boolean(r.presenting) }));
  const t = now.getTime();
  return {
    live: rows.filter((r) => phaseOf(r, t) === "live"),
    upcoming: rows.filter((r) => phaseOf(r, t) === "upcoming"),
    past: rows
      .filter((r) => phaseOf(r, t) === "past" && (r.actualEndAt ?? r.plannedEndAt).getTime() > t - RECENT_PAST_MS)
      .reverse()
      .slice(0, 20),
  };
}

// ---------------------------------------------------------------------------------------------
// Opening a session: roles, cell rooms, join tokens
// ---------------------------------------------------------------------------------------------

// The pages ask "is this member a presenter" here; the rule itself is shared with the media server.
export { isPresenter } from "#live/access.server.ts";

export type Cell = { id: number; code: string; name: string };
export const MAX_CELLS_LISTED = 300;

/** Subtrees in which the member may open a cell room: their grants (an administrator: the invited area). */
async function cellRoots(db: Db, sessionId: number, member: Pick<SessionMember, "id" | "role">): Promise<string[]> {
  if (member.role === "admin") return (await sessionTargets(db, sessionId)).invitedUnits.map((u) => u.path).concat(await invitedMemberUnitPaths(db, sessionId));
  return (await db
    .select({ path: units.path })
    .from(scopeGrants)
    .innerJoin(units, eq(units.id, scopeGrants.unitId))
    .where(eq(scopeGrants.memberId, member.id)))
    .map((r) => r.path);
}

async function invitedMemberUnitPaths(db: Db, sessionId: number): Promise<string[]> {
  return (await sessionTargets(db, sessionId)).invitedMembers.map((m) => m.path);
}

const isLeaf = sql`NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = ${units.id})`;

async function cellQuery(db: Db, sessionId: number, member: Pick<SessionMember, "id" | "role">, extra?: SQL) {
  const roots = await cellRoots(db, sessionId, member);
  if (roots.length === 0) return [];
  const t = await sessionTargets(db, sessionId);
  const invitedArea = [...t.invitedUnits.map((u) => subtreeCondition(u.path)), ...t.invitedMembers.map((m) => eq(units.path, m.path))];
  if (invitedArea.length === 0) return [];
  return await db
    .select({ id: units.id, code: units.code, name: units.name })
    .from(units)
    .where(and(or(...roots.map((p) => subtreeCondition(p))), or(...invitedArea), isLeaf, extra))
    .orderBy(asc(units.path))
    .limit(MAX_CELLS_LISTED);
}

/** The cells whose room the member may open for this session (at most MAX_CELLS_LISTED). */
export async function cellsFor(db: Db, sessionId: number, member: Pick<SessionMember, "id" | "role">): Promise<Cell[]> {
  return cellQuery(db, sessionId, member);
}

export async function cellAllowed(db: Db, sessionId: number, member: Pick<SessionMember, "id" | "role">, cellId: number): Promise<Cell | undefined> {
  if (!Number.isSafeInteger(cellId)) return undefined;
  return (await cellQuery(db, sessionId, member, eq(units.id, cellId)))[0];
}

/** The cell's roster for a cell room: its active members who are invited. */
export async function cellRoster(db: Db, sessionId: number, cellId: number) {
  const cell = await first(db.select({ path: units.path }).from(units).where(eq(units.id, cellId)));
  if (!cell) return [];
  return await db
    .select({ id: members.id, code: members.code, fullName: members.fullName })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(and(subtreeCondition(cell.path), eq(members.status, "active"), sql`${members.disabledAt} IS NULL`, invitedCondition(sessionId)))
    .orderBy(asc(members.fullNameFolded), asc(members.code))
    .limit(MAX_CODES);
}

export type JoinAccess = {
  session: LiveSession;
  presenter: boolean;
  invited: boolean;
  cells: Cell[];
};

/** What the member may do with the session; undefined (→ 404) when neither invited nor presenter. */
export async function joinAccess(db: Db, sessionId: number, member: SessionMember): Promise<JoinAccess | undefined> {
  const session = await getLiveSession(db, sessionId);
  if (!session) return undefined;
  const { presenter, invited } = await joinFacts(db, sessionId, member.id);
  if (!presenter && !invited) return undefined;
  // The media server requires a cell room's screen to be invited itself.
  const cells = invited ? await cellsFor(db, sessionId, member) : [];
  return { session, presenter, invited, cells };
}

/**
 * The role and unit a join token will carry for the requested mode, or undefined when the member
 * may not open the session that way.
 */
export async function resolveMode(
  db: Db,
  access: JoinAccess,
  member: SessionMember,
  mode: JoinMode,
  cellId: number | null,
): Promise<{ role: JoinMode; unitId: number; cell: Cell | null; committee?: number } | undefined> {
  if (!mayJoinAs(access, mode)) return undefined;
  if (mode !== "cell-room") return { role: mode, unitId: member.unitId, cell: null };
  if (cellId == null) return undefined;
  const cell = await cellAllowed(db, access.session.id, member, cellId);
  if (!cell) return undefined;
  // The cell's committee (its parent unit): several media nodes keep its cell rooms together.
  const parent = await first(db.select({ parentId: units.parentId }).from(units).where(eq(units.id, cell.id)));
  return { role: "cell-room", unitId: cell.id, cell, committee: parent?.parentId ?? cell.id };
}

/** `node`: the media node placement chose (several nodes, ADR 0016); the token names it. */
export function mintJoinToken(secret: string, member: SessionMember, sessionId: number, role: JoinRole, unitId: number, now = Date.now(), node?: string) {
  const token = signJoinToken(
    { memberId: member.id, memberCode: member.code, name: member.fullName, sessionId, role, unitId, ttlMs: JOIN_TOKEN_TTL_MS, now, node },
    secret,
  );
  return { token, expiresAt: now + JOIN_TOKEN_TTL_MS, node: node ?? null };
}
