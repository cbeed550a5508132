/**
 * Diacritic-insensitive folding for Vietnamese text.
 *
 * Client-safe on purpose (no node imports): the same function backs CSV header
 * matching on the server and "type without accents" search in the browser, and
 * both must agree or a name found on one side would be missed on the other.
 */

// Excel/Word users on legacy fonts sometimes type the Icelandic eth (Ð/ð) or the
// African D (Ɖ/ɖ) where they meant Vietnamese Đ/đ; they look identical on screen,
// so treating them the same avoids "invisible" search misses.
const D_LIKE = /[đðɖ]/g;

export function foldVietnamese(s: string): string {
  // Lowercase before NFD so that case mappings producing combining marks
  // (e.g. 'İ' → 'i̇') are stripped along with the tone marks.
  return s
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(D_LIKE, 'd')
    .replace(/\s+/g, ' ')
    .trim();
}
