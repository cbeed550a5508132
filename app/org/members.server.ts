import { first, one } from "#db/first.ts";
import { and, asc, count, eq, isNull, or, sql } from "drizzle-orm";
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { writeTx, type Db } from "#db/client.server.ts";
import { memberTextMatch } from "#db/dialect.server.ts";
import { auditLog, members, memberUnitHistory, units, type MemberStatus, type Role } from "#db/schema/index.ts";
import { invalidateAllSessions } from "#app/auth/session.server.ts";
import { foldVietnamese } from "#app/common/text-fold.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { ancestors, subtreeCondition } from "./units.server.ts";

export type Member = typeof members.$inferSelect;

export const MEMBER_CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const PHONE_RE = /^\+?[0-9][0-9 .-]{6,18}[0-9]$/;

export function normaliseName(s: string): string {
  return s.normalize("NFC").replace(/\s+/g, " ").trim();
}

export function normaliseEmail(s: string | null | undefined): string | null {
  const e = (s ?? "").normalize("NFC").trim().toLowerCase();
  return e === "" ? null : e;
}

export function normalisePhone(s: string | null | undefined): string | null {
  const p = (s ?? "").trim().replace(/\s+/g, " ");
  return p === "" ? null : p;
}

export type MemberFields = {
  code: string;
  fullName: string;
  unitId: number;
  position?: string;
  email?: string | null;
  phone?: string | null;
  status?: MemberStatus;
  role?: Role;
};

export function validateMemberFields(f: MemberFields): MemberFields {
  const code = f.code.trim();
  const fullName = normaliseName(f.fullName);
  const email = normaliseEmail(f.email);
  const phone = normalisePhone(f.phone);
  if (!MEMBER_CODE_RE.test(code)) throw new DomainError("member.error.code", { code });
  if (!fullName) throw new DomainError("member.error.nameRequired");
  if (fullName.length > 200) throw new DomainError("member.error.nameTooLong");
  if (email && !EMAIL_RE.test(email)) throw new DomainError("member.error.email", { email });
  if (phone && !PHONE_RE.test(phone)) throw new DomainError("member.error.phone", { phone });
  return { ...f, code, fullName, email, phone, position: normaliseName(f.position ?? "") };
}

async function audit(tx: Db, actorId: number | null, action: string, entityId: number, detail: unknown, at: Date) {
  await tx.insert(auditLog)
    .values({ actorId, action, entityType: "member", entityId: String(entityId), detail, at });
}

export async function getMember(db: Db, id: number): Promise<Member | undefined> {
  return await first(db.select().from(members).where(eq(members.id, id)));
}

export async function getMemberByCode(db: Db, code: string): Promise<Member | undefined> {
  return await first(db.select().from(members).where(eq(members.code, code)));
}

/** Inside an existing transaction: creates the member and opens their first unit interval. */
/** The members row for validated fields: the folded name for search, and the defaults a form may leave out. */
function newMemberRow(v: MemberFields, now: Date): typeof members.$inferInsert {
  return {
    code: v.code,
    fullName: v.fullName,
    fullNameFolded: foldVietnamese(v.fullName),
    unitId: v.unitId,
    position: v.position ?? "",
    email: v.email ?? null,
    phone: v.phone ?? null,
    status: v.status ?? "active",
    role: v.role ?? "member",
    createdAt: now,
    updatedAt: now,
  };
}

export async function insertMember(tx: Db, f: MemberFields, actorId: number | null, now: Date, opts = { audit: true }): Promise<Member> {
  const v = validateMemberFields(f);
  if (await getMemberByCode(tx, v.code)) throw new DomainError("member.error.codeTaken", { code: v.code }, 409);
  if (v.email && (await first(tx.select({ id: members.id }).from(members).where(eq(members.email, v.email))))) {
    throw new DomainError("member.error.emailTaken", { email: v.email }, 409);
  }
  const m = await one(tx
    .insert(members)
    .values(newMemberRow(v, now))
    .returning());
  await tx.insert(memberUnitHistory).values({ memberId: m.id, unitId: v.unitId, validFrom: now });
  if (opts.audit) await audit(tx, actorId, "member.create", m.id, { code: m.code, unitId: m.unitId }, now);
  return m;
}

/**
 * Inserts members already validated and checked for uniqueness by the caller (the import plan),
 * in chunks of multi-row INSERTs, and opens their first unit interval.
 */
export async function insertMembersBulk(tx: Db, rows: MemberFields[], now: Date, chunk = 400): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const inserted = await tx
      .insert(members)
      .values(part.map((v) => newMemberRow(v, now)))
      .returning({ id: members.id, unitId: members.unitId });
    await tx.insert(memberUnitHistory).values(inserted.map((m) => ({ memberId: m.id, unitId: m.unitId, validFrom: now })));
  }
}

export async function createMember(db: Db, f: MemberFields, actorId: number | null, now = new Date()): Promise<Member> {
  return writeTx(db, async (tx) => insertMember(tx, f, actorId, now));
}

export type MemberUpdate = Partial<Omit<MemberFields, "code" | "unitId">>;

/** Field-by-field changes, so imports and the audit log can say exactly what changed. */
export function diffMember(m: Member, u: MemberUpdate): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of ["fullName", "position", "email", "phone", "status", "role"] as const) {
    if (u[key] === undefined) continue;
    if ((m[key] ?? null) !== (u[key] ?? null)) changes[key] = { from: m[key] ?? null, to: u[key] ?? null };
  }
  return changes;
}

export async function applyMemberUpdate(tx: Db, m: Member, update: MemberUpdate, actorId: number | null, now: Date, opts = { audit: true }) {
  const v = validateMemberFields({
    code: m.code,
    unitId: m.unitId,
    fullName: update.fullName ?? m.fullName,
    position: update.position ?? m.position,
    email: update.email === undefined ? m.email : update.email,
    phone: update.phone === undefined ? m.phone : update.phone,
    status: update.status ?? m.status,
    role: update.role ?? m.role,
  });
  const changes = diffMember(m, v);
  if (Object.keys(changes).length === 0) return changes;
  if (changes.email && v.email) {
    const other = await first(tx.select({ id: members.id }).from(members).where(eq(members.email, v.email)));
    if (other && other.id !== m.id) throw new DomainError("member.error.emailTaken", { email: v.email }, 409);
  }
  await tx.update(members)
    .set({
      fullName: v.fullName,
      fullNameFolded: foldVietnamese(v.fullName),
      position: v.position,
      email: v.email,
      phone: v.phone,
      status: v.status,
      role: v.role,
      updatedAt: now,
    })
    .where(eq(members.id, m.id));
  if (opts.audit) await audit(tx, actorId, "member.update", m.id, changes, now);
  return changes;
}

export async function updateMember(db: Db, id: number, update: MemberUpdate, actorId: number | null, now = new Date()) {
  return writeTx(db, async (tx) => {
    const m = await getMember(tx, id);
    if (!m) throw new DomainError("member.error.notFound", {}, 404);
    const changes = await applyMemberUpdate(tx, m, update, actorId, now);
    // A member who has left can no longer sign in: end what they have open.
    if (changes.status && update.status === "left") await invalidateAllSessions(tx, id);
    // Leaving the organisation ends the unit interval (reports after today no longer count them);
    // coming back opens a new one in the same unit.
    if (changes.status) {
      const open = await first(tx.select().from(memberUnitHistory).where(and(eq(memberUnitHistory.memberId, id), isNull(memberUnitHistory.validTo))));
      const active = (update.status ?? m.status) === "active";
      if (!active && open) await tx.update(memberUnitHistory).set({ validTo: now }).where(eq(memberUnitHistory.id, open.id));
      if (active && !open) await tx.insert(memberUnitHistory).values({ memberId: id, unitId: m.unitId, validFrom: now, note: "rejoined" });
    }
    return changes;
  });
}

/**
 * Moves a member to another unit from `at` on: the open history interval is closed and a new one
 * opened, so a report for an earlier date still counts them where they were.
 */
export async function transferInTx(tx: Db, m: Member, toUnitId: number, at: Date, actorId: number | null, note?: string) {
  if (m.unitId === toUnitId) return false;
  const open = await first(tx
    .select()
    .from(memberUnitHistory)
    .where(and(eq(memberUnitHistory.memberId, m.id), isNull(memberUnitHistory.validTo))));
  if (open && at.getTime() < open.validFrom.getTime()) {
    throw new DomainError("member.error.transferBeforeCurrent");
  }
  if (open) {
    await tx.update(memberUnitHistory).set({ validTo: at }).where(eq(memberUnitHistory.id, open.id));
  }
  await tx.insert(memberUnitHistory).values({ memberId: m.id, unitId: toUnitId, validFrom: at, note: note ?? null });
  await tx.update(members).set({ unitId: toUnitId, updatedAt: at }).where(eq(members.id, m.id));
  await audit(tx, actorId, "member.transfer", m.id, { from: m.unitId, to: toUnitId, note: note ?? null }, at);
  return true;
}

export async function transferMember(db: Db, id: number, toUnitId: number, actorId: number | null, at = new Date(), note?: string) {
  return writeTx(db, async (tx) => {
    const m = await getMember(tx, id);
    if (!m) throw new DomainError("member.error.notFound", {}, 404);
    if (!(await first(tx.select({ id: units.id }).from(units).where(eq(units.id, toUnitId))))) {
      throw new DomainError("unit.error.notFound", {}, 404);
    }
    return transferInTx(tx, m, toUnitId, at, actorId, note);
  });
}

export async function unitHistory(db: Db, memberId: number) {
  return await db
    .select({ h: memberUnitHistory, unitCode: units.code, unitName: units.name })
    .from(memberUnitHistory)
    .innerJoin(units, eq(units.id, memberUnitHistory.unitId))
    .where(eq(memberUnitHistory.memberId, memberId))
    .orderBy(asc(memberUnitHistory.validFrom));
}

/** Disabling revokes every session at once: a disabled member is signed out everywhere. */
export async function setDisabled(db: Db, id: number, disabled: boolean, actorId: number | null, now = new Date()) {
  return writeTx(db, async (tx) => {
    const m = await getMember(tx, id);
    if (!m) throw new DomainError("member.error.notFound", {}, 404);
    await tx.update(members).set({ disabledAt: disabled ? now : null, updatedAt: now }).where(eq(members.id, id));
    const revoked = disabled ? await invalidateAllSessions(tx, id) : 0;
    await audit(tx, actorId, disabled ? "member.disable" : "member.enable", id, { revoked }, now);
    return revoked;
  });
}

export type MemberSearch = {
  q?: string;
  unitPath?: string | null;
  status?: MemberStatus | null;
  withinPaths?: string[] | null;
  limit?: number;
  offset?: number;
};

/**
 * Search by name without diacritics or by code, limited to a subtree and to the caller's scope.
 * The text match is the engine's indexed search (memberTextMatch: FTS5 on SQLite, pg_trgm on
 * PostgreSQL); the other conditions are plain SQL both engines run.
 */
export async function searchMembers(db: Db, s: MemberSearch) {
  const conds = [];
  const q = foldVietnamese(s.q ?? "");
  if (q) {
    conds.push(memberTextMatch(db, q));
  }
  if (s.unitPath) conds.push(subtreeCondition(s.unitPath));
  if (s.status) conds.push(eq(members.status, s.status));
  if (s.withinPaths) {
    if (s.withinPaths.length === 0) return { total: 0, rows: [] };
    conds.push(or(...s.withinPaths.map((p) => subtreeCondition(p))));
  }
  const where = conds.length ? and(...conds) : undefined;
  const total = (await first(db
    .select({ n: count() })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(where)))!.n;
  const rows = await db
    .select({
      id: members.id,
      code: members.code,
      fullName: members.fullName,
      position: members.position,
      email: members.email,
      phone: members.phone,
      status: members.status,
      role: members.role,
      disabledAt: members.disabledAt,
      hasPassword: sql<number>`CASE WHEN ${members.passwordHash} IS NULL THEN 0 ELSE 1 END`,
      unitId: units.id,
      unitCode: units.code,
      unitName: units.name,
    })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(where)
    .orderBy(asc(members.fullNameFolded), asc(members.code))
    .limit(Math.min(s.limit ?? 50, 500))
    .offset(s.offset ?? 0);
  return { total, rows };
}

// ---- activation codes -------------------------------------------------------------------------

/** No 0/O, 1/I/L: codes are read off paper and typed on phones. */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const ACTIVATION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export function generateActivationCode(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  let out = "";
  for (const b of bytes) out += CODE_ALPHABET[b % CODE_ALPHABET.length];
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8, 12)}`;
}

export function hashActivationCode(code: string): string {
  const clean = code.toUpperCase().replace(/[^A-Z0-9]/g, "");
  return encodeHexLowerCase(sha256(new TextEncoder().encode(clean)));
}

/**
 * Issues fresh one-time codes for the given members (only the hash is kept, so printing again
 * means issuing again, which voids the earlier sheet).
 */
export async function issueActivationCodes(db: Db, memberIds: number[], actorId: number | null, now = new Date()) {
  return writeTx(db, async (tx) => {
    const issued: { memberId: number; code: string }[] = [];
    for (const id of memberIds) {
      const code = generateActivationCode();
      await tx.update(members)
        .set({ activationCodeHash: hashActivationCode(code), activationExpiresAt: new Date(now.getTime() + ACTIVATION_TTL_MS) })
        .where(eq(members.id, id));
      await audit(tx, actorId, "member.activation-issued", id, null, now);
      issued.push({ memberId: id, code });
    }
    return issued;
  });
}

/** Where a member sits, for their home page: their position and the names from the root down to their unit. */
export async function memberPlacement(db: Db, memberId: number): Promise<{ position: string; unitPath: string[] }> {
  const row = await first(db
    .select({ position: members.position, unit: units })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(eq(members.id, memberId)));
  if (!row) throw new DomainError("member.error.notFound", {}, 404);
  return { position: row.position, unitPath: (await ancestors(db, row.unit)).map((u) => u.name) };
}
