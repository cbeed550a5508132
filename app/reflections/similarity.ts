/**
 * Copied-text detection for reflections: word 3-shingles of the text folded to NFC lower case,
 * their Jaccard similarity, and a MinHash signature cut into LSH bands so a new submission is
 * compared exactly only with the few earlier ones that share a band bucket (bench/reflection-similarity.ts).
 *
 * Tone marks are kept on purpose (app/common/text-fold.ts strips them): "ma", "má", "mà", "mã"
 * are different Vietnamese words, and folding them together would make unrelated texts look alike.
 * Pure functions, no I/O.
 */

export const SHINGLE_WORDS = 3;
/**
 * At or above this Jaccard similarity of shingle sets, the grader is shown the pair. A copy with
 * one word in five replaced keeps about half its 3-shingles (0.8³), Jaccard ≈ 0.34; two honest
 * texts on one prompt share a few stock phrases, Jaccard well under 0.1 (bench/reflection-similarity.ts).
 */
export const SIMILARITY_THRESHOLD = 0.3;
/**
 * 64 bands of 2 rows, and a candidate must share at least 2 of them: the shared bands of a pair at
 * Jaccard J are Binomial(64, J²), so a pair at 0.3 is a candidate with probability ≈ 0.98, one at
 * 0.05 with ≈ 0.01. Candidates are then compared exactly: a stray one costs time, never a false flag.
 */
export const LSH_BANDS = 64;
export const LSH_ROWS = 2;
export const MIN_SHARED_BANDS = 2;
const HASHES = LSH_BANDS * LSH_ROWS;

export type Token = { word: string; start: number; end: number };

const WORD = /[\p{L}\p{N}]+/gu;

export function tokenize(text: string): Token[] {
  const norm = text.normalize("NFC");
  const out: Token[] = [];
  for (const m of norm.matchAll(WORD)) out.push({ word: m[0].toLowerCase(), start: m.index!, end: m.index! + m[0].length });
  return out;
}

/** FNV-1a over the UTF-16 code units, 32 bits. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit finaliser (murmur3's): spreads the seeds so each of the HASHES permutations is independent enough. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function shingleKey(words: string[], i: number): string {
  return words.slice(i, i + SHINGLE_WORDS).join(" ");
}

/** The set of hashed word shingles; a text shorter than one shingle is its one short shingle. */
export function shingles(text: string): Set<number> {
  const words = tokenize(text).map((t) => t.word);
  const out = new Set<number>();
  if (words.length === 0) return out;
  if (words.length < SHINGLE_WORDS) out.add(fnv1a(words.join(" ")));
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) out.add(fnv1a(shingleKey(words, i)));
  return out;
}

export function jaccard(a: Set<number>, b: Set<number>): number {
  if (a.size === 0 && b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let inter = 0;
  for (const x of small) if (large.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

const SEEDS = Array.from({ length: HASHES }, (_, i) => mix(0x9e3779b9 + i * 0x632be5ab));

export function minhash(set: Set<number>): Uint32Array {
  const sig = new Uint32Array(HASHES).fill(0xffffffff);
  for (const x of set) {
    for (let i = 0; i < HASHES; i++) {
      const h = mix(x ^ SEEDS[i]);
      if (h < sig[i]) sig[i] = h;
    }
  }
  return sig;
}

/** One bucket per band: the hash of that band's rows (a signed 32-bit integer, as SQL stores it). */
export function lshBuckets(sig: Uint32Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < LSH_BANDS; b++) {
    let h = 0x811c9dc5 ^ b;
    for (let r = 0; r < LSH_ROWS; r++) h = Math.imul(h ^ sig[b * LSH_ROWS + r], 0x01000193);
    out.push(mix(h) | 0);
  }
  return out;
}

/**
 * The text cut into runs that are, or are not, part of a shingle the other text also has: what
 * the grader sees highlighted.
 */
export function sharedSegments(text: string, other: Set<number>): { text: string; shared: boolean }[] {
  const norm = text.normalize("NFC");
  const toks = tokenize(norm);
  const words = toks.map((t) => t.word);
  const mark = new Array<boolean>(toks.length).fill(false);
  if (toks.length > 0 && toks.length < SHINGLE_WORDS && other.has(fnv1a(words.join(" ")))) mark.fill(true);
  for (let i = 0; i + SHINGLE_WORDS <= toks.length; i++) {
    if (other.has(fnv1a(shingleKey(words, i)))) for (let k = i; k < i + SHINGLE_WORDS; k++) mark[k] = true;
  }
  const out: { text: string; shared: boolean }[] = [];
  let pos = 0;
  const push = (s: string, shared: boolean) => {
    if (!s) return;
    const last = out[out.length - 1];
    if (last && last.shared === shared) last.text += s;
    else out.push({ text: s, shared });
  };
  toks.forEach((t, i) => {
    // The gap before a word belongs to the run when both neighbours are shared.
    push(norm.slice(pos, t.start), mark[i] && i > 0 && mark[i - 1]);
    push(norm.slice(t.start, t.end), mark[i]);
    pos = t.end;
  });
  push(norm.slice(pos), false);
  return out;
}
