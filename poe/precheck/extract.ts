import { Unreadable, emptyExtraction, type ExtractOptions, type Extraction } from './extraction.js';
import { extractImage } from './image.js';
import { extractMail, type Attachment } from './mail.js';
import { extractOffice } from './ooxml.js';
import { extractPdf } from './pdf.js';

// One file to text: the type from the file's extension (the intake already checked that the
// bytes match it), else its content type. Any failure becomes a reason, never an exception.

export type FileKind = 'pdf' | 'png' | 'jpg' | 'docx' | 'pptx' | 'xlsx' | 'eml' | 'msg';

const BY_EXTENSION: Readonly<Record<string, FileKind>> = {
  pdf: 'pdf',
  png: 'png',
  jpg: 'jpg',
  jpeg: 'jpg',
  docx: 'docx',
  pptx: 'pptx',
  xlsx: 'xlsx',
  eml: 'eml',
  msg: 'msg',
};

const BY_CONTENT_TYPE: Readonly<Record<string, FileKind>> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'message/rfc822': 'eml',
  'application/vnd.ms-outlook': 'msg',
};

export function kindOf(name: string, contentType: string): FileKind | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  return (extension && BY_EXTENSION[extension]) || BY_CONTENT_TYPE[contentType.split(';')[0]!.trim().toLowerCase()];
}

async function extractKind(kind: FileKind, bytes: Uint8Array, options: ExtractOptions, prefix: string, nested: boolean): Promise<Extraction> {
  switch (kind) {
    case 'pdf':
      return extractPdf(bytes, options, prefix);
    case 'png':
    case 'jpg':
      return extractImage(bytes, kind, options, prefix ? prefix.replace(/, $/, '') : 'image');
    case 'docx':
    case 'pptx':
    case 'xlsx':
      return extractOffice(bytes, kind, options, prefix);
    case 'eml':
    case 'msg':
      // An e-mail attached to an e-mail is not opened: one level only.
      if (nested) throw new Unreadable('unsupported');
      return extractMail(bytes, kind, options, (attachment: Attachment, attachmentPrefix, maxUnits) => {
        const attachmentKind = kindOf(attachment.name, '');
        return attachmentKind ? read(attachmentKind, attachment.bytes, { ...options, maxUnits }, attachmentPrefix, true) : Promise.resolve(undefined);
      });
  }
}

async function read(kind: FileKind, bytes: Uint8Array, options: ExtractOptions, prefix: string, nested: boolean): Promise<Extraction> {
  try {
    return await extractKind(kind, bytes, options, prefix, nested);
  } catch (error) {
    return { ...emptyExtraction(), unreadable: error instanceof Unreadable ? error.reason : 'broken' };
  }
}

export async function extractText(name: string, contentType: string, bytes: Uint8Array, options: ExtractOptions): Promise<Extraction> {
  const kind = kindOf(name, contentType);
  if (!kind) return { ...emptyExtraction(), unreadable: 'unsupported' };
  return read(kind, bytes, options, '', false);
}
