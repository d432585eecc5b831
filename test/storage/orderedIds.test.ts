import assert from 'node:assert/strict';
import { OrderedIds, type OrderedEntry } from '../../storage/files/orderedIds.js';

// The index's ordered lists (due timers, pending alerts): the order a tick and the outbox read
// must stay exact through any mix of inserts, moves and removals, across chunk splits.

function expectedOrder(model: Map<string, number>): OrderedEntry[] {
  return [...model].map(([claimId, at]) => ({ claimId, at })).sort((a, b) => a.at - b.at || (a.claimId < b.claimId ? -1 : a.claimId > b.claimId ? 1 : 0));
}

describe('OrderedIds', () => {
  it('keeps every claim in order of its instant, ties by id, through 20,000 random changes', () => {
    const ids = new OrderedIds();
    const model = new Map<string, number>();
    // A fixed linear congruential sequence, so a failure repeats.
    let seed = 12345;
    const random = (below: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % below;
    };
    for (let step = 0; step < 20_000; step += 1) {
      const claimId = `CPOR-2026-${String(random(3000)).padStart(6, '0')}`;
      const choice = random(10);
      if (choice < 7) {
        // Few distinct instants, so ties by id are common.
        const at = random(200) * 1000;
        ids.set(claimId, at);
        model.set(claimId, at);
      } else if (choice < 9) {
        ids.delete(claimId);
        model.delete(claimId);
      } else {
        ids.set(claimId, undefined);
        model.delete(claimId);
      }
      if (step % 2500 === 0) assert.deepEqual([...ids.ordered()], expectedOrder(model), `after step ${step}`);
    }
    assert.deepEqual([...ids.ordered()], expectedOrder(model));
    assert.equal(ids.size, model.size);
    assert.deepEqual(ids.first(), expectedOrder(model)[0]);
  });

  it('empties completely and fills again', () => {
    const ids = new OrderedIds();
    for (let n = 0; n < 1500; n += 1) ids.set(`c${n}`, 1500 - n);
    assert.deepEqual(ids.first(), { claimId: 'c1499', at: 1 });
    for (let n = 0; n < 1500; n += 1) ids.delete(`c${n}`);
    assert.equal(ids.size, 0);
    assert.equal(ids.first(), undefined);
    assert.deepEqual([...ids.ordered()], []);
    ids.set('again', 5);
    assert.deepEqual([...ids.ordered()], [{ claimId: 'again', at: 5 }]);
  });

  it('moves a claim whose instant changed, and leaves it when the instant is the same', () => {
    const ids = new OrderedIds();
    ids.set('a', 10);
    ids.set('b', 20);
    ids.set('a', 30);
    ids.set('b', 20);
    assert.deepEqual(
      [...ids.ordered()],
      [
        { claimId: 'b', at: 20 },
        { claimId: 'a', at: 30 },
      ],
    );
  });
});
