import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import {
  decodeCsvBytes,
  foldVietnamese,
  mapColumns,
  parseCsvText,
} from '../../app/org/csv-file.server.ts';

// ---------------------------------------------------------------------------
// Fixture helpers
// ---------------------------------------------------------------------------

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const concat = (...parts: (Uint8Array | number[])[]) =>
  new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p as Uint8Array))));

function utf16be(s: string): Uint8Array {
  const le = Buffer.from(s, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return new Uint8Array(be);
}

/**
 * Windows-1258 has only some precomposed letters (ă, â, ê, ô, ơ, ư, đ, á, à…)
 * and writes the other tones as separate combining marks, which is what Word
 * and Excel emit. iconv-lite maps code points one by one, so we must hand it
 * that form or it writes '?' for "ễ".
 */
function toCp1258Form(s: string): string {
  const TONES = /[\u0300\u0301\u0303\u0309\u0323]/g;
  let out = '';
  for (const ch of s.normalize('NFC')) {
    const nfd = ch.normalize('NFD');
    const tones = nfd.match(TONES)?.join('') ?? '';
    out += nfd.replace(TONES, '').normalize('NFC') + tones;
  }
  return out;
}

function cp1258(s: string): Uint8Array {
  const bytes = iconv.encode(toCp1258Form(s), 'windows1258');
  // Guard the fixture itself: a '?' would mean a character was not encodable.
  if (!s.includes('?') && bytes.includes(0x3f)) throw new Error(`fixture not encodable in cp1258: ${s}`);
  return new Uint8Array(bytes);
}

/** Deterministic pseudo-random bytes (mulberry32) so a failure is reproducible. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

function decodeOk(bytes: Uint8Array) {
  const r = decodeCsvBytes(bytes);
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.en}`);
  return r;
}

function decodeErr(bytes: Uint8Array) {
  const r = decodeCsvBytes(bytes);
  if (r.ok) throw new Error(`expected an error, got ok (${r.encoding})`);
  return r.error;
}

function parseOk(text: string, opts?: { maxRows?: number }) {
  const r = parseCsvText(text, opts);
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.en}`);
  return r;
}

function parseErr(text: string, opts?: { maxRows?: number }) {
  const r = parseCsvText(text, opts);
  if (r.ok) throw new Error('expected a parse error, got ok');
  return r.error;
}

const NAMES_CSV = 'ma_thanh_vien,ho_ten\r\nTV01,Nguyễn Văn An\r\nTV02,Đặng Thị Ánh\r\n';

// ---------------------------------------------------------------------------
// decodeCsvBytes
// ---------------------------------------------------------------------------

describe('decodeCsvBytes: encodings', () => {
  it('decodes UTF-8 without BOM', () => {
    expect(decodeOk(utf8(NAMES_CSV))).toEqual({ ok: true, text: NAMES_CSV, encoding: 'utf-8' });
  });

  it('decodes UTF-8 with BOM and drops the BOM from the text', () => {
    const r = decodeOk(concat([0xef, 0xbb, 0xbf], utf8(NAMES_CSV)));
    expect(r.encoding).toBe('utf-8-bom');
    expect(r.text).toBe(NAMES_CSV);
    expect(r.text.charCodeAt(0)).toBe(0x6d); // 'm', not U+FEFF
  });

  it('decodes UTF-16LE with BOM as Excel "Unicode text" writes it (tab-delimited, CRLF)', () => {
    const text = 'Mã đơn vị\tTên đơn vị\r\nDV01\tPhòng Tổ chức\r\nDV02\tBan Đào tạo\r\n';
    const bytes = concat([0xff, 0xfe], new Uint8Array(Buffer.from(text, 'utf16le')));
    const r = decodeOk(bytes);
    expect(r.encoding).toBe('utf-16le');
    expect(r.text).toBe(text);

    expect(parseOk(r.text)).toEqual({
      ok: true,
      delimiter: '\t',
      headers: ['Mã đơn vị', 'Tên đơn vị'],
      rows: [
        { line: 2, values: ['DV01', 'Phòng Tổ chức'] },
        { line: 3, values: ['DV02', 'Ban Đào tạo'] },
      ],
    });
  });

  it('detects UTF-16LE without BOM from the NUL-byte pattern', () => {
    const r = decodeOk(new Uint8Array(Buffer.from(NAMES_CSV, 'utf16le')));
    expect(r.encoding).toBe('utf-16le');
    expect(r.text).toBe(NAMES_CSV);
  });

  it('decodes UTF-16BE with BOM', () => {
    const r = decodeOk(concat([0xfe, 0xff], utf16be(NAMES_CSV)));
    expect(r.encoding).toBe('utf-16be');
    expect(r.text).toBe(NAMES_CSV);
  });

  it('detects UTF-16BE without BOM from the NUL-byte pattern', () => {
    const r = decodeOk(utf16be(NAMES_CSV));
    expect(r.encoding).toBe('utf-16be');
    expect(r.text).toBe(NAMES_CSV);
  });

  it('decodes Windows-1258 Vietnamese names to NFC text', () => {
    const text = 'ho_ten,don_vi\r\nNguyễn Văn An,Phòng Tổ chức\r\nĐặng Thị Ánh,Ban Đào tạo\r\nTrần Thị Thu Hường,Sở Y tế\r\n';
    const bytes = cp1258(text);
    // Tone marks are separate bytes in cp1258 (e.g. "ễ" = ê 0xEA + tilde 0xDE).
    expect(Buffer.from(bytes).includes(Buffer.from([0xea, 0xde]))).toBe(true);
    const r = decodeOk(bytes);
    expect(r.encoding).toBe('windows-1258');
    expect(r.text).toBe(text.normalize('NFC'));
    expect(r.text.includes('Nguy\u1ec5n')).toBe(true); // precomposed ễ
  });

  it('decodes Windows-1258 that uses the precomposed letters where the code page has them', () => {
    // "Ánh" with precomposed Á (0xC1), "Đ" 0xD0, "ă" 0xE3, "ị" = i + dot below 0xF2
    const bytes = concat(utf8('ten\r\n'), [0xd0, 0xe3, 0x6e, 0x67, 0x20, 0x54, 0x68, 0x69, 0xf2, 0x20, 0xc1, 0x6e, 0x68]);
    const r = decodeOk(bytes);
    expect(r.encoding).toBe('windows-1258');
    expect(r.text).toBe('ten\r\nĐăng Thị Ánh');
  });

  it('normalises NFD input (e.g. from macOS) to NFC', () => {
    const nfc = 'ho_ten\nNguyễn Văn An\nĐặng Thị Ánh\n';
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    const r = decodeOk(utf8(nfd));
    expect(r.encoding).toBe('utf-8');
    expect(r.text).toBe(nfc);
  });
});

describe('decodeCsvBytes: refusals', () => {
  it('refuses an empty file', () => {
    expect(decodeErr(new Uint8Array(0))).toEqual({
      code: 'EMPTY_FILE',
      vi: 'Tệp trống, không có dữ liệu.',
      en: 'The file is empty.',
    });
  });

  it('refuses a file that holds only a BOM and blank lines', () => {
    expect(decodeErr(concat([0xef, 0xbb, 0xbf], utf8('\r\n\r\n'))).code).toBe('EMPTY_FILE');
  });

  it('refuses an XLSX (ZIP) file with a specific message', () => {
    const err = decodeErr(concat([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00], randomBytes(200, 1)));
    expect(err).toEqual({
      code: 'XLSX_FILE',
      vi: 'Đây là tệp Excel .xlsx (hoặc tệp nén ZIP/.ods), không phải tệp CSV. Trong Excel, hãy chọn Tệp > Lưu như (File > Save As) và chọn định dạng "CSV UTF-8 (Comma delimited) (*.csv)".',
      en: 'This is an Excel .xlsx file (or a ZIP/.ods archive), not a CSV file. In Excel, use File > Save As and choose "CSV UTF-8 (Comma delimited) (*.csv)".',
    });
  });

  it('refuses a legacy .xls file', () => {
    expect(decodeErr(concat([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], randomBytes(64, 2))).code).toBe('XLS_FILE');
  });

  it('refuses a PDF', () => {
    expect(decodeErr(utf8('%PDF-1.7\n%âãÏÓ\n1 0 obj\n')).code).toBe('PDF_FILE');
  });

  it('refuses random binary data', () => {
    for (const seed of [3, 4, 5, 6, 7]) {
      expect(decodeErr(randomBytes(4096, seed)).code).toBe('NOT_TEXT');
    }
  });

  it('refuses binary data full of NUL bytes', () => {
    const bytes = new Uint8Array(1024);
    bytes.set(utf8('abc'), 100);
    expect(decodeErr(bytes).code).toBe('NOT_TEXT');
  });

  it('refuses a Western European (cp1252) file instead of guessing', () => {
    const bytes = new Uint8Array(iconv.encode('name,city\r\nMüller,Köln\r\nGarçon,Besançon\r\n', 'windows1252'));
    const err = decodeErr(bytes);
    expect(err.code).toBe('UNKNOWN_ENCODING');
    expect(err.en).toBe(
      'The file\'s character encoding could not be recognised (Vietnamese letters may be garbled). In Excel, use File > Save As and choose "CSV UTF-8 (Comma delimited) (*.csv)".',
    );
    expect(err.vi).toBe(
      'Không nhận dạng được bảng mã ký tự của tệp (tiếng Việt có thể bị lỗi font). Trong Excel, hãy chọn Tệp > Lưu như (File > Save As) và chọn định dạng "CSV UTF-8 (Comma delimited) (*.csv)".',
    );
  });

  it('refuses legacy font-encoded Vietnamese (TCVN3) that reads as symbol soup in cp1258', () => {
    // TCVN3 puts Vietnamese letters in 0xA1–0xFF: "Văn ánh đồng" = V 0xA8 n, 0xB8 nh, 0xAE 0xE5 ng.
    // Under cp1258 that is "V¨n ¸nh ®ång": readable bytes, wrong letters.
    const bytes = concat(utf8('ho_ten\r\n'), [0x56, 0xa8, 0x6e, 0x20, 0xb8, 0x6e, 0x68, 0x20, 0xae, 0xe5, 0x6e, 0x67]);
    expect(decodeErr(bytes).code).toBe('UNKNOWN_ENCODING');
  });

  it('refuses UTF-16 with an odd number of bytes (truncated)', () => {
    const bytes = concat([0xff, 0xfe], new Uint8Array(Buffer.from(NAMES_CSV, 'utf16le')), [0x41]);
    expect(decodeErr(bytes).code).toBe('UNKNOWN_ENCODING');
  });

  it('points at the line of a stray control character', () => {
    expect(decodeErr(utf8('a,b\r\n1,2\r\n3,x\u0007y\r\n'))).toEqual({
      code: 'CONTROL_CHARACTER',
      vi: 'Dòng 3 chứa ký tự điều khiển không hợp lệ (ký tự ẩn). Hãy xóa ký tự đó hoặc gõ lại ô dữ liệu.',
      en: 'Line 3 contains an invalid control (invisible) character. Remove it or retype the cell.',
      line: 3,
    });
  });

  it('points at a stray control character in a Windows-1258 file too', () => {
    const bytes = concat(cp1258('ho_ten\r\nNguyễn Văn An\r\n'), [0x1a, 0x41], cp1258('\r\nĐặng Thị Ánh\r\n'));
    const err = decodeErr(bytes);
    expect(err.code).toBe('CONTROL_CHARACTER');
    expect(err.line).toBe(3);
  });

  it('refuses an HTML page saved with a .csv name', () => {
    expect(decodeErr(utf8('<!DOCTYPE html>\n<html><body>Error</body></html>')).code).toBe('MARKUP_FILE');
  });
});

// ---------------------------------------------------------------------------
// parseCsvText
// ---------------------------------------------------------------------------

describe('parseCsvText', () => {
  it('parses a CRLF comma file with line numbers (header is line 1)', () => {
    expect(parseOk(NAMES_CSV)).toEqual({
      ok: true,
      delimiter: ',',
      headers: ['ma_thanh_vien', 'ho_ten'],
      rows: [
        { line: 2, values: ['TV01', 'Nguyễn Văn An'] },
        { line: 3, values: ['TV02', 'Đặng Thị Ánh'] },
      ],
    });
  });

  it('handles quoted commas, doubled quotes and multi-line cells, keeping later line numbers physical', () => {
    const text = [
      'ma,ten,ghi_chu', // 1
      'U1,"Phòng Tổ chức, Cán bộ","Gọi là ""Phòng TCCB"""', // 2
      'U2,"Ban', // 3
      'Đào', // 4
      'tạo",x', // 5
      'U3,Văn phòng,"a,b"', // 6
      '"U4","Sở ""Y tế""",', // 7
    ].join('\r\n');
    expect(parseOk(text).rows).toEqual([
      { line: 2, values: ['U1', 'Phòng Tổ chức, Cán bộ', 'Gọi là "Phòng TCCB"'] },
      { line: 3, values: ['U2', 'Ban\nĐào\ntạo', 'x'] },
      { line: 6, values: ['U3', 'Văn phòng', 'a,b'] },
      { line: 7, values: ['U4', 'Sở "Y tế"', ''] },
    ]);
  });

  it('detects the semicolon delimiter of European-locale Excel', () => {
    const r = parseOk('Mã đơn vị;Tên đơn vị;Địa chỉ\r\nDV01;Phòng Tổ chức;Hà Nội, Việt Nam\r\n');
    expect(r.delimiter).toBe(';');
    expect(r.headers).toEqual(['Mã đơn vị', 'Tên đơn vị', 'Địa chỉ']);
    expect(r.rows).toEqual([{ line: 2, values: ['DV01', 'Phòng Tổ chức', 'Hà Nội, Việt Nam'] }]);
  });

  it('ignores delimiters inside a quoted header cell when detecting', () => {
    const r = parseOk('"Họ, tên";Email\nAn;an@example.vn\n');
    expect(r.delimiter).toBe(';');
    expect(r.headers).toEqual(['Họ, tên', 'Email']);
  });

  it('does not let a leading blank line made of tabs decide the delimiter', () => {
    const r = parseOk('\t\t\t\r\nma,ten\r\nU1,A;B\r\n');
    expect(r.delimiter).toBe(',');
    expect(r.headers).toEqual(['ma', 'ten']);
    expect(r.rows).toEqual([{ line: 3, values: ['U1', 'A;B'] }]);
  });

  it('honours an Excel "sep=" hint line and keeps physical line numbers', () => {
    const r = parseOk('sep=;\r\nma;ten\r\nU1;A,B\r\n');
    expect(r.delimiter).toBe(';');
    expect(r.headers).toEqual(['ma', 'ten']);
    expect(r.rows).toEqual([{ line: 3, values: ['U1', 'A,B'] }]);
  });

  it('skips empty lines and rows of empty cells, keeping physical line numbers', () => {
    const text = '\r\nma,ten\r\n\r\nU1,An\r\n,\r\n  \r\n\r\nU2,Bình\r\n\r\n';
    expect(parseOk(text)).toEqual({
      ok: true,
      delimiter: ',',
      headers: ['ma', 'ten'],
      rows: [
        { line: 4, values: ['U1', 'An'] },
        { line: 8, values: ['U2', 'Bình'] },
      ],
    });
  });

  it('trims cells, including blanks around quoted cells and non-breaking spaces', () => {
    const r = parseOk(' ma , ten ,ghi_chu\t\nU1 ,  "  Nguyễn Văn An " ,\u00a0x\u00a0\n');
    expect(r.headers).toEqual(['ma', 'ten', 'ghi_chu']);
    expect(r.rows).toEqual([{ line: 2, values: ['U1', 'Nguyễn Văn An', 'x'] }]);
  });

  it('accepts bare CR (old Mac) and mixed line endings', () => {
    expect(parseOk('ma,ten\rU1,An\rU2,Bình').rows).toEqual([
      { line: 2, values: ['U1', 'An'] },
      { line: 3, values: ['U2', 'Bình'] },
    ]);
    expect(parseOk('ma,ten\r\nU1,An\nU2,"B\r\nC"\rU3,D\n').rows).toEqual([
      { line: 2, values: ['U1', 'An'] },
      { line: 3, values: ['U2', 'B\nC'] },
      { line: 5, values: ['U3', 'D'] },
    ]);
  });

  it('keeps a quote inside an unquoted cell literally', () => {
    expect(parseOk('ten,ma\nNguyễn "Bé" An,1\n').rows).toEqual([{ line: 2, values: ['Nguyễn "Bé" An', '1'] }]);
  });

  it('normalises NFD text to NFC', () => {
    const r = parseOk('ho_ten\nĐặng Thị Ánh\n'.normalize('NFD'));
    expect(r.rows[0]!.values[0]).toBe('Đặng Thị Ánh'.normalize('NFC'));
    expect(r.rows[0]!.values[0]!.length).toBe(12);
  });

  it('pads short rows and drops empty trailing cells and header columns', () => {
    const r = parseOk('a,b,c,,\nx\ny,z,w,,\n');
    expect(r.headers).toEqual(['a', 'b', 'c']);
    expect(r.rows).toEqual([
      { line: 2, values: ['x', '', ''] },
      { line: 3, values: ['y', 'z', 'w'] },
    ]);
  });

  it('refuses a row with more non-empty cells than the header (unquoted delimiter in a value)', () => {
    expect(parseErr('ma,dia_chi\nU1,Hà Nội\nU2,Hà Nội, Việt Nam\n')).toEqual({
      code: 'TOO_MANY_FIELDS',
      vi: 'Dòng 3 có 3 ô nhưng dòng tiêu đề chỉ có 2 cột. Có thể một giá trị chứa dấu phẩy (,) mà không được đặt trong dấu ngoặc kép.',
      en: 'Line 3 has 3 cells but the header has only 2 columns. A value probably contains a comma (,) without being wrapped in double quotes.',
      line: 3,
    });
  });

  it('reports an unterminated quote at the line where it opens', () => {
    const text = 'ma,ten\r\nU1,An\r\nU2,"Bình\r\nU3,Chi\r\nU4,Dũng\r\n';
    expect(parseErr(text)).toEqual({
      code: 'UNTERMINATED_QUOTE',
      vi: 'Dòng 3: dấu ngoặc kép (") mở một ô nhưng không bao giờ được đóng. Hãy thêm dấu " đóng, hoặc viết "" nếu ô chứa dấu ngoặc kép.',
      en: 'Line 3: a double quote (") opens a cell but is never closed. Add the closing ", or write "" for a quote inside a cell.',
      line: 3,
    });
  });

  it('reports an unterminated quote after a valid multi-line cell at the right line', () => {
    const text = 'ma,ten\nU1,"A\nB"\nU2,C\nU3,"D ""x"" \nE\n';
    const err = parseErr(text);
    expect(err.code).toBe('UNTERMINATED_QUOTE');
    expect(err.line).toBe(5);
  });

  it('reports text after a closing quote with its line', () => {
    const err = parseErr('ma,ten\nU1,An\nU2,"Bình"x\n');
    expect(err.code).toBe('INVALID_QUOTE');
    expect(err.line).toBe(3);
    expect(err.en.startsWith('Line 3: ')).toBe(true);
    expect(err.vi.startsWith('Dòng 3: ')).toBe(true);
  });

  it('accepts exactly maxRows rows and refuses one more', () => {
    expect(parseOk('a\n1\n2\n', { maxRows: 2 }).rows.length).toBe(2);
    expect(parseErr('a\n1\n2\n3\n', { maxRows: 2 })).toEqual({
      code: 'TOO_MANY_ROWS',
      vi: 'Tệp có quá nhiều dòng dữ liệu (tối đa 2 dòng). Hãy chia thành nhiều tệp nhỏ hơn.',
      en: 'The file has too many data rows (maximum 2). Split it into smaller files.',
      line: 4,
    });
  });

  it('formats the default limit of 200 000 rows for each language', () => {
    const text = 'a\n' + '1\n'.repeat(200_001);
    const err = parseErr(text);
    expect(err.code).toBe('TOO_MANY_ROWS');
    expect(err.vi).toBe('Tệp có quá nhiều dòng dữ liệu (tối đa 200.000 dòng). Hãy chia thành nhiều tệp nhỏ hơn.');
    expect(err.en).toBe('The file has too many data rows (maximum 200,000). Split it into smaller files.');
  });

  it('returns no rows for a header-only file', () => {
    expect(parseOk('ma,ten\r\n')).toEqual({ ok: true, delimiter: ',', headers: ['ma', 'ten'], rows: [] });
  });

  it('refuses a text without any header', () => {
    expect(parseErr('\r\n , \r\n').code).toBe('EMPTY_FILE');
  });
});

// ---------------------------------------------------------------------------
// mapColumns
// ---------------------------------------------------------------------------

describe('mapColumns', () => {
  const spec = {
    code: { aliases: ['ma_don_vi', 'ma'], required: true },
    name: { aliases: ['ten_don_vi', 'ten'], required: true },
    parent: { aliases: ['ma_don_vi_cha'], required: false },
    note: { aliases: ['ghi_chu'], required: false },
  };

  it('matches headers ignoring case, diacritics, blanks, "-" and "_", in any order', () => {
    expect(mapColumns(['  Tên đơn vị ', 'GHI-CHÚ', 'Mã đơn vị'], spec)).toEqual({
      ok: true,
      index: { code: 2, name: 0, parent: -1, note: 1 },
    });
    expect(mapColumns(['MA DON VI', 'ten', 'Mã_Đơn_Vị_Cha'], spec)).toEqual({
      ok: true,
      index: { code: 0, name: 1, parent: 2, note: -1 },
    });
    expect(mapColumns(['ma_don_vi', 'Tên đơn vị (*)'], spec)).toEqual({
      ok: true,
      index: { code: 0, name: 1, parent: -1, note: -1 },
    });
  });

  it('ignores unknown columns, even duplicated ones', () => {
    expect(mapColumns(['Mã đơn vị', 'Khác', 'Tên đơn vị', 'Khác', ''], spec)).toEqual({
      ok: true,
      index: { code: 0, name: 2, parent: -1, note: -1 },
    });
  });

  it('names missing required columns and lists the headers found', () => {
    expect(mapColumns(['Tên', 'Địa chỉ'], spec)).toEqual({
      ok: false,
      error: {
        code: 'MISSING_COLUMNS',
        vi: 'Thiếu cột bắt buộc: "ma_don_vi". Các cột có trong tệp: "Tên", "Địa chỉ".',
        en: 'Missing required column(s): "ma_don_vi". Columns found in the file: "Tên", "Địa chỉ".',
      },
    });
    expect(mapColumns(['Địa chỉ'], spec)).toEqual({
      ok: false,
      error: {
        code: 'MISSING_COLUMNS',
        vi: 'Thiếu cột bắt buộc: "ma_don_vi", "ten_don_vi". Các cột có trong tệp: "Địa chỉ".',
        en: 'Missing required column(s): "ma_don_vi", "ten_don_vi". Columns found in the file: "Địa chỉ".',
      },
    });
  });

  it('refuses a duplicated header', () => {
    expect(mapColumns(['Mã đơn vị', 'Tên đơn vị', 'MA_DON_VI'], spec)).toEqual({
      ok: false,
      error: {
        code: 'DUPLICATE_COLUMN',
        vi: 'Cột "Mã đơn vị" (cột A) và cột "MA_DON_VI" (cột C) cùng chỉ một trường dữ liệu. Hãy xóa hoặc đổi tên một trong hai cột.',
        en: 'Columns "Mã đơn vị" (column A) and "MA_DON_VI" (column C) refer to the same field. Delete or rename one of them.',
      },
    });
  });

  it('refuses two different aliases of the same field', () => {
    const r = mapColumns(['Mã', 'Tên', 'Mã đơn vị'], spec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('DUPLICATE_COLUMN');
  });

  it('refuses a header that matches two fields', () => {
    const overlapping = {
      email: { aliases: ['email', 'thu_dien_tu'], required: false },
      workEmail: { aliases: ['Thư điện tử'], required: false },
    };
    expect(mapColumns(['Họ tên', 'Thư điện tử'], overlapping)).toEqual({
      ok: false,
      error: {
        code: 'AMBIGUOUS_COLUMN',
        vi: 'Cột "Thư điện tử" (cột B) khớp với nhiều trường dữ liệu ("email", "Thư điện tử"). Hãy đổi tên cột cho rõ ràng.',
        en: 'Column "Thư điện tử" (column B) matches several fields ("email", "Thư điện tử"). Rename the column to make it unambiguous.',
      },
    });
  });

  it('works end to end on an Excel UTF-16 export', () => {
    const text = 'Tên đơn vị\tMã đơn vị\r\nPhòng Tổ chức\tDV01\r\n';
    const decoded = decodeOk(concat([0xff, 0xfe], new Uint8Array(Buffer.from(text, 'utf16le'))));
    const parsed = parseOk(decoded.text);
    const mapped = mapColumns(parsed.headers, spec);
    expect(mapped).toEqual({ ok: true, index: { code: 1, name: 0, parent: -1, note: -1 } });
  });
});

// ---------------------------------------------------------------------------
// foldVietnamese
// ---------------------------------------------------------------------------

describe('foldVietnamese', () => {
  it.each([
    ['Đặng Thị Ánh', 'dang thi anh'],
    ['Nguyễn Văn An', 'nguyen van an'],
    ['Trần Thị Thu Hường', 'tran thi thu huong'],
    ['  NGUYỄN   Văn\tAN  ', 'nguyen van an'],
    ['Trường THPT Lê Quý Đôn', 'truong thpt le quy don'],
    ['Phạm Ngọc Thạch — Sở Y tế', 'pham ngoc thach — so y te'],
    ['Ðặng', 'dang'], // Icelandic eth typed for Đ
  ])('%s → %s', (input, expected) => {
    expect(foldVietnamese(input)).toBe(expected);
  });

  it('gives the same result for NFD and NFC input', () => {
    const nfc = 'Huỳnh Tấn Phát';
    expect(foldVietnamese(nfc.normalize('NFD'))).toBe('huynh tan phat');
    expect(foldVietnamese(nfc)).toBe('huynh tan phat');
  });

  it('lets an unaccented query find an accented name', () => {
    expect(foldVietnamese('Nguyễn Văn An').includes(foldVietnamese('nguyen van an'))).toBe(true);
    expect(foldVietnamese('Nguyễn Văn Anh').includes(foldVietnamese('nguyen  VAN an'))).toBe(true);
    expect(foldVietnamese('Nguyễn Văn Bình').includes(foldVietnamese('nguyen van an'))).toBe(false);
  });
});
