import { describe, expect, it } from 'vitest';
import { CSV_BOM, neutraliseCell, toCsvLine } from '#app/common/spreadsheet-safety.ts';
import { decodeCsvBytes, parseCsvText } from '../../app/org/csv-file.server.ts';

describe('neutraliseCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","Bấm vào đây")', `'=HYPERLINK("http://evil.example","Bấm vào đây")`],
    ['+cmd|\' /C calc\'!A0', `'+cmd|' /C calc'!A0`],
    ['-2+3+cmd|\' /C calc\'!A0', `'-2+3+cmd|' /C calc'!A0`],
    ['@SUM(1+1)*cmd|\' /C calc\'!A0', `'@SUM(1+1)*cmd|' /C calc'!A0`],
    ['\t=1+1', `'\t=1+1`],
    ['\r=1+1', `'\r=1+1`],
  ])('prefixes %j with an apostrophe', (input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });

  it('also neutralises plain negative numbers and international phone numbers given as text', () => {
    expect(neutraliseCell('-5')).toBe("'-5");
    expect(neutraliseCell('+84 912 345 678')).toBe("'+84 912 345 678");
  });

  it.each(['Nguyễn Văn An', '', '0912345678', 'an@example.vn', "'=already", 'a=b', ' =1+1'])(
    'leaves %j unchanged',
    (input) => {
      expect(neutraliseCell(input)).toBe(input);
    },
  );
});

describe('toCsvLine', () => {
  it('quotes per RFC 4180 and neutralises string cells', () => {
    expect(
      toCsvLine(['TV01', 'Nguyễn Văn An', 'Phòng A, Tầng 2', 'Gọi là "An"', 'dòng 1\r\ndòng 2', '=1+1', 'x;y', ' lề ']),
    ).toBe('TV01,Nguyễn Văn An,"Phòng A, Tầng 2","Gọi là ""An""","dòng 1\r\ndòng 2",\'=1+1,"x;y"," lề "');
  });

  it('quotes a neutralised cell that also contains a delimiter or quote', () => {
    expect(toCsvLine(['=1+1,2', '@"x"', '\tA'])).toBe(`"'=1+1,2","'@""x""","'\tA"`);
  });

  it('writes null/undefined as empty and numbers as numbers', () => {
    expect(toCsvLine([null, undefined, 42, -5, 1.5, 0, Number.NaN, Number.POSITIVE_INFINITY, ''])).toBe(',,42,-5,1.5,0,,,');
  });

  it('exports an empty record as an empty string', () => {
    expect(toCsvLine([])).toBe('');
  });

  it('exposes the UTF-8 BOM', () => {
    expect(CSV_BOM).toBe('\uFEFF');
    expect(CSV_BOM.length).toBe(1);
  });

  it('round-trips through the importer with neutralised values', () => {
    const rows = [
      ['ma', 'ho_ten', 'ghi_chu'],
      ['TV01', 'Đặng Thị Ánh', 'Phòng "Tổ chức", tầng 2\nphòng 204'],
      ['TV02', '=cmd()', -5],
    ];
    const file = CSV_BOM + rows.map(toCsvLine).join('\r\n') + '\r\n';
    const decoded = decodeCsvBytes(new Uint8Array(Buffer.from(file, 'utf8')));
    expect(decoded.ok && decoded.encoding).toBe('utf-8-bom');
    if (!decoded.ok) return;
    expect(parseCsvText(decoded.text)).toEqual({
      ok: true,
      delimiter: ',',
      headers: ['ma', 'ho_ten', 'ghi_chu'],
      rows: [
        { line: 2, values: ['TV01', 'Đặng Thị Ánh', 'Phòng "Tổ chức", tầng 2\nphòng 204'] },
        { line: 4, values: ['TV02', "'=cmd()", '-5'] },
      ],
    });
  });
});
