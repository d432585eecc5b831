import { Inflate } from 'fflate';
import { Unreadable } from './extraction.js';

// A small ZIP reader for Office files with a budget: what the central directory declares is
// checked before anything is inflated, and what actually comes out is counted as it comes, so a
// zip bomb (declared honestly or not) stops at the budget instead of filling the memory.

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  declaredSize: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Compressed bytes pushed at a time: one push inflates to at most about 1,000 times this. */
const SLICE = 16 * 1024;

export function listZip(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let offset = bytes.length - 22; offset >= Math.max(0, bytes.length - 22 - 65_535); offset -= 1) {
    if (view.getUint32(offset, true) === EOCD) {
      end = offset;
      break;
    }
  }
  if (end < 0) throw new Unreadable('broken');
  const count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  const entries: ZipEntry[] = [];
  const decoder = new TextDecoder();
  for (let index = 0; index < count; index += 1) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== CENTRAL) throw new Unreadable('broken');
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    entries.push({
      method: view.getUint16(offset + 10, true),
      compressedSize: view.getUint32(offset + 20, true),
      declaredSize: view.getUint32(offset + 24, true),
      localOffset: view.getUint32(offset + 42, true),
      name: decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLength)),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** What may still be inflated, shared by every entry read from one file. */
export interface InflateBudget {
  remaining: number;
}

export function readEntry(bytes: Uint8Array, entry: ZipEntry, budget: InflateBudget): Uint8Array {
  if (entry.declaredSize > budget.remaining) throw new Unreadable('too-large');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localOffset;
  if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) throw new Unreadable('broken');
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (data.length < entry.compressedSize) throw new Unreadable('broken');
  if (entry.method === 0) {
    budget.remaining -= data.length;
    if (budget.remaining < 0) throw new Unreadable('too-large');
    return data;
  }
  if (entry.method !== 8) throw new Unreadable('unsupported');
  const chunks: Uint8Array[] = [];
  let over = false;
  const inflate = new Inflate((chunk) => {
    budget.remaining -= chunk.length;
    if (budget.remaining < 0) over = true;
    else chunks.push(chunk);
  });
  try {
    for (let offset = 0; offset < data.length && !over; offset += SLICE) {
      inflate.push(data.subarray(offset, offset + SLICE), offset + SLICE >= data.length);
    }
  } catch {
    throw new Unreadable('broken');
  }
  if (over) throw new Unreadable('too-large');
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
