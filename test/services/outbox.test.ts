import assert from 'node:assert/strict';
import { settled } from '../../services/claims/outbox.js';
import { claimAt, createHarness, m365Details, reviewer, type Harness } from '../support/serviceHarness.js';

// The outbox as the delivery worker sees it: pending alerts oldest first, and delivery reports
// that make `sent` final.

describe('outbox', () => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await createHarness();
  });
  afterEach(async () => harness.cleanup());

  it('lists pending alerts across claims, oldest first, and survives a restart', async () => {
    const first = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
    harness.clock.advance(1000);
    const second = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Viva'] }));
    const pending = await harness.service.pendingAlerts();
    assert.deepEqual(
      pending.map((alert) => [alert.claimId, alert.kind]),
      [
        [first.id, 'claim-submitted'],
        [first.id, 'submission-receipt'],
        [second.id, 'claim-submitted'],
        [second.id, 'submission-receipt'],
      ],
    );
    harness = await harness.restart();
    assert.equal((await harness.service.pendingAlerts()).length, 4);
    assert.equal((await harness.service.pendingAlerts(1)).length, 1);
  });

  it('a sent alert stays sent; a failed attempt is counted; a dead one leaves the queue', async () => {
    const claim = await claimAt(harness, 'Submitted');
    const [receiptForReviewers, receipt] = await harness.service.pendingAlerts();
    const failed = await harness.service.recordDelivery(claim.id, receiptForReviewers!.id, { state: 'pending', error: '503' });
    assert.deepEqual([failed?.state, failed?.attempts, failed?.lastError], ['pending', 1, '503']);
    const sent = await harness.service.recordDelivery(claim.id, receiptForReviewers!.id, { state: 'sent' });
    assert.equal(sent?.state, 'sent');
    assert.equal(sent?.attempts, 2);
    const late = await harness.service.recordDelivery(claim.id, receiptForReviewers!.id, { state: 'dead', error: 'x' });
    assert.equal(late?.state, 'sent');
    await harness.service.recordDelivery(claim.id, receipt!.id, { state: 'dead', error: '403 ConversationBlockedByUser' });
    assert.deepEqual(await harness.service.pendingAlerts(), []);
    assert.deepEqual(await harness.repository.idsWithPendingAlerts(), []);
    // Recording a delivery is not a change of the claim: cards showing it stay current.
    const reread = (await harness.repository.get(claim.id))!.claim;
    assert.equal(reread.version, claim.version);
  });

  it('keeps a sent alert without its snapshot, a pending or dead one with it', async () => {
    const claim = await claimAt(harness, 'InReview');
    const alerts = (await harness.repository.get(claim.id))!.outbox;
    const [pending, dead, ...retried] = alerts.filter((alert) => alert.state === 'pending');
    assert.ok(pending && dead, 'the claim has alerts to deliver');
    assert.ok(Object.keys(pending.data).length > 0, 'a recorded alert carries its snapshot');
    const delivered = await harness.service.recordDelivery(claim.id, pending.id, { state: 'sent' });
    // The delivery worker is answered with the alert as it was posted.
    assert.deepEqual(asStored(delivered?.data), asStored(pending.data));
    await harness.service.recordDelivery(claim.id, dead.id, { state: 'dead', error: '403 ConversationBlockedByUser' });
    for (const alert of retried) await harness.service.recordDelivery(claim.id, alert.id, { state: 'pending', error: '503' });

    harness = await harness.restart();
    const stored = new Map((await harness.repository.get(claim.id))!.outbox.map((alert) => [alert.id, alert]));
    assert.deepEqual(stored.get(pending.id)?.data, {});
    assert.deepEqual(
      [stored.get(pending.id)?.state, stored.get(pending.id)?.kind, stored.get(pending.id)?.to, stored.get(pending.id)?.dedupeKey],
      ['sent', pending.kind, pending.to, pending.dedupeKey],
    );
    assert.deepEqual(stored.get(dead.id)?.data, asStored(dead.data));
    for (const alert of retried) assert.deepEqual(stored.get(alert.id)?.data, asStored(alert.data));
  });

  it('a sent alert to one reviewer still names that reviewer', async () => {
    const claim = await claimAt(harness, 'InReview');
    const [recorded] = (await harness.repository.get(claim.id))!.outbox;
    const toReviewer = {
      ...recorded!,
      to: 'reviewer' as const,
      state: 'sent' as const,
      data: { ...recorded!.data, reviewerId: 'megan', reviewerTenantId: 'review-tenant' },
    };
    assert.deepEqual(settled(toReviewer).data, { reviewerId: 'megan', reviewerTenantId: 'review-tenant' });
    assert.deepEqual(settled({ ...toReviewer, state: 'pending' }).data, toReviewer.data);
  });

  it('the oldest alerts come first even when a claim with older alerts gets a new one', async () => {
    const first = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
    harness.clock.advance(1000);
    const second = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Viva'] }));
    harness.clock.advance(1000);
    await harness.service.comment(reviewer(), first.id, first.version, { text: 'A question.' });
    const oldest = await harness.service.pendingAlerts(3);
    assert.deepEqual(
      oldest.map((alert) => [alert.claimId, alert.kind]),
      [
        [first.id, 'claim-submitted'],
        [first.id, 'submission-receipt'],
        [second.id, 'claim-submitted'],
      ],
    );
    assert.deepEqual(await harness.repository.idsWithPendingAlerts(1), [first.id]);
  });

  it('alerts the caller already holds are left out, and a claim whose every alert is held is not read', async () => {
    const first = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Teams'] }));
    harness.clock.advance(1000);
    const second = await claimAt(harness, 'Submitted', m365Details({ workloads: ['Viva'] }));
    const [submitted, receipt] = await harness.service.pendingAlerts(2);
    const read: string[] = [];
    const get = harness.repository.get.bind(harness.repository);
    harness.repository.get = async (id) => {
      read.push(id);
      return get(id);
    };
    const held = new Map([[first.id, new Set([submitted!.id, receipt!.id])]]);
    const rest = await harness.service.pendingAlerts(1, held);
    assert.deepEqual(
      rest.map((alert) => [alert.claimId, alert.kind]),
      [[second.id, 'claim-submitted']],
    );
    assert.deepEqual(read, [second.id]);
    const partlyHeld = await harness.service.pendingAlerts(10, new Map([[first.id, new Set([submitted!.id])]]));
    assert.deepEqual(partlyHeld.map((alert) => alert.id).includes(submitted!.id), false);
    assert.equal(partlyHeld.length, 3);
  });
});

/** A value as JSON keeps it (no undefined members). */
function asStored(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
