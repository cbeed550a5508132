/**
 * CSV-injection ("formula injection") defence for files we export and that
 * administrators open in Excel / LibreOffice. Member names, unit names and notes
 * are typed by other users, so any of them could carry "=HYPERLINK(...)" or a
 * DDE payload. Follows OWASP "CSV Injection".
 */

/** Prepend to exported CSV so Excel on Windows reads UTF-8 instead of the ANSI code page. */
export const CSV_BOM = '\uFEFF';

/**
 * Every string starting with one of these is neutralised, including harmless
 * ones like "-5" or "+84 912 345 678": telling a number from a formula the way
 * each spreadsheet program does is not reliable (e.g. "-1+cmd|..." or
 * "+84+A1"), and the cost is a visible leading apostrophe on those cells.
 */
const TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

export function neutraliseCell(value: string): string {
  return value.length > 0 && TRIGGERS.has(value[0]!) ? `'${value}` : value;
}

// ';' is quoted too: Excel in European/Vietnamese-comma locales splits on ';'
// when the user double-clicks the file. Leading/trailing blanks are quoted so
// they survive tools that trim unquoted cells.
const NEEDS_QUOTES = /[",;\r\n\t]|^\s|\s$/;

function cellText(cell: string | number | null | undefined): string {
  if (cell === null || cell === undefined) return '';
  // Real numbers are not neutralised: their text can only be a numeric literal
  // (e.g. "-5", "1e+21"), never a formula, and keeping them numeric lets
  // administrators sum/sort the column.
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  return neutraliseCell(cell);
}

/**
 * One CSV record (RFC 4180 quoting) with every string cell neutralised.
 * No line terminator is appended: join records with "\r\n" (RFC 4180) and
 * prefix the file with CSV_BOM.
 */
export function toCsvLine(cells: (string | number | null | undefined)[]): string {
  return cells
    .map((cell) => {
      const text = cellText(cell);
      return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',');
}
