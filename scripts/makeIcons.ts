import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

// Draws the two Teams app icons and writes them as PNG files, with nothing but Node: shapes are
// described as coverage functions over the unit square, sampled 8x8 per pixel for smooth edges,
// and encoded by the small PNG writer below (8-bit RGBA, filter 0, one zlib stream).
//
//   npx tsx scripts/makeIcons.ts [outputFolder]      (default: appPackage/)
//
// - color.png (192x192): the full-colour icon. A blue tile with a white claim form and a green
//   "approved" badge carrying a check mark.
// - outline.png (32x32): the same mark as white strokes on a transparent background, as Teams
//   requires: every pixel is either fully transparent or white with some alpha.

export interface RgbaImage {
  width: number;
  height: number;
  /** width * height * 4 bytes, row by row, RGBA. */
  pixels: Uint8Array;
}

type Rgb = readonly [number, number, number];

/** The brand colour; the manifest's accentColor is the same. */
export const ACCENT: Rgb = [0x1f, 0x5a, 0xa6];
const WHITE: Rgb = [0xff, 0xff, 0xff];
const GREEN: Rgb = [0x2e, 0x9e, 0x5b];
const LINE: Rgb = [0x9d, 0xb7, 0xdb];

// ---------------------------------------------------------------------------------------------
// Geometry: signed distances in unit coordinates (negative inside).

function roundedRect(x: number, y: number, x0: number, y0: number, x1: number, y1: number, r: number): number {
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const qx = Math.abs(x - cx) - ((x1 - x0) / 2 - r);
  const qy = Math.abs(y - cy) - ((y1 - y0) / 2 - r);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - r;
}

function circle(x: number, y: number, cx: number, cy: number, r: number): number {
  return Math.hypot(x - cx, y - cy) - r;
}

function segment(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

/** A polyline of the given half-width, with round joins and caps. */
function stroke(x: number, y: number, points: readonly (readonly [number, number])[], halfWidth: number): number {
  let distance = Infinity;
  for (let i = 1; i < points.length; i += 1) {
    const [ax, ay] = points[i - 1]!;
    const [bx, by] = points[i]!;
    distance = Math.min(distance, segment(x, y, ax, ay, bx, by));
  }
  return distance - halfWidth;
}

// ---------------------------------------------------------------------------------------------
// Rendering: layers painted back to front, each a colour and an "inside" test.

interface Layer {
  color: Rgb;
  inside: (x: number, y: number) => boolean;
}

const SAMPLES = 8;

function render(size: number, layers: readonly Layer[]): RgbaImage {
  const pixels = new Uint8Array(size * size * 4);
  const step = 1 / (size * SAMPLES);
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      // Premultiplied accumulation over the sub-samples.
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SAMPLES; sy += 1) {
        for (let sx = 0; sx < SAMPLES; sx += 1) {
          const x = (px * SAMPLES + sx + 0.5) * step;
          const y = (py * SAMPLES + sy + 0.5) * step;
          let top: Rgb | undefined;
          for (const layer of layers) if (layer.inside(x, y)) top = layer.color;
          if (top) {
            r += top[0];
            g += top[1];
            b += top[2];
            a += 1;
          }
        }
      }
      const offset = (py * size + px) * 4;
      if (a > 0) {
        pixels[offset] = Math.round(r / a);
        pixels[offset + 1] = Math.round(g / a);
        pixels[offset + 2] = Math.round(b / a);
        pixels[offset + 3] = Math.round((a / (SAMPLES * SAMPLES)) * 255);
      }
    }
  }
  return { width: size, height: size, pixels };
}

// The mark: a claim form (page with text lines) and an approval badge with a check mark.
const PAGE = { x0: 0.25, y0: 0.17, x1: 0.67, y1: 0.79, r: 0.045 } as const;
const BADGE = { cx: 0.68, cy: 0.7, r: 0.17 } as const;
const CHECK: readonly (readonly [number, number])[] = [
  [0.6, 0.705],
  [0.66, 0.765],
  [0.765, 0.645],
];
const TEXT_LINES = [0.31, 0.41, 0.51, 0.61];

export function renderColorIcon(size = 192): RgbaImage {
  return render(size, [
    { color: ACCENT, inside: () => true },
    { color: WHITE, inside: (x, y) => roundedRect(x, y, PAGE.x0, PAGE.y0, PAGE.x1, PAGE.y1, PAGE.r) <= 0 },
    ...TEXT_LINES.map((lineY, index): Layer => ({
      color: LINE,
      inside: (x, y) => stroke(x, y, [[0.33, lineY], [index === 0 ? 0.59 : 0.5, lineY]], 0.018) <= 0,
    })),
    // A blue ring around the badge separates it from the page.
    { color: ACCENT, inside: (x, y) => circle(x, y, BADGE.cx, BADGE.cy, BADGE.r + 0.03) <= 0 },
    { color: GREEN, inside: (x, y) => circle(x, y, BADGE.cx, BADGE.cy, BADGE.r) <= 0 },
    { color: WHITE, inside: (x, y) => stroke(x, y, CHECK, 0.028) <= 0 },
  ]);
}

export function renderOutlineIcon(size = 32): RgbaImage {
  // Strokes thick enough to read at 32 pixels (about 2 pixels wide).
  const half = 1 / size;
  return render(size, [
    {
      color: WHITE,
      inside: (x, y) => {
        const page = Math.abs(roundedRect(x, y, 0.16, 0.09, 0.7, 0.88, 0.06)) - half <= 0;
        // Leave a gap in the page outline where the badge overlaps it.
        const nearBadge = circle(x, y, 0.7, 0.72, 0.26) <= 0;
        const lines = [0.3, 0.46].some((lineY) => stroke(x, y, [[0.3, lineY], [0.56, lineY]], half) <= 0);
        const badge = Math.abs(circle(x, y, 0.7, 0.72, 0.2)) - half <= 0;
        const check = stroke(x, y, [[0.6, 0.72], [0.67, 0.8], [0.8, 0.64]], half) <= 0;
        return (page && !nearBadge) || (lines && !nearBadge) || badge || check;
      },
    },
  ]);
}

// ---------------------------------------------------------------------------------------------
// PNG encoding (https://www.w3.org/TR/png/): signature, IHDR, one IDAT, IEND.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng(image: RgbaImage): Buffer {
  const { width, height, pixels } = image;
  if (pixels.length !== width * height * 4) throw new Error('pixel buffer does not match the image size');
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method
  header[12] = 0; // no interlace
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let row = 0; row < height; row += 1) {
    raw[row * (stride + 1)] = 0; // filter type None
    raw.set(pixels.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const APP_PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'appPackage');

export function writeIcons(folder = APP_PACKAGE_DIR): string[] {
  const written = [join(folder, 'color.png'), join(folder, 'outline.png')];
  writeFileSync(written[0]!, encodePng(renderColorIcon()));
  writeFileSync(written[1]!, encodePng(renderOutlineIcon()));
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const file of writeIcons(process.argv[2] ? resolve(process.argv[2]) : APP_PACKAGE_DIR)) {
    console.log(`wrote ${file}`);
  }
}
