import assert from 'node:assert/strict';
import type { ClaimDocument } from '../../services/model.js';
import { summaryOf } from '../../storage/claimSummary.js';
import { ClaimIndex } from '../../storage/files/claimIndex.js';
import { NO_FILES_PRECHECK_MARK } from '../../services/precheckFacts.js';
import { CUSTOMER_TENANT, makeAlert, makeClaimDocument } from '../support/claimFixtures.js';
import { liveHeap } from '../support/liveHeap.js';
import { numbersSharingAHash } from '../support/sharedHash.js';

// The files engine's in-memory index: what each lookup finds after writes change a claim, and
// what it costs the JavaScript heap to hold many claims (their fields live in typed arrays).

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

    const inReview = reread(submitted, (copy) => (copy.claim.status = 'InReview'));
    index.put(inReview);

    assert.deepEqual(index.get(id), summaryOf(inReview), 'the summary the document gives, every field');
    assert.equal(index.get(id)!.status, 'InReview');
    assert.deepEqual(index.idsInStatuses(['InReview']), [id]);
    assert.deepEqual(index.idsInStatuses(['Submitted']), []);
    assert.deepEqual(index.activeIdsForKey(keys[0]!), [id]);
    assert.deepEqual(index.pageOf({ customerTenantId: CUSTOMER_TENANT }, { order: 'newest', limit: 10 }).ids, [id]);
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

    assert.deepEqual(index.search({ text: 'NORTHWIND', scope: 'all', limit: 10 }), [id]);
    assert.deepEqual(index.search({ text: 'tailspin', scope: 'all', limit: 10 }), []);
  });

  it('tells apart two record keys that share a hash: each finds only its own claim', () => {
    const index = new ClaimIndex();
    const subscriptionOf = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    const [first, second] = numbersSharingAHash((n) => `OSA:subscription:${subscriptionOf(n)}`).map(subscriptionOf) as [string, string];
    const osa = (subscriptionId: string): ClaimDocument =>
      makeClaimDocument({ details: { ...makeClaimDocument().claim.details, program: 'OSA', workloads: undefined, subscriptionId } });
    const a = osa(first);
    const b = osa(second);
    index.put(a);
    index.put(b);

    assert.deepEqual(index.activeIdsForKey(`OSA:subscription:${first}`), [a.claim.id]);
    assert.deepEqual(index.activeIdsForKey(`OSA:subscription:${second}`), [b.claim.id]);
    index.remove(a.claim.id);
    assert.deepEqual(index.activeIdsForKey(`OSA:subscription:${first}`), []);
    assert.deepEqual(index.activeIdsForKey(`OSA:subscription:${second}`), [b.claim.id]);
  });

  it('keeps an instant that is not in toISOString form as it was written', () => {
    const index = new ClaimIndex();
    const document = reread(makeClaimDocument(), (copy) => (copy.claim.statusSince = '2026-03-02T10:00:00Z'));
    index.put(document);
    assert.equal(index.get(document.claim.id)!.statusSince, '2026-03-02T10:00:00Z');
    assert.deepEqual(index.get(document.claim.id), summaryOf(document));
  });

  it('gives back the pending alerts and pre-check mark a write left, and the sweep leaves out a settled claim', () => {
    const index = new ClaimIndex();
    const submitted = makeClaimDocument();
    const { id } = submitted.claim;
    index.put(submitted);
    assert.deepEqual(index.pendingAlertsOf(id), { pendingAlerts: 0, pendingMark: undefined });
    assert.deepEqual(index.idsToPrecheck(['Submitted'], [NO_FILES_PRECHECK_MARK]), [], 'no files: settled');

    const alerted = reread(submitted, (copy) => {
      copy.claim.status = 'InReview';
      copy.outbox = [makeAlert(copy.claim, { id: 'alert-1' }), makeAlert(copy.claim, { id: 'alert-2' })];
    });
    index.put(alerted);
    const expected = summaryOf(alerted);
    assert.match(expected.pendingMark!, /^[0-9a-f]{12}$/);
    assert.deepEqual(index.get(id), expected);
    assert.deepEqual(index.pendingAlertsOf(id), { pendingAlerts: 2, pendingMark: expected.pendingMark });
    assert.deepEqual(index.idsToPrecheck(['InReview'], ['another-mark']), [id], 'a mark not settled: swept');
    assert.deepEqual(index.idsToPrecheck(['InReview'], [NO_FILES_PRECHECK_MARK]), []);
  });

  it("keeps a file's checked digest only with the write that gave it, not for the next claim in its slot", () => {
    const index = new ClaimIndex();
    const first = makeClaimDocument();
    index.put(first, 41);
    assert.equal(index.checkedDigestOf(first.claim.id), 41);
    index.put(first);
    assert.equal(index.checkedDigestOf(first.claim.id), undefined, 'a write with no digest: its file is checked when read');

    index.put(first, 42);
    index.remove(first.claim.id);
    const next = makeClaimDocument();
    index.put(next);
    assert.equal(index.checkedDigestOf(next.claim.id), undefined, "the slot given again does not carry the removed claim's digest");
  });

  it('holds 5,000 claims in under 400 bytes of JavaScript heap each (an object per claim took 985)', () => {
    const customerOf = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    const ids: string[] = [];
    const before = liveHeap();
    const index = new ClaimIndex();
    for (let n = 0; n < 5000; n += 1) {
      const document = reread(makeClaimDocument(), (copy) => {
        copy.claim.details.customerTenantId = customerOf(n);
        copy.claim.statusSince = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
      });
      index.put(document);
      ids.push(document.claim.id);
    }
    const perClaim = (liveHeap() - before) / ids.length;

    assert.ok(perClaim < 400, `${Math.round(perClaim)} bytes of heap a claim`);
    assert.equal(index.size, 5000);
    assert.deepEqual(index.pageOf({ customerTenantId: customerOf(0xabc).toUpperCase() }, { order: 'newest', limit: 10 }).ids, [ids[0xabc]]);
  });
});
