import assert from 'node:assert/strict';
import { deepFreeze } from '../../../services/store/deepFreeze.js';

describe('deepFreeze', () => {
  it('freezes every object and list of a stored document, however deep', () => {
    const document = JSON.parse(
      '{"claim":{"id":"CPOR-2026-000001","history":[{"at":"2026-01-05T09:00:00.000Z","data":{"files":[{"id":"f1","tags":["a"]}]}}],"details":{"workloads":["Teams"]}},"outbox":[]}',
    ) as { claim: { history: Array<{ data: { files: Array<{ tags: string[] }> } }>; details: { workloads: string[] } }; outbox: unknown[] };
    const returned = deepFreeze(document);
    assert.equal(returned, document, 'the value itself comes back, not a copy');
    const entry = document.claim.history[0]!;
    for (const part of [
      document,
      document.claim,
      document.claim.history,
      entry,
      entry.data,
      entry.data.files,
      entry.data.files[0]!,
      entry.data.files[0]!.tags,
      document.claim.details.workloads,
      document.outbox,
    ]) {
      assert.ok(Object.isFrozen(part), JSON.stringify(part));
    }
    assert.throws(() => entry.data.files[0]!.tags.push('b'), TypeError);
  });

  it('leaves a frozen part as it is and returns other values unchanged', () => {
    const shared = Object.freeze({ inner: { open: true } });
    deepFreeze({ shared, fresh: { list: [1] } });
    assert.equal(Object.isFrozen(shared.inner), false, 'a frozen object is taken as frozen all the way down');
    assert.equal(deepFreeze('text'), 'text');
    assert.equal(deepFreeze(null), null);
    assert.equal(deepFreeze(7), 7);
  });
});
