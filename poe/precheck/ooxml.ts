import { Unreadable, emptyExtraction, type ExtractOptions, type Extraction, type TextUnit } from './extraction.js';
import { listZip, readEntry, type InflateBudget, type ZipEntry } from './zip.js';

// Word, PowerPoint and Excel files are ZIPs of XML. The text is in a few elements (w:t, a:t, t),
// read with small patterns rather than a DOM: the documents are data, never rendered.

export type OfficeKind = 'docx' | 'pptx' | 'xlsx';

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return safeCodePoint(Number.parseInt(name.slice(2), 16)) ?? whole;
    if (name.startsWith('#')) return safeCodePoint(Number.parseInt(name.slice(1), 10)) ?? whole;
    return ENTITIES[name] ?? whole;
  });
}

function safeCodePoint(code: number): string | undefined {
  return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** The text of the `text` elements in order, a newline at each paragraph end and break. */
export function xmlText(xml: string, prefix: 'w' | 'a'): string {
  const pattern = new RegExp(`<${prefix}:t(?:\\s[^>]*)?>([^<]*)</${prefix}:t>|<${prefix}:tab\\b[^>]*/>|<${prefix}:br\\b[^>]*/>|</${prefix}:p>`, 'g');
  let text = '';
  for (const match of xml.matchAll(pattern)) {
    if (match[1] !== undefined) text += decodeEntities(match[1]);
    else if (match[0].startsWith(`<${prefix}:tab`)) text += '\t';
    else text += '\n';
  }
  return text;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

class OfficeZip {
  private readonly entries: Map<string, ZipEntry>;
  private readonly budget: InflateBudget;

  constructor(
    private readonly bytes: Uint8Array,
    maxInflatedBytes: number,
  ) {
    this.entries = new Map(listZip(bytes).map((entry) => [entry.name, entry]));
    this.budget = { remaining: maxInflatedBytes };
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  text(name: string): string | undefined {
    const entry = this.entries.get(name);
    return entry ? utf8.decode(readEntry(this.bytes, entry, this.budget)) : undefined;
  }
}

const byNumber = (pattern: RegExp) => (a: string, b: string) => Number(pattern.exec(a)?.[1] ?? 0) - Number(pattern.exec(b)?.[1] ?? 0);

function word(zip: OfficeZip): TextUnit[] {
  const body = zip.text('word/document.xml');
  if (body === undefined) throw new Unreadable('broken');
  const units: TextUnit[] = [{ where: 'document', text: xmlText(body, 'w') }];
  // A signature block or a date often sits in the header or footer.
  for (const name of zip.names().filter((entry) => /^word\/(header|footer)\d*\.xml$/.test(entry))) {
    const text = xmlText(zip.text(name) ?? '', 'w');
    if (text.trim()) units.push({ where: name.includes('header') ? 'header' : 'footer', text });
  }
  return units;
}

function slides(zip: OfficeZip, options: ExtractOptions, result: Extraction): TextUnit[] {
  const pattern = /^ppt\/slides\/slide(\d+)\.xml$/;
  const names = zip
    .names()
    .filter((name) => pattern.test(name))
    .sort(byNumber(pattern));
  if (names.length === 0) throw new Unreadable('broken');
  result.truncated = names.length > options.maxUnits;
  return names.slice(0, options.maxUnits).map((name) => ({ where: `slide ${pattern.exec(name)![1]}`, text: xmlText(zip.text(name) ?? '', 'a') }));
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? decodeEntities(match[1]!) : undefined;
}

function textOfRuns(xml: string): string {
  return [...xml.matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g)].map((match) => decodeEntities(match[1]!)).join('');
}

function sheets(zip: OfficeZip, options: ExtractOptions, result: Extraction): TextUnit[] {
  const workbook = zip.text('xl/workbook.xml');
  if (workbook === undefined) throw new Unreadable('broken');
  const targets = new Map<string, string>();
  for (const match of (zip.text('xl/_rels/workbook.xml.rels') ?? '').matchAll(/<Relationship\b[^>]*>/g)) {
    const id = attribute(match[0], 'Id');
    const target = attribute(match[0], 'Target');
    if (id && target) targets.set(id, target.startsWith('/') ? target.slice(1) : `xl/${target}`);
  }
  // Shared strings: <si> items, each one or more runs (rich text) of <t>.
  const shared = [...(zip.text('xl/sharedStrings.xml') ?? '').matchAll(/<si>([\s\S]*?)<\/si>/g)].map((match) =>
    textOfRuns(match[1]!.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '')),
  );
  const declared = [...workbook.matchAll(/<sheet\b[^>]*>/g)].map((match) => ({
    name: attribute(match[0], 'name') ?? '',
    id: attribute(match[0], 'r:id') ?? '',
  }));
  result.truncated = declared.length > options.maxUnits;
  return declared.slice(0, options.maxUnits).map((sheet) => {
    const xml = zip.text(targets.get(sheet.id) ?? '') ?? '';
    const rows = [...xml.matchAll(/<row\b[^>]*>([\s\S]*?)<\/row>/g)].map((row) =>
      [...row[1]!.matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)]
        .map((cell) => {
          const type = attribute(cell[1]!, 't');
          const inner = cell[2] ?? '';
          if (type === 'inlineStr') return textOfRuns(inner);
          const value = /<v>([^<]*)<\/v>/.exec(inner)?.[1];
          if (value === undefined) return '';
          return type === 's' ? (shared[Number(value)] ?? '') : decodeEntities(value);
        })
        .filter(Boolean)
        .join('\t'),
    );
    return { where: `sheet ${sheet.name}`.slice(0, 80), text: rows.join('\n') };
  });
}

export function extractOffice(bytes: Uint8Array, kind: OfficeKind, options: ExtractOptions, prefix = ''): Extraction {
  const zip = new OfficeZip(bytes, options.maxInflatedBytes);
  const result = emptyExtraction();
  const units = kind === 'docx' ? word(zip) : kind === 'pptx' ? slides(zip, options, result) : sheets(zip, options, result);
  result.units = units.map((unit) => ({ where: `${prefix}${unit.where}`, text: unit.text }));
  // A Word file is one document whatever its headers and footers.
  result.unitCount = kind === 'docx' ? 1 : units.length;
  return result;
}
