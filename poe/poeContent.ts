// A PoE file must be what its extension says: an HTML page named `.pdf` or an executable named
// `.png` is refused. The check reads the bytes as they stream in: the format's signature at the
// start and, for Office files (ZIP containers), the name of the format's own part folder.

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

interface Signature {
  /** Bytes the file starts with. */
  magic?: readonly number[];
  /** A name found somewhere in the file (the ZIP part folder of an Office format). */
  contains?: string;
  /** A test of the head, for formats without magic bytes. */
  head?: (head: Buffer) => boolean;
}

const SIGNATURES: Readonly<Record<string, Signature>> = {
  pdf: { magic: [...Buffer.from('%PDF-')] },
  png: { magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  jpg: { magic: [0xff, 0xd8, 0xff] },
  jpeg: { magic: [0xff, 0xd8, 0xff] },
  docx: { magic: ZIP, contains: 'word/' },
  xlsx: { magic: ZIP, contains: 'xl/' },
  pptx: { magic: ZIP, contains: 'ppt/' },
  msg: { magic: OLE },
  eml: { head: looksLikeMail },
};

/** How much of the start is kept to decide. */
const HEAD_BYTES = 4096;

/** Feeds a download chunk by chunk; `verdict` at the end says whether the bytes match. */
export class ContentCheck {
  private head = Buffer.alloc(0);
  private tail = '';
  private found: boolean;
  private readonly signature: Signature | undefined;

  constructor(extension: string) {
    this.signature = SIGNATURES[extension];
    this.found = this.signature?.contains === undefined;
  }

  /** False as soon as the start already shows a mismatch (no need to read further). */
  push(chunk: Uint8Array): boolean {
    if (this.head.length < HEAD_BYTES) this.head = Buffer.concat([this.head, Buffer.from(chunk).subarray(0, HEAD_BYTES - this.head.length)]);
    const needle = this.signature?.contains;
    if (needle && !this.found) {
      // Keep the last few bytes so a name split across two chunks is still seen.
      const text = this.tail + Buffer.from(chunk).toString('latin1');
      this.found = text.includes(needle);
      this.tail = text.slice(-needle.length);
    }
    const magic = this.signature?.magic;
    return !magic || this.head.length < magic.length || startsWith(this.head, magic);
  }

  verdict(): boolean {
    const signature = this.signature;
    if (!signature) return false;
    if (signature.magic && !startsWith(this.head, signature.magic)) return false;
    if (signature.head && !signature.head(this.head)) return false;
    return this.found;
  }
}

function startsWith(bytes: Buffer, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, index) => bytes[index] === byte);
}

/**
 * An RFC 5322 message: text whose first line is a header field ("Name: value"), or the "From "
 * line mail tools put before one, never markup.
 */
function looksLikeMail(head: Buffer): boolean {
  if (head.includes(0)) return false;
  const lines = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/, 2);
  const header = /^From \S/.test(lines[0] ?? '') ? lines[1] : lines[0];
  return /^[A-Za-z][A-Za-z0-9-]*:[ \t]*\S/.test(header ?? '');
}
