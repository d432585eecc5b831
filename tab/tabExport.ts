// The export of what the tab's filters show: the claims and their history, as CSV and XLSX.
// CSV (RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled)
// holds two sections in one file: the claims table, an empty line, then the history table, each
// with its own header row. XLSX holds them as two sheets. Text that a spreadsheet would run as a
// formula (starting with = + - @, a tab or a carriage return) is prefixed with an apostrophe.
// exceljs is loaded by the first XLSX export: with its zip and CSV libraries it is about 8 MB of
// heap, kept for good by every process that imports it, and most never export.

export type Cell = string | number;

export interface ExportTable {
  /** The sheet name in XLSX. */
  name: string;
  headers: string[];
  rows: Cell[][];
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text as a spreadsheet must show it, never run it (OWASP "CSV injection"). */
export function neutralized(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function csvField(cell: Cell): string {
  const text = typeof cell === 'number' ? String(cell) : neutralized(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvTable(table: ExportTable): string {
  return [table.headers, ...table.rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

/** The tables one after another, an empty line between them; a byte-order mark so Excel reads UTF-8. */
export function toCsv(tables: readonly ExportTable[]): Buffer {
  return Buffer.from(`\uFEFF${tables.map(csvTable).join('\r\n')}`, 'utf8');
}

/** One sheet per table, the header row bold and frozen, columns wide enough to read. */
export async function toXlsx(tables: readonly ExportTable[], created: Date): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CPOR Claims Assistant';
  workbook.created = created;
  workbook.modified = created;
  for (const table of tables) {
    const sheet = workbook.addWorksheet(table.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.addRow(table.headers).font = { bold: true };
    for (const row of table.rows) sheet.addRow(row.map((cell) => (typeof cell === 'number' ? cell : neutralized(cell))));
    sheet.columns.forEach((column, index) => {
      const longest = Math.max(table.headers[index]?.length ?? 0, ...table.rows.map((row) => String(row[index] ?? '').length));
      column.width = Math.min(60, Math.max(10, longest + 2));
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
