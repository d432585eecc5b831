import assert from 'node:assert/strict';
import { IdGroups } from '../../storage/files/idGroups.js';

// The index's groups (claims of an organisation, a customer, a status, a record key): a group of
// one is kept as the bare id, so the answers must stay those of one Set per key through any mix
// of adds and removals, in the order the ids joined.

describe('IdGroups', () => {
  it('answers as one Set per key would, through 20,000 random adds and removals', () => {
    const groups = new IdGroups();
    const model = new Map<string, Set<string>>();
    // A fixed linear congruential sequence, so a failure repeats.
    let seed = 4242;
    const random = (below: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % below;
    };
    const keys = Array.from({ length: 40 }, (_, n) => `key-${n}`);
    for (let step = 0; step < 20_000; step += 1) {
      const key = keys[random(keys.length)]!;
      // Few ids per key, so groups often pass between one, two and none.
      const id = `CPOR-2026-${String(random(4)).padStart(6, '0')}`;
      if (random(2) === 0) {
        groups.add(key, id);
        if (!model.has(key)) model.set(key, new Set());
        model.get(key)!.add(id);
      } else {
        groups.delete(key, id);
        model.get(key)?.delete(id);
        if (model.get(key)?.size === 0) model.delete(key);
      }
      if (step % 500 === 0) for (const each of keys) assert.deepEqual(groups.ids(each), [...(model.get(each) ?? [])], `${each} after step ${step}`);
    }
    for (const each of keys) assert.deepEqual(groups.ids(each), [...(model.get(each) ?? [])], each);
  });

  it('keeps one id once, leaves a group alone when another id is removed, and forgets an emptied key', () => {
    const groups = new IdGroups();
    groups.add('contoso', 'a');
    groups.add('contoso', 'a');
    assert.deepEqual(groups.ids('contoso'), ['a']);
    groups.delete('contoso', 'b');
    assert.deepEqual(groups.ids('contoso'), ['a']);
    groups.add('contoso', 'b');
    groups.add('contoso', 'c');
    groups.delete('contoso', 'a');
    groups.delete('contoso', 'c');
    assert.deepEqual(groups.ids('contoso'), ['b']);
    groups.add('contoso', 'd');
    assert.deepEqual(groups.ids('contoso'), ['b', 'd']);
    groups.delete('contoso', 'b');
    groups.delete('contoso', 'd');
    assert.deepEqual(groups.ids('contoso'), []);
    assert.deepEqual(groups.ids('fabrikam'), []);
  });

  it('hands each caller an array of its own', () => {
    const groups = new IdGroups();
    groups.add('contoso', 'a');
    groups.ids('contoso').push('changed by a caller');
    groups.add('fabrikam', 'x');
    groups.add('fabrikam', 'y');
    groups.ids('fabrikam').pop();
    assert.deepEqual(groups.ids('contoso'), ['a']);
    assert.deepEqual(groups.ids('fabrikam'), ['x', 'y']);
  });
});
