import assert from 'node:assert/strict';
import type { OutboxSource } from '../../bot/proactive/outboxDelivery.js';
import { TickScheduler } from '../../bot/proactive/scheduler.js';
import { ProactiveConnector } from '../support/proactiveConnector.js';
import { PARTNER_TENANT, REVIEW_TENANT, claimAt, createHarness, partner, type Harness } from '../support/serviceHarness.js';
import { deliverAll, deliveredKeys, meet, openWorker, testSettings, type Worker } from './proactiveFixtures.js';

// Restarts and crashes. A "crash" here abandons a worker at a chosen point without stopping it
// (nothing after that point runs, as with SIGKILL); the restart is a new store, service and
// worker on the same DATA_DIR.

const partnerChat = { tenantId: PARTNER_TENANT, userId: partner().userId, conversationId: 'a:partner' };
const reviewerChat = { tenantId: REVIEW_TENANT, userId: 'reviewer-1', conversationId: 'a:reviewer', roles: ['reviewer' as const] };

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('proactive: restarts and crashes', () => {
  let harness: Harness;
  let connector: ProactiveConnector;
  const workers: Worker[] = [];

  beforeEach(async () => {
    harness = await createHarness();
    connector = await ProactiveConnector.start();
  });

  afterEach(async () => {
    // Closing the connector first ends any request a "crashed" worker left hanging.
    await connector.close();
    for (const worker of workers.splice(0)) await Promise.race([worker.outbox.stop(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    await harness.cleanup();
  });

  async function worker(options: Parameters<typeof openWorker>[1] = {}): Promise<Worker> {
    const opened = await openWorker(harness, options);
    workers.push(opened);
    return opened;
  }

  it('alerts still pending when the process stopped go out after the restart, once each', async () => {
    const first = await worker();
    await meet(first.references, connector, partnerChat);
    await meet(first.references, connector, reviewerChat);
    await claimAt(harness, 'InReview');
    await first.outbox.stop();

    harness = await harness.restart();
    const second = await worker();
    await deliverAll(second, harness);
    const keys = deliveredKeys(connector);
    assert.equal(keys.size, 3, [...keys.keys()].join(', '));
    assert.ok([...keys.values()].every((count) => count === 1));
    assert.deepEqual(await harness.service.pendingAlerts(), []);
  });

  // The files engine's leases live in its process; the PostgreSQL engine's outlive it, so an
  // instance restarted under its name (INSTANCE_ID) finds its claims still leased to it.
  it('restarted under the same name, takes back at once the claims still leased to it', async () => {
    const claim = await claimAt(harness, 'Submitted');
    const leasedBefore = await harness.repository.leasePendingAlerts({
      now: harness.clock.now(),
      owner: harness.service.instanceId,
      leaseMs: 600_000,
      limit: 10,
    });
    assert.deepEqual(leasedBefore, [claim.id], 'leased under this name by the process that crashed');
    const restarted = await worker();
    await meet(restarted.references, connector, partnerChat);
    await meet(restarted.references, connector, reviewerChat);
    await deliverAll(restarted, harness);
    assert.deepEqual(
      (await harness.repository.get(claim.id))!.outbox.map((alert) => alert.state),
      ['sent', 'sent'],
      'sent without waiting ten minutes for the lease to lapse',
    );
  });

  it('a crash after Teams accepted but before the outbox was updated sends no second copy', async () => {
    let crashed = false;
    const crashingSource: OutboxSource = {
      leasePendingAlerts: (lease, limit, except, scope) => harness.service.leasePendingAlerts(lease, limit, except, scope),
      checkHeldAlerts: (held, options) => harness.service.checkHeldAlerts(held, options),
      alertClaimsLeasedTo: (lease) => harness.service.alertClaimsLeasedTo(lease),
      renewAlertLeases: (lease, claimIds) => harness.service.renewAlertLeases(lease, claimIds),
      releaseAlertLeases: (owner, claimIds) => harness.service.releaseAlertLeases(owner, claimIds),
      recordDelivery: (claimId, alertId, outcome) => {
        if (outcome.state !== 'sent') return harness.service.recordDelivery(claimId, alertId, outcome);
        crashed = true;
        return new Promise(() => undefined); // the process dies here
      },
    };
    const first = await worker({ claims: crashingSource });
    await meet(first.references, connector, partnerChat);
    await meet(first.references, connector, reviewerChat);
    await claimAt(harness, 'Submitted');
    void first.outbox.drain();
    await until(() => crashed, 'the crash point');
    assert.equal((await harness.service.pendingAlerts()).length, 2, 'the outbox still says pending');

    harness = await harness.restart();
    const second = await worker();
    await deliverAll(second, harness);
    const keys = deliveredKeys(connector);
    assert.ok(
      [...keys.values()].every((count) => count === 1),
      JSON.stringify([...keys]),
    );
    assert.equal(connector.delivered(':submission-receipt:partner').length, 1);
    assert.equal(connector.delivered(':claim-submitted:reviewers').length, 1);
    assert.deepEqual(await harness.service.pendingAlerts(), []);
  });

  for (const afterCrash of ['skip', 'resend'] as const) {
    it(`a crash while the POST is in flight: DELIVERY_AFTER_CRASH=${afterCrash}`, async () => {
      connector.script('a:partner', { status: 200, hang: true });
      // The crashed process gets no answer and must not time out and retry while the test runs.
      const first = await worker({ settings: testSettings({ requestTimeoutMs: 20_000 }) });
      await meet(first.references, connector, partnerChat);
      await meet(first.references, connector, reviewerChat);
      const claim = await claimAt(harness, 'Submitted');
      void first.outbox.drain();
      await until(() => connector.posts('a:partner').length === 1, 'the POST to reach Teams');
      // The abandoned worker is still alive in this process: the crash point is only reached once
      // it has nothing left to do but wait for that POST (the reviewers' alert recorded as sent),
      // or it would go on sending beside the restarted one, as a killed process cannot.
      await until(async () => (await harness.service.pendingAlerts()).length === 1, "the reviewers' alert to be recorded");

      harness = await harness.restart();
      const second = await worker({ settings: testSettings({ afterCrash }) });
      await deliverAll(second, harness);
      const receipt = (await harness.repository.get(claim.id))!.outbox.find((alert) => alert.kind === 'submission-receipt')!;
      if (afterCrash === 'skip') {
        assert.equal(connector.posts('a:partner').length, 1, 'at most once: never posted again');
        assert.equal(receipt.state, 'dead');
        assert.match(receipt.lastError ?? '', /uncertain/);
        assert.equal(second.outbox.health().uncertain, 1);
      } else {
        assert.equal(connector.posts('a:partner').length, 2, 'at least once: posted again');
        assert.equal(receipt.state, 'sent');
      }
      assert.equal(connector.delivered(':claim-submitted:reviewers').length, 1, 'the other conversation is unaffected');
    });
  }

  it('down across a deadline: the start-up tick fires the timer and its alert goes out', async () => {
    const first = await worker();
    await meet(first.references, connector, partnerChat);
    await meet(first.references, connector, reviewerChat);
    const claim = await claimAt(harness, 'PartnerActionRequired');
    await deliverAll(first, harness);
    await first.outbox.stop();

    harness.clock.set(new Date(Date.parse(claim.deadlines.partnerResponse!) + 3 * 3600_000));
    harness = await harness.restart();
    const second = await worker();
    const scheduler = new TickScheduler({ claims: harness.service, intervalMs: 60_000, clock: harness.clock, onFired: () => second.outbox.kick() });
    await scheduler.start();
    await scheduler.stop();
    assert.ok((scheduler.health().lastFired ?? 0) >= 1, 'the catch-up tick fired');
    await deliverAll(second, harness);
    assert.equal(connector.delivered(':rejected:partner').length, 1);
    assert.equal((await harness.service.get(partner(), claim.id)).rejection?.reason, 'no-partner-response');
  });
});
