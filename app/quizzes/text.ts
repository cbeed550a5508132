/**
 * Text helpers for quizzes: answer normalisation (Vietnamese aware), stable ids, seeded shuffling.
 * Pure and client-safe.
 */

/** Vietnamese tone marks as combining characters (NFD): huyền, sắc, ngã, hỏi, nặng. */
const TONE_MARKS = /[\u0300\u0301\u0303\u0309\u0323]/gu;
const COMBINING = /[\u0300-\u036f]/gu;

/** Strips diacritics: đ→d, Đ→D, tone marks and vowel shapes (ă â ê ô ơ ư) removed. Output NFC. */
export function foldDiacritics(s: string): string {
  return s.normalize("NFD").replace(COMBINING, "").replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFC");
}

/** NFC, lower case, every run of whitespace → one space, trimmed. */
export function normalizeSpaceAndCase(s: string): string {
  return s.normalize("NFC").toLowerCase().replace(/\s+/gu, " ").trim();
}

/**
 * Moves the tone mark of every word to the end of the word (NFD), so that the two accepted
 * placements of Vietnamese tones compare equal: "hoà" = "hòa", "thuỷ" = "thủy".
 * The result is a comparison key, not display text.
 */
function canonicalTones(s: string): string {
  return s.normalize("NFD").replace(/[\p{L}\p{M}\p{N}]+/gu, (word) => {
    const tones = word.match(TONE_MARKS);
    return tones ? word.replace(TONE_MARKS, "") + tones.join("") : word;
  });
}

/** Comparison key of a short answer. */
export function answerKey(s: string, ignoreDiacritics: boolean): string {
  const t = normalizeSpaceAndCase(s);
  return ignoreDiacritics ? foldDiacritics(t) : canonicalTones(t);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Does `response` match the accepted answer? Both are normalised the same way. A `*` in the accepted
 * answer matches any text (Moodle's wildcard); `\*` is a literal asterisk.
 */
export function answerMatches(accepted: string, response: string, ignoreDiacritics: boolean): boolean {
  if (!/(^|[^\\])\*/.test(accepted)) {
    return answerKey(accepted.replace(/\\\*/g, "*"), ignoreDiacritics) === answerKey(response, ignoreDiacritics);
  }
  // Wildcards: compare without moving tones (a `*` may sit inside a word).
  const prep = (s: string) => {
    const t = normalizeSpaceAndCase(s);
    return ignoreDiacritics ? foldDiacritics(t) : t;
  };
  const pattern = prep(accepted);
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && pattern[i + 1] === "*") {
      re += "\\*";
      i++;
    } else if (c === "*") re += "[\\s\\S]*";
    else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, "u").test(prep(response));
}

/** FNV-1a (32 bit) of the UTF-16 code units, base 36. Not cryptographic: ids only. */
export function hash36(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36).padStart(7, "0");
}

/**
 * Ids derived from texts (never from positions): `prefix-hash`, with `-2`, `-3`… for repeated
 * texts. `texts` in authoring order; same texts → same ids on every parse.
 */
export function stableIds(prefix: string, texts: readonly string[]): string[] {
  const used = new Set<string>();
  return texts.map((t) => {
    const baseId = `${prefix}-${hash36(t.normalize("NFC"))}`;
    let id = baseId;
    for (let n = 2; used.has(id); n++) id = `${baseId}-${n}`;
    used.add(id);
    return id;
  });
}

/** ASCII kebab-case slug ("at-01 Mật khẩu" → "at-01-mat-khau"), at most 64 characters. */
export function slugify(s: string): string {
  return foldDiacritics(s)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/, "");
}

/** 32-bit seed from a string (cyrb-style mix). */
function seed32(s: string): number {
  let h1 = 0xdeadbeef ^ s.length;
  let h2 = 0x41c6ce57 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/** Deterministic PRNG (mulberry32) in [0, 1) from a string seed. */
export function seededRandom(seed: string): () => number {
  let a = seed32(seed);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of a copy, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
