/**
 * Turns CSV bytes uploaded by administrators into header + rows with physical
 * line numbers, with bilingual (vi/en) errors.
 *
 * Files arrive "as users make them": Excel on Windows (UTF-8 with or without
 * BOM, UTF-16LE "Unicode text", legacy Windows-1258, ';' in European locales),
 * LibreOffice, hand-edited text files. Anything we cannot decode with confidence
 * is refused rather than guessed, because a silently mis-decoded name ends up
 * stored in the member database.
 */
import { parse } from 'csv-parse/sync';
import { foldVietnamese } from '#app/common/text-fold.ts';
import { decodeTextBytes, looksBinary, startsWithBytes as startsWith, type TextEncoding } from './text-decoding.server.ts';

export { foldVietnamese };

/** `line` (1-based physical line in the file) is set when the problem has a location. */
export type CsvError = { code: string; vi: string; en: string; line?: number };

export type CsvEncoding = TextEncoding;

export type DecodeResult =
  | { ok: true; text: string; encoding: CsvEncoding }
  | { ok: false; error: CsvError };

export type CsvDelimiter = ',' | ';' | '\t';

export type ParseResult =
  | { ok: true; headers: string[]; rows: { line: number; values: string[] }[]; delimiter: CsvDelimiter }
  | { ok: false; error: CsvError };

// readonly so callers can declare specs `as const`.
export type ColumnSpec = { aliases: readonly string[]; required: boolean };

export type MapColumnsResult<K extends string> =
  | { ok: true; index: Record<K, number | -1> }
  | { ok: false; error: CsvError };

export const DEFAULT_MAX_ROWS = 200_000;

const SAVE_AS_HINT_VI =
  'Trong Excel, hãy chọn Tệp > Lưu như (File > Save As) và chọn định dạng "CSV UTF-8 (Comma delimited) (*.csv)".';
const SAVE_AS_HINT_EN = 'In Excel, use File > Save As and choose "CSV UTF-8 (Comma delimited) (*.csv)".';

function fail(code: string, vi: string, en: string, line?: number): { ok: false; error: CsvError } {
  return { ok: false, error: line === undefined ? { code, vi, en } : { code, vi, en, line } };
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

const SIG_ZIP = [0x50, 0x4b, 0x03, 0x04];
const SIG_ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
const SIG_OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const SIG_PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

/** Recognises the non-CSV files users most often pick by mistake, to name them in the error. */
function detectKnownBinary(bytes: Uint8Array): CsvError | null {
  if (startsWith(bytes, SIG_ZIP) || startsWith(bytes, SIG_ZIP_EMPTY)) {
    return {
      code: 'XLSX_FILE',
      vi: `Đây là tệp Excel .xlsx (hoặc tệp nén ZIP/.ods), không phải tệp CSV. ${SAVE_AS_HINT_VI}`,
      en: `This is an Excel .xlsx file (or a ZIP/.ods archive), not a CSV file. ${SAVE_AS_HINT_EN}`,
    };
  }
  if (startsWith(bytes, SIG_OLE2)) {
    return {
      code: 'XLS_FILE',
      vi: `Đây là tệp Excel .xls (định dạng cũ), không phải tệp CSV. ${SAVE_AS_HINT_VI}`,
      en: `This is a legacy Excel .xls file, not a CSV file. ${SAVE_AS_HINT_EN}`,
    };
  }
  if (startsWith(bytes, SIG_PDF)) {
    return {
      code: 'PDF_FILE',
      vi: 'Đây là tệp PDF, không phải tệp CSV. Hãy mở dữ liệu gốc trong Excel và lưu thành "CSV UTF-8 (Comma delimited) (*.csv)".',
      en: 'This is a PDF file, not a CSV file. Open the original data in Excel and save it as "CSV UTF-8 (Comma delimited) (*.csv)".',
    };
  }
  return null;
}

function notTextError(): { ok: false; error: CsvError } {
  return fail(
    'NOT_TEXT',
    `Tệp này không phải tệp văn bản CSV (có vẻ là tệp nhị phân). ${SAVE_AS_HINT_VI}`,
    `This file is not a CSV text file (it looks binary). ${SAVE_AS_HINT_EN}`,
  );
}

function unknownEncodingError(): { ok: false; error: CsvError } {
  return fail(
    'UNKNOWN_ENCODING',
    `Không nhận dạng được bảng mã ký tự của tệp (tiếng Việt có thể bị lỗi font). ${SAVE_AS_HINT_VI}`,
    `The file's character encoding could not be recognised (Vietnamese letters may be garbled). ${SAVE_AS_HINT_EN}`,
  );
}

function emptyFileError(): { ok: false; error: CsvError } {
  return fail('EMPTY_FILE', 'Tệp trống, không có dữ liệu.', 'The file is empty.');
}

// Controls that never belong in a CSV exported by a spreadsheet. TAB/LF/CR are
// structural; everything else in C0, DEL and C1 means binary data or a wrong
// encoding guess.
const BAD_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

function lineOfIndex(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a) line++;
  }
  return line;
}

/** Returns an error if the decoded text contains control characters, or null. */
function checkControls(text: string): { ok: false; error: CsvError } | null {
  if (!BAD_CONTROL.test(text)) return null;
  if (looksBinary(text)) return notTextError();
  // A stray control in an otherwise fine CSV is worth pointing at precisely
  // so the user can fix that one cell.
  const line = lineOfIndex(text, text.search(BAD_CONTROL));
  return fail(
    'CONTROL_CHARACTER',
    `Dòng ${line} chứa ký tự điều khiển không hợp lệ (ký tự ẩn). Hãy xóa ký tự đó hoặc gõ lại ô dữ liệu.`,
    `Line ${line} contains an invalid control (invisible) character. Remove it or retype the cell.`,
    line,
  );
}

function finishDecoded(text: string, encoding: CsvEncoding): DecodeResult {
  const controls = checkControls(text);
  if (controls) return controls;
  if (text.trim() === '') return emptyFileError();
  // Users pick "Save as web page" / XML Spreadsheet 2003, or download an HTML
  // error page instead of the CSV; none of those should be parsed as data.
  if (/^\s*<(?:!doctype\s+html|html|\?xml)/i.test(text)) {
    return fail(
      'MARKUP_FILE',
      `Đây là tệp HTML/XML, không phải tệp CSV. ${SAVE_AS_HINT_VI}`,
      `This is an HTML/XML file, not a CSV file. ${SAVE_AS_HINT_EN}`,
    );
  }
  // Windows-1258 yields decomposed tone marks and macOS tools often write NFD;
  // the rest of the app compares and stores NFC.
  return { ok: true, text: text.normalize('NFC'), encoding };
}

export function decodeCsvBytes(bytes: Uint8Array): DecodeResult {
  if (bytes.length === 0) return emptyFileError();

  const known = detectKnownBinary(bytes);
  if (known) return { ok: false, error: known };

  const decoded = decodeTextBytes(bytes);
  if (!decoded.ok) return decoded.reason === 'not-text' ? notTextError() : unknownEncodingError();
  return finishDecoded(decoded.text, decoded.encoding);
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

function delimiterName(d: CsvDelimiter): { vi: string; en: string } {
  if (d === ',') return { vi: 'dấu phẩy (,)', en: 'comma (,)' };
  if (d === ';') return { vi: 'dấu chấm phẩy (;)', en: 'semicolon (;)' };
  return { vi: 'ký tự tab', en: 'tab' };
}

/**
 * Counts candidate delimiters in the first non-empty record, outside quotes.
 * Highest count wins; ties prefer ',' then ';' then tab, and a single-column
 * header (no candidate at all) is read as ','.
 */
function detectDelimiter(text: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  let seenContent = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      inQuotes = !inQuotes;
      seenContent = true;
    } else if (inQuotes) {
      seenContent = true;
    } else if (c === '\n') {
      if (seenContent) break;
      // A leading blank line (e.g. only tabs/spaces) is skipped by the
      // parser, so it must not vote either.
      for (const d of DELIMITERS) counts.set(d, 0);
    } else if (c === ',' || c === ';' || c === '\t') {
      counts.set(c, counts.get(c)! + 1);
    } else if (c.trim() !== '') {
      seenContent = true;
    }
  }
  let best: CsvDelimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/**
 * Finds the line where an unclosed quoted field starts. csv-parse only reports
 * the end of the file, which is useless to a user looking for the stray quote.
 * Mirrors csv-parse with relax_quotes + trim: a quote opens a field only at the
 * field start (after optional blanks); elsewhere it is a literal character.
 */
function findUnclosedQuoteLine(text: string, delimiter: CsvDelimiter): number | null {
  let line = 1;
  let inQuotes = false;
  let quoteLine = 0;
  let atFieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else inQuotes = false;
      } else if (c === '\n') line++;
      continue;
    }
    if (c === '\n') {
      line++;
      atFieldStart = true;
    } else if (c === delimiter) {
      atFieldStart = true;
    } else if (c === '"' && atFieldStart) {
      inQuotes = true;
      quoteLine = line;
      atFieldStart = false;
    } else if (c !== ' ' && c !== '\t') {
      atFieldStart = false;
    }
  }
  return inQuotes ? quoteLine : null;
}

function formatCount(n: number, sep: string): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

type CsvParseErrorLike = { code?: unknown; lines?: unknown };

export function parseCsvText(text: string, opts?: { maxRows?: number }): ParseResult {
  const maxRows = opts?.maxRows ?? DEFAULT_MAX_ROWS;

  // Old Mac Excel writes bare CR and files edited by hand mix endings;
  // csv-parse's line counter is only reliable with one record delimiter.
  // NFC again because callers may hand us text that did not come through
  // decodeCsvBytes (pasted text, tests).
  let src = text.replace(/^\uFEFF+/, '').replace(/\r\n?/g, '\n').normalize('NFC');

  let delimiter: CsvDelimiter | null = null;
  // Excel honours (and some exporters write) a first line "sep=;". Blank it
  // rather than removing it so physical line numbers stay true.
  const sepLine = /^sep=([,;\t])[ ]*(?=\n|$)/i.exec(src);
  if (sepLine) {
    delimiter = sepLine[1] as CsvDelimiter;
    src = src.slice(sepLine[0].length);
  }
  delimiter ??= detectDelimiter(src);

  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(src, {
      delimiter,
      record_delimiter: '\n',
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      bom: false,
    }) as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as CsvParseErrorLike;
    const reported = typeof e.lines === 'number' ? e.lines : undefined;
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
      const line = findUnclosedQuoteLine(src, delimiter) ?? reported ?? 1;
      return fail(
        'UNTERMINATED_QUOTE',
        `Dòng ${line}: dấu ngoặc kép (") mở một ô nhưng không bao giờ được đóng. Hãy thêm dấu " đóng, hoặc viết "" nếu ô chứa dấu ngoặc kép.`,
        `Line ${line}: a double quote (") opens a cell but is never closed. Add the closing ", or write "" for a quote inside a cell.`,
        line,
      );
    }
    if (e.code === 'CSV_INVALID_CLOSING_QUOTE' || e.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') {
      const line = reported ?? 1;
      return fail(
        'INVALID_QUOTE',
        `Dòng ${line}: có ký tự ngay sau dấu ngoặc kép đóng một ô. Nếu ô chứa dấu ngoặc kép, hãy bao cả ô trong "..." và viết "" cho mỗi dấu ngoặc kép bên trong.`,
        `Line ${line}: unexpected character right after the closing quote of a cell. If a cell contains quotes, wrap the whole cell in "..." and write "" for each inner quote.`,
        line,
      );
    }
    const line = reported;
    return fail(
      'MALFORMED_CSV',
      line ? `Tệp CSV bị lỗi định dạng ở dòng ${line}.` : 'Tệp CSV bị lỗi định dạng.',
      line ? `The CSV file is malformed at line ${line}.` : 'The CSV file is malformed.',
      line,
    );
  }

  let headers: string[] | null = null;
  let width = 0;
  const rows: { line: number; values: string[] }[] = [];

  for (const { record, info } of records) {
    // info.lines is where the record ends; quoted cells can span lines and
    // users need the line where the record starts.
    let embeddedNewlines = 0;
    for (const v of record) for (let i = v.indexOf('\n'); i !== -1; i = v.indexOf('\n', i + 1)) embeddedNewlines++;
    const line = info.lines - embeddedNewlines;

    const values = record.map((v) => v.trim());
    // Excel writes blank sheet rows as ",,,,"; they are as empty as a blank line.
    if (values.every((v) => v === '')) continue;

    if (headers === null) {
      // Trailing empty header cells come from formatted-but-unused columns.
      width = values.length;
      while (width > 0 && values[width - 1] === '') width--;
      headers = values.slice(0, width);
      continue;
    }

    for (let i = width; i < values.length; i++) {
      if (values[i] !== '') {
        // Usually an unquoted delimiter inside a value ("Hà Nội, Việt Nam");
        // accepting it would silently shift that row's columns.
        const d = delimiterName(delimiter);
        return fail(
          'TOO_MANY_FIELDS',
          `Dòng ${line} có ${values.length} ô nhưng dòng tiêu đề chỉ có ${width} cột. Có thể một giá trị chứa ${d.vi} mà không được đặt trong dấu ngoặc kép.`,
          `Line ${line} has ${values.length} cells but the header has only ${width} columns. A value probably contains a ${d.en} without being wrapped in double quotes.`,
          line,
        );
      }
    }
    const fitted = values.slice(0, width);
    while (fitted.length < width) fitted.push('');

    if (rows.length >= maxRows) {
      return fail(
        'TOO_MANY_ROWS',
        `Tệp có quá nhiều dòng dữ liệu (tối đa ${formatCount(maxRows, '.')} dòng). Hãy chia thành nhiều tệp nhỏ hơn.`,
        `The file has too many data rows (maximum ${formatCount(maxRows, ',')}). Split it into smaller files.`,
        line,
      );
    }
    rows.push({ line, values: fitted });
  }

  if (headers === null) {
    return fail('EMPTY_FILE', 'Tệp không có dữ liệu (không tìm thấy dòng tiêu đề).', 'The file has no data (no header line found).');
  }
  return { ok: true, headers, rows, delimiter };
}

// ---------------------------------------------------------------------------
// Column mapping
// ---------------------------------------------------------------------------

/**
 * Header key used for matching: folded Vietnamese, with any run of
 * non-alphanumerics (spaces, '-', '_', but also "(*)", ':' that templates add)
 * treated as one separator.
 */
function headerKey(s: string): string {
  return foldVietnamese(s)
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Excel-style column letter (1 → A, 27 → AA) so users can find the column in their sheet. */
function columnLetter(index0: number): string {
  let n = index0 + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

function describeColumn(headers: string[], i: number): { vi: string; en: string } {
  return { vi: `"${headers[i]}" (cột ${columnLetter(i)})`, en: `"${headers[i]}" (column ${columnLetter(i)})` };
}

/**
 * Finds the column of each spec key. Columns not in the spec are ignored
 * (including duplicates among them); only ambiguity about a column we actually
 * read is an error.
 */
export function mapColumns<K extends string>(
  headers: string[],
  spec: Record<K, ColumnSpec>,
): MapColumnsResult<K> {
  const keys = Object.keys(spec) as K[];
  const aliasToKeys = new Map<string, K[]>();
  for (const k of keys) {
    for (const alias of spec[k].aliases) {
      const a = headerKey(alias);
      if (a === '') continue;
      const list = aliasToKeys.get(a) ?? [];
      if (!list.includes(k)) list.push(k);
      aliasToKeys.set(a, list);
    }
  }

  const index = {} as Record<K, number | -1>;
  for (const k of keys) index[k] = -1;

  for (let i = 0; i < headers.length; i++) {
    const matched = aliasToKeys.get(headerKey(headers[i] ?? ''));
    if (!matched) continue;
    const col = describeColumn(headers, i);
    if (matched.length > 1) {
      const names = matched.map((k) => `"${spec[k].aliases[0] ?? k}"`).join(', ');
      return fail(
        'AMBIGUOUS_COLUMN',
        `Cột ${col.vi} khớp với nhiều trường dữ liệu (${names}). Hãy đổi tên cột cho rõ ràng.`,
        `Column ${col.en} matches several fields (${names}). Rename the column to make it unambiguous.`,
      );
    }
    const k = matched[0]!;
    const prev = index[k];
    if (prev !== -1) {
      const first = describeColumn(headers, prev);
      return fail(
        'DUPLICATE_COLUMN',
        `Cột ${first.vi} và cột ${col.vi} cùng chỉ một trường dữ liệu. Hãy xóa hoặc đổi tên một trong hai cột.`,
        `Columns ${first.en} and ${col.en} refer to the same field. Delete or rename one of them.`,
      );
    }
    index[k] = i;
  }

  const missing = keys.filter((k) => spec[k].required && index[k] === -1);
  if (missing.length > 0) {
    const names = missing.map((k) => `"${spec[k].aliases[0] ?? k}"`).join(', ');
    const found = headers.filter((h) => h !== '').map((h) => `"${h}"`).join(', ');
    return fail(
      'MISSING_COLUMNS',
      `Thiếu cột bắt buộc: ${names}. Các cột có trong tệp: ${found || '(không có)'}.`,
      `Missing required column(s): ${names}. Columns found in the file: ${found || '(none)'}.`,
    );
  }

  return { ok: true, index };
}
