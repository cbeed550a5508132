import { hash, verify } from "@node-rs/argon2";

/** @node-rs/argon2 declares Algorithm as a const enum, which isolated modules cannot read: 2 is Argon2id. */
const ARGON2ID = 2;

/**
 * argon2id with OWASP's first recommended parameter set (m = 19 MiB, t = 2, p = 1): the cost a
 * modest shared server can afford per sign-in while keeping offline guessing expensive.
 */
export const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize("NFC"), ARGON2_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password.normalize("NFC"));
  } catch {
    return false;
  }
}

/** A real hash of a random password, verified when the account does not exist so that a wrong
 * member code costs as much time as a wrong password (no account enumeration by timing). */
let dummyHash: Promise<string> | undefined;
export function dummyVerify(password: string): Promise<boolean> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  return dummyHash.then((h) => verifyPassword(h, password));
}
