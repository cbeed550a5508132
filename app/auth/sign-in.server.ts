import { first } from "#db/first.ts";
import { and, eq, gt, or } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { affectedRows } from "#db/dialect.server.ts";
import { members } from "#db/schema/index.ts";
import { dummyVerify, hashPassword, verifyPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./password.server.ts";
import { createSession, invalidateAllSessions } from "./session.server.ts";
import { clearFailures, lockRemainingMs, recordFailure, throttleKeys, type ThrottleRule } from "./throttle.server.ts";
import { hashActivationCode } from "#app/org/members.server.ts";
import { constantTimeEqual } from "@oslojs/crypto/subtle";

export type SignInRules = { account: ThrottleRule; ip: ThrottleRule };

export type SignInResult =
  | { ok: true; token: string; memberId: number }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "locked"; retryAfterMs: number; by: "account" | "ip" };

async function findByIdentifier(db: Db, identifier: string) {
  const id = identifier.normalize("NFC").trim();
  return await first(db
    .select()
    .from(members)
    .where(or(eq(members.code, id), eq(members.email, id.toLowerCase()))));
}

type Keys = { account: string; ip: string | null };

/** The longer of the two waits, and which one it is (the page words them differently). */
async function lockOf(db: Db, keys: Keys, now: Date): Promise<SignInResult | null> {
  const account = await lockRemainingMs(db, keys.account, now);
  const ip = keys.ip ? await lockRemainingMs(db, keys.ip, now) : 0;
  if (account === 0 && ip === 0) return null;
  return account >= ip ? { ok: false, reason: "locked", retryAfterMs: account, by: "account" } : { ok: false, reason: "locked", retryAfterMs: ip, by: "ip" };
}

async function fail(db: Db, keys: Keys, rules: SignInRules, now: Date): Promise<SignInResult> {
  await recordFailure(db, keys.account, rules.account, now);
  if (keys.ip) await recordFailure(db, keys.ip, rules.ip, now);
  return await lockOf(db, keys, now) ?? { ok: false, reason: "invalid" };
}

/** Who an attempt names (if anyone), its throttle keys, and the lock already on them (null if none). */
async function attemptOf(db: Db, input: { identifier: string; ip: string | null }, now: Date) {
  const m = await findByIdentifier(db, input.identifier);
  const keys = throttleKeys(input.identifier, m?.id ?? null, input.ip);
  return { m, keys, locked: await lockOf(db, keys, now) };
}

/**
 * One answer for "no such member", "wrong password" and "not activated yet", and the same argon2
 * cost for each, so the page reveals nothing about which member codes exist.
 */
export async function signIn(
  db: Db,
  input: { identifier: string; password: string; ip: string | null; userAgent: string | null },
  rules: SignInRules,
  now = new Date(),
): Promise<SignInResult> {
  const { m, keys, locked } = await attemptOf(db, input, now);
  if (locked) return locked;
  if (!m || !m.passwordHash || m.disabledAt || m.status === "left") {
    await dummyVerify(input.password);
    return fail(db, keys, rules, now);
  }
  if (!(await verifyPassword(m.passwordHash, input.password))) return fail(db, keys, rules, now);
  await clearFailures(db, keys.account);
  const { token } = await createSession(db, m.id, { userAgent: input.userAgent, ip: input.ip }, now);
  return { ok: true, token, memberId: m.id };
}

/** What the page says to a locked account (minutes) or a slowed-down address (seconds). */
export function lockedMessage(r: { retryAfterMs: number; by: "account" | "ip" }): { key: "login.locked" | "login.slowDown"; params: Record<string, number> } {
  return r.by === "account"
    ? { key: "login.locked", params: { minutes: Math.max(1, Math.ceil(r.retryAfterMs / 60_000)) } }
    : { key: "login.slowDown", params: { seconds: Math.max(1, Math.ceil(r.retryAfterMs / 1000)) } };
}

export function passwordProblem(pw: string): "password.error.short" | "password.error.long" | null {
  if (pw.length < PASSWORD_MIN_LENGTH) return "password.error.short";
  if (pw.length > PASSWORD_MAX_LENGTH) return "password.error.long";
  return null;
}

/**
 * First sign-in of an imported member: their one-time code (printed by an administrator) lets
 * them choose a password. The code is spent on success and counts as a failure otherwise.
 */
export async function activateAccount(
  db: Db,
  input: { identifier: string; code: string; password: string; ip: string | null; userAgent: string | null },
  rules: SignInRules,
  now = new Date(),
): Promise<SignInResult> {
  const { m, keys, locked } = await attemptOf(db, input, now);
  if (locked) return locked;
  const valid =
    m &&
    !m.disabledAt &&
    m.status !== "left" &&
    m.activationCodeHash &&
    m.activationExpiresAt &&
    m.activationExpiresAt.getTime() > now.getTime() &&
    constantTimeEqual(
      new TextEncoder().encode(m.activationCodeHash),
      new TextEncoder().encode(hashActivationCode(input.code)),
    );
  if (!m || !valid) return fail(db, keys, rules, now);
  const hash = await hashPassword(input.password);
  // The code is spent by the update that still finds it: of two activations with one code (two
  // tabs, two app processes), one sets the password and the other counts as a failure.
  const spent = await writeTx(db, async (tx) => {
    const changed = affectedRows(await tx.update(members)
      .set({ passwordHash: hash, activationCodeHash: null, activationExpiresAt: null, updatedAt: now })
      .where(and(eq(members.id, m.id), eq(members.activationCodeHash, m.activationCodeHash!), gt(members.activationExpiresAt, now))));
    if (changed === 1) await invalidateAllSessions(tx, m.id);
    return changed === 1;
  });
  if (!spent) return fail(db, keys, rules, now);
  await clearFailures(db, keys.account);
  const { token } = await createSession(db, m.id, { userAgent: input.userAgent, ip: input.ip }, now);
  return { ok: true, token, memberId: m.id };
}

/** Changing the password signs out every other device of the member. */
export async function changePassword(
  db: Db,
  memberId: number,
  current: string,
  next: string,
  keepSessionId: string,
): Promise<"ok" | "wrong-current"> {
  const m = await first(db.select().from(members).where(eq(members.id, memberId)));
  if (!m?.passwordHash || !(await verifyPassword(m.passwordHash, current))) return "wrong-current";
  const hash = await hashPassword(next);
  await writeTx(db, async (tx) => {
    await tx.update(members).set({ passwordHash: hash, updatedAt: new Date() }).where(eq(members.id, memberId));
    await invalidateAllSessions(tx, memberId, keepSessionId);
  });
  return "ok";
}

export async function setPassword(db: Db, memberId: number, password: string): Promise<void> {
  const hash = await hashPassword(password);
  await writeTx(db, async (tx) =>
    await tx.update(members).set({ passwordHash: hash, updatedAt: new Date() }).where(eq(members.id, memberId)),
  );
}

export function signInRulesFromEnv(env: {
  LOGIN_MAX_FAILURES: number;
  LOGIN_LOCK_MINUTES: number;
  IP_MAX_FAILURES: number;
  IP_SLOW_SECONDS: number;
}): SignInRules {
  const lockMs = env.LOGIN_LOCK_MINUTES * 60_000;
  return {
    account: { maxFailures: env.LOGIN_MAX_FAILURES, lockMs, windowMs: lockMs },
    // Past IP_MAX_FAILURES in the window, one attempt per IP_SLOW_SECONDS from that address: a
    // password spray from one address crawls, an office behind it waits seconds, not minutes.
    ip: { maxFailures: env.IP_MAX_FAILURES, lockMs: env.IP_SLOW_SECONDS * 1000, windowMs: lockMs },
  };
}
