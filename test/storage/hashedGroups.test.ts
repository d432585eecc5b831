import assert from 'node:assert/strict';
import { HashedGroups } from '../../storage/files/hashedGroups.js';
import { numbersSharingAHash } from '../support/sharedHash.js';
import { seededRandom } from '../support/seededRandom.js';

// The index's groups by a hash of their key (a customer, a record key): the slots found under a
// key must be those added under it, through any mix of adds and removals, in the order they
// joined; a key sharing its hash with another only adds candidates, which callers check.

describe('HashedGroups', () => {
  it('answers as one Set per key would, through 20,000 random adds and removals', () => {
    const groups = new HashedGroups();
    const model = new Map<string, Set<number>>();
    const random = seededRandom(4242);
    const keys = Array.from({ length: 40 }, (_, n) => `key-${n}`);
    for (let step = 0; step < 20_000; step += 1) {
      const key = keys[random(keys.length)]!;
      // Few slots per key, so groups often pass between one, two and none.
      const slot = random(4);
      const group = model.get(key) ?? new Set();
      if (random(2) === 0) {
        // A slot is added under a key once, as the index does.
        if (!group.has(slot)) groups.add(key, slot);
        model.set(key, group.add(slot));
      } else {
        if (group.has(slot)) groups.delete(key, slot);
        group.delete(slot);
      }
      if (step % 2000 === 0)
        for (const each of keys) assert.deepEqual(new Set(groups.candidates(each)), model.get(each) ?? new Set(), `${each} at step ${step}`);
    }
    for (const key of keys) assert.deepEqual(new Set(groups.candidates(key)), model.get(key) ?? new Set());
  });

  it('keeps a slot under a shared hash until each key it was added under is taken back', () => {
    const groups = new HashedGroups();
    const [first, second] = numbersSharingAHash((n) => `m365:tenant:${n}`).map((n) => `m365:tenant:${n}`) as [string, string];
    groups.add(first, 7);
    groups.add(second, 7);
    groups.add(second, 9);
    assert.deepEqual(groups.candidates(first), [7, 9], 'each slot once, in the order it joined');

    groups.delete(first, 7);
    assert.deepEqual(groups.candidates(second), [7, 9]);
    groups.delete(second, 7);
    assert.deepEqual(groups.candidates(second), [9]);
    groups.delete(second, 9);
    assert.deepEqual(groups.candidates(first), []);
  });
});
