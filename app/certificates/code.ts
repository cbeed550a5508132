/**
 * Verification codes: "HS-" and three groups of four characters from an alphabet without the
 * look-alikes 0/O and 1/I, so a code read off paper is typed right. 32 symbols × 12 positions =
 * 60 random bits: guessing a valid code is hopeless even at millions of tries. Client-safe.
 */
export const CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
export const CODE_RE = /^HS-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}$/;

/** Formats 12 bytes of randomness (one symbol per byte, low 5 bits: uniform over 32 symbols). */
export function formatCode(random: Uint8Array): string {
  if (random.length < 12) throw new Error("need 12 random bytes");
  let s = "";
  for (let i = 0; i < 12; i++) s += CODE_ALPHABET[random[i] & 31];
  return `HS-${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`;
}

/**
 * What a person typed or scanned, as a canonical code, or null: case, spaces and dashes are
 * forgiven; anything outside the alphabet is refused rather than guessed.
 */
export function normaliseCode(input: string | null | undefined): string | null {
  if (!input) return null;
  const raw = input.normalize("NFC").toUpperCase().replace(/[\s\-–—_.]/g, "");
  const body = raw.length === 14 && raw.startsWith("HS") ? raw.slice(2) : raw;
  if (body.length !== 12) return null;
  const code = `HS-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8, 12)}`;
  return CODE_RE.test(code) ? code : null;
}

export function verificationUrl(origin: string, code: string): string {
  return `${origin.replace(/\/$/, "")}/verify/${code}`;
}

/** The longest reason a trainer may give for revoking a certificate. */
export const REVOKE_REASON_MAX = 500;
