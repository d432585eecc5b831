import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { neutralized, toCsv, toXlsx } from '../../tab/tabExport.js';

// The export writers on their own: RFC 4180 quoting, and no cell a spreadsheet would run.

describe('tab export writers', () => {
  it('quotes fields with commas, quotes and line breaks; CRLF between records; a BOM first', () => {
    const csv = toCsv([
      {
        name: 'A',
        headers: ['a', 'b'],
        rows: [
          ['x, y', 'say "hi"'],
          ['two\nlines', 3],
        ],
      },
    ]).toString('utf8');
    assert.equal(csv, '\uFEFFa,b\r\n"x, y","say ""hi"""\r\n"two\nlines",3\r\n');
  });

  it('separates two tables with one empty line', () => {
    const csv = toCsv([
      { name: 'A', headers: ['a'], rows: [['1']] },
      { name: 'B', headers: ['b'], rows: [['2']] },
    ]).toString('utf8');
    assert.equal(csv, '\uFEFFa\r\n1\r\n\r\nb\r\n2\r\n');
  });

  it('prefixes text a spreadsheet would run as a formula, in CSV and XLSX', async () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) assert.equal(neutralized(`${start}1+1`), `'${start}1+1`);
    assert.equal(neutralized('plain = text'), 'plain = text');
    const csv = toCsv([{ name: 'A', headers: ['a'], rows: [['=cmd|calc'], ['@SUM(A1)']] }]).toString('utf8');
    assert.ok(csv.includes("'=cmd|calc") && csv.includes("'@SUM(A1)"));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await toXlsx([{ name: 'A', headers: ['a', 'n'], rows: [['+44 20', -5]] }], new Date(0))) as unknown as ArrayBuffer);
    const row = workbook.getWorksheet('A')!.getRow(2);
    assert.equal(row.getCell(1).value, "'+44 20");
    assert.equal(row.getCell(2).value, -5, 'numbers stay numbers');
  });
});
