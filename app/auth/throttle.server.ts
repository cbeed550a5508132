import { first } from "#db/first.ts";
import { eq } from "drizzle-orm";
import { writeTx, type Db } from "#db/client.server.ts";
import { forUpdate } from "#db/dialect.server.ts";
import { loginThrottle } from "#db/schema/index.ts";

/**
 * Counts failed sign-ins per account and per IP in the database (so limits hold across restarts
 * and, later, across several app servers). After `maxFailures` inside the window the key is locked
 * for `lockMs` from each further failure; a success clears the account's counter. Accounts lock for
 * minutes; an address only slows down for seconds, because a whole office signs in from one NAT
 * address and one colleague's typos must not lock everybody out.
 */
export type ThrottleRule = { maxFailures: number; lockMs: number; windowMs: number };

/**
 * The account key is the account once the identifier resolves to one (a member code and an e-mail
 * address of the same member share one counter), and the typed identifier otherwise, so guessing
 * unknown identifiers is limited too.
 */
export function throttleKeys(identifier: string, memberId: number | null, ip: string | null): { account: string; ip: string | null } {
  return {
    account: memberId !== null ? `member:${memberId}` : `acct:${identifier.normalize("NFC").trim().toLowerCase()}`,
    ip: ip ? `ip:${ip}` : null,
  };
}

/** Milliseconds until the key may try again, or 0. */
export async function lockRemainingMs(db: Db, key: string, now = new Date()): Promise<number> {
  const row = await first(db.select().from(loginThrottle).where(eq(loginThrottle.key, key)));
  if (!row?.lockedUntil) return 0;
  return Math.max(0, row.lockedUntil.getTime() - now.getTime());
}

export async function recordFailure(db: Db, key: string, rule: ThrottleRule, now = new Date()): Promise<void> {
  await writeTx(db, async (tx) => {
    // Every failure counts, also two at once from two app processes: the key's row exists first
    // (a fresh one counts nothing yet), then is read locked until this transaction commits.
    await tx.insert(loginThrottle).values({ key, failures: 0, windowStartedAt: now, lockedUntil: null }).onConflictDoNothing();
    const row = await first(forUpdate(tx, tx.select().from(loginThrottle).where(eq(loginThrottle.key, key))));
    const t = now.getTime();
    const inWindow = row && t - row.windowStartedAt.getTime() < rule.windowMs;
    const failures = inWindow ? row.failures + 1 : 1;
    const windowStartedAt = inWindow ? row.windowStartedAt : now;
    const lockedUntil = failures >= rule.maxFailures ? new Date(t + rule.lockMs) : null;
    await tx.insert(loginThrottle)
      .values({ key, failures, windowStartedAt, lockedUntil })
      .onConflictDoUpdate({ target: loginThrottle.key, set: { failures, windowStartedAt, lockedUntil } });
  });
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await writeTx(db, async (tx) => await tx.delete(loginThrottle).where(eq(loginThrottle.key, key)));
}
