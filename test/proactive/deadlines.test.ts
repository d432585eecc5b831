import assert from 'node:assert/strict';
import sinon from 'sinon';
import { TickScheduler } from '../../bot/proactive/scheduler.js';
import { proactiveHealth } from '../../bot/proactive/health.js';
import { ProactiveConnector } from '../support/proactiveConnector.js';
import { CUSTOMER_TENANT, PARTNER_TENANT, REVIEW_TENANT, claimAt, createHarness, m365Details, partner, type Harness } from '../support/serviceHarness.js';
import { deliverAll, deliveredKeys, meet, openWorker, type Worker } from './proactiveFixtures.js';

// SPEC section 3 timers end to end: the scheduler ticks the real claim service on a fake clock,
// the outbox delivers through a real CloudAdapter to the stand-in connector, once each.

const DAY = 24 * 60 * 60 * 1000;

describe('proactive: deadlines reach people once', () => {
  let harness: Harness;
  let connector: ProactiveConnector;
  let worker: Worker;
  let timers: sinon.SinonFakeTimers;
  let scheduler: TickScheduler;

  beforeEach(async () => {
    harness = await createHarness();
    connector = await ProactiveConnector.start();
    worker = await openWorker(harness);
    await meet(worker.references, connector, { tenantId: PARTNER_TENANT, userId: partner().userId, conversationId: 'a:partner', locale: 'es-ES' });
    await meet(worker.references, connector, { tenantId: REVIEW_TENANT, userId: 'reviewer-1', conversationId: 'a:reviewer', roles: ['reviewer'] });
    await meet(worker.references, connector, { tenantId: CUSTOMER_TENANT, userId: 'customer-1', conversationId: 'a:customer', locale: 'sv-SE' });
    // Only the scheduler's interval is faked; HTTP and the delivery worker run on real time.
    timers = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    scheduler = new TickScheduler({ claims: harness.service, intervalMs: 60_000, clock: harness.clock, onFired: () => worker.outbox.kick() });
    await scheduler.start();
  });

  afterEach(async () => {
    await scheduler.stop();
    timers.restore();
    await worker.outbox.stop();
    await connector.close();
    await harness.cleanup();
  });

  async function minutePasses(at: string | number): Promise<void> {
    harness.clock.set(new Date(at));
    timers.tick(60_000);
    await scheduler.whenIdle();
    await deliverAll(worker, harness);
  }

  it('partner: deadline-near one business day before, then "No partner response" at the deadline', async () => {
    const claim = await claimAt(harness, 'PartnerActionRequired');
    await deliverAll(worker, harness);
    const respondBy = Date.parse(claim.deadlines.partnerResponse!);

    // Respond by Monday 30 Nov 09:00; one business day before is Friday 27 Nov 09:00.
    assert.equal(claim.deadlines.partnerResponse, '2026-11-30T09:00:00.000Z');
    const oneBusinessDayBefore = Date.parse('2026-11-27T09:00:00.000Z');
    await minutePasses(oneBusinessDayBefore - 1);
    assert.equal(connector.delivered(':deadline-near:').length, 0, 'not before one business day ahead');
    await minutePasses(oneBusinessDayBefore);
    const near = connector.delivered('deadline-near:partner');
    assert.equal(near.length, 1);
    assert.equal(near[0]!.conversationId, 'a:partner');
    assert.match(JSON.stringify(near[0]!.body), /\(es, partner\)/, "rendered in the partner's language");

    await minutePasses(respondBy);
    assert.equal((await harness.service.get(partner(), claim.id)).rejection?.reason, 'no-partner-response');
    const rejected = connector.delivered(':rejected:partner');
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.conversationId, 'a:partner');

    // Further minutes change nothing: every alert arrived exactly once.
    await minutePasses(respondBy + 3 * DAY);
    assert.ok(
      [...deliveredKeys(connector).values()].every((count) => count === 1),
      JSON.stringify([...deliveredKeys(connector)]),
    );
    assert.deepEqual(await harness.service.pendingAlerts(), []);
  });

  it('the consent window lapses into associated with an alert to the partner', async () => {
    const claim = await claimAt(harness, 'Approved');
    await deliverAll(worker, harness);
    assert.equal(connector.delivered(':consent-notice:customer').length, 1, 'the customer got the consent notice');
    await minutePasses(claim.deadlines.consentWindow!);
    const after = await harness.service.get(partner(), claim.id);
    assert.equal(after.consentPhase, 'associated');
    assert.equal(connector.delivered(':associated:partner').length, 1);
    assert.ok([...deliveredKeys(connector).values()].every((count) => count === 1));
  });

  it('reviewers get the review SLA alerts in their chat, once', async () => {
    const claim = await claimAt(harness, 'Submitted', m365Details());
    await deliverAll(worker, harness);
    await minutePasses(Date.parse(claim.deadlines.reviewStart!) + 1);
    const overdue = connector.delivered(':review-sla-overdue:reviewers');
    assert.equal(overdue.length, 1);
    assert.equal(overdue[0]!.conversationId, 'a:reviewer');
    await minutePasses(Date.parse(claim.deadlines.reviewStart!) + DAY);
    assert.equal(connector.delivered(':review-sla-overdue:reviewers').length, 1);
    const noCardCopies = { health: () => ({ updated: 0, failed: 0, forgotten: 0, coalesced: 0, queued: 0 }) };
    const health = proactiveHealth(scheduler, worker.outbox, noCardCopies);
    assert.equal(health.outbox.pending, 0);
    assert.equal(health.scheduler.lastError, undefined);
    assert.ok(health.outbox.sentTotal >= 3);
  });
});
