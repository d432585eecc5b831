import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { promisify } from 'node:util';
import { burn, type Entry } from '@kenjiuno/msgreader/lib/Burner.js';
import { TypeEnum } from '@kenjiuno/msgreader/lib/Reader.js';
import { zipSync, strToU8 } from 'fflate';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { PNG } from 'pngjs';

// Proof-of-execution files made by the tests themselves, in every accepted type: no binary
// fixture is committed. Each builder takes the text as lines (a page, a slide, a sheet's rows).

const run = promisify(execFile);

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A PDF with one page per entry, each line drawn in Helvetica (WinAnsi: á é í ó ú ñ ç ã õ ä å ö). */
export async function makePdf(pages: readonly (readonly string[])[], options: { fontSize?: number } = {}): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  const size = options.fontSize ?? 11;
  for (const lines of pages) {
    const page = document.addPage([595, 842]);
    lines.forEach((line, index) => page.drawText(line, { x: 50, y: 790 - index * (size + 7), size, font }));
  }
  return document.save();
}

const CONTENT_TYPES = (overrides: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>${overrides}</Types>`;
const ROOT_RELS = (target: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="${target}"/></Relationships>`;

/** A minimal Word document: one paragraph per line, the last line split into two runs. */
export function makeDocx(lines: readonly string[], footer?: string): Uint8Array {
  const paragraphs = lines
    .map((line) => {
      const cut = Math.floor(line.length / 2);
      // Two runs per paragraph, as Word writes them, to prove the runs are joined.
      return `<w:p><w:r><w:t xml:space="preserve">${xmlEscape(line.slice(0, cut))}</w:t></w:r><w:r><w:t>${xmlEscape(line.slice(cut))}</w:t></w:r></w:p>`;
    })
    .join('');
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(
      CONTENT_TYPES(
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
          (footer ? '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>' : ''),
      ),
    ),
    '_rels/.rels': strToU8(ROOT_RELS('word/document.xml')),
    'word/document.xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs}</w:body></w:document>`,
    ),
  };
  if (footer)
    files['word/footer1.xml'] = strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:r><w:t>${xmlEscape(footer)}</w:t></w:r></w:p></w:ftr>`,
    );
  return zipSync(files);
}

/** A minimal PowerPoint file: one slide per entry, one paragraph per line. */
export function makePptx(slides: readonly (readonly string[])[]): Uint8Array {
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(
      CONTENT_TYPES(
        slides
          .map(
            (_, index) =>
              `<Override PartName="/ppt/slides/slide${index + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>`,
          )
          .join(''),
      ),
    ),
    '_rels/.rels': strToU8(ROOT_RELS('ppt/presentation.xml')),
    'ppt/presentation.xml': strToU8(
      '<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>',
    ),
  };
  slides.forEach((lines, index) => {
    const paragraphs = lines.map((line) => `<a:p><a:r><a:t>${xmlEscape(line)}</a:t></a:r></a:p>`).join('');
    files[`ppt/slides/slide${index + 1}.xml`] = strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree><p:sp><p:txBody>${paragraphs}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>`,
    );
  });
  return zipSync(files);
}

/** A minimal workbook: sheets by name, rows of cells; shared strings for even columns, inline for odd. */
export function makeXlsx(sheets: Readonly<Record<string, readonly (readonly string[])[]>>): Uint8Array {
  const shared: string[] = [];
  const names = Object.keys(sheets);
  const files: Record<string, Uint8Array> = {
    '[Content_Types].xml': strToU8(
      CONTENT_TYPES('<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'),
    ),
    '_rels/.rels': strToU8(ROOT_RELS('xl/workbook.xml')),
    'xl/workbook.xml': strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>${names
        .map((name, index) => `<sheet name="${xmlEscape(name)}" sheetId="${index + 1}" r:id="rId${index + 1}"/>`)
        .join('')}</sheets></workbook>`,
    ),
    'xl/_rels/workbook.xml.rels': strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${names
        .map(
          (_, index) =>
            `<Relationship Id="rId${index + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${index + 1}.xml"/>`,
        )
        .join('')}</Relationships>`,
    ),
  };
  names.forEach((name, index) => {
    const rows = sheets[name]!.map(
      (cells, row) =>
        `<row r="${row + 1}">${cells
          .map((cell, column) => {
            const ref = `${String.fromCharCode(65 + column)}${row + 1}`;
            if (column % 2 === 1) return `<c r="${ref}" t="inlineStr"><is><t>${xmlEscape(cell)}</t></is></c>`;
            shared.push(cell);
            return `<c r="${ref}" t="s"><v>${shared.length - 1}</v></c>`;
          })
          .join('')}</row>`,
    ).join('');
    files[`xl/worksheets/sheet${index + 1}.xml`] = strToU8(
      `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows}</sheetData></worksheet>`,
    );
  });
  files['xl/sharedStrings.xml'] = strToU8(
    `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${shared.map((text) => `<si><t>${xmlEscape(text)}</t></si>`).join('')}</sst>`,
  );
  return zipSync(files);
}

export interface MailParts {
  from: string;
  to: string;
  date: string;
  subject: string;
  body: string;
  attachments?: { name: string; contentType: string; bytes: Uint8Array }[];
}

/** An RFC 5322 message: a quoted-printable UTF-8 body and base64 attachments. */
export function makeEml(mail: MailParts): Uint8Array {
  const boundary = 'cpor-boundary-1';
  const qp = (text: string) =>
    Buffer.from(text, 'utf8')
      .toString('latin1')
      .replace(/[^\x20-\x7e\n]|=/g, (char) => `=${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
      .replace(/\n/g, '\r\n');
  const headers = [`From: ${mail.from}`, `To: ${mail.to}`, `Date: ${mail.date}`, `Subject: ${mail.subject}`, 'MIME-Version: 1.0'];
  const textPart = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', qp(mail.body)].join('\r\n');
  if (!mail.attachments?.length) return Buffer.from([...headers, textPart].join('\r\n'), 'utf8');
  const parts = [
    textPart,
    ...mail.attachments.map((attachment) =>
      [
        `Content-Type: ${attachment.contentType}; name="${attachment.name}"`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="${attachment.name}"`,
        '',
        Buffer.from(attachment.bytes).toString('base64').replace(/.{76}/g, '$&\r\n'),
      ].join('\r\n'),
    ),
  ];
  return Buffer.from(
    [...headers, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', ...parts.map((part) => `--${boundary}\r\n${part}`), `--${boundary}--`, ''].join(
      '\r\n',
    ),
    'utf8',
  );
}

/** An Outlook .msg (a compound file) with the sender, subject and plain body as Unicode properties. */
export function makeMsg(mail: Pick<MailParts, 'from' | 'subject' | 'body'> & { senderName: string }): Uint8Array {
  const unicode = (text: string) => new Uint8Array(Buffer.from(text, 'utf16le'));
  const properties: [string, Uint8Array][] = [
    ['__substg1.0_0037001F', unicode(mail.subject)],
    ['__substg1.0_0C1A001F', unicode(mail.senderName)],
    ['__substg1.0_0C1F001F', unicode(mail.from)],
    ['__substg1.0_0C1E001F', unicode('SMTP')],
    ['__substg1.0_1000001F', unicode(mail.body)],
  ];
  // The property stream: a 32-byte header for a top-level message, no fixed-size properties.
  const header = new Uint8Array(32);
  const entries: Entry[] = [
    { name: 'Root Entry', type: TypeEnum.ROOT, length: 0, children: [] },
    { name: '__properties_version1.0', type: TypeEnum.DOCUMENT, length: header.length, binaryProvider: () => header },
    ...properties.map(([name, data]) => ({ name, type: TypeEnum.DOCUMENT, length: data.length, binaryProvider: () => data })),
  ];
  entries[0]!.children = entries.slice(1).map((_, index) => index + 1);
  return burn(entries);
}

/** A page rendered to PNG by poppler (the test machine and CI have it): a photo of the text. */
export async function renderPng(pdf: Uint8Array, page = 1, dpi = 150, format: 'png' | 'jpeg' = 'png'): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'cpor-render-'));
  try {
    await writeFile(join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', ['-f', String(page), '-l', String(page), '-singlefile', '-r', String(dpi), `-${format}`, join(dir, 'in.pdf'), join(dir, 'out')]);
    return new Uint8Array(await readFile(join(dir, format === 'png' ? 'out.png' : 'out.jpg')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A scanned PDF: each page only an image of the original page, no text layer. */
export async function makeScannedPdf(pages: readonly (readonly string[])[]): Promise<Uint8Array> {
  const original = await makePdf(pages, { fontSize: 14 });
  const scanned = await PDFDocument.create();
  for (let page = 1; page <= pages.length; page += 1) {
    const image = await scanned.embedPng(await renderPng(original, page));
    scanned.addPage([595, 842]).drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  }
  return scanned.save();
}

/**
 * A PDF encrypted with the standard security handler and a user password: its /O and /U values
 * do not match the empty password, so a reader must ask for one.
 */
export function makeEncryptedPdf(): Uint8Array {
  const hex = (byte: number) => '<' + byte.toString(16).padStart(2, '0').repeat(32) + '>';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    '<< /Length 8 >>\nstream\n(secret)\nendstream',
    `<< /Filter /Standard /V 1 /R 2 /O ${hex(0x41)} /U ${hex(0x42)} /P -44 >>`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 5 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/**
 * A Word file whose document.xml inflates to `inflatedBytes` (about 1,000 times its size).
 * `lie` declares a small size in the ZIP's directory, so only counting what comes out stops it.
 */
export function makeZipBombDocx(inflatedBytes: number, lie: boolean): Uint8Array {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const parts: Buffer[] = [];
  // Deflate in pieces of identical blocks: the same ratio without holding the whole text.
  const prefix = '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>';
  const whole = Buffer.concat([Buffer.from(prefix), ...Array.from({ length: Math.ceil(inflatedBytes / chunk.length) }, () => chunk)]);
  parts.push(deflateRawSync(whole, { level: 9 }));
  const data = Buffer.concat(parts);
  const name = Buffer.from('word/document.xml');
  const declared = lie ? 1000 : whole.length;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(declared, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42);
  const centralOffset = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/** A PDF of about `megabytes`: text pages plus incompressible images (as scanned annexes are). */
export async function makeLargePdf(megabytes: number, textPages: readonly (readonly string[])[]): Promise<Uint8Array> {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (const lines of textPages) {
    const page = document.addPage([595, 842]);
    lines.forEach((line, index) => page.drawText(line, { x: 50, y: 790 - index * 18, size: 11, font }));
  }
  const side = 1400;
  const imageBytes = side * side * 3;
  for (let made = 0; made < (megabytes * 1024 * 1024) / imageBytes; made += 1) {
    const png = new PNG({ width: side, height: side, colorType: 2 });
    // xorshift noise: deflate cannot shrink it, so the file is as large as its pixels.
    let seed = 0x9e3779b9 ^ made;
    for (let index = 0; index < png.data.length; index += 1) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      png.data[index] = index % 4 === 3 ? 255 : seed & 0xff;
    }
    const image = await document.embedPng(PNG.sync.write(png, { colorType: 2 }));
    document.addPage([595, 842]).drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  }
  return document.save();
}
