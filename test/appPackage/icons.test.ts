import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

// The icons Teams requires: color.png 192x192 in full colour, outline.png 32x32 white on a
// transparent background. The committed files are decoded (pngjs) and their pixels checked.

const APP_PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'appPackage');
const manifest = JSON.parse(readFileSync(join(APP_PACKAGE, 'manifest.json'), 'utf8')) as {
  icons: { color: string; outline: string };
  accentColor: string;
};
const color = PNG.sync.read(readFileSync(join(APP_PACKAGE, manifest.icons.color)));
const outline = PNG.sync.read(readFileSync(join(APP_PACKAGE, manifest.icons.outline)));

/** Pixels that are neither fully transparent nor white (Teams shows the outline icon as a mask). */
function nonWhitePixels(image: PNG): { x: number; y: number; rgba: number[] }[] {
  const found: { x: number; y: number; rgba: number[] }[] = [];
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b, a] = [...image.data.subarray(i, i + 4)] as [number, number, number, number];
    if (a !== 0 && (r !== 255 || g !== 255 || b !== 255)) found.push({ x: (i / 4) % image.width, y: Math.floor(i / 4 / image.width), rgba: [r, g, b, a] });
  }
  return found;
}

describe('Teams app icons', () => {
  it('the manifest names color.png and outline.png', () => {
    assert.deepEqual(manifest.icons, { color: 'color.png', outline: 'outline.png' });
  });

  it('color.png is a 192x192 PNG, outline.png 32x32', () => {
    assert.deepEqual({ width: color.width, height: color.height }, { width: 192, height: 192 });
    assert.deepEqual({ width: outline.width, height: outline.height }, { width: 32, height: 32 });
  });

  it('outline.png has only transparent or white pixels, and draws something', () => {
    assert.deepEqual(nonWhitePixels(outline).slice(0, 5), []);
    let opaque = 0;
    let transparent = 0;
    for (let i = 3; i < outline.data.length; i += 4) {
      if (outline.data[i] === 255) opaque += 1;
      if (outline.data[i] === 0) transparent += 1;
    }
    assert.ok(opaque >= 60, `only ${opaque} opaque pixels: the mark is too faint`);
    assert.ok(transparent >= 32 * 32 * 0.5, `only ${transparent} transparent pixels`);
  });

  it('the outline check finds a coloured or grey pixel', () => {
    const tinted = PNG.sync.read(PNG.sync.write(outline));
    tinted.data.set([0x1f, 0x5a, 0xa6, 0x80], (5 * 32 + 7) * 4);
    assert.deepEqual(nonWhitePixels(tinted), [{ x: 7, y: 5, rgba: [0x1f, 0x5a, 0xa6, 0x80] }]);
  });

  it('color.png is opaque and in colour, on the accent colour', () => {
    const colours = new Set<string>();
    for (let i = 0; i < color.data.length; i += 4) {
      assert.equal(color.data[i + 3], 255, `pixel ${i / 4} is not opaque`);
      colours.add([...color.data.subarray(i, i + 3)].map((value) => value.toString(16).padStart(2, '0')).join(''));
    }
    assert.ok(colours.size > 3, 'a single flat colour');
    assert.ok(colours.has(manifest.accentColor.slice(1).toLowerCase()), `no ${manifest.accentColor} pixel`);
  });
});
