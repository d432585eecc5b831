import assert from 'node:assert/strict';
import { OrderedSlots, type OrderedEntry } from '../../storage/files/orderedSlots.js';
import { seededRandom } from '../support/seededRandom.js';

// The index's ordered lists (due timers, pending alerts): the order a tick and the outbox read
// must stay exact through any mix of inserts, moves and removals, across chunk splits. Ties go by
// the claims' ids, which here are not in the order of their slots.

/** Slot n holds the claim with this id: descending while the slots ascend. */
const idOf = (slot: number): string => `CPOR-2026-${String(999_999 - slot).padStart(6, '0')}`;
const byId = (a: number, b: number): number => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0);

function expectedOrder(model: Map<number, number>): OrderedEntry[] {
  return [...model].map(([slot, at]) => ({ slot, at })).sort((a, b) => a.at - b.at || byId(a.slot, b.slot));
}

describe('OrderedSlots', () => {
  it('keeps every claim in order of its instant, ties by id, through 20,000 random changes', () => {
    const ids = new OrderedSlots(byId);
    const model = new Map<number, number>();
    const random = seededRandom(12345);
    for (let step = 0; step < 20_000; step += 1) {
      const slot = random(3000);
      const choice = random(10);
      if (choice < 7) {
        // Few distinct instants, so ties by id are common.
        const at = random(200) * 1000;
        ids.set(slot, at);
        model.set(slot, at);
      } else if (choice < 9) {
        ids.delete(slot);
        model.delete(slot);
      } else {
        ids.set(slot, undefined);
        model.delete(slot);
      }
      if (step % 2500 === 0) assert.deepEqual([...ids.ordered()], expectedOrder(model), `after step ${step}`);
    }
    assert.deepEqual([...ids.ordered()], expectedOrder(model));
    assert.equal(ids.size, model.size);
    assert.deepEqual(ids.first(), expectedOrder(model)[0]);
    const shuffled = [...model.keys()].reverse();
    assert.deepEqual(
      ids.orderedAmong([...shuffled, ...shuffled, 3001]),
      expectedOrder(model).map((entry) => entry.slot),
    );
  });

  it('empties completely and fills again', () => {
    const ids = new OrderedSlots(byId);
    for (let n = 0; n < 1500; n += 1) ids.set(n, 1500 - n);
    assert.deepEqual(ids.first(), { slot: 1499, at: 1 });
    for (let n = 0; n < 1500; n += 1) ids.delete(n);
    assert.equal(ids.size, 0);
    assert.equal(ids.first(), undefined);
    assert.deepEqual([...ids.ordered()], []);
    ids.set(7, 5);
    assert.deepEqual([...ids.ordered()], [{ slot: 7, at: 5 }]);
  });

  it('moves a claim whose instant changed, and leaves it when the instant is the same', () => {
    const ids = new OrderedSlots(byId);
    ids.set(1, 10);
    ids.set(2, 20);
    ids.set(1, 30);
    ids.set(2, 20);
    assert.deepEqual(
      [...ids.ordered()],
      [
        { slot: 2, at: 20 },
        { slot: 1, at: 30 },
      ],
    );
    assert.equal(ids.at(1), 30);
    assert.equal(ids.at(3), undefined);
  });
});
