import assert from 'node:assert/strict';
import type { ClaimDocument } from '../../services/model.js';
import { ClaimIndex } from '../../storage/files/claimIndex.js';
import { CUSTOMER_TENANT, makeClaimDocument } from '../support/claimFixtures.js';

// The files engine's in-memory index. A write hands it a document read again (a copy of every
// string in it): what did not change is kept from before, so a claim costs the index one copy.

/** The document as a later read of its file gives it: equal values, new objects. */
function reread(document: ClaimDocument, change: (copy: ClaimDocument) => void): ClaimDocument {
  const copy = JSON.parse(JSON.stringify(document)) as ClaimDocument;
  change(copy);
  return copy;
}

describe('ClaimIndex (files engine)', () => {
  it('keeps the record keys a claim had when a write changes its status, and finds it by the new one', () => {
    const index = new ClaimIndex();
    const submitted = makeClaimDocument();
    const { id } = submitted.claim;
    index.put(submitted);
    const keys = index.get(id)!.recordKeys;
    assert.deepEqual(keys, [`m365:${CUSTOMER_TENANT}:Teams`, `m365:${CUSTOMER_TENANT}:Exchange`]);

    index.put(reread(submitted, (copy) => (copy.claim.status = 'InReview')));

    assert.equal(index.get(id)!.recordKeys, keys, 'the same array, not a copy beside it');
    assert.equal(index.get(id)!.status, 'InReview');
    assert.deepEqual(index.idsInStatuses(['InReview']), [id]);
    assert.deepEqual(index.idsInStatuses(['Submitted']), []);
    assert.deepEqual(index.activeIdsForKey(keys[0]!), [id]);
    assert.deepEqual(index.idsForCustomerTenant(CUSTOMER_TENANT), [id]);
  });

  it('takes the new record keys when a write changes them, and the old ones no longer find the claim', () => {
    const index = new ClaimIndex();
    const submitted = makeClaimDocument();
    const { id } = submitted.claim;
    index.put(submitted);

    index.put(reread(submitted, (copy) => (copy.claim.details.workloads = ['Teams'])));

    assert.deepEqual(index.get(id)!.recordKeys, [`m365:${CUSTOMER_TENANT}:Teams`]);
    assert.deepEqual(index.activeIdsForKey(`m365:${CUSTOMER_TENANT}:Exchange`), []);
    assert.deepEqual(index.activeIdsForKey(`m365:${CUSTOMER_TENANT}:Teams`), [id]);
  });

  it('finds a claim by its new words after a write changes them', () => {
    const index = new ClaimIndex();
    const submitted = reread(makeClaimDocument(), (copy) => (copy.claim.details.customerDomain = 'tailspin.example'));
    const { id } = submitted.claim;
    index.put(submitted);

    index.put(reread(submitted, (copy) => (copy.claim.details.customerDomain = 'northwind.example')));

    assert.deepEqual(index.search({ text: 'NORTHWIND', limit: 10 }), [id]);
    assert.deepEqual(index.search({ text: 'tailspin', limit: 10 }), []);
  });
});
