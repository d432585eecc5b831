import { inflateSync } from 'node:zlib';

// A small PNG decoder for the icon tests: 8-bit greyscale, grey+alpha, RGB and RGBA, not
// interlaced, any filter type. Independent of the encoder in scripts/makeIcons.ts on purpose.

export interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
  /** RGBA, 4 bytes a pixel. */
  rgba: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

export function decodePng(data: Buffer): DecodedPng {
  if (!data.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: bad signature');
  let offset = 8;
  let header: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset < data.length && !ended) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') header = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') ended = true;
    offset += 12 + length;
  }
  if (!header || idat.length === 0 || !ended) throw new Error('not a PNG: IHDR, IDAT or IEND missing');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const bitDepth = header[8]!;
  const colorType = header[9]!;
  const channels = CHANNELS[colorType];
  if (bitDepth !== 8 || channels === undefined || header[12] !== 0) {
    throw new Error(`unsupported PNG: bit depth ${bitDepth}, colour type ${colorType}, interlace ${header[12]}`);
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== (stride + 1) * height) throw new Error('PNG data has the wrong length');
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x += 1) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const left = x >= channels ? out[y * stride + x - channels]! : 0;
      const up = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const upLeft = y > 0 && x >= channels ? out[(y - 1) * stride + x - channels]! : 0;
      let predictor: number;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = left; break;
        case 2: predictor = up; break;
        case 3: predictor = (left + up) >> 1; break;
        case 4: predictor = paeth(left, up, upLeft); break;
        default: throw new Error(`bad filter type ${filter} on row ${y}`);
      }
      out[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i += 1) {
    const source = out.subarray(i * channels, (i + 1) * channels);
    const [r, g, b, a] =
      colorType === 0 ? [source[0]!, source[0]!, source[0]!, 255]
      : colorType === 4 ? [source[0]!, source[0]!, source[0]!, source[1]!]
      : colorType === 2 ? [source[0]!, source[1]!, source[2]!, 255]
      : [source[0]!, source[1]!, source[2]!, source[3]!];
    rgba.set([r, g, b, a], i * 4);
  }
  return { width, height, colorType, bitDepth, rgba };
}

/** Pixels (x, y) that are neither fully transparent nor pure white. */
export function nonWhitePixels(image: DecodedPng): { x: number; y: number; rgba: number[] }[] {
  const found: { x: number; y: number; rgba: number[] }[] = [];
  for (let i = 0; i < image.width * image.height; i += 1) {
    const [r, g, b, a] = image.rgba.subarray(i * 4, i * 4 + 4);
    if (a !== 0 && (r !== 255 || g !== 255 || b !== 255)) {
      found.push({ x: i % image.width, y: Math.floor(i / image.width), rgba: [r!, g!, b!, a!] });
    }
  }
  return found;
}
