import { first, one } from "#db/first.ts";
import crypto from "node:crypto";
import { and, asc, desc, eq, isNull, lte, gt, or, sql } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { auditLog, certificates, courseCompletions, courses, courseVersions, members, memberUnitHistory, units } from "#db/schema/index.ts";
import { unitInScope, type Scope } from "#app/auth/permissions.server.ts";
import { scopeRootUnits, subtreeCondition } from "#app/org/units.server.ts";
import { DomainError } from "#app/common/domain-error.ts";
import { publishedVersion } from "#app/courses/version-cache.server.ts";
import { formatCode, normaliseCode, REVOKE_REASON_MAX } from "./code.ts";

export type Certificate = typeof certificates.$inferSelect;
export type CompletionRef = { id?: number | null; memberId: number; courseId: number; completedAt: Date; versionId?: number | null };

const nfc = (s: string) => s.normalize("NFC").replace(/\s+/g, " ").trim();

async function newCode(tx: Db, random: (n: number) => Uint8Array): Promise<string> {
  for (let i = 0; i < 8; i++) {
    const code = formatCode(random(12));
    if (!(await first(tx.select({ id: certificates.id }).from(certificates).where(eq(certificates.code, code))))) return code;
  }
  // 8 collisions in a 2^60 space means the random source is broken: refuse rather than loop.
  throw new Error("could not draw a fresh certificate code");
}

const defaultRandom = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** The unit the member belonged to on the completion date (their history), else their unit now. */
async function unitNameAt(tx: Db, memberId: number, at: Date): Promise<string | null> {
  const then = await first(tx
    .select({ name: units.name })
    .from(memberUnitHistory)
    .innerJoin(units, eq(units.id, memberUnitHistory.unitId))
    .where(
      and(
        eq(memberUnitHistory.memberId, memberId),
        lte(memberUnitHistory.validFrom, at),
        or(isNull(memberUnitHistory.validTo), gt(memberUnitHistory.validTo, at)),
      ),
    )
    .orderBy(desc(memberUnitHistory.validFrom)));
  if (then) return then.name;
  return (await first(tx.select({ name: units.name }).from(members).innerJoin(units, eq(units.id, members.unitId)).where(eq(members.id, memberId))))?.name ?? null;
}

/** The title of the version the member completed (what they studied), else the course's title now. */
async function courseTitleOf(tx: Db, courseId: number, versionId: number | null | undefined): Promise<string | null> {
  // The version's parsed snapshot comes from the per-connection cache: every completion issues a
  // certificate, and reading a whole snapshot (every lesson body) for its title cost more than the rest.
  if (versionId && (await first(tx.select({ id: courseVersions.id }).from(courseVersions).where(and(eq(courseVersions.id, versionId), eq(courseVersions.courseId, courseId)))))) {
    const title = (await publishedVersion(tx, versionId))?.snapshot.title;
    if (title) return title;
  }
  return (await first(tx.select({ title: courses.title }).from(courses).where(eq(courses.id, courseId))))?.title ?? null;
}

/**
 * Issues the certificate of a completion inside the caller's write transaction (call it right
 * after inserting the course_completions row). Idempotent per member and course: an existing
 * certificate, revoked or not, is returned unchanged. Name, unit, course title and completion
 * date are copied (NFC), so later renames do not alter a document already printed.
 */
export async function issueCertificateInTx(tx: Db, completion: CompletionRef, now = new Date(), random = defaultRandom): Promise<Certificate> {
  const existing = await first(tx
    .select()
    .from(certificates)
    .where(and(eq(certificates.memberId, completion.memberId), eq(certificates.courseId, completion.courseId))));
  if (existing) return existing;
  const member = await first(tx.select({ fullName: members.fullName }).from(members).where(eq(members.id, completion.memberId)));
  const unitName = await unitNameAt(tx, completion.memberId, completion.completedAt);
  const courseTitle = await courseTitleOf(tx, completion.courseId, completion.versionId);
  if (!member || unitName == null || courseTitle == null) throw new DomainError("certificates.error.notFound", {}, 404);
  // Another transaction (another app process) may issue the same certificate meanwhile: the
  // unique (member, course) index makes the later insert a no-op, and the one issued is returned.
  const issued = await first(tx
    .insert(certificates)
    .values({
      code: await newCode(tx, random),
      memberId: completion.memberId,
      courseId: completion.courseId,
      completionId: completion.id ?? null,
      memberName: nfc(member.fullName),
      unitName: nfc(unitName),
      courseTitle: nfc(courseTitle),
      completedAt: completion.completedAt,
      issuedAt: now,
    })
    .onConflictDoNothing({ target: [certificates.memberId, certificates.courseId] })
    .returning());
  if (issued) return issued;
  return (await first(tx
    .select()
    .from(certificates)
    .where(and(eq(certificates.memberId, completion.memberId), eq(certificates.courseId, completion.courseId)))))!;
}

/** Same, in a transaction of its own. */
export async function issueCertificate(db: Db, completion: CompletionRef, now = new Date(), random = defaultRandom): Promise<Certificate> {
  return writeTx(db, async (tx) => issueCertificateInTx(tx, completion, now, random));
}

/**
 * Backfill: a certificate for every completion that has none, optionally narrowed to a member, a
 * course or a subtree (the member's current unit). Idempotent; returns how many were issued.
 */
export async function ensureCertificatesForCompletions(db: Db, filter: { memberId?: number; courseId?: number; unitPath?: string } = {}, now = new Date()): Promise<number> {
  const conds = [isNull(certificates.id)];
  if (filter.memberId != null) conds.push(eq(courseCompletions.memberId, filter.memberId));
  if (filter.courseId != null) conds.push(eq(courseCompletions.courseId, filter.courseId));
  if (filter.unitPath != null) conds.push(subtreeCondition(filter.unitPath));
  const missing = () =>
    db
      .select({ id: courseCompletions.id, memberId: courseCompletions.memberId, courseId: courseCompletions.courseId, completedAt: courseCompletions.completedAt, versionId: courseCompletions.versionId })
      .from(courseCompletions)
      .leftJoin(certificates, and(eq(certificates.memberId, courseCompletions.memberId), eq(certificates.courseId, courseCompletions.courseId)))
      .innerJoin(members, eq(members.id, courseCompletions.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .where(and(...conds))
      .orderBy(asc(courseCompletions.id));
  // Cheap read first: a page view that finds nothing to do never takes the write lock.
  if (!(await first(missing().limit(1)))) return 0;
  let issued = 0;
  for (;;) {
    const batch = await missing().limit(500);
    if (batch.length === 0) break;
    await writeTx(db, async (tx) => {
      for (const c of batch) {
        const before = await first(tx.select({ id: certificates.id }).from(certificates).where(and(eq(certificates.memberId, c.memberId), eq(certificates.courseId, c.courseId))));
        if (before) continue;
        await issueCertificateInTx(tx, c, now);
        issued++;
      }
    });
    if (batch.length < 500) break;
  }
  return issued;
}

export async function findCertificateByCode(db: Db, input: string | null | undefined): Promise<Certificate | undefined> {
  const code = normaliseCode(input);
  if (!code) return undefined;
  return await first(db.select().from(certificates).where(eq(certificates.code, code)));
}

/**
 * What the public verification page may show, and nothing else: the frozen name, course title and
 * completion date, and whether (and when) it was revoked. No unit, code, e-mail or phone.
 */
export type PublicVerification = { code: string; memberName: string; courseTitle: string; completedAt: Date; revokedAt: Date | null };

export async function publicVerification(db: Db, input: string | null | undefined): Promise<PublicVerification | null> {
  const c = await findCertificateByCode(db, input);
  if (!c) return null;
  return { code: c.code, memberName: c.memberName, courseTitle: c.courseTitle, completedAt: c.completedAt, revokedAt: c.revokedAt };
}

/** The member's current unit path, for scope checks (a trainer manages people where they are now). */
export async function memberUnitPath(db: Db, memberId: number): Promise<string | null> {
  return (await first(db.select({ path: units.path }).from(members).innerJoin(units, eq(units.id, members.unitId)).where(eq(members.id, memberId))))?.path ?? null;
}

/** Administrator, or a trainer whose subtree holds the member's current unit. */
export async function memberInScope(db: Db, scope: Scope, memberId: number): Promise<boolean> {
  if (scope.all) return true;
  const path = await memberUnitPath(db, memberId);
  return path != null && unitInScope(scope, { path });
}

/** Owner, administrator, or a trainer with the member in scope. */
export async function canReadCertificate(db: Db, viewer: { id: number }, scope: Scope, cert: Pick<Certificate, "memberId">): Promise<boolean> {
  return cert.memberId === viewer.id || await memberInScope(db, scope, cert.memberId);
}

/**
 * Revokes with a reason (administrator, or a trainer with the member in scope). Out of scope is
 * "not found", like a missing code. Revoking is final; a second revoke is refused.
 */
export async function revokeCertificate(db: Db, scope: Scope, input: { code: string; reason: string; actorId: number }, now = new Date()): Promise<Certificate> {
  const reason = nfc(input.reason);
  if (reason.length < 3 || reason.length > REVOKE_REASON_MAX) throw new DomainError("certificates.error.reason", { max: REVOKE_REASON_MAX });
  const code = normaliseCode(input.code);
  if (!code) throw new DomainError("certificates.error.notFound", {}, 404);
  return writeTx(db, async (tx) => {
    const c = await first(tx.select().from(certificates).where(eq(certificates.code, code)));
    if (!c || !await memberInScope(tx, scope, c.memberId)) throw new DomainError("certificates.error.notFound", {}, 404);
    if (c.revokedAt) throw new DomainError("certificates.error.alreadyRevoked", {}, 409);
    const updated = await one(tx
      .update(certificates)
      .set({ revokedAt: now, revokedReason: reason, revokedBy: input.actorId })
      .where(and(eq(certificates.id, c.id), isNull(certificates.revokedAt)))
      .returning());
    await tx.insert(auditLog)
      .values({ actorId: input.actorId, action: "certificate.revoke", entityType: "certificate", entityId: c.code, detail: { reason, memberId: c.memberId, courseId: c.courseId }, at: now });
    return updated;
  });
}

/** The member's own certificates, newest completion first. */
export async function certificatesOfMember(db: Db, memberId: number) {
  return await db.select().from(certificates).where(eq(certificates.memberId, memberId)).orderBy(desc(certificates.completedAt));
}

/**
 * What the trainer's certificate page offers: every course by title, and the codes of the units
 * the trainer's grants are on (the first is the default, the rest a hint).
 */
export async function certificateFilterChoices(db: Db, scope: Scope) {
  return {
    courses: await db.select({ id: courses.id, title: courses.title }).from(courses).orderBy(asc(courses.title)),
    rootCodes: (await scopeRootUnits(db, scope)).map((u) => u.code),
  };
}

/**
 * Certificates of a course held by members whose current unit lies in the subtree at `unitPath`,
 * with the member's code and current unit for the trainer's table (never for the public page).
 */
export async function certificatesInSubtree(db: Db, input: { courseId: number; unitPath: string }) {
  return await db
    .select({
      certificate: certificates,
      memberCode: members.code,
      currentUnitCode: units.code,
      currentUnitName: units.name,
    })
    .from(certificates)
    .innerJoin(members, eq(members.id, certificates.memberId))
    .innerJoin(units, eq(units.id, members.unitId))
    .where(and(eq(certificates.courseId, input.courseId), subtreeCondition(input.unitPath)))
    .orderBy(asc(units.path), asc(sql`lower(${certificates.memberName})`), asc(members.code));
}
