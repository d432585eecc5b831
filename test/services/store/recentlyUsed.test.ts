import assert from 'node:assert/strict';
import { RecentlyUsed } from '../../../services/store/recentlyUsed.js';

describe('RecentlyUsed', () => {
  it('keeps at most its limit, dropping the entry used longest ago', () => {
    const kept = new RecentlyUsed<number>(2);
    kept.set('a', 1);
    kept.set('b', 2);
    assert.equal(kept.get('a'), 1); // 'b' is now the one used longest ago
    kept.set('c', 3);
    assert.equal(kept.size, 2);
    assert.equal(kept.get('b'), undefined);
    assert.equal(kept.get('a'), 1);
    assert.equal(kept.get('c'), 3);
  });

  it('replacing a value counts as a use and does not grow it', () => {
    const kept = new RecentlyUsed<number>(2);
    kept.set('a', 1);
    kept.set('b', 2);
    kept.set('a', 10);
    kept.set('c', 3);
    assert.equal(kept.get('a'), 10);
    assert.equal(kept.get('b'), undefined);
    assert.equal(kept.size, 2);
  });

  it('deletes with a value only while the key still holds it', () => {
    const kept = new RecentlyUsed<string>(4);
    kept.set('k', 'first');
    kept.set('k', 'second');
    kept.delete('k', 'first');
    assert.equal(kept.get('k'), 'second');
    kept.delete('k', 'second');
    assert.equal(kept.get('k'), undefined);
    kept.set('j', 'any');
    kept.delete('j');
    assert.equal(kept.size, 0);
  });

  it('bounds what the entries weigh together, and keeps none heavier than the whole limit', () => {
    const kept = new RecentlyUsed<string>(10);
    kept.set('a', 'aaaa', 4);
    kept.set('b', 'bbbb', 4);
    kept.set('a', 'aaaaa', 5); // replaced: weighs 5 now, not 9
    assert.equal(kept.weight, 9);
    kept.set('c', 'cc', 2); // 11: 'b' was used longest ago
    assert.equal(kept.get('b'), undefined);
    assert.equal(kept.weight, 7);
    kept.set('huge', 'x'.repeat(11), 11);
    assert.equal(kept.get('huge'), undefined);
    assert.equal(kept.size, 0);
    assert.equal(kept.weight, 0);
  });
});
