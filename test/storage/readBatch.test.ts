import assert from 'node:assert/strict';
import sinon from 'sinon';
import { ReadBatch } from '../../storage/postgres/readBatch.js';

describe('ReadBatch', () => {
  const rowsOf = (keys: string[]) => new Map(keys.filter((key) => key !== 'missing').map((key) => [key, { key }]));

  it('reads the keys asked for in one turn of the event loop with one fetch, each reader getting its own row', async () => {
    const fetched: string[][] = [];
    const batch = new ReadBatch(async (keys) => {
      fetched.push(keys);
      return rowsOf(keys);
    });
    const answers = await Promise.all(['a', 'b', 'a', 'missing'].map((key) => batch.read(key)));
    assert.deepEqual(answers, [{ key: 'a' }, { key: 'b' }, { key: 'a' }, undefined]);
    assert.deepEqual(fetched, [['a', 'b', 'missing']]);

    assert.deepEqual(await batch.read('c'), { key: 'c' });
    assert.deepEqual(fetched, [['a', 'b', 'missing'], ['c']]);
  });

  it('asks for at most maxKeys keys a fetch', async () => {
    const fetched: string[][] = [];
    const batch = new ReadBatch(async (keys) => {
      fetched.push(keys);
      return rowsOf(keys);
    }, 2);
    const answers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => batch.read(key)));
    assert.deepEqual(
      answers.map((answer) => answer?.key),
      ['a', 'b', 'c', 'd', 'e'],
    );
    assert.deepEqual(fetched, [['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fails the readers of a failed fetch only, and reads again afterwards', async () => {
    const batch = new ReadBatch(async (keys) => {
      if (keys.includes('broken')) throw new Error('database away');
      return rowsOf(keys);
    }, 1);
    const [broken, fine] = await Promise.allSettled([batch.read('broken'), batch.read('a')]);
    assert.equal(broken.status, 'rejected');
    assert.equal((broken as PromiseRejectedResult).reason.message, 'database away');
    assert.deepEqual((fine as PromiseFulfilledResult<unknown>).value, { key: 'a' });
    assert.deepEqual(await batch.read('b'), { key: 'b' });
  });

  it('is not held back by fake timers', async () => {
    const batch = new ReadBatch(async (keys) => rowsOf(keys));
    const clock = sinon.useFakeTimers();
    try {
      assert.deepEqual(await batch.read('a'), { key: 'a' });
    } finally {
      clock.restore();
    }
  });
});
