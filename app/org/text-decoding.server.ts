/**
 * Turns the bytes of an uploaded text file into a string, the way people's tools write them:
 * UTF-8 with or without BOM, UTF-16 ("Unicode text" from Excel and Windows editors, with or
 * without BOM) and legacy Windows-1258. Shared by the CSV importer and the GIFT importer.
 *
 * Nothing is guessed: bytes that are none of these are refused (`unknown-encoding`, or `not-text`
 * when they look binary), because a silently mis-decoded text (U+FFFD or mojibake) would be stored.
 * The text is returned as decoded (not NFC-normalised, controls not checked): callers decide.
 */
import iconv from 'iconv-lite';

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1258';

export type TextDecodeResult =
  | { ok: true; text: string; encoding: TextEncoding }
  | { ok: false; reason: 'unknown-encoding' | 'not-text' };

export function startsWithBytes(bytes: Uint8Array, sig: readonly number[]): boolean {
  if (bytes.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[i] !== sig[i]) return false;
  return true;
}

// C0 controls other than TAB/LF/CR, DEL and C1: binary data or a wrong encoding guess.
const BAD_CONTROL_G = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Excel's "Unicode text" and some exporters write UTF-16 without a BOM. CSV and
 * GIFT are mostly ASCII (digits, punctuation, Latin letters), whose high byte is 0,
 * so one byte parity is full of NULs and the other has (almost) none.
 */
function sniffUtf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, 8192) & ~1;
  if (n < 4) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const units = n / 2;
  if (oddNul >= units * 0.25 && evenNul <= oddNul * 0.02) return 'utf-16le';
  if (evenNul >= units * 0.25 && oddNul <= evenNul * 0.02) return 'utf-16be';
  return null;
}

/** Decodes UTF-16 strictly; lone surrogates or an odd byte count mean corruption. */
function decodeUtf16(bytes: Uint8Array, bigEndian: boolean): string | null {
  if (bytes.length % 2 !== 0) return null;
  let le = bytes;
  if (bigEndian) {
    // Swapping ourselves avoids depending on the ICU build shipping 'utf-16be'.
    le = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i += 2) {
      le[i] = bytes[i + 1]!;
      le[i + 1] = bytes[i]!;
    }
  }
  try {
    return new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }).decode(le);
  } catch {
    return null;
  }
}

function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

// Controls that never belong in a CSV exported by a spreadsheet. TAB/LF/CR are

/** A NUL or a noticeable share of control characters: this is not a text file at all. */
export function looksBinary(text: string): boolean {
  if (text.includes('\u0000')) return true;
  const count = text.match(BAD_CONTROL_G)?.length ?? 0;
  return count > Math.max(2, text.length * 0.01);
}

// Letters Windows-1258 can produce that are legitimately Vietnamese, plus the
// combining tone marks it uses for everything else.
const VI_1258_LETTERS = new Set('ÀÁÂĂÈÉÊÍÓÔƠÙÚƯĐàáâăèéêíóôơùúưđ');
const VI_TONE_MARKS = new Set(['\u0300', '\u0301', '\u0303', '\u0309', '\u0323']);
// Letters/marks that only Vietnamese uses among the Windows-125x family, so their
// presence tells cp1258 apart from Western European (cp1252) text.
const VI_DISTINCTIVE = new Set('ăĂđĐơƠưƯ');
const VI_TONE_BASES = new Set('aăâeêioôơuưyAĂÂEÊIOÔƠUƯY');
// Typography Excel/Word insert in ordinary documents (smart quotes, dashes,
// NBSP, degree, euro...). Anything else non-ASCII counts as foreign.
const TYPOGRAPHY = new Set('\u00a0‘’‚“”„–—…•€°«»‹›©®™·§±×†‡‰');

/**
 * Windows-1258 maps every byte to something, so decoding never "fails"; we only
 * accept the result when it reads as Vietnamese. This refuses Western European
 * cp1252 files and the legacy Vietnamese font encodings (TCVN3/ABC, VNI), whose
 * bytes become symbol soup under cp1258.
 */
function looksLikeVietnamese1258(text: string): boolean {
  if (text.includes('\uFFFD')) return false;
  let nonAscii = 0;
  let foreign = 0;
  let distinctive = false;
  let prev = '';
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) {
      prev = ch;
      continue;
    }
    nonAscii++;
    if (VI_TONE_MARKS.has(ch)) {
      if (!VI_TONE_BASES.has(prev)) return false;
      distinctive = true;
    } else if (VI_1258_LETTERS.has(ch)) {
      if (VI_DISTINCTIVE.has(ch)) distinctive = true;
    } else if (!TYPOGRAPHY.has(ch)) {
      foreign++;
    }
    prev = ch;
  }
  return distinctive && foreign * 50 <= nonAscii;
}

/** Decodes `bytes` (BOM, then UTF-16 without BOM, then strict UTF-8, then Windows-1258 read as Vietnamese). */
export function decodeTextBytes(bytes: Uint8Array): TextDecodeResult {
  if (startsWithBytes(bytes, [0xef, 0xbb, 0xbf])) {
    const text = decodeUtf8Strict(bytes.subarray(3));
    return text === null ? { ok: false, reason: 'unknown-encoding' } : { ok: true, text, encoding: 'utf-8-bom' };
  }
  if (startsWithBytes(bytes, [0xff, 0xfe]) || startsWithBytes(bytes, [0xfe, 0xff])) {
    const bigEndian = bytes[0] === 0xfe;
    const text = decodeUtf16(bytes.subarray(2), bigEndian);
    return text === null ? { ok: false, reason: 'unknown-encoding' } : { ok: true, text, encoding: bigEndian ? 'utf-16be' : 'utf-16le' };
  }

  const utf16 = sniffUtf16WithoutBom(bytes);
  if (utf16) {
    const text = decodeUtf16(bytes, utf16 === 'utf-16be');
    return text === null ? { ok: false, reason: 'unknown-encoding' } : { ok: true, text, encoding: utf16 };
  }

  const utf8 = decodeUtf8Strict(bytes);
  if (utf8 !== null) return { ok: true, text: utf8, encoding: 'utf-8' };

  const cp1258 = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'windows1258');
  if (!looksLikeVietnamese1258(cp1258)) return { ok: false, reason: looksBinary(cp1258) ? 'not-text' : 'unknown-encoding' };
  return { ok: true, text: cp1258, encoding: 'windows-1258' };
}
