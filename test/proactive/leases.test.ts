import assert from 'node:assert/strict';
import { ProactiveConnector } from '../support/proactiveConnector.js';
import { PARTNER_TENANT, REVIEW_TENANT, claimAt, createHarness, partner, type Harness } from '../support/serviceHarness.js';
import { deliverAll, meet, openWorker, testSettings, type Worker } from './proactiveFixtures.js';

// The delivery worker picks work by leasing claims (files engine here; the PostgreSQL engine
// shares them across instances, test/storage/postgresInstances.test.ts): held while an alert of
// the claim is in flight or queued, released once settled or at stop, and given up when
// another instance took the claim over after the lease lapsed.

const LEASE_MS = 60_000;

describe('proactive: the leases of the claims a worker delivers for', function () {
  this.timeout(30_000);
  let harness: Harness;
  let connector: ProactiveConnector;
  let worker: Worker;
  const partnerChat = { tenantId: PARTNER_TENANT, userId: partner().userId, conversationId: 'a:partner' };
  const reviewerChat = { tenantId: REVIEW_TENANT, userId: 'reviewer-1', conversationId: 'a:reviewer', roles: ['reviewer' as const] };
  const otherInstance = () => harness.repository.leasePendingAlerts({ now: harness.clock.now(), owner: 'other-instance', leaseMs: LEASE_MS, limit: 10 });
  const heldByWorker = (claimId: string) =>
    harness.repository.renewLeases('alerts', [claimId], { now: harness.clock.now(), owner: harness.service.instanceId, leaseMs: LEASE_MS });

  beforeEach(async () => {
    harness = await createHarness();
    connector = await ProactiveConnector.start();
    worker = await openWorker(harness, { settings: testSettings({ requestTimeoutMs: 1000 }), leaseMs: LEASE_MS });
    await meet(worker.references, connector, partnerChat);
    await meet(worker.references, connector, reviewerChat);
    // The partner's first request never gets an answer: it stays in flight until the timeout.
    connector.script('a:partner', { status: 200, hang: true });
  });

  afterEach(async () => {
    await worker.outbox.stop();
    await connector.close();
    await harness.cleanup();
  });

  async function inFlightToPartner(): Promise<string> {
    const claim = await claimAt(harness, 'Submitted');
    void worker.outbox.drain();
    const giveUpAt = Date.now() + 5000;
    while (connector.posts('a:partner').length === 0) {
      if (Date.now() > giveUpAt) assert.fail('the receipt never reached the connector');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return claim.id;
  }

  it('holds the claim while its alert is in flight, and releases it once its alerts are settled', async () => {
    const claimId = await inFlightToPartner();
    assert.deepEqual(await otherInstance(), [], 'another instance cannot take the claim meanwhile');
    await deliverAll(worker, harness);
    assert.equal(connector.posts('a:partner').length, 2, 'the request that timed out, then the one answered');
    assert.equal(connector.delivered(':claim-submitted:reviewers').length, 1);
    assert.deepEqual(
      (await harness.repository.get(claimId))!.outbox.map((alert) => alert.state),
      ['sent', 'sent'],
    );
    assert.deepEqual(await heldByWorker(claimId), [], 'released');
  });

  it('gives the leases of alerts left queued back at stop, for another instance to take at once', async () => {
    const claimId = await inFlightToPartner();
    await worker.outbox.stop();
    assert.deepEqual(await otherInstance(), [claimId], 'taken without waiting for the lease to lapse');
    const receipt = (await harness.repository.get(claimId))!.outbox.find((alert) => alert.kind === 'submission-receipt')!;
    assert.equal(receipt.state, 'pending');
  });

  it('sends nothing more for a claim another instance took over after its lease lapsed', async () => {
    const claimId = await inFlightToPartner();
    harness.clock.advance(LEASE_MS);
    assert.deepEqual(await otherInstance(), [claimId], 'the lapsed lease passes to another instance');
    // The next pass finds the lease gone and drops the claim's alerts; the hung request times out.
    await worker.outbox.drain();
    await worker.outbox.idle();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await worker.outbox.idle();
    assert.equal(connector.posts('a:partner').length, 1, 'the receipt was not sent again by this worker');
    const receipt = (await harness.repository.get(claimId))!.outbox.find((alert) => alert.kind === 'submission-receipt')!;
    assert.equal(receipt.state, 'pending', 'left to the instance holding the claim now');
  });
});
