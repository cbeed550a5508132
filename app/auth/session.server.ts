import { first } from "#db/first.ts";
import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import { eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { authSessions, members } from "#db/schema/index.ts";

/**
 * Sessions in the Lucia design: the cookie carries "<id>.<secret>"; the database keeps only
 * SHA-256(secret), so a leaked database cannot be replayed as cookies. Each half has 130 bits.
 */
export type SessionPolicy = { idleMs: number; maxMs: number };

const DAY = 24 * 60 * 60 * 1000;
export const defaultSessionPolicy: SessionPolicy = { idleMs: 7 * DAY, maxMs: 30 * DAY };
/** Refreshing lastVerifiedAt on every request would turn every page view into a write. */
const TOUCH_INTERVAL_MS = 60 * 60 * 1000;

function randomPart(): string {
  const bytes = new Uint8Array(17);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

export async function createSession(
  db: Db,
  memberId: number,
  meta: { userAgent?: string | null; ip?: string | null } = {},
  now = new Date(),
): Promise<{ token: string; sessionId: string }> {
  const id = randomPart();
  const secret = randomPart();
  await writeTx(db, async (tx) =>
    await tx
      .insert(authSessions)
      .values({
        id,
        secretHash: hashSecret(secret),
        memberId,
        createdAt: now,
        lastVerifiedAt: now,
        userAgent: meta.userAgent?.slice(0, 300) ?? null,
        ip: meta.ip ?? null,
      }),
  );
  return { token: `${id}.${secret}`, sessionId: id };
}

export type SessionMember = {
  id: number;
  code: string;
  fullName: string;
  role: "admin" | "trainer" | "member";
  unitId: number;
};

export type ValidatedSession = { sessionId: string; member: SessionMember; expiresAt: Date };

export async function validateSessionToken(
  db: Db,
  token: string,
  policy: SessionPolicy = defaultSessionPolicy,
  now = new Date(),
): Promise<ValidatedSession | null> {
  const parts = token.split(".");
  if (parts.length !== 2 || !/^[a-z2-7]{20,40}$/.test(parts[0]) || !/^[a-z2-7]{20,40}$/.test(parts[1])) {
    return null;
  }
  const [id, secret] = parts;
  const row = await first(db
    .select({
      session: authSessions,
      member: {
        id: members.id,
        code: members.code,
        fullName: members.fullName,
        role: members.role,
        unitId: members.unitId,
        disabledAt: members.disabledAt,
        status: members.status,
      },
    })
    .from(authSessions)
    .innerJoin(members, eq(members.id, authSessions.memberId))
    .where(eq(authSessions.id, id)));
  if (!row) return null;
  const expected = new TextEncoder().encode(row.session.secretHash);
  const actual = new TextEncoder().encode(hashSecret(secret));
  if (!constantTimeEqual(expected, actual)) return null;

  const t = now.getTime();
  const idleExpiry = row.session.lastVerifiedAt.getTime() + policy.idleMs;
  const hardExpiry = row.session.createdAt.getTime() + policy.maxMs;
  if (t >= idleExpiry || t >= hardExpiry || row.member.disabledAt || row.member.status === "left") {
    await invalidateSession(db, id);
    return null;
  }
  if (t - row.session.lastVerifiedAt.getTime() >= TOUCH_INTERVAL_MS) {
    await writeTx(db, async (tx) =>
      await tx.update(authSessions).set({ lastVerifiedAt: now }).where(eq(authSessions.id, id)),
    );
  }
  const { disabledAt: _d, status: _s, ...member } = row.member;
  return {
    sessionId: id,
    member,
    expiresAt: new Date(Math.min(t + policy.idleMs, hardExpiry)),
  };
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
  await writeTx(db, async (tx) => await tx.delete(authSessions).where(eq(authSessions.id, sessionId)));
}

export async function invalidateAllSessions(db: Db, memberId: number, exceptSessionId?: string): Promise<number> {
  return writeTx(db, async (tx) => {
    const rows = await tx
      .select({ id: authSessions.id })
      .from(authSessions)
      .where(eq(authSessions.memberId, memberId));
    const doomed = rows.filter((r) => r.id !== exceptSessionId);
    for (const r of doomed) await tx.delete(authSessions).where(eq(authSessions.id, r.id));
    return doomed.length;
  });
}

