import { Unreadable, emptyExtraction, type ExtractOptions, type Extraction } from './extraction.js';
import { ocrImageBytes } from './ocr.js';

// A photo or screenshot: its text only through OCR. Its size in pixels is read from the header
// first, so a tiny file declaring a gigantic image never reaches tesseract.

const MAX_PIXELS = 40_000_000;

function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    const length = view.getUint16(offset + 2);
    // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}

export async function extractImage(bytes: Uint8Array, extension: 'png' | 'jpg', options: ExtractOptions, where = 'image'): Promise<Extraction> {
  const size = extension === 'png' ? pngSize(bytes) : jpegSize(bytes);
  if (!size || size.width === 0 || size.height === 0) throw new Unreadable('broken');
  if (size.width * size.height > MAX_PIXELS) throw new Unreadable('too-large');
  if (!options.ocr) throw new Unreadable('scanned-image');
  const text = await ocrImageBytes(bytes, extension, options);
  if (text.replace(/\s/g, '').length === 0) throw new Unreadable('scanned-image');
  return { ...emptyExtraction(), units: [{ where, text }], unitCount: 1, ocr: true };
}
