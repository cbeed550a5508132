import { first } from "#db/first.ts";
import { redirect, type AppLoadContext } from "@remix-run/node";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "#db/client.server.ts";
import { scopeGrants, units, members } from "#db/schema/index.ts";
import { readCookie, SESSION_COOKIE } from "./cookie.server.ts";
import { validateSessionToken, type SessionMember, type ValidatedSession } from "./session.server.ts";
import { isInSubtree } from "#app/org/units.server.ts";
import { DomainError } from "#app/common/domain-error.ts";

const DAY = 24 * 60 * 60 * 1000;

export function sessionPolicy(context: AppLoadContext) {
  return { idleMs: context.env.SESSION_IDLE_DAYS * DAY, maxMs: context.env.SESSION_MAX_DAYS * DAY };
}

export async function getSession(request: Request, context: AppLoadContext): Promise<ValidatedSession | null> {
  const token = readCookie(request, SESSION_COOKIE);
  if (!token) return null;
  return validateSessionToken(context.db, token, sessionPolicy(context));
}

/** Signed-in member or a redirect to the sign-in page that comes back here afterwards. */
export async function requireUser(request: Request, context: AppLoadContext): Promise<ValidatedSession> {
  const session = await getSession(request, context);
  if (!session) {
    const url = new URL(request.url);
    const back = url.pathname + url.search;
    throw redirect(`/login?redirectTo=${encodeURIComponent(back)}`);
  }
  return session;
}

export function forbidden(): never {
  throw new Response("Forbidden", { status: 403 });
}

export function notFound(): never {
  throw new Response("Not Found", { status: 404 });
}

export async function requireAdmin(request: Request, context: AppLoadContext): Promise<ValidatedSession> {
  const session = await requireUser(request, context);
  if (session.member.role !== "admin") forbidden();
  return session;
}

/**
 * Which part of the tree a member may manage: everything (administrator), the subtrees of their
 * grants (trainer, secretary), or nothing.
 */
export type Scope = { all: true } | { all: false; roots: { id: number; path: string }[] };

export async function scopeOf(db: Db, member: SessionMember): Promise<Scope> {
  if (member.role === "admin") return { all: true };
  if (member.role !== "trainer") return { all: false, roots: [] };
  const roots = await db
    .select({ id: units.id, path: units.path })
    .from(scopeGrants)
    .innerJoin(units, eq(units.id, scopeGrants.unitId))
    .where(eq(scopeGrants.memberId, member.id));
  return { all: false, roots };
}

/** Paths to filter queries by, or null for "no filter" (administrator). */
export function scopePaths(scope: Scope): string[] | null {
  return scope.all ? null : scope.roots.map((r) => r.path);
}

export function unitInScope(scope: Scope, unit: { path: string }): boolean {
  return scope.all || scope.roots.some((r) => isInSubtree(unit, r));
}

/** A signed-in administrator or trainer with at least one subtree; members get 403. */
export async function requireManager(request: Request, context: AppLoadContext) {
  const session = await requireUser(request, context);
  const scope = await scopeOf(context.db, session.member);
  if (!scope.all && scope.roots.length === 0) forbidden();
  return { session, scope };
}

/**
 * The unit, if it exists and the scope covers it. Out of scope answers 404 like a missing id, so
 * guessing ids in URLs tells a trainer nothing about other subtrees.
 */
export async function requireUnitScope(db: Db, scope: Scope, unitId: number) {
  if (!Number.isSafeInteger(unitId)) notFound();
  const unit = await first(db.select().from(units).where(eq(units.id, unitId)));
  if (!unit || !unitInScope(scope, unit)) notFound();
  return unit;
}

export async function requireMemberScope(db: Db, scope: Scope, memberId: number) {
  if (!Number.isSafeInteger(memberId)) notFound();
  const row = await first(db
    .select({ member: members, unit: units })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(eq(members.id, memberId)));
  if (!row || !unitInScope(scope, row.unit)) notFound();
  return row;
}

/**
 * Members among `memberIds` whose accounts reach further than `scope`: administrators, and holders
 * of a grant on a unit outside the scope. Acting on such an account (an activation code, its
 * e-mail, its unit, disabling it) would let a trainer step into the account and so out of their
 * own subtree; only someone whose scope covers everything the account reaches may do it.
 */
export async function accountsBeyondScope(db: Db, scope: Scope, memberIds: number[]): Promise<Set<number>> {
  const beyond = new Set<number>();
  if (scope.all || memberIds.length === 0) return beyond;
  for (let i = 0; i < memberIds.length; i += 500) {
    const ids = memberIds.slice(i, i + 500);
    for (const a of (await db.select({ id: members.id }).from(members).where(and(inArray(members.id, ids), eq(members.role, "admin"))))) {
      beyond.add(a.id);
    }
    const grants = await db
      .select({ memberId: scopeGrants.memberId, path: units.path })
      .from(scopeGrants)
      .innerJoin(units, eq(units.id, scopeGrants.unitId))
      .where(inArray(scopeGrants.memberId, ids));
    for (const g of grants) if (!unitInScope(scope, g)) beyond.add(g.memberId);
  }
  return beyond;
}

/** Refuses (403) any action on an account that reaches further than the caller's scope. */
export async function requireAccountWithinScope(db: Db, scope: Scope, memberId: number): Promise<void> {
  if ((await accountsBeyondScope(db, scope, [memberId])).size > 0) {
    throw new DomainError("member.error.beyondScope", {}, 403);
  }
}

export async function grantsOf(db: Db, memberIds: number[]) {
  if (memberIds.length === 0) return [];
  return await db
    .select({ memberId: scopeGrants.memberId, unitId: scopeGrants.unitId, kind: scopeGrants.kind, code: units.code, name: units.name })
    .from(scopeGrants)
    .innerJoin(units, eq(units.id, scopeGrants.unitId))
    .where(and(inArray(scopeGrants.memberId, memberIds)));
}
