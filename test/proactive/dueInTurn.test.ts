import assert from 'node:assert/strict';
import { DueInTurn } from '../../bot/proactive/dueInTurn.js';

// The order delivery renews leases and checks waiting claims in (bot/proactive/outboxDelivery.ts).

describe('proactive: keys due in turn', () => {
  it('gives the keys whose interval has passed, oldest first, and keeps them until noted again', () => {
    const turns = new DueInTurn<string>(1000);
    turns.note('a', 0);
    turns.note('b', 400);
    turns.note('c', 900);
    assert.deepEqual(turns.due(999), []);
    assert.deepEqual(turns.due(1400), ['a', 'b']);
    assert.deepEqual(turns.due(1400), ['a', 'b'], 'still due: nothing noted them again');
    turns.note('a', 1400);
    assert.deepEqual(turns.due(1900), ['b', 'c'], 'noted again, a goes to the back');
    assert.deepEqual(turns.due(2400), ['b', 'c', 'a']);
  });

  it('forgets a key: it is no longer due, nor held', () => {
    const turns = new DueInTurn<string>(1000);
    turns.note('a', 0);
    turns.note('b', 0);
    turns.forget('a');
    assert.equal(turns.has('a'), false);
    assert.deepEqual(turns.due(5000), ['b']);
  });

  it('forgets a due key that is no longer wanted, and gives only those that are', () => {
    const turns = new DueInTurn<string>(1000);
    turns.note('a', 0);
    turns.note('b', 0);
    turns.note('c', 900);
    const wanted = new Set(['b', 'c']);
    assert.deepEqual(
      turns.due(1000, (key) => wanted.has(key)),
      ['b'],
    );
    assert.equal(turns.has('a'), false, 'forgotten, not left to be asked about again');
    assert.equal(turns.has('c'), true, 'not due yet: kept, whatever is wanted');
    wanted.add('a');
    assert.deepEqual(
      turns.due(2000, (key) => wanted.has(key)),
      ['b', 'c'],
      'a forgotten stays forgotten',
    );
  });

  it('makes every key due when the clock was set back, even those noted before the time it now reads', () => {
    const turns = new DueInTurn<string>(60_000);
    turns.note('a', 0);
    turns.note('b', 120_000);
    assert.deepEqual(turns.due(120_000), ['a']);
    // Set back to 30 s: a was noted 30 s "ago", b in the "future"; the times noted mean nothing now.
    assert.deepEqual(turns.due(30_000), ['a', 'b']);
    turns.note('a', 30_000);
    turns.note('b', 30_000);
    assert.deepEqual(turns.due(60_000), [], 'once noted again at the new time, each waits its interval');
    assert.deepEqual(turns.due(90_000), ['a', 'b']);
  });

  it('counts a time noted after the last question: a question before it means the clock went back', () => {
    const turns = new DueInTurn<string>(60_000);
    turns.note('a', 10_000);
    turns.note('b', 50_000);
    assert.deepEqual(turns.due(20_000), ['a', 'b']);
  });
});
