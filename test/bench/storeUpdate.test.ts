import assert from 'node:assert/strict';
import { withOneMoreChange } from '../../bench/storeUpdate.js';
import { deepFreeze } from '../../services/store/deepFreeze.js';
import { makeClaimDocument } from '../support/claimFixtures.js';

// The store benches' change: applied to a document as the store hands it out (frozen, shared).

describe('bench store change (withOneMoreChange)', () => {
  it('changes a copy of a frozen stored document: one more version, history entry and alert', () => {
    const stored = deepFreeze(makeClaimDocument());
    const next = withOneMoreChange(stored);
    assert.equal(next.claim.version, stored.claim.version + 1);
    assert.equal(next.claim.history.length, stored.claim.history.length + 1);
    assert.equal(next.outbox.length, stored.outbox.length + 1);
    assert.equal(stored.claim.version, 1, 'the stored document is left as it was');
  });
});
