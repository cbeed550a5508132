import { first } from "#db/first.ts";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { count, eq } from "drizzle-orm";
import { testDb, dropDb } from "#tests/factories/db.ts";
import { makeMember, makeTree, PASSWORD } from "#tests/factories/org.ts";
import { createSession, invalidateAllSessions, validateSessionToken } from "#app/auth/session.server.ts";
import { signIn, signInRulesFromEnv, changePassword, activateAccount } from "#app/auth/sign-in.server.ts";
import { setDisabled, issueActivationCodes, updateMember } from "#app/org/members.server.ts";
import { authSessions } from "#db/schema/index.ts";

const rules = signInRulesFromEnv({ LOGIN_MAX_FAILURES: 5, LOGIN_LOCK_MINUTES: 15, IP_MAX_FAILURES: 30, IP_SLOW_SECONDS: 5 });
const HOUR = 3600_000;
const policy = { idleMs: 24 * HOUR, maxMs: 72 * HOUR };

let db: Awaited<ReturnType<typeof testDb>>;
beforeEach(async () => {
  db = await testDb();
});
afterEach(() => dropDb(db));

const sessionsOf = async (memberId: number) =>
  (await first(db.select({ n: count() }).from(authSessions).where(eq(authSessions.memberId, memberId))))!.n;

describe("session tokens", () => {
  test("only SHA-256 of the secret is stored; a wrong secret with the right id fails", async () => {
    const { a1 } = await makeTree(db);
    const m = await makeMember(db, a1);
    const { token, sessionId } = await createSession(db, m.id);
    const [id, secret] = token.split(".");
    expect(id).toBe(sessionId);
    const row = (await first(db.select().from(authSessions).where(eq(authSessions.id, id))))!;
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.secretHash).not.toContain(secret);
    expect((await validateSessionToken(db, token))?.member.id).toBe(m.id);
    const forged = `${id}.${"a".repeat(secret.length)}`;
    expect(await validateSessionToken(db, forged)).toBeNull();
    expect(await validateSessionToken(db, "garbage")).toBeNull();
    expect(await validateSessionToken(db, `${id}.${secret}.extra`)).toBeNull();
  });

  test("expires after inactivity and after the absolute lifetime, even when active", async () => {
    const { a1 } = await makeTree(db);
    const m = await makeMember(db, a1);
    const t0 = new Date("2026-01-01T00:00:00Z");
    const idle = (await createSession(db, m.id, {}, t0)).token;
    expect(await validateSessionToken(db, idle, policy, new Date(t0.getTime() + 23 * HOUR))).not.toBeNull();
    // 23 h later it was touched; 24 h after that touch it is idle-expired.
    expect(await validateSessionToken(db, idle, policy, new Date(t0.getTime() + 47 * HOUR + 1))).toBeNull();

    const busy = (await createSession(db, m.id, {}, t0)).token;
    for (let h = 20; h < 72; h += 20) {
      expect(await validateSessionToken(db, busy, policy, new Date(t0.getTime() + h * HOUR))).not.toBeNull();
    }
    expect(await validateSessionToken(db, busy, policy, new Date(t0.getTime() + 72 * HOUR))).toBeNull();
  });
});

describe("revocation", () => {
  test("disabling a member revokes all their sessions at once", async () => {
    const { a1 } = await makeTree(db);
    const m = await makeMember(db, a1);
    const tokens = await Promise.all([1, 2, 3].map(async () => (await createSession(db, m.id)).token));
    expect(await sessionsOf(m.id)).toBe(3);
    expect(await setDisabled(db, m.id, true, null)).toBe(3);
    for (const t of tokens) expect(await validateSessionToken(db, t)).toBeNull();
    expect(await sessionsOf(m.id)).toBe(0);
    const again = await signIn(db, { identifier: m.code, password: PASSWORD, ip: null, userAgent: null }, rules);
    expect(again.ok).toBe(false);
  });

  test("a member marked as left is signed out everywhere", async () => {
    const { a1 } = await makeTree(db);
    const m = await makeMember(db, a1);
    const t = (await createSession(db, m.id)).token;
    await updateMember(db, m.id, { status: "left" }, null);
    expect(await validateSessionToken(db, t)).toBeNull();
  });

  test("sign out of every device and changing the password keep only the current session", async () => {
    const { a1 } = await makeTree(db);
    const m = await makeMember(db, a1);
    const keep = await createSession(db, m.id);
    const other = await createSession(db, m.id);
    expect(await changePassword(db, m.id, "wrong", "new-password-1", keep.sessionId)).toBe("wrong-current");
    expect(await validateSessionToken(db, other.token)).not.toBeNull();
    expect(await changePassword(db, m.id, PASSWORD, "new-password-1", keep.sessionId)).toBe("ok");
    expect(await validateSessionToken(db, other.token)).toBeNull();
    expect(await validateSessionToken(db, keep.token)).not.toBeNull();
    expect(await invalidateAllSessions(db, m.id)).toBe(1);
    expect(await validateSessionToken(db, keep.token)).toBeNull();
  });
});

describe("sign-in", () => {
  test("by member code or e-mail, same answer for unknown code and wrong password", async () => {
    const { a1 } = await makeTree(db);
    const m = await makeMember(db, a1, { code: "DV-77", email: "an.nguyen@example.vn" });
    const base = { ip: "10.0.0.1", userAgent: null };
    expect((await signIn(db, { ...base, identifier: "DV-77", password: PASSWORD }, rules)).ok).toBe(true);
    expect((await signIn(db, { ...base, identifier: "AN.NGUYEN@example.vn", password: PASSWORD }, rules)).ok).toBe(true);
    const wrong = await signIn(db, { ...base, identifier: "DV-77", password: "nope" }, rules);
    const unknown = await signIn(db, { ...base, identifier: "NO-SUCH", password: "nope" }, rules);
    expect(wrong).toEqual({ ok: false, reason: "invalid" });
    expect(unknown).toEqual({ ok: false, reason: "invalid" });
    expect(m.id).toBeGreaterThan(0);
  });

  test("locks an account after 5 failures and says how long to wait; others are unaffected", async () => {
    const { a1 } = await makeTree(db);
    await makeMember(db, a1, { code: "VICTIM" });
    await makeMember(db, a1, { code: "BYSTANDER" });
    const t0 = new Date("2026-03-01T08:00:00Z");
    const attempt = (identifier: string, password: string, ip: string, at = t0) =>
      signIn(db, { identifier, password, ip, userAgent: null }, rules, at);
    for (let i = 0; i < 4; i++) expect((await attempt("VICTIM", "bad", `10.0.0.${i}`)).ok).toBe(false);
    const fifth = await attempt("VICTIM", "bad", "10.0.0.9");
    expect(fifth).toMatchObject({ ok: false, reason: "locked" });
    expect(fifth.ok === false && fifth.reason === "locked" && fifth.retryAfterMs).toBe(15 * 60_000);
    // Even the right password is refused while locked…
    expect(await attempt("VICTIM", PASSWORD, "10.0.0.10")).toMatchObject({ reason: "locked" });
    expect((await attempt("BYSTANDER", PASSWORD, "10.0.0.11")).ok).toBe(true);
    // …and accepted once the lock has passed.
    expect((await attempt("VICTIM", PASSWORD, "10.0.0.12", new Date(t0.getTime() + 15 * 60_000 + 1))).ok).toBe(true);
  });

  test("locks an IP that sprays many accounts", async () => {
    const { a1 } = await makeTree(db);
    await makeMember(db, a1, { code: "REAL" });
    const ipRules = { ...rules, ip: { maxFailures: 3, lockMs: 60_000, windowMs: 60_000 } };
    for (let i = 0; i < 3; i++) await signIn(db, { identifier: `GUESS${i}`, password: "x", ip: "192.0.2.7", userAgent: null }, ipRules);
    expect(await signIn(db, { identifier: "REAL", password: PASSWORD, ip: "192.0.2.7", userAgent: null }, ipRules)).toMatchObject({ reason: "locked" });
    expect((await signIn(db, { identifier: "REAL", password: PASSWORD, ip: "192.0.2.8", userAgent: null }, ipRules)).ok).toBe(true);
  });

  test("the lock follows the account, whether it was typed as a member code or an e-mail address", async () => {
    const { a1 } = await makeTree(db);
    await makeMember(db, a1, { code: "TWO-NAMES", email: "hai.ten@example.vn" });
    const t0 = new Date("2026-03-02T08:00:00Z");
    for (let i = 0; i < 5; i++) await signIn(db, { identifier: "TWO-NAMES", password: "bad", ip: `10.1.0.${i}`, userAgent: null }, rules, t0);
    const byEmail = await signIn(db, { identifier: "Hai.Ten@example.vn", password: PASSWORD, ip: "10.1.0.99", userAgent: null }, rules, t0);
    expect(byEmail).toMatchObject({ ok: false, reason: "locked", by: "account" });
    // Unknown identifiers are still counted by what was typed.
    for (let i = 0; i < 5; i++) await signIn(db, { identifier: "NOBODY-HERE", password: "bad", ip: `10.2.0.${i}`, userAgent: null }, rules, t0);
    expect(await signIn(db, { identifier: "nobody-here", password: "bad", ip: "10.2.0.99", userAgent: null }, rules, t0)).toMatchObject({ reason: "locked", by: "account" });
  });

  test("an office behind one NAT address is slowed down for seconds after a spray, never locked out for minutes", async () => {
    const { a1 } = await makeTree(db);
    await makeMember(db, a1, { code: "COLLEAGUE" });
    const office = "203.0.113.40";
    const t0 = new Date("2026-03-03T08:00:00Z");
    for (let i = 0; i < 30; i++) await signIn(db, { identifier: `TYPO${i}`, password: "bad", ip: office, userAgent: null }, rules, t0);
    const right = await signIn(db, { identifier: "COLLEAGUE", password: PASSWORD, ip: office, userAgent: null }, rules, t0);
    expect(right).toMatchObject({ ok: false, reason: "locked", by: "ip" });
    expect(right.ok === false && right.reason === "locked" && right.retryAfterMs).toBeLessThanOrEqual(5_000);
    expect((await signIn(db, { identifier: "COLLEAGUE", password: PASSWORD, ip: office, userAgent: null }, rules, new Date(t0.getTime() + 5_000))).ok).toBe(true);
    // Each further failure from that address slows it again: a spray from it crawls at one guess per 5 s.
    const t1 = new Date(t0.getTime() + 6_000);
    await signIn(db, { identifier: "TYPO-MORE", password: "bad", ip: office, userAgent: null }, rules, t1);
    expect(await signIn(db, { identifier: "TYPO-MORE2", password: "bad", ip: office, userAgent: null }, rules, new Date(t1.getTime() + 1000))).toMatchObject({ reason: "locked", by: "ip" });
  });

  test("an activation code works once, then the chosen password signs in", async () => {
    const { a1 } = await makeTree(db);
    const m = await makeMember(db, a1, { code: "NEWBIE", password: false });
    expect((await signIn(db, { identifier: "NEWBIE", password: "anything", ip: null, userAgent: null }, rules)).ok).toBe(false);
    const [{ code }] = await issueActivationCodes(db, [m.id], null);
    const input = { identifier: "NEWBIE", code: code.toLowerCase().replace(/-/g, " "), password: "mat-khau-moi-1", ip: null, userAgent: null };
    expect((await activateAccount(db, input, rules)).ok).toBe(true);
    expect((await activateAccount(db, { ...input, password: "someone-else-1" }, rules)).ok).toBe(false);
    expect((await signIn(db, { identifier: "NEWBIE", password: "mat-khau-moi-1", ip: null, userAgent: null }, rules)).ok).toBe(true);
  });
});
