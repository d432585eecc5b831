import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng, renderColorIcon, renderOutlineIcon } from '../../scripts/makeIcons.js';
import { decodePng, nonWhitePixels } from './png.js';

// The icons Teams requires: color.png 192x192 in full colour, outline.png 32x32 white on a
// transparent background. Sizes come from the PNG header; the outline's pixels are decoded.

const APP_PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'appPackage');
const manifest = JSON.parse(readFileSync(join(APP_PACKAGE, 'manifest.json'), 'utf8')) as {
  icons: { color: string; outline: string };
  accentColor: string;
};
const colorFile = readFileSync(join(APP_PACKAGE, manifest.icons.color));
const outlineFile = readFileSync(join(APP_PACKAGE, manifest.icons.outline));

function headerSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR', 'first chunk');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('Teams app icons', () => {
  it('the manifest names color.png and outline.png', () => {
    assert.deepEqual(manifest.icons, { color: 'color.png', outline: 'outline.png' });
  });

  it('color.png is a 192x192 PNG', () => {
    assert.deepEqual(headerSize(colorFile), { width: 192, height: 192 });
  });

  it('outline.png is a 32x32 PNG', () => {
    assert.deepEqual(headerSize(outlineFile), { width: 32, height: 32 });
  });

  it('outline.png has only transparent or white pixels, and draws something', () => {
    const image = decodePng(outlineFile);
    assert.deepEqual({ width: image.width, height: image.height }, { width: 32, height: 32 });
    assert.ok([4, 6].includes(image.colorType), `colour type ${image.colorType} has no alpha channel`);
    assert.deepEqual(nonWhitePixels(image).slice(0, 5), []);
    let opaque = 0;
    let transparent = 0;
    for (let i = 3; i < image.rgba.length; i += 4) {
      if (image.rgba[i] === 255) opaque += 1;
      if (image.rgba[i] === 0) transparent += 1;
    }
    assert.ok(opaque >= 60, `only ${opaque} opaque pixels: the mark is too faint`);
    assert.ok(transparent >= 32 * 32 * 0.5, `only ${transparent} transparent pixels`);
  });

  it('the outline check finds a coloured or grey pixel', () => {
    const image = renderOutlineIcon();
    image.pixels.set([0x1f, 0x5a, 0xa6, 0x80], (5 * 32 + 7) * 4);
    const found = nonWhitePixels(decodePng(encodePng(image)));
    assert.deepEqual(found, [{ x: 7, y: 5, rgba: [0x1f, 0x5a, 0xa6, 0x80] }]);
  });

  it('color.png is opaque and in colour, on the accent colour', () => {
    const image = decodePng(colorFile);
    const colours = new Set<string>();
    for (let i = 0; i < image.rgba.length; i += 4) {
      assert.equal(image.rgba[i + 3], 255, `pixel ${i / 4} is not opaque`);
      colours.add([...image.rgba.subarray(i, i + 3)].map((value) => value.toString(16).padStart(2, '0')).join(''));
    }
    assert.ok(colours.size > 3, 'a single flat colour');
    assert.ok(colours.has(manifest.accentColor.slice(1).toLowerCase()), `no ${manifest.accentColor} pixel`);
  });

  it('the committed icons are what scripts/makeIcons.ts draws', () => {
    assert.deepEqual(decodePng(colorFile).rgba, renderColorIcon().pixels);
    assert.deepEqual(decodePng(outlineFile).rgba, renderOutlineIcon().pixels);
  });
});
