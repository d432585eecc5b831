import { Unreadable, emptyExtraction, type ExtractOptions, type Extraction } from './extraction.js';
import { ocrPdfPages } from './ocr.js';

// PDF text through pdfjs (legacy build: runs in Node without a canvas, text only). Pages with
// (almost) no text are scanned images: they go to OCR when it is available.

/** Fewer visible characters than this and a page counts as an image. */
const MIN_PAGE_TEXT = 8;

interface TextItemLike {
  str?: string;
  hasEOL?: boolean;
}

export async function extractPdf(bytes: Uint8Array, options: ExtractOptions, prefix = ''): Promise<Extraction> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  let document: Awaited<ReturnType<typeof pdfjs.getDocument>['promise']>;
  try {
    // pdfjs takes ownership of (detaches) the buffer it is given: hand it a copy.
    document = await pdfjs.getDocument({
      data: bytes.slice(),
      disableFontFace: true,
      useSystemFonts: false,
      verbosity: 0,
    }).promise;
  } catch (error) {
    if (error instanceof Error && error.name === 'PasswordException') throw new Unreadable('encrypted');
    throw new Unreadable('broken');
  }
  try {
    const result = emptyExtraction();
    const pages = Math.min(document.numPages, options.maxUnits);
    result.truncated = document.numPages > pages;
    result.unitCount = pages;
    const texts = new Map<number, string>();
    const scanned: number[] = [];
    for (let number = 1; number <= pages; number += 1) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      const text = (content.items as TextItemLike[]).map((item) => `${item.str ?? ''}${item.hasEOL ? '\n' : ' '}`).join('');
      page.cleanup();
      if (text.replace(/\s/g, '').length < MIN_PAGE_TEXT) scanned.push(number);
      else texts.set(number, text);
    }
    if (scanned.length && options.ocr) {
      const read = await ocrPdfPages(bytes, scanned.slice(0, options.maxOcrPages), options);
      if (scanned.length > options.maxOcrPages) result.truncated = true;
      for (const [number, text] of read) {
        if (text.trim()) texts.set(number, text);
      }
      result.ocr = read.size > 0;
    }
    if (texts.size === 0) throw new Unreadable(scanned.length ? 'scanned-image' : 'broken');
    result.units = [...texts].sort((a, b) => a[0] - b[0]).map(([number, text]) => ({ where: `${prefix}page ${number}`, text }));
    return result;
  } finally {
    await document.destroy();
  }
}
