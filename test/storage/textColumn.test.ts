import assert from 'node:assert/strict';
import { TextColumn } from '../../storage/files/textColumn.js';
import { seededRandom } from '../support/seededRandom.js';

// The index's texts by slot (search words, summary strings) in one buffer: every slot must read
// back what was last set, through growth, rewrites and the compactions that drop old copies.

describe('TextColumn', () => {
  it('reads back the text last set in each slot through 30,000 random changes', () => {
    const column = new TextColumn();
    const model = new Map<number, string>();
    const random = seededRandom(4242);
    for (let step = 0; step < 30_000; step += 1) {
      const slot = random(2000);
      if (random(10) < 8) {
        // Lengths from 0 to about 600 bytes, some with characters of two and three bytes.
        const text = `słot ${slot} ✓ `.repeat(random(40));
        column.set(slot, text);
        model.set(slot, text);
      } else {
        column.delete(slot);
        model.delete(slot);
      }
    }
    for (let slot = 0; slot < 2000; slot += 1) assert.equal(column.get(slot), model.get(slot), `slot ${slot}`);
  });

  it('finds a word inside a slot only, never across the texts beside it', () => {
    const column = new TextColumn();
    column.set(0, 'contoso fabrikam');
    column.set(1, 'northwind');
    column.set(0, 'tailspin');
    const word = (text: string): Buffer => Buffer.from(text);

    assert.equal(column.includes(0, word('tailspin')), true);
    assert.equal(column.includes(0, word('fabrikam')), false, 'the old text no longer counts');
    assert.equal(column.includes(1, word('north')), true);
    assert.equal(column.includes(1, word('windtail')), false, 'texts written one after the other do not join');
    assert.equal(column.includes(2, word('')), false, 'an empty slot holds nothing');
    column.delete(1);
    assert.equal(column.includes(1, word('north')), false);
    assert.equal(column.get(1), undefined);
  });
});
