import assert from 'node:assert/strict';

// Reading back the tab's CSV export in tests.

/** RFC 4180 fields of a CSV text (quoted fields, doubled quotes, CRLF), one array per record. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let index = 0;
  while (index < text.length) {
    const character = text[index]!;
    const next = text[index + 1];
    index += 1;
    if (quoted) {
      if (character === '"' && next === '"') {
        field += '"';
        index += 1;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      record.push(field);
      field = '';
    } else if (character === '\r' && next === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index += 1;
    } else field += character;
  }
  if (field || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** The two sections of an export CSV: claims, then history, split at the empty record. */
export function csvSections(text: string): { claims: string[][]; history: string[][] } {
  const records = parseCsv(text.replace(/^\uFEFF/, ''));
  const gap = records.findIndex((record) => record.length === 1 && record[0] === '');
  assert.ok(gap > 0, 'an empty line between the claims and the history');
  return { claims: records.slice(0, gap), history: records.slice(gap + 1) };
}
